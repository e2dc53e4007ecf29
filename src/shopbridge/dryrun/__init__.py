"""Dry run: every flow against the real systems, reading only; each write becomes a "would do".

``ports.py`` wraps the ERP and Shopify ports (reads pass through, writes are recorded), ``uow.py``
keeps a dry-run flow from storing state that would stop the live run from really writing,
``recorder.py`` puts each would-do on the entity's trail, ``mode.py`` says which flows run dry.
"""

DRY_RUN_PREFIX = "dry-run:"  # ids of documents that were never created (a dry run's plausible answers)
WOULD_DO_STEP = "would_do"  # the trail step of a write the dry run did not make

__all__ = ["DRY_RUN_PREFIX", "WOULD_DO_STEP"]
