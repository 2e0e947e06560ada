"""Handler tests run the Lambda package as Lambda does: `handlers/` is the root,
so its modules import as top-level names (`import producer`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
if str(HANDLERS) not in sys.path:
    sys.path.insert(0, str(HANDLERS))

import clients  # noqa: E402
import idempotency  # noqa: E402
import processors  # noqa: E402
from handler_testkit import REGION  # noqa: E402


@pytest.fixture(autouse=True)
def lambda_env(monkeypatch):
    """Only what Lambda itself sets (region) plus fake credentials; no MESSAGING_* variable."""
    import os

    for name in list(os.environ):
        if name.startswith(("MESSAGING_", "POWERTOOLS_", "AWS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    clients.reset()
    idempotency.reset()
    yield monkeypatch
    clients.reset()
    idempotency.reset()


@pytest.fixture
def aws():
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def recorder(lambda_env):
    """A processor named "recorder" that records every envelope it processes,
    failing the ones whose data has "fail": true."""
    calls: list[dict] = []

    def record(envelope: dict) -> None:
        calls.append(envelope)
        if (envelope.get("data") or {}).get("fail"):
            raise RuntimeError("asked to fail")

    lambda_env.setitem(processors.REGISTRY, "recorder", record)
    lambda_env.setenv("MESSAGING_PROCESSOR", "recorder")
    return calls
