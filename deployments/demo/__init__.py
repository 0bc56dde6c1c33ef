"""The three-network demo of ``make demo``: see ``__main__.py``."""
