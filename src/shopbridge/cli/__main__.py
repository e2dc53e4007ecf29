"""``python -m shopbridge.cli``: the same as the ``shopbridge`` command."""

from __future__ import annotations

from shopbridge.cli.app import main

main()
