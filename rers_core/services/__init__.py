"""Every write of rers_core. Import from the submodules: ``from rers_core.services.members import ...``."""
