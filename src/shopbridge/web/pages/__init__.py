"""The dashboard's pages beyond the first: one module per page, each with its own ``routes()``."""
