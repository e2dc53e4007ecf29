"""Onboarding: connect a store and an ERP, link the catalogue (issue 14)."""
