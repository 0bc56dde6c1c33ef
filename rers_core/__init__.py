"""rers_core: one reciprocal knowledge-exchange network (members, charter, consents, listings)."""
