"""Kombu's transports, mended where they stop a worker for good.

Filesystem: each message is written whole before a worker can see it. Kombu's own creates
a message's file, then writes into it: a worker listing the folder in between reads an
empty message and stops with "Unrecoverable error: JSONDecodeError" (celery/kombu#1551).
Here a message is written under a name no queue reads (workers only read names ending in
``.<queue>.msg``), then renamed to its real name: a rename within one folder is atomic.
The settings use it when CELERY_BROKER_URL is ``filesystem://``.

Redis: a worker survives losing Redis while it holds unacknowledged messages (tasks
running with acks_late, or waiting for their countdown). Once the connection is lost,
Celery drops it, then closes its channels, which puts those messages back, and
acknowledges the tasks that end meanwhile: both through the dropped connection, whose
AttributeError stops the worker for good ("Unrecoverable error: ... no attribute
'hostname'") instead of letting it reconnect. Here they fail as on a lost connection,
which Celery expects and goes past. Nothing is lost that was not already: the messages
are still in Redis's list of unacknowledged messages, which a worker restores after
``visibility_timeout`` (tasks are idempotent), or they were lost with Redis, and the
federation's sweep finds the deliveries again. The settings use it when
CELERY_BROKER_URL is ``redis://`` or ``rediss://``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, redis
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name Kombu gives messages: the reading order comes from its leading number.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        handle, partial = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(folder, name))
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


class RedisChannel(redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("The connection to Redis was dropped.")
        return super()._connparams(asynchronous=asynchronous)


class RedisTransport(redis.Transport):
    Channel = RedisChannel
