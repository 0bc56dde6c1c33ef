"""Whether a network has neighbouring networks is the federation app's to say (it registers
a check with ``rers_core.selectors.networks``). Core tests that create the neighbours' rows
directly, as the federation would, say so with :func:`pretend_neighbours` instead of peering
for real."""

from rers_core.selectors import networks


def pretend_neighbours(monkeypatch) -> None:
    """Every network has an active neighbouring network until the test ends."""
    monkeypatch.setitem(networks._neighbours_checks, "tests", lambda network: True)
