"""Alerts: the scheduled sweep that tells each ``[alerts]`` route about new and changed problems."""
