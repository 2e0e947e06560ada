"""Fixtures for the unit tests: the whole program under the recording mocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi_harness import Deployment, attempt_program, deployed, stack_config


@pytest.fixture
def deploy() -> Callable[..., Deployment]:
    """deploy(topology, consumers=None, **options) -> Deployment of the whole program (one run per distinct
    config: the tests read it, never change it)."""

    def _deploy(topology: str, consumers: list[dict] | None = None, **options: Any) -> Deployment:
        deployment = deployed(stack_config(topology, consumers, **options))
        assert deployment.resources, "the program registered no resources: the mocks did not run it"
        return deployment

    return _deploy


@pytest.fixture
def attempt() -> Callable[[dict[str, str]], tuple[BaseException | None, Deployment]]:
    """attempt(raw config strings) -> (error or None, Deployment), e.g. to feed it bad values."""
    return attempt_program
