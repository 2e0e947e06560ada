"""Handler tests run the runtime as Lambda does: the `handlers` package beside the
team's code (app/, on the path through pytest.ini), each test with its own cold
start (the package is imported afresh, after the test has set the environment)."""

from __future__ import annotations

import os
import textwrap

import pytest
from handler_testkit import RECORDED, REGION, Runtime, fresh_modules

from emulator.aws.clients import shared_models


@pytest.fixture(autouse=True)
def lambda_env(monkeypatch):
    """Only what Lambda itself sets (region) plus fake credentials; no MESSAGING_* variable."""
    for name in list(os.environ):
        if name.startswith(("MESSAGING_", "POWERTOOLS_", "AWS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    fresh_modules()
    # Each test's cold start creates its clients afresh; botocore reads each service model once per process.
    with shared_models():
        yield monkeypatch
    fresh_modules()


@pytest.fixture
def aws():
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def consumer(lambda_env, capsys) -> Runtime:
    """handlers.consumer, cold-started on first use (capsys first: the logger writes to the stdout it finds)."""
    return Runtime("consumer")


@pytest.fixture
def producer(lambda_env, capsys) -> Runtime:
    return Runtime("producer")


@pytest.fixture
def team_code(tmp_path, monkeypatch):
    """A folder of team modules on the import path: team_code({"name.py": source}) -> folder."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(modules: dict[str, str]):
        for name, source in modules.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        return tmp_path

    return write


@pytest.fixture
def recorder(lambda_env, team_code):
    """A team processor `recorder:process` that records every envelope it processes,
    failing the ones whose data has "fail": true."""
    team_code(
        {
            "recorder.py": """
                from handler_testkit import RECORDED

                def process(envelope):
                    RECORDED.append(envelope)
                    if (envelope.get("data") or {}).get("fail"):
                        raise RuntimeError("asked to fail")
            """
        }
    )
    lambda_env.setenv("MESSAGING_PROCESSOR", "recorder:process")
    RECORDED.clear()
    yield RECORDED
    RECORDED.clear()
