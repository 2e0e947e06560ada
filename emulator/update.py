"""An update of a deployed stack, as ``pulumi up`` runs on a stack that exists (``Stack.redeploy``, SIGHUP to
``python -m emulator serve``).

The program runs again with the new config into a new ``AwsMocks`` that knows
the deployment it updates (``emulator/aws/dispatch.py``): resources are
identified by type and logical name (physical names are deterministic per
type and logical name, so a resource declared again gets its old name);
unchanged ones are adopted, changed ones updated in place (a queue keeps its
messages) or replaced, new ones created; once the program has succeeded, what
it no longer declares is deleted. A program that fails (a config it refuses:
its validation runs before it declares anything) leaves the deployment as it
was: what the update created is deleted again and the old records stay in use.

The Lambda service then runs the new deployment (``LambdaService.redeployed``):
the same sandbox, poller and direct-invocation runner with the new functions
and mappings; each consumer's history carries over; a function recorded anew
(changed inputs) gets a cold start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aws import AwsMocks, ProgramTransform
from .aws.dispatch import Changes
from .errors import EmulatorError
from .program import run_program
from .routes import BlockedRoute, enforce, ordering_warnings


@dataclass
class Update:
    """One applied update: the new deployment's records and exports, and what changed."""

    mocks: AwsMocks
    exports: dict[str, Any]
    changes: Changes
    warnings: list[str] = field(default_factory=list)
    blocked: list[BlockedRoute] = field(default_factory=list)

    def summary(self) -> str:
        return self.changes.summary()


def apply(
    previous: AwsMocks,
    blocked: list[BlockedRoute],
    root: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    program_transform: ProgramTransform | None = None,
) -> Update:
    """Update the deployment ``previous`` to what the program declares with ``config``; raise, changing
    nothing, when the program refuses it. ``blocked``: the routes already found blocked (removed from the
    embedded AWS); a route kept unchanged stays as it was checked."""
    region = config.get("aws:region") or previous.region
    if region != previous.region:
        raise EmulatorError(
            f"aws:region {region!r}: an update cannot move the stack from {previous.region!r} "
            "(Pulumi would replace every resource; stop and deploy the stack again)"
        )
    mocks = AwsMocks(previous.region, program_transform, previous=previous)
    try:
        exports = run_program(mocks, root, project, stack, config)
    except BaseException:
        mocks.abandon_update()
        raise
    changes = mocks.finish_update()
    # Routes adopted as they were keep their verdict (a blocked one is already removed); the rest are checked.
    adopted = {id(item) for d in changes.unchanged for attr, item in d.records if attr == "routes"}
    fresh = [r for r in mocks.routes if id(r) not in adopted]
    still = {r.resource for r in mocks.routes if id(r) in adopted}
    return Update(
        mocks,
        exports,
        changes,
        ordering_warnings(mocks),
        [b for b in blocked if b.resource in still] + enforce(mocks, fresh),
    )
