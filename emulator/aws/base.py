"""What every service module shares: the records the emulator keeps of a deployment, and input conversions.

Pulumi's mocks see camelCase inputs, numbers as floats and JSON documents as
strings; the helpers here turn them into what the AWS APIs take.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..errors import EmulatorError

if TYPE_CHECKING:
    from .dispatch import AwsMocks

#: ``program_transform(type, name, inputs)`` may return edited inputs, or
#: ``None`` to drop the resource (it is then registered with Pulumi but not
#: created in the embedded AWS): a way for tests to break one policy.
ProgramTransform = Callable[[str, str, dict], Optional[dict]]

#: A service module's creator for one resource type: ``(mocks, type, name, inputs) -> (id, outputs)``.
Creator = Callable[["AwsMocks", str, str, dict], tuple[str, dict]]


@dataclass
class Declared:
    typ: str
    name: str
    inputs: dict[str, Any]
    id: str
    outputs: dict[str, Any] = field(default_factory=dict)
    dropped: bool = False


@dataclass
class Route:
    """A push delivery the program declared: an SNS subscription or EventBridge target."""

    kind: str  # "sns-subscription" | "eventbridge-target"
    resource: str
    source_arn: str  # topic ARN, or rule ARN
    target_arn: str
    dlq_arn: str | None
    detail: dict[str, Any]  # what is needed to re-create / remove it


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
