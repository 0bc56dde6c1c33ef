"""An in-process transport for tests: requests go to this Django site through the test
client, so two networks of one test database can federate without sockets."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client
from django.utils import translation

from rers_federation.transport import Response


class InProcessTransport:
    """Sends requests to the local site. ``sent`` records each (method, url, body)."""

    # No socket is opened: peers' addresses need not be public https:// ones (addresses.py).
    stays_in_process = True
    sent: list[tuple[str, str, bytes]] = []

    def request(
        self, method: str, url: str, *, body: bytes = b"", headers: dict[str, str]
    ) -> Response:
        parts = urlsplit(url)
        client = Client(
            HTTP_HOST=parts.netloc,
            **({"wsgi.url_scheme": "https"} if parts.scheme == "https" else {}),
        )
        extra = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in headers.items()
            if k.lower() != "content-type"
        }
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        InProcessTransport.sent.append((method, url, body))
        # The nested request activates its own language in this thread; restore the caller's
        # so a page that fetched a peer still speaks its visitor's language.
        with translation.override(translation.get_language()):
            if method == "GET":
                reply = client.get(path, **extra)
            else:
                reply = client.generic(
                    method,
                    path,
                    data=body,
                    content_type=headers.get("Content-Type", "application/json"),
                    **extra,
                )
        return Response(reply.status_code, reply.content, dict(reply.headers))
