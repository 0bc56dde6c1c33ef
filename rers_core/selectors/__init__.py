"""Every non-trivial read of rers_core, scoped to the networks the reader belongs to."""
