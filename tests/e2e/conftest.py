"""Fixtures for the end-to-end tests (helpers live in e2e_support.py).

Runs are cached per session (``emulate``), so a configuration several tests
look at is played once. Each run goes through ``emulator.Stack``, the API the
README offers teams for their own suites: deploy, publish, drain, report.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from e2e_support import STACK, write_stack  # first: it puts the project on sys.path

import emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulate(tmp_path_factory) -> Callable[..., dict]:
    """``emulate(consumers, topology, messages, **options)`` -> report (cached per distinct call)."""
    cache: dict[str, dict] = {}

    def run(
        consumers: list[dict], topology: str, messages: list[dict], *, program_transform=None, **options: Any
    ) -> dict:
        key = json.dumps([consumers, topology, messages, options], sort_keys=True)
        if program_transform is None and key in cache:
            return cache[key]
        directory = tmp_path_factory.mktemp("stack")
        stack_file = write_stack(directory, consumers, topology, **options)
        with emulator.Stack(STACK, stack_file=stack_file, program_transform=program_transform) as stack:
            stack.publish(messages)
            stack.drain()
            report = stack.report(details=True)
        if program_transform is None:
            cache[key] = report
        return report

    return run
