"""The demo's dashboard has a demo admin with a fresh random password, written to no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.signing import signed_in_client
from shopbridge.demo.stack import DEMO_ADMIN, DemoOptions, DemoStack

pytestmark = pytest.mark.slow


def test_the_demo_admin_signs_in_with_the_password_of_this_run_only(tmp_path: Path) -> None:
    with DemoStack(DemoOptions(workdir=tmp_path, orders=1)) as stack:
        password = stack.admin_password
        assert len(password) >= 12
        with signed_in_client(stack.web_url, DEMO_ADMIN, password) as client:
            assert client.get("/api/status").status_code == 200
            assert "demo (admin)" in client.get("/").text
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".toml", ".json", ".md", ".txt", ".log"):
            assert password not in path.read_text(encoding="utf-8"), path
