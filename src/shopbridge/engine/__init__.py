"""The durable engine: store, schema, migrations, inbox, job queue, workers, scheduler, problems.

Flows and entrypoints use it through small functions that take a SQLAlchemy ``Connection``, so
their writes and the jobs they enqueue share one transaction (the transactional outbox)::

    store.py      Store.connect(url) / migrate() / begin()       schema.py   every table, one place
    inbox.py      record_event (once per source, shop, event)    queue.py    enqueue, claim, complete ...
    queue_admin   stats, list_jobs, replay, retry_now, discard   worker.py   Registry, Worker
    retry.py      RetryPolicy (the backoff formula)              runner.py   worker processes
    scheduler.py  periodic sweeps, fired once across processes   problems.py report, resolve, ignore
    cursors.py    sweep watermarks     counters.py   counters    links.py    Shopify id <-> ERP id
    snapshots.py  last stock pushed    audit.py      manual actions          clock.py    System/FakeClock
    batch.py      the prepared inbox/job writes behind record_event and enqueue, also many rows at once
"""
