"""A SYSPRO e.net Solutions sandbox: the REST shape, a seeded company in memory, faults and levers.

``SysproSandbox().start()`` serves it on 127.0.0.1 and returns the base URL (the equivalent of
``http://host:port/SYSPROWCFService/Rest``); ``levers`` drives it in-process.
"""

from __future__ import annotations

from shopbridge.sandbox.serving import ServerThread
from shopbridge.sandbox.syspro.app import Credentials, SysproLevers, SysproState, create_app

__all__ = ["Credentials", "SysproSandbox"]


class SysproSandbox:
    def __init__(self, credentials: Credentials | None = None, *, port: int = 0) -> None:
        self.state = SysproState(credentials or Credentials())
        self.levers = SysproLevers(self.state)
        self._server = ServerThread(create_app(self.state), port=port, name="syspro-sandbox")
        self.base_url = ""

    def start(self) -> str:
        self.base_url = self._server.start()
        return self.base_url

    def stop(self) -> None:
        self._server.stop()
