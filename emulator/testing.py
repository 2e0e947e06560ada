"""A pytest fixture for a team's own tests: ``emulated_stack``, a deployed ``emulator.Stack`` per test.

In the team's ``conftest.py``::

    from emulator.testing import emulated_stack  # noqa: F401 - the fixture

then in a test::

    def test_big_orders_reach_big_orders_only(emulated_stack):
        stack = emulated_stack(config={"topology": "fanout", "consumers": [...]})
        ...

``emulated_stack(stack="dev", *, config=None, stack_file=None, project_dir=None)``
deploys the stack (see ``emulator.Stack``) and tears it down after the test.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from .stack import Stack


@pytest.fixture
def emulated_stack() -> Iterator[Callable[..., Stack]]:
    deployed: list[Stack] = []

    def deploy(stack: str = "dev", **options: Any) -> Stack:
        if deployed:
            raise RuntimeError("one emulated stack per test: the embedded AWS is one per process")
        running = Stack(stack, **options).__enter__()
        deployed.append(running)
        return running

    yield deploy
    for running in reversed(deployed):
        running.__exit__(None, None, None)
