"""What every service module shares: the records the emulator keeps of a deployment, and input conversions.

Pulumi's mocks see camelCase inputs, numbers as floats and JSON documents as
strings; the helpers here turn them into what the AWS APIs take.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from ..errors import EmulatorError

if TYPE_CHECKING:
    from .dispatch import AwsMocks

#: ``program_transform(type, name, inputs)`` may return edited inputs, or
#: ``None`` to drop the resource (it is then registered with Pulumi but not
#: created in the embedded AWS): a way for tests to break one policy.
ProgramTransform = Callable[[str, str, dict], Optional[dict]]

#: A service module's creator for one resource type: ``(mocks, type, name, inputs) -> (id, outputs)``.
Creator = Callable[["AwsMocks", str, str, dict], tuple[str, dict]]

#: An in-place update of a resource an earlier deployment created: ``(mocks, type, name, inputs, prior) ->
#: (id, outputs)``, or ``None`` when the change needs a replacement (delete, then create), as Pulumi would.
Updater = Callable[["AwsMocks", str, str, dict, "Declared"], Optional[tuple[str, dict]]]

#: Deletes what a creator made in the embedded AWS for ``prior`` (a resource no longer declared).
Deleter = Callable[["AwsMocks", "Declared"], None]


@dataclass
class Declared:
    typ: str
    name: str
    inputs: dict[str, Any]
    id: str
    outputs: dict[str, Any] = field(default_factory=dict)
    dropped: bool = False
    # What its creator recorded in AwsMocks (registry, item): adopted as is when a redeploy keeps it unchanged.
    records: list[tuple[str, Any]] = field(default_factory=list)
    # Its inputs as an update compares them, taken when it was declared: assets and archives by content then.
    fingerprint: Any = None


@dataclass
class Route:
    """A push delivery the program declared: an SNS subscription or EventBridge target."""

    kind: str  # "sns-subscription" | "eventbridge-target"
    resource: str
    source_arn: str  # topic ARN, or rule ARN
    target_arn: str
    dlq_arn: str | None
    detail: dict[str, Any]  # what is needed to re-create / remove it


def upsert(creator: Creator) -> Updater:
    """The update of a resource whose creator already creates or replaces it in place (a put, or a record)."""

    def update(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict]:
        return creator(m, typ, name, inputs)

    return update


def keep(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict]:
    """The update of a resource whose changed inputs the embedded AWS does not hold: the same resource."""
    m.adopt(prior)
    return prior.id, dict(prior.outputs)


def nothing(m: AwsMocks, prior: Declared) -> None:
    """The delete of a resource the emulator only records (dropping the record is the delete)."""


def same(prior: Declared, inputs: dict, *keys: str) -> bool:
    """Whether ``keys`` (inputs that name the resource or fix its kind) are unchanged: else it is replaced."""
    return all(prior.inputs.get(k) == inputs.get(k) for k in keys)


@contextlib.contextmanager
def gone(*codes: str) -> Iterator[None]:
    """A delete of something already gone (an error with one of ``codes``, or NotFound) is done."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - botocore's ClientError, checked by code below
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code not in codes and "NotFound" not in code and "NonExistent" not in code:
            raise


def num(v: Any) -> int:
    return int(round(float(v)))


def boolean(v: Any) -> bool:
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def sbool(v: Any) -> str:
    return "true" if boolean(v) else "false"


def json_text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def retry_policy(inputs: dict) -> dict[str, int]:
    """A Pulumi retryPolicy (EventBridge targets and Scheduler schedules share its shape) as the AWS API takes it."""
    return {
        api: num(inputs[key])
        for key, api in (
            ("maximumEventAgeInSeconds", "MaximumEventAgeInSeconds"),
            ("maximumRetryAttempts", "MaximumRetryAttempts"),
        )
        if inputs.get(key) is not None
    }


def tags_of(inputs: dict) -> dict[str, str]:
    return {str(k): str(v) for k, v in (inputs.get("tags") or {}).items()}


def refuse_keys(typ: str, name: str, inputs: dict, allowed: set[str]) -> None:
    """An input the emulator would silently ignore is an error naming it."""
    extra = sorted(k for k, v in inputs.items() if k not in allowed and v not in (None, {}, [], ""))
    if extra:
        raise EmulatorError(
            f"{typ} {name!r} sets {', '.join(extra)}: the emulator does not implement "
            f"{'this input' if len(extra) == 1 else 'these inputs'} (it would be silently ignored)"
        )
