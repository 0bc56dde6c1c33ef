"""Every write of rers_core, one module per aggregate (members, listings, networks)."""
