"""Resource-policy checks moto does not make (it delivers whatever the policy says).

``allows(policy, principal_service, action, resource, context)`` answers
whether a resource policy lets a service principal (``sns.amazonaws.com``,
``events.amazonaws.com``) perform ``action`` on ``resource`` for one exact
source: an ``Allow`` statement naming that service principal, the action and
the resource, *and* scoping it with an ``aws:SourceArn`` condition that
matches the source ARN; no applicable ``Deny``.  Deny statements are
evaluated against the request context (``aws:SecureTransport`` is true:
service deliveries use TLS), so a TLS-only deny does not block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from .matching import glob_match


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _statements(policy: Any) -> list[dict[str, Any]]:
    if isinstance(policy, str):
        policy = json.loads(policy) if policy else {}
    if not isinstance(policy, dict):
        return []
    return [s for s in _as_list(policy.get("Statement")) if isinstance(s, dict)]


def _principal_matches(stmt: dict[str, Any], service: str, *, allow_wildcard: bool) -> bool:
    if "NotPrincipal" in stmt:
        return False  # not used by this project; never counts as an allow
    principal = stmt.get("Principal")
    if principal == "*":
        return allow_wildcard
    if isinstance(principal, dict):
        if allow_wildcard and principal.get("AWS") == "*":
            return True
        return service in _as_list(principal.get("Service"))
    return False


def _action_matches(stmt: dict[str, Any], action: str) -> bool:
    if "NotAction" in stmt:
        return not any(glob_match(a, action, True) for a in _as_list(stmt["NotAction"]))
    return any(glob_match(a, action, True) for a in _as_list(stmt.get("Action")))


def _resource_matches(stmt: dict[str, Any], resource: str) -> bool:
    if "NotResource" in stmt:
        return not any(glob_match(r, resource) for r in _as_list(stmt["NotResource"]))
    return any(glob_match(r, resource) for r in _as_list(stmt.get("Resource")))


_STRING_OPS = {
    "StringEquals": lambda want, have: have == want,
    "StringNotEquals": lambda want, have: have != want,
    "StringEqualsIgnoreCase": lambda want, have: have.lower() == want.lower(),
    "StringLike": lambda want, have: glob_match(want, have),
    "StringNotLike": lambda want, have: not glob_match(want, have),
    "ArnEquals": lambda want, have: have == want,
    "ArnNotEquals": lambda want, have: have != want,
    "ArnLike": lambda want, have: glob_match(want, have),
    "ArnNotLike": lambda want, have: not glob_match(want, have),
    "Bool": lambda want, have: str(have).lower() == str(want).lower(),
}
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _condition_holds(op: str, key: str, wanted: Any, context: dict[str, str]) -> bool | None:
    """True/False, or None when the operator is one we do not evaluate."""
    if_exists = op.endswith("IfExists")
    base = op[: -len("IfExists")] if if_exists else op
    fn = _STRING_OPS.get(base)
    if fn is None:
        return None
    have = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if have is None:
        return True if if_exists else base in _NEGATED
    values = _as_list(wanted)
    if base in _NEGATED:
        return all(fn(str(w), have) for w in values)
    return any(fn(str(w), have) for w in values)


def _conditions(stmt: dict[str, Any], context: dict[str, str], unknown: bool) -> tuple[bool, bool]:
    """(all conditions hold, has a matching aws:SourceArn condition)."""
    scoped = False
    for op, block in (stmt.get("Condition") or {}).items():
        if not isinstance(block, dict):
            return False, scoped
        for key, wanted in block.items():
            holds = _condition_holds(op, key, wanted, context)
            if holds is None:
                holds = unknown
            if not holds:
                return False, scoped
            base = op[: -len("IfExists")] if op.endswith("IfExists") else op
            if key.lower() == "aws:sourcearn" and base in ("ArnEquals", "ArnLike", "StringEquals", "StringLike"):
                scoped = True
    return True, scoped


def allows(
    policy: Any,
    *,
    service: str,
    action: str,
    resource: str,
    source_arn: str,
    account: str,
) -> Verdict:
    if policy in (None, ""):
        return Verdict(False, "no resource policy")
    try:
        statements = _statements(policy)
    except json.JSONDecodeError as exc:
        return Verdict(False, f"policy is not valid JSON ({exc.msg})")
    context = {
        "aws:SourceArn": source_arn,
        "aws:SourceAccount": account,
        "aws:SecureTransport": "true",
        "aws:PrincipalServiceName": service,
    }
    for stmt in statements:
        if stmt.get("Effect") != "Deny":
            continue
        if (
            _principal_matches(stmt, service, allow_wildcard=True)
            and _action_matches(stmt, action)
            and _resource_matches(stmt, resource)
            and _conditions(stmt, context, unknown=True)[0]
        ):
            return Verdict(False, f"denied by statement {stmt.get('Sid') or '(no Sid)'}")
    unscoped = False
    for stmt in statements:
        if stmt.get("Effect") != "Allow":
            continue
        if not (
            _principal_matches(stmt, service, allow_wildcard=False)
            and _action_matches(stmt, action)
            and _resource_matches(stmt, resource)
        ):
            continue
        holds, scoped = _conditions(stmt, context, unknown=False)
        if holds and scoped:
            return Verdict(True, f"allowed by statement {stmt.get('Sid') or '(no Sid)'}")
        if holds:
            unscoped = True
    if unscoped:
        return Verdict(False, f"the allow for {service} is not scoped to aws:SourceArn {source_arn}")
    return Verdict(False, f"no statement allows {service} {action} on {resource} from {source_arn}")


def key_allows_service(policy: Any, *, service: str, actions: Iterable[str], source_arn: str, account: str) -> Verdict:
    """A KMS key policy lets ``service`` use the key (GenerateDataKey*, Decrypt) for ``source_arn``.

    Key policies commonly use ``Resource: "*"``; an aws:SourceArn condition is
    optional for KMS (it is recommended but AWS does not require it).
    """
    if policy in (None, ""):
        return Verdict(False, "the key has no policy granting the service")
    try:
        statements = _statements(policy)
    except json.JSONDecodeError as exc:
        return Verdict(False, f"key policy is not valid JSON ({exc.msg})")
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": account, "aws:SecureTransport": "true"}
    for action in actions:
        ok = False
        for stmt in statements:
            if (
                stmt.get("Effect") == "Deny"
                and _principal_matches(stmt, service, allow_wildcard=True)
                and _action_matches(stmt, action)
                and _conditions(stmt, context, unknown=True)[0]
            ):
                return Verdict(False, f"key policy denies {service} {action}")
            if (
                stmt.get("Effect") == "Allow"
                and _principal_matches(stmt, service, allow_wildcard=False)
                and _action_matches(stmt, action)
                and _conditions(stmt, context, unknown=False)[0]
            ):
                ok = True
        if not ok:
            return Verdict(False, f"key policy does not grant {service} {action}")
    return Verdict(True, "key policy grants the service")
