"""Pure domain: canonical records, money, problem taxonomy, mapping rules. Standard library only."""
