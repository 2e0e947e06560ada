"""Every event loop a run creates is closed by the run, so no "unclosed event loop" surfaces later,
in whichever test the garbage collector happens to run in."""

from __future__ import annotations

import asyncio

import pulumi_harness
from e2e_support import write_stack

import emulator


def _tracking(monkeypatch) -> list[asyncio.AbstractEventLoop]:
    created: list[asyncio.AbstractEventLoop] = []
    real = asyncio.new_event_loop

    def new_event_loop() -> asyncio.AbstractEventLoop:
        loop = real()
        created.append(loop)
        return loop

    monkeypatch.setattr(asyncio, "new_event_loop", new_event_loop)
    return created


def test_an_emulator_run_closes_every_event_loop_it_creates(tmp_path, monkeypatch):
    created = _tracking(monkeypatch)
    stack_file = write_stack(tmp_path, [{"name": "orders"}], "point-to-point")
    emulator.run(stack="e2e", stack_file=stack_file, count=1)
    assert created, "the run created no event loop: the check saw nothing"
    assert [loop for loop in created if not loop.is_closed()] == []


def test_each_program_run_under_the_recording_mocks_closes_the_previous_runs_loop(monkeypatch):
    created = _tracking(monkeypatch)
    config = pulumi_harness.stack_config("point-to-point")
    pulumi_harness.attempt_program(config)
    pulumi_harness.attempt_program(config)
    second = created.index(asyncio.get_event_loop())
    assert [loop for loop in created[:second] if not loop.is_closed()] == []


def test_a_program_run_that_fails_leaves_no_output_pending_for_a_later_test():
    # Refused once the bus exists (forwarding to the stack's own bus): outputs of what was declared are pending.
    own_bus = (
        f"arn:aws:events:{pulumi_harness.REGION}:{pulumi_harness.ACCOUNT}:event-bus/"
        f"eventbridge-bus-{pulumi_harness._suffix('eventbridge-bus')}"
    )
    config = pulumi_harness.stack_config("eventbridge", [{"name": "partner", "bus": own_bus}])
    error, deployment = pulumi_harness.attempt_program(config)
    assert "is this stack's own event bus" in str(error)
    assert deployment.registrations, "nothing was declared before the refusal: the check saw no pending output"
    assert [task for task in asyncio.all_tasks(asyncio.get_event_loop()) if not task.done()] == []
