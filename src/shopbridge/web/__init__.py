"""Web entrypoint: webhook intake, dashboard, JSON API, metrics."""
