"""A Prima (Prima Solutions) sandbox: SOAP ``wsomhandler``/``comwsomhandler``, seeded, with levers.

``PrimaSandbox().start()`` serves it on 127.0.0.1 and returns the server root (levers at
``/_sandbox/``); ``service_url`` is the WSA URL the adapter calls. ``levers`` drives it in-process.
The small HTTP server runner is shared with the SYSPRO sandbox.
"""

from __future__ import annotations

from shopbridge.sandbox.prima.app import WSA_PATH, Login, PrimaLevers, PrimaState, create_app
from shopbridge.sandbox.serving import ServerThread

__all__ = ["Login", "PrimaSandbox"]


class PrimaSandbox:
    def __init__(self, login: Login | None = None, *, port: int = 0) -> None:
        self.state = PrimaState(login or Login())
        self.levers = PrimaLevers(self.state)
        self._server = ServerThread(create_app(self.state), port=port, name="prima-sandbox")
        self.base_url = ""

    def start(self) -> str:
        self.base_url = self._server.start()
        return self.base_url

    @property
    def service_url(self) -> str:
        """The WSA URL: what ``erp.prima.base_url`` points at (POST here; WSDL at ``/wsdl``)."""
        return self.base_url + WSA_PATH

    def stop(self) -> None:
        self._server.stop()
