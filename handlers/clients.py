"""boto3 clients, made on first use and cached per (service, region, endpoint).

Nothing here runs at import: boto3 itself is imported on the first client, so a
cold start that never calls AWS does not pay for it, and tests can patch or
reset clients freely. The region is always explicit.
"""

from __future__ import annotations

import os
from typing import Any

_clients: dict[tuple, Any] = {}


def client(service: str, region: str) -> Any:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_" + service.upper()) or os.environ.get("AWS_ENDPOINT_URL")
    key = (service, region, endpoint)
    made = _clients.get(key)
    if made is None:
        import boto3  # noqa: PLC0415 - first use, not cold start
        from botocore.config import Config  # noqa: PLC0415

        made = _clients[key] = boto3.session.Session().client(
            service, region_name=region, config=Config(retries={"mode": "standard", "max_attempts": 3})
        )
    return made


def reset() -> None:
    """Forget cached clients (tests, or a process switching AWS endpoints)."""
    _clients.clear()
