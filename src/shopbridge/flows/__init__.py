"""Flows: one module per flow; handlers of jobs and events."""
