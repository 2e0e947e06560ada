"""boto3 clients in the embedded AWS, built once instead of once per deployment.

botocore gives every new session a data loader of its own, which reads and
parses each service's model again (about 30 ms a client), and each handler's
cold start and each deployment creates sessions afresh.  For the length of a
run, ``shared_models()`` hands every session one loader per model search
path, so a process reads each model once; the models are the same read-only
files, so what a client does is unchanged.  ``service_clients`` keeps the
emulator's own clients (the services' side, never a handler's) per region
and AWS environment: the same fake credentials and endpoints give the same
client, so a deployment reuses the last one's.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from typing import Any, Iterator
from unittest import mock

CLIENTS = ("sqs", "sns", "events", "iam", "logs", "cloudwatch", "dynamodb", "kms", "scheduler")

_lock = threading.Lock()
_clients: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}


@functools.lru_cache(maxsize=None)
def _loader(search_path: str | None) -> Any:
    from botocore.loaders import create_loader  # noqa: PLC0415 - botocore loads when a run starts

    return create_loader(search_path)


@contextlib.contextmanager
def shared_models() -> Iterator[None]:
    """Every botocore session created meanwhile reads service models through one loader per search path."""
    with mock.patch("botocore.session.create_loader", _loader):
        yield


def service_clients(region: str) -> dict[str, Any]:
    """The emulator's client per service in ``region`` under the current AWS environment (credentials,
    endpoints), created on first use."""
    import boto3  # noqa: PLC0415 - boto3 loads when a run starts

    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    key = (region, environment)
    with _lock:
        if key not in _clients:
            with shared_models():
                session = boto3.session.Session(region_name=region)
                _clients[key] = {svc: session.client(svc, region_name=region) for svc in CLIENTS}
        return _clients[key]
