"""The durable engine: store, schema, migrations, inbox, job queue, workers, scheduler, problems.

Flows and entrypoints use it through small functions that take a SQLAlchemy ``Connection`` (so
their writes and the jobs they enqueue share one transaction: the transactional outbox).
"""
