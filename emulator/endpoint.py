"""moto's server mode on 127.0.0.1, sharing the embedded AWS of this process.

``ThreadedMotoServer`` serves moto's own backends, the very ones that
``mock_aws`` fills in-process (both use moto's process-wide backend
registry), so the stack the emulator deployed in-process is what any SDK
reaching the endpoint sees. Three additions:

* Lambda calls are answered by :class:`emulator.lambda_api.LambdaApi`
  (moto's Lambda needs Docker to run code);
* requests under ``/_emulator/`` (no AWS API has that path) are the
  emulator's own, answered by the served stack (``POST
  /_emulator/schedules/NAME/fire`` runs a schedule now: ``emulator.serve``);
* every request runs under the emulator's lock, so a request never
  interleaves with a Lambda invocation of the background poller (handlers
  run in this process, with their own environment and stdout).

A port that is already taken is reported by ``start`` instead of hanging.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Iterable

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from .errors import EmulatorError
from .lambda_api import LambdaApi

HOST = "127.0.0.1"
CONTROL_PREFIX = "/_emulator/"  # the emulator's own requests: no AWS API has this path
_REASONS = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    501: "Not Implemented",
}
Control = Callable[[str, str, str], tuple[int, dict[str, str], bytes]]  # (method, path, query) -> response


def _is_lambda(environ: dict[str, Any]) -> bool:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    return "/lambda/aws4_request" in auth or (not auth and environ.get("PATH_INFO", "").startswith("/2015-03-31/"))


class Endpoint(ThreadedMotoServer):
    def __init__(self, port: int, lock: threading.RLock, lambda_api: LambdaApi, control: Control):
        super().__init__(ip_address=HOST, port=port, verbose=False)
        self._lock = lock
        self._lambda = lambda_api
        self._control = control
        self.error: OSError | None = None
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    def _app(self, moto_app: Callable) -> Callable:
        def app(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
            with self._lock:
                path = environ.get("PATH_INFO", "")
                if path.startswith(CONTROL_PREFIX) or _is_lambda(environ):
                    method, query = environ["REQUEST_METHOD"], environ.get("QUERY_STRING", "")
                    if path.startswith(CONTROL_PREFIX):
                        status, out_headers, payload = self._control(method, path, query)
                    else:
                        length = int(environ.get("CONTENT_LENGTH") or 0)
                        body = environ["wsgi.input"].read(length) if length else b""
                        headers = {
                            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
                        }
                        status, out_headers, payload = self._lambda.handle(method, path, query, headers, body)
                    out_headers = {**out_headers, "Content-Length": str(len(payload))}
                    start_response(f"{status} {_REASONS.get(status, '')}".rstrip(), list(out_headers.items()))
                    return [payload]
                return list(moto_app(environ, start_response))

        return app

    def _server_entry(self) -> None:
        app = self._app(DomainDispatcherApplication(create_backend_app))
        try:
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        except OSError as exc:
            self.error = exc
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever()

    def start(self) -> None:
        super().start()
        if self.error is not None:
            self._thread.join()
            raise EmulatorError(
                f"port {self._port} on {HOST} is not available ({self.error.strerror or self.error}); "
                "choose another with --port (0 picks a free one)"
            )

    @property
    def url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"
