"""While PostgreSQL cannot be reached: people get a "try again in a few minutes" answer
(503) instead of a bare 500, and tasks queued for one row retry instead of being lost.
The end-to-end test (tests/e2e/test_faults.py) cuts a real PostgreSQL."""

import importlib

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils.module_loading import import_string

from deployments.site.celery import app
from tests.conftest import login

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def database_down(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


@pytest.fixture
def outage(client, member):
    """A member's logged-in browser, then every query of the site fails as when the
    server is unreachable (loading the session to know who asks is the first one)."""
    login(client, member)
    with connection.execute_wrapper(database_down):
        yield client


def test_the_portal_shows_a_page_asking_to_come_back_later(outage, network):
    response = outage.get(reverse("rers_core:network", args=[network.slug]), HTTP_ACCEPT=BROWSER)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "<h1>Service temporairement indisponible</h1>" in page
    assert "Merci de réessayer dans quelques minutes." in page
    assert "Traceback" not in page and "Server Error" not in page


def test_the_page_speaks_the_visitors_language(outage, network):
    response = outage.get(
        reverse("rers_core:network", args=[network.slug]),
        HTTP_ACCEPT=BROWSER,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 503
    assert "Please try again in a few minutes." in response.content.decode()


def test_the_api_answers_json(outage, network):
    response = outage.get(f"/api/v1/networks/{network.slug}/events/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "detail": "Le service est temporairement indisponible. "
        "Merci de réessayer dans quelques minutes.",
        "code": "unavailable",
    }


def test_other_errors_stay_server_errors(client, network, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("rers_core.web.views.networks.get_network", broken)
    client.raise_request_exception = False
    response = client.get(reverse("rers_core:network", args=[network.slug]), HTTP_ACCEPT=BROWSER)
    assert response.status_code == 500


# Tasks queued once for one row, and the service each one calls.
ONE_ROW_TASKS = [
    ("rers_federation.tasks.deliver", "rers_federation.services.delivery.attempt"),
    ("rers_federation.tasks.pull_from", "rers_federation.services.pull.pull_peer"),
    ("rers_core.tasks.send_notification", "rers_core.services.notifications.notification_send"),
    (
        "rers_core.tasks.forward_contact_message",
        "rers_core.services.portal.contact_message_forward",
    ),
]


def failing(monkeypatch, service: str, errors: list[Exception]) -> list[dict]:
    """Make ``service`` raise ``errors`` one call after the other, then answer "done";
    the calls it received. Eager tasks (the test settings) run their retries at once,
    within the call, when they do not propagate exceptions."""
    monkeypatch.setattr(app.conf, "task_eager_propagates", False)
    calls: list[dict] = []

    def replacement(**kwargs):
        calls.append(kwargs)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "done"

    module, name = service.rsplit(".", 1)
    monkeypatch.setattr(importlib.import_module(module), name, replacement)
    return calls


@pytest.mark.parametrize(("task", "service"), ONE_ROW_TASKS)
def test_a_task_retries_while_the_database_is_down(task, service, monkeypatch):
    down = OperationalError("connection refused")
    calls = failing(monkeypatch, service, [down, down])
    assert import_string(task).delay(7).get() == "done"
    assert len(calls) == 3


@pytest.mark.parametrize(("task", "service"), ONE_ROW_TASKS)
def test_a_task_does_not_retry_a_bug(task, service, monkeypatch):
    calls = failing(monkeypatch, service, [ValueError("a bug")])
    with pytest.raises(ValueError):
        import_string(task).delay(7).get()
    assert len(calls) == 1
