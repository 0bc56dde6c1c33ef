"""Kombu's filesystem transport, with each message written whole before a worker can see it.

Kombu's own creates a message's file, then writes into it: a worker listing the folder in
between reads an empty message and stops with "Unrecoverable error: JSONDecodeError"
(celery/kombu#1551). Here a message is written under a name no queue reads (workers only
read names ending in ``.<queue>.msg``), then renamed to its real name: a rename within one
folder is atomic. The settings use it when CELERY_BROKER_URL is ``filesystem://``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


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
