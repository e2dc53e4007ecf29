"""``shopbridge rehearse``: a peak or a bad day, rehearsed against the built-in sandboxes (issue 15)."""
