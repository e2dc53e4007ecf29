"""Go-live: the gates a flow must pass before it leaves dry run, and switching it live (audited)."""
