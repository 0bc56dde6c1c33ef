"""Celery queues: each kind of work has its own queue, and a worker started without -Q
consumes them all (the one-machine setup and the end-to-end tests rely on it)."""

import pytest

from deployments.site.celery import app

QUEUES = {"default", "delivery", "inbox", "email"}


def test_a_worker_without_queue_option_consumes_every_queue():
    assert set(app.amqp.queues) == QUEUES


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("rers_federation.tasks.deliver", "delivery"),
        ("rers_federation.tasks.sweep_deliveries", "delivery"),
        ("rers_federation.tasks.pull_from", "inbox"),
        ("rers_federation.tasks.pull_from_peers", "inbox"),
        ("rers_core.tasks.send_notification", "email"),
        ("rers_core.tasks.forward_contact_message", "email"),
        ("rers_core.tasks.expire_connections", "default"),
        ("rers_core.tasks.send_event_reminders", "default"),
    ],
)
def test_tasks_are_routed_to_their_queue(task, queue):
    app.loader.import_default_modules()
    assert task in app.tasks
    routed = app.amqp.router.route({}, task)["queue"]
    assert (routed.name, routed.routing_key) == (queue, queue)


def test_every_task_of_the_project_has_a_queue_it_is_consumed_from():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if name.startswith(("rers_core.", "rers_federation."))]
    assert ours
    for name in ours:
        assert app.amqp.router.route({}, name)["queue"].name in QUEUES
