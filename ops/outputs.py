"""The stack outputs ops works from: a file, or the Pulumi CLI's ``stack output --json``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .errors import OpsError

REQUIRED = ("topology", "producerFunction", "channel", "consumers")
KEYS = ("queueUrl", "dlqUrl", "function")  # what each consumer's output needs


def _how_to_write(p: Path) -> str:
    return f"write it with `pulumi stack output --json > {p}`, or pass the file `python -m emulator serve` writes"


def from_file(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise OpsError(f"outputs file not found: {p} ({_how_to_write(p)})")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise OpsError(f"cannot read outputs file {p}: {exc}") from None
    if not raw.strip():  # what `> FILE` leaves when the command before it failed
        raise OpsError(f"outputs file {p} is empty: {_how_to_write(p)}")
    try:
        data = json.loads(raw)
    except ValueError as exc:  # UnicodeDecodeError too
        raise OpsError(f"outputs file {p} is not JSON: {exc}") from None
    return check(data, str(p))


def from_pulumi(stack: str) -> dict[str, Any]:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise OpsError(
            "the Pulumi CLI is not installed, so --stack cannot read the outputs: pass --outputs FILE "
            "(the JSON of `pulumi stack output --json`, or the file `python -m emulator serve` writes)"
        )
    try:
        done = subprocess.run(
            [pulumi, "stack", "output", "--json", "--stack", stack], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OpsError(f"`pulumi stack output --json --stack {stack}` failed: {exc}") from None
    if done.returncode != 0:
        reason = " ".join((done.stderr or done.stdout).split()) or f"exit status {done.returncode}"
        raise OpsError(f"`pulumi stack output --json --stack {stack}` failed: {reason}")
    try:
        data = json.loads(done.stdout)
    except ValueError as exc:
        raise OpsError(f"`pulumi stack output --json --stack {stack}` printed no JSON: {exc}") from None
    return check(data, f"stack {stack}")


def check(data: Any, origin: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not data:
        raise OpsError(f"{origin} has no stack outputs (run `pulumi up` first, or start `python -m emulator serve`)")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise OpsError(f"{origin} lacks the output(s) {', '.join(missing)}: is it a messaging stack?")
    consumers = data["consumers"]
    forwards = data.get("forwards") or {}
    if not isinstance(consumers, dict) or not isinstance(forwards, dict) or not (consumers or forwards):
        raise OpsError(f"{origin}: output 'consumers' is empty: the stack has no consumer")
    for name, c in consumers.items():
        # A direct consumer (delivery "direct") has no queue, so no queueUrl.
        keys = ("dlqUrl", "function") if isinstance(c, dict) and c.get("delivery") == "direct" else KEYS
        if not isinstance(c, dict) or not all(isinstance(c.get(k), str) for k in keys):
            raise OpsError(f"{origin}: consumers.{name} needs {', '.join(keys[:-1])} and {keys[-1]}")
    for name, f in forwards.items():
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("bus", "dlqUrl")):
            raise OpsError(f"{origin}: forwards.{name} needs bus and dlqUrl")
    schedules = data.get("schedules")
    if schedules and not (
        isinstance(schedules, dict)
        and all(isinstance(schedules.get(k), str) for k in ("group", "dlqUrl"))
        and isinstance(schedules.get("schedules"), dict)
        and all(isinstance(arn, str) for arn in schedules["schedules"].values())
    ):
        raise OpsError(f"{origin}: output 'schedules' needs group, dlqUrl and schedules (an ARN by schedule name)")
    channel = data["channel"]
    if not isinstance(channel, dict) or not isinstance(channel.get("kind"), str):
        raise OpsError(f"{origin}: output 'channel' needs kind and target")
    return data
