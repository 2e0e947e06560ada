"""IAM policy grammar, evaluated in one place for every kind of policy the emulator checks.

moto enforces no policy at all; the emulator decides with this module:

* ``resource_policy_allows``: a queue policy lets a service principal
  (``sns.amazonaws.com``, ``events.amazonaws.com``) perform an action on the
  queue for one exact source: an ``Allow`` naming that service principal, the
  action and the resource, *and* scoping it with an ``aws:SourceArn``
  condition that holds; no applicable ``Deny``.
* ``key_policy_allows``: a KMS key policy grants a service its key actions
  (``Resource`` in a key policy means "this key"; the source condition is
  recommended, not required).
* ``identity_policy_allows``: a role's inline policies allow one call of its
  function (statements name no principal).

The same rules apply to all three: an applicable ``Deny`` wins; ``Action`` /
``NotAction`` and ``Resource`` / ``NotResource`` take IAM globs (actions
case-insensitively); conditions are evaluated against the request context
(``aws:SecureTransport`` is true: every call and delivery uses TLS), and a
condition operator this module does not evaluate counts as holding for a
``Deny`` and as failing for an ``Allow``, so an unknown condition never widens
access.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .matching import glob_match


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str


@dataclass(frozen=True)
class Request:
    action: str
    resource: str | None  # None: the statement's resources are not checked (a key policy is on its key)
    principal: str | None  # a service principal; None for an identity policy
    context: Mapping[str, str]


def as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(*documents: Any) -> list[dict[str, Any]]:
    """The statements of policy documents given as JSON text or parsed (raises JSONDecodeError)."""
    out: list[dict[str, Any]] = []
    for doc in documents:
        if isinstance(doc, str):
            doc = json.loads(doc) if doc else {}
        if isinstance(doc, dict):
            out.extend(s for s in as_list(doc.get("Statement")) if isinstance(s, dict))
    return out


def _principal_matches(stmt: dict[str, Any], principal: str | None, *, allow_wildcard: bool) -> bool:
    if principal is None:
        return "Principal" not in stmt and "NotPrincipal" not in stmt
    if "NotPrincipal" in stmt:
        return False  # not used by this project; never counts as an allow
    given = stmt.get("Principal")
    if given == "*":
        return allow_wildcard
    if isinstance(given, dict):
        if allow_wildcard and given.get("AWS") == "*":
            return True
        return principal in as_list(given.get("Service"))
    return False


def _action_matches(stmt: dict[str, Any], action: str) -> bool:
    if "NotAction" in stmt:
        return not any(glob_match(a, action, True) for a in as_list(stmt["NotAction"]))
    return any(glob_match(a, action, True) for a in as_list(stmt.get("Action")))


def _resource_matches(stmt: dict[str, Any], resource: str | None) -> bool:
    if resource is None:
        return True
    if "NotResource" in stmt:
        return not any(glob_match(r, resource) for r in as_list(stmt["NotResource"]))
    return any(glob_match(r, resource) for r in as_list(stmt.get("Resource")))


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
_SOURCE_SCOPING = {"ArnEquals", "ArnLike", "StringEquals", "StringLike"}


def _base(op: str) -> str:
    return op[: -len("IfExists")] if op.endswith("IfExists") else op


def _condition_holds(op: str, key: str, wanted: Any, context: Mapping[str, str]) -> bool | None:
    """True/False, or None when the operator is one this module does not evaluate."""
    base = _base(op)
    fn = _STRING_OPS.get(base)
    if fn is None:
        return None
    have = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if have is None:
        return True if op.endswith("IfExists") else base in _NEGATED
    values = as_list(wanted)
    if base in _NEGATED:
        return all(fn(str(w), have) for w in values)
    return any(fn(str(w), have) for w in values)


def _conditions(stmt: dict[str, Any], context: Mapping[str, str], unknown: bool) -> tuple[bool, bool]:
    """(all conditions hold, one of them scopes aws:SourceArn)."""
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
            if key.lower() == "aws:sourcearn" and _base(op) in _SOURCE_SCOPING:
                scoped = True
    return True, scoped


@dataclass(frozen=True)
class Decision:
    """What the statements say about one request."""

    denied_by: dict[str, Any] | None = None
    allowed_by: dict[str, Any] | None = None
    unscoped_allow: bool = False  # an Allow applies, but not scoped to aws:SourceArn


def decide(stmts: Iterable[dict[str, Any]], request: Request, *, require_source_scope: bool = False) -> Decision:
    stmts = list(stmts)
    for stmt in stmts:
        if (
            stmt.get("Effect") == "Deny"
            and _principal_matches(stmt, request.principal, allow_wildcard=True)
            and _action_matches(stmt, request.action)
            and _resource_matches(stmt, request.resource)
            and _conditions(stmt, request.context, unknown=True)[0]
        ):
            return Decision(denied_by=stmt)
    unscoped = False
    for stmt in stmts:
        if not (
            stmt.get("Effect") == "Allow"
            and _principal_matches(stmt, request.principal, allow_wildcard=False)
            and _action_matches(stmt, request.action)
            and _resource_matches(stmt, request.resource)
        ):
            continue
        holds, scoped = _conditions(stmt, request.context, unknown=False)
        if holds and (scoped or not require_source_scope):
            return Decision(allowed_by=stmt)
        unscoped = unscoped or holds
    return Decision(unscoped_allow=unscoped)


def _sid(stmt: dict[str, Any]) -> str:
    return stmt.get("Sid") or "(no Sid)"


def resource_policy_allows(
    policy: Any, *, service: str, action: str, resource: str, source_arn: str, account: str
) -> Verdict:
    """Does a resource policy let ``service`` perform ``action`` on ``resource`` for exactly ``source_arn``?"""
    if policy in (None, ""):
        return Verdict(False, "no resource policy")
    try:
        stmts = statements(policy)
    except json.JSONDecodeError as exc:
        return Verdict(False, f"policy is not valid JSON ({exc.msg})")
    context = {
        "aws:SourceArn": source_arn,
        "aws:SourceAccount": account,
        "aws:SecureTransport": "true",
        "aws:PrincipalServiceName": service,
    }
    decision = decide(stmts, Request(action, resource, service, context), require_source_scope=True)
    if decision.denied_by is not None:
        return Verdict(False, f"denied by statement {_sid(decision.denied_by)}")
    if decision.allowed_by is not None:
        return Verdict(True, f"allowed by statement {_sid(decision.allowed_by)}")
    if decision.unscoped_allow:
        return Verdict(False, f"the allow for {service} is not scoped to aws:SourceArn {source_arn}")
    return Verdict(False, f"no statement allows {service} {action} on {resource} from {source_arn}")


def key_policy_allows(policy: Any, *, service: str, actions: Iterable[str], source_arn: str, account: str) -> Verdict:
    """Does a KMS key policy let ``service`` use the key (every one of ``actions``) for ``source_arn``?"""
    if policy in (None, ""):
        return Verdict(False, "the key has no policy granting the service")
    try:
        stmts = statements(policy)
    except json.JSONDecodeError as exc:
        return Verdict(False, f"key policy is not valid JSON ({exc.msg})")
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": account, "aws:SecureTransport": "true"}
    for action in actions:
        decision = decide(stmts, Request(action, None, service, context))
        if decision.denied_by is not None:
            return Verdict(False, f"key policy denies {service} {action}")
        if decision.allowed_by is None:
            return Verdict(False, f"key policy does not grant {service} {action}")
    return Verdict(True, "key policy grants the service")


def identity_policy_allows(policies: list[Any], action: str, resource: str) -> Verdict:
    """Do a role's policy documents allow ``action`` on ``resource``?"""
    decision = decide(statements(*policies), Request(action, resource, None, {"aws:SecureTransport": "true"}))
    if decision.denied_by is not None:
        return Verdict(False, f"explicitly denied by {decision.denied_by.get('Sid') or 'a statement'}")
    if decision.allowed_by is not None:
        return Verdict(True, f"allowed by {decision.allowed_by.get('Sid') or 'a statement'}")
    return Verdict(False, "no statement allows it")
