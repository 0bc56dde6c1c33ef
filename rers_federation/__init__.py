"""rers_federation: peering between neighbouring networks' instances (built in a later issue)."""
