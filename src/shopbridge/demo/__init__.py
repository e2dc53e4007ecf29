"""`shopbridge demo`: a day of trading through the built-in sandboxes, and its reconciliation."""
