"""shopbridge: keeps a Shopify store and the business's ERP in agreement.

Layers (arrows point down): entrypoints (cli, web, bootstrap) -> flows -> domain; flows -> ports,
which connectors implement; the engine (store, queue, worker, scheduler) serves flows and entrypoints.
The sandbox wing simulates Shopify and the ERPs and imports nothing from connectors or flows.
"""

__version__ = "0.1.0"
