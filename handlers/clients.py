"""boto3 clients, with the one retry configuration of the whole runtime.

Whole-call retries (throttling, 5xx, connection errors) are botocore's job,
configured here once; the runtime itself only retries single failed entries of
a batch call (handlers/sending.py). boto3 is imported on the first client, so a
cold start that never calls AWS does not pay for it. The region is always
explicit; endpoints follow boto3's own AWS_ENDPOINT_URL variables.
"""

from __future__ import annotations

from typing import Any

RETRIES = {"mode": "standard", "total_max_attempts": 3}  # the first try and two retries


def config() -> Any:
    """The botocore Config every runtime client uses."""
    from botocore.config import Config  # noqa: PLC0415 - first use, not cold start

    return Config(retries=dict(RETRIES))


def client(service: str, region: str) -> Any:
    import boto3  # noqa: PLC0415 - first use, not cold start

    return boto3.session.Session().client(service, region_name=region, config=config())
