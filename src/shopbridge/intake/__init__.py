"""Intake: how Shopify's events reach the queue. Webhooks are hints, sweeps are the truth.

``webhooks`` records a verified delivery and enqueues the job of the flow that owns its topic;
``order_sweep`` reads the orders updated since a watermark and feeds the same job; ``reconcile``
proves that every order Shopify has reached shopbridge. None of this is a flow: intake never calls
the ERP, it only turns events into durable jobs (docs/architecture.md invariants 1 and 3).
"""
