"""The topology-neutral routing spec (`match`).

Pure functions: validate a spec against what both SNS filter policies
(FilterPolicyScope: MessageBody) and EventBridge patterns accept and answer
alike, and translate it into either one. Nothing here imports Pulumi; the
components `json.dumps` the dicts at the resource. The README's routing
section says what each operator means and why a spec is refused.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import math
from collections.abc import Mapping
from typing import Any

from components import defaults

# The envelope's `type` and `source` land in EventBridge's own fields; `data`
# is carried inside `detail` with the rest of the envelope.
_EVENT_FIELD = {"type": "detail-type", "source": "source"}

# Pattern for a consumer without `match`: every event our producer puts
# carries an envelope id, so this selects everything from the producer.
MATCH_ALL_PATTERN = {"detail": {"id": [{"exists": True}]}}

_OR = defaults.OR_KEY


# SNS's `exists: true` needs "a non-null and non-empty value"; EventBridge's
# needs the field present. The policy adds both values as literals, so a field
# that is null or "" is present under both.
_PRESENT_BUT_EMPTY = ("", None)


def filter_policy(match: Mapping[str, Any]) -> dict:
    """SNS subscription filter policy (FilterPolicyScope: MessageBody)."""
    # The spec is written against the envelope, which is the SNS message body.
    return _sns_object(match)


def _sns_object(obj: Mapping[str, Any]) -> dict:
    policy: dict[str, Any] = {}
    for key, value in obj.items():
        if key == _OR and isinstance(value, list):
            policy[key] = [
                _sns_object(branch) if isinstance(branch, Mapping) else copy.deepcopy(branch) for branch in value
            ]
        elif isinstance(value, Mapping):
            policy[key] = _sns_object(value)
        else:
            policy[key] = _sns_alternatives(value)
    return policy


def _sns_alternatives(alternatives: Any) -> Any:
    out = copy.deepcopy(alternatives)
    if isinstance(out, list) and {"exists": True} in out:
        out.extend(v for v in _PRESENT_BUT_EMPTY if not any(_same_literal(v, a) for a in out))
    return out


def _same_literal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def event_pattern(match: Mapping[str, Any] | None) -> dict:
    """EventBridge event pattern over the event the producer puts."""
    if not match:
        return copy.deepcopy(MATCH_ALL_PATTERN)
    return _envelope_pattern(match)


def _envelope_pattern(match: Mapping[str, Any]) -> dict:
    pattern: dict[str, Any] = {}
    for key, value in match.items():
        if key == _OR:
            pattern[_OR] = [_envelope_pattern(branch) for branch in value]
        elif key == "data":
            pattern.setdefault("detail", {})["data"] = copy.deepcopy(value)
        else:
            pattern[_EVENT_FIELD[key]] = copy.deepcopy(value)
    return pattern


# --- what AWS counts ---------------------------------------------------------


def filter_policy_keys(policy: Mapping[str, Any]) -> int:
    """Keys SNS counts against its five-key limit: a MessageBody policy's top-level keys."""
    return len(policy)


def filter_policy_combinations(policy: Mapping[str, Any]) -> int:
    """SNS's complexity of a MessageBody policy, counted as its constraints documentation counts it.

    Each list of alternatives counts its length times the depth of its key
    (a top-level key is depth 1, `data.total` depth 2); the counts multiply
    within an object, and the branches of `$or` add up.
    """
    return _combinations(policy, depth=1)


def _combinations(obj: Mapping[str, Any], depth: int) -> int:
    total = 1
    for key, value in obj.items():
        if key == _OR and _is_or(value):
            total *= sum(_combinations(branch, depth) for branch in value)
        elif isinstance(value, Mapping):
            total *= _combinations(value, depth + 1)
        else:
            total *= len(value) * depth
    return total


def _is_or(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= defaults.OR_MIN_BRANCHES
        and all(isinstance(branch, Mapping) for branch in value)
    )


# --- validation --------------------------------------------------------------


def validate_match(match: Any, path: str) -> list[str]:
    """Errors in one consumer's `match`, each naming the key, value and what is allowed."""
    if not isinstance(match, Mapping):
        return [f"{path}: {show_value(match)} is not allowed; `match` is an object with keys {_keys()}"]
    if not match:
        return [f"{path}: {{}} is not allowed; leave `match` out to receive every message"]
    errors = _validate_envelope(match, path)
    if errors:
        return errors
    return _validate_limits(match, path)


def _validate_envelope(match: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    for key, value in match.items():
        key_path = f"{path}.{key}"
        if key == _OR:
            errors.extend(_validate_or(value, key_path, lambda branch, p: _validate_envelope(branch, p)))
        elif key not in defaults.MATCH_KEYS:
            errors.append(f"{key_path}: unknown match key {show_value(key)}; allowed keys are {_keys()}, {_OR}")
        elif key == "data":
            if not isinstance(value, Mapping) or not value:
                errors.append(
                    f"{key_path}: {show_value(value)} is not allowed; `data` is a non-empty object of field -> list "
                    "of alternatives"
                )
            else:
                errors.extend(_validate_object(value, key_path, depth=1))
        else:
            errors.extend(_validate_alternatives(value, key_path, envelope_field=key))
    return errors


def _validate_or(value: Any, path: str, validate_branch) -> list[str]:
    if not isinstance(value, list) or len(value) < defaults.OR_MIN_BRANCHES:
        return [
            f"{path}: {show_value(value)} is not allowed; `{_OR}` takes a list of at least "
            f"{defaults.OR_MIN_BRANCHES} objects (with fewer, SNS and EventBridge read it as a field name)"
        ]
    errors: list[str] = []
    for index, branch in enumerate(value):
        branch_path = f"{path}[{index}]"
        if not isinstance(branch, Mapping) or not branch:
            errors.append(
                f"{branch_path}: {show_value(branch)} is not allowed; each `{_OR}` branch is a non-empty object"
            )
            continue
        reserved = [k for k in branch if k in defaults.RESERVED_FIELD_NAMES]
        if reserved:
            errors.append(
                f"{branch_path}.{reserved[0]}: an operator name is not allowed as a field name in a `{_OR}` branch "
                f"(SNS and EventBridge would read the whole `{_OR}` as a field name); reserved names are "
                + ", ".join(defaults.RESERVED_FIELD_NAMES)
            )
            continue
        errors.extend(validate_branch(branch, branch_path))
    return errors


def _validate_object(obj: Mapping[str, Any], path: str, depth: int) -> list[str]:
    if depth > defaults.MATCH_MAX_DEPTH:
        return [
            f"{path}: nested {depth} levels deep; at most {defaults.MATCH_MAX_DEPTH} levels of objects are allowed "
            "under `data`"
        ]
    errors: list[str] = []
    for key, value in obj.items():
        key_path = f"{path}.{key}"
        if key == _OR:
            errors.extend(_validate_or(value, key_path, lambda branch, p: _validate_object(branch, p, depth)))
        elif not isinstance(key, str) or not key or key.startswith("$"):
            errors.append(
                f"{key_path}: field name {show_value(key)} is not allowed; use a non-empty name not starting with '$'"
            )
        elif "." in key:
            errors.append(
                f"{key_path}: field name {show_value(key)} is not allowed; a dot in a key is read by both services as "
                "a nesting step (it also matches nested objects, and EventBridge says not to rely on it): write "
                "nested objects instead"
            )
        elif isinstance(value, Mapping):
            if not value:
                errors.append(f"{key_path}: {{}} is not allowed; give a list of alternatives or a non-empty object")
            else:
                errors.extend(_validate_object(value, key_path, depth + 1))
        else:
            errors.extend(_validate_alternatives(value, key_path))
    return errors


def _validate_alternatives(value: Any, path: str, envelope_field: str | None = None) -> list[str]:
    if not isinstance(value, list) or not value:
        return [
            f'{path}: {show_value(value)} is not allowed; give a non-empty list of alternatives, e.g. ["OrderCreated"]'
        ]
    errors: list[str] = []
    for index, alternative in enumerate(value):
        alt_path = f"{path}[{index}]"
        if isinstance(alternative, Mapping):
            found = _validate_operator(alternative, alt_path)
        else:
            found = _validate_literal(alternative, alt_path)
        if not found and envelope_field is not None:
            found = _never_matches_a_string(alternative, alt_path, envelope_field)
        errors.extend(found)
    return errors


def _never_matches_a_string(alternative: Any, path: str, field: str) -> list[str]:
    """Alternatives that can never select an envelope, whose `type` and `source` are always present strings."""
    why = f"`{field}` is always a present string in every envelope, so this never matches"
    if isinstance(alternative, Mapping):
        ((name, argument),) = alternative.items()
        if name == "numeric":
            return [f"{path}.numeric: {show_value(argument)} compares numbers; {why}"]
        if name == "exists" and argument is False:
            return [f"{path}.exists: false is not allowed; {why}"]
        if name == "anything-but" and not isinstance(argument, Mapping):
            values = argument if isinstance(argument, list) else [argument]
            if not isinstance(values[0], str):
                return [f"{path}.anything-but: {show_value(argument)} lists numbers; `{field}` is always a string"]
        if field == "source" and name == "prefix" and _reserved_source(argument):
            return [f"{path}.prefix: {show_value(argument)} never matches; {_reserved_source_reason()}"]
        return []
    if not isinstance(alternative, str):
        return [f"{path}: {show_value(alternative)} is not a string; {why}"]
    if field == "source" and alternative.startswith(defaults.RESERVED_SOURCE_PREFIX):
        return [f"{path}: {show_value(alternative)} never matches; {_reserved_source_reason()}"]
    return []


def _reserved_source(prefix: str) -> bool:
    reserved = defaults.RESERVED_SOURCE_PREFIX
    return prefix.startswith(reserved)


def _reserved_source_reason() -> str:
    return f"the producer never sends a source starting with {show_value(defaults.RESERVED_SOURCE_PREFIX)} (reserved)"


def _validate_literal(value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or isinstance(value, str):
        return []
    if isinstance(value, (int, float)):
        return _validate_number(value, path)
    return [
        f"{path}: {show_value(value)} is not allowed; an alternative is a string, number, boolean or one operator "
        f"object ({_operators()})"
    ]


def _validate_number(value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return [f"{path}: {show_value(value)} is not a number"]
    if abs(value) > defaults.NUMERIC_LIMIT:
        return [
            f"{path}: {show_value(value)} is out of range; numbers must lie within -{defaults.NUMERIC_LIMIT:,} .. "
            f"{defaults.NUMERIC_LIMIT:,} (SNS limit)"
        ]
    if isinstance(value, float) and round(value, defaults.NUMERIC_DECIMALS) != value:
        return [f"{path}: {show_value(value)} has more than {defaults.NUMERIC_DECIMALS} decimal places (SNS limit)"]
    return []


def _validate_operator(operator: Mapping[str, Any], path: str) -> list[str]:
    if len(operator) != 1:
        return [
            f"{path}: {show_value(operator)} is not allowed; an operator object has exactly one key among "
            f"{_operators()}"
        ]
    ((name, argument),) = operator.items()
    op_path = f"{path}.{name}"
    if name not in defaults.MATCH_OPERATORS:
        return [f"{op_path}: unknown operator {show_value(name)}; allowed operators are {_operators()}{_why_not(name)}"]
    if name in ("prefix", "suffix"):
        if not isinstance(argument, str) or not argument:
            return [
                f"{op_path}: {show_value(argument)} is not allowed; `{name}` takes a non-empty string (an empty one "
                'would match every string: use {"exists": true})'
            ]
        return []
    if name == "equals-ignore-case":
        return _validate_ignore_case(argument, op_path)
    if name == "exists":
        if not isinstance(argument, bool):
            return [f"{op_path}: {show_value(argument)} is not allowed; `exists` takes true or false"]
        return []
    if name == "anything-but":
        return _validate_anything_but(argument, op_path)
    if name == "cidr":
        return _validate_cidr(argument, op_path)
    return _validate_numeric(argument, op_path)


def _why_not(name: str) -> str:
    """Operators one service has and the other lacks, named so the user knows why."""
    only_eventbridge = ("wildcard",)
    if name in only_eventbridge:
        return f" (`{name}` is EventBridge-only: SNS filter policies do not support it)"
    return ""


def _validate_ignore_case(argument: Any, path: str) -> list[str]:
    if not isinstance(argument, str) or not argument:
        return [
            f'{path}: {show_value(argument)} is not allowed; `equals-ignore-case` takes a non-empty string (match "" '
            'with the literal "")'
        ]
    if any(ord(c) > 0xFFFF for c in argument):
        return [
            f"{path}: {show_value(argument)} is not allowed; characters outside the Basic Multilingual Plane (emoji, "
            "historic scripts) are compared as two UTF-16 halves by the services' case folding and never match"
        ]
    return []


def _validate_anything_but(argument: Any, path: str) -> list[str]:
    allowed = 'a string, a number, a non-empty list of strings or of numbers, or {"prefix": "..."}'
    if isinstance(argument, Mapping):
        if set(argument) == {"prefix"} and isinstance(argument["prefix"], str) and argument["prefix"]:
            return []
        only_eventbridge = ", ".join(f"`{k}`" for k in argument if k in ("suffix", "equals-ignore-case", "wildcard"))
        why = (
            f" ({only_eventbridge} inside `anything-but` is EventBridge-only: SNS refuses it)"
            if only_eventbridge
            else ""
        )
        if set(argument) == {"prefix"} and isinstance(argument["prefix"], list):
            why = " (a list of prefixes is EventBridge-only: SNS takes one string)"
        return [f"{path}: {show_value(argument)} is not allowed; `anything-but` takes {allowed}{why}"]
    values = argument if isinstance(argument, list) else [argument]
    if not values or any(isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in values):
        return [f"{path}: {show_value(argument)} is not allowed; `anything-but` takes {allowed}"]
    if len({isinstance(v, str) for v in values}) > 1:
        return [f"{path}: {show_value(argument)} mixes strings and numbers; `anything-but` takes {allowed}"]
    errors: list[str] = []
    for index, v in enumerate(values):
        if not isinstance(v, str):
            errors.extend(_validate_number(v, f"{path}[{index}]"))
    return errors


def _validate_cidr(argument: Any, path: str) -> list[str]:
    usage = 'an IPv4 network in CIDR notation, e.g. "10.0.0.0/24"'
    if not isinstance(argument, str) or argument.count("/") != 1:
        return [f"{path}: {show_value(argument)} is not allowed; `cidr` takes {usage}"]
    try:
        network = ipaddress.ip_network(argument, strict=True)
    except ValueError:
        return [f"{path}: {show_value(argument)} is not allowed; `cidr` takes {usage} with no host bits set"]
    if network.version != 4:
        return [
            f"{path}: {show_value(argument)} is not allowed; `cidr` takes {usage} (SNS documents IPv4 networks only, "
            "so an IPv6 network might not mean the same under both services)"
        ]
    return []


def _validate_numeric(argument: Any, path: str) -> list[str]:
    usage = '`numeric` takes [op, number] or a range [">" or ">=", low, "<" or "<=", high], op among ' + ", ".join(
        defaults.NUMERIC_OPERATORS
    )
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        return [f"{path}: {show_value(argument)} is not allowed; {usage}"]
    operators, numbers = argument[0::2], argument[1::2]
    for op in operators:
        if op not in defaults.NUMERIC_OPERATORS:
            return [f"{path}: operator {show_value(op)} in {show_value(argument)} is not allowed; {usage}"]
    errors = [e for i, n in enumerate(numbers) for e in _validate_number(n, f"{path}[{2 * i + 1}]")]
    if errors:
        return errors
    if len(argument) == 4:
        (low_op, high_op), (low, high) = operators, numbers
        if low_op not in (">", ">=") or high_op not in ("<", "<="):
            return [f"{path}: {show_value(argument)} is not a range; {usage}"]
        if low == high and (low_op, high_op) == (">=", "<="):
            return [
                f"{path}: {show_value(argument)} holds only {show_value(low)}, but both services require the lower "
                f'bound below the upper bound; write ["=", {show_value(low)}]'
            ]
        if low >= high:
            return [f"{path}: {show_value(argument)} is an empty range; the lower bound must be below the upper bound"]
    return []


def _validate_limits(match: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    policy = filter_policy(match)
    keys = filter_policy_keys(policy)
    if keys > defaults.FILTER_POLICY_MAX_KEYS:
        errors.append(
            f"{path}: {keys} top-level keys; at most {defaults.FILTER_POLICY_MAX_KEYS} are allowed (SNS filter policy "
            "limit)"
        )
    combinations = filter_policy_combinations(policy)
    if combinations > defaults.FILTER_POLICY_MAX_COMBINATIONS:
        errors.append(
            f"{path}: {combinations} value combinations; at most {defaults.FILTER_POLICY_MAX_COMBINATIONS} are "
            "allowed (SNS filter policy limit: each list counts its length times its key's depth, `type` 1, "
            "`data.x` 2, `data.x.y` 3; lists multiply, `$or` branches add"
            + (
                ', and {"exists": true} is sent as 3 values: [{"exists": true}, "", null])'
                if _has_exists(match)
                else ")"
            )
        )
    pattern_chars = len(json.dumps(event_pattern(match)))
    if pattern_chars > defaults.EVENT_PATTERN_MAX_CHARS:
        errors.append(
            f"{path}: the event pattern would be {pattern_chars} characters; at most "
            f"{defaults.EVENT_PATTERN_MAX_CHARS} are allowed (EventBridge's default event pattern size quota)"
        )
    return errors


def _has_exists(obj: Any) -> bool:
    if isinstance(obj, Mapping):
        return obj == {"exists": True} or any(_has_exists(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_exists(v) for v in obj)
    return False


def show_value(value: Any) -> str:
    """A config value as the user wrote it (JSON, non-ASCII text as written), for error messages.

    Characters that print as nothing (controls, zero-width and direction marks) stay escaped, so a
    value that looks right but is not can be seen.
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


def _keys() -> str:
    return ", ".join(defaults.MATCH_KEYS)


def _operators() -> str:
    return ", ".join(defaults.MATCH_OPERATORS)
