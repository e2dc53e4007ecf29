"""Serve an ASGI app with uvicorn on 127.0.0.1 in a background thread (port 0, read back).

Shared by every sandbox (and the demo): one place that knows how to start, wait for and stop a server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence

import uvicorn
from starlette.types import ASGIApp


class ServerThread:
    """``start()`` binds a free port and returns the base URL; ``stop()`` shuts down and joins."""

    def __init__(
        self, app: ASGIApp, *, port: int = 0, name: str = "sandbox server", also_on: Sequence[str] = ()
    ) -> None:
        self.name = name
        # Further addresses served on the same port (a rehearsal's veth addresses, which its other
        # hosts reach it by); never the wildcard, so nothing is exposed beyond what is named.
        self.also_on = tuple(also_on)
        self._app = app
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._extra: list[socket.socket] = []

    def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        port = sock.getsockname()[1]
        self._sock = sock
        self._extra = [_listening(host, port) for host in self.also_on]
        config = uvicorn.Config(
            self._app, log_level="warning", lifespan="off", ws="none", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock, *self._extra]}, name=self.name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{self.name} could not start on 127.0.0.1:{port}")
            time.sleep(0.01)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        for extra in self._extra:
            extra.close()
        self._extra = []
        self._server = None
        self._thread = None
        self._sock = None


def _listening(host: str, port: int) -> socket.socket:
    if host in ("", "0.0.0.0", "::"):
        raise ValueError("a sandbox serves named addresses only, never the wildcard")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock
