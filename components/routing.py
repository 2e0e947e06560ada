"""The topology-neutral routing spec (`match`, DESIGN.md section 4).

Pure functions: validate a spec against what both SNS filter policies and
EventBridge patterns accept, and translate it into either one. Nothing here
imports Pulumi; the components `json.dumps` the dicts at the resource.
"""

from __future__ import annotations

import copy
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


def filter_policy(match: Mapping[str, Any]) -> dict:
    """SNS subscription filter policy (FilterPolicyScope: MessageBody)."""
    # The spec is written against the envelope, which is the SNS message body.
    return copy.deepcopy(dict(match))


def event_pattern(match: Mapping[str, Any] | None) -> dict:
    """EventBridge event pattern over the event the producer puts."""
    if not match:
        return copy.deepcopy(MATCH_ALL_PATTERN)
    pattern: dict[str, Any] = {}
    for key, value in match.items():
        if key == "data":
            pattern.setdefault("detail", {})["data"] = copy.deepcopy(value)
        else:
            pattern[_EVENT_FIELD[key]] = copy.deepcopy(value)
    return pattern


# --- validation --------------------------------------------------------------


def validate_match(match: Any, path: str) -> list[str]:
    """Errors in one consumer's `match`, each naming the key, value and what is allowed."""
    if not isinstance(match, Mapping):
        return [f"{path}: {show_value(match)} is not allowed; `match` is an object with keys {_keys()}"]
    if not match:
        return [f"{path}: {{}} is not allowed; leave `match` out to receive every message"]
    errors: list[str] = []
    for key, value in match.items():
        key_path = f"{path}.{key}"
        if key not in defaults.MATCH_KEYS:
            errors.append(f"{key_path}: unknown match key {show_value(key)}; allowed keys are {_keys()}")
        elif key == "data":
            if not isinstance(value, Mapping) or not value:
                errors.append(
                    f"{key_path}: {show_value(value)} is not allowed; `data` is a non-empty object of field -> list "
                    "of alternatives"
                )
            else:
                errors.extend(_validate_object(value, key_path, depth=1))
        else:
            errors.extend(_validate_alternatives(value, key_path))
    if errors:
        return errors
    return _validate_limits(match, path)


def _validate_object(obj: Mapping[str, Any], path: str, depth: int) -> list[str]:
    if depth > defaults.MATCH_MAX_DEPTH:
        return [
            f"{path}: nested {depth} levels deep; at most {defaults.MATCH_MAX_DEPTH} levels of objects are allowed "
            "under `data`"
        ]
    errors: list[str] = []
    for key, value in obj.items():
        key_path = f"{path}.{key}"
        if not isinstance(key, str) or not key or key.startswith("$"):
            errors.append(
                f"{key_path}: field name {show_value(key)} is not allowed; use a non-empty name not starting with '$'"
            )
        elif isinstance(value, Mapping):
            if not value:
                errors.append(f"{key_path}: {{}} is not allowed; give a list of alternatives or a non-empty object")
            else:
                errors.extend(_validate_object(value, key_path, depth + 1))
        else:
            errors.extend(_validate_alternatives(value, key_path))
    return errors


def _validate_alternatives(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not value:
        return [
            f'{path}: {show_value(value)} is not allowed; give a non-empty list of alternatives, e.g. ["OrderCreated"]'
        ]
    errors: list[str] = []
    for index, alternative in enumerate(value):
        alt_path = f"{path}[{index}]"
        if isinstance(alternative, Mapping):
            errors.extend(_validate_operator(alternative, alt_path))
        else:
            errors.extend(_validate_literal(alternative, alt_path))
    return errors


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
        return [f"{op_path}: unknown operator {show_value(name)}; allowed operators are {_operators()}"]
    if name in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(argument, str) or not argument:
            return [f"{op_path}: {show_value(argument)} is not allowed; `{name}` takes a non-empty string"]
        return []
    if name == "exists":
        if not isinstance(argument, bool):
            return [f"{op_path}: {show_value(argument)} is not allowed; `exists` takes true or false"]
        return []
    if name == "anything-but":
        return _validate_anything_but(argument, op_path)
    return _validate_numeric(argument, op_path)


def _validate_anything_but(argument: Any, path: str) -> list[str]:
    allowed = 'a string, a number, a non-empty list of strings or of numbers, or {"prefix": "..."}'
    if isinstance(argument, Mapping):
        if set(argument) == {"prefix"} and isinstance(argument["prefix"], str) and argument["prefix"]:
            return []
        return [f"{path}: {show_value(argument)} is not allowed; `anything-but` takes {allowed}"]
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
        if low >= high:
            return [f"{path}: {show_value(argument)} is an empty range; the lower bound must be below the upper bound"]
    return []


def _leaves(obj: Mapping[str, Any]) -> list[list]:
    lists: list[list] = []
    for value in obj.values():
        if isinstance(value, Mapping):
            lists.extend(_leaves(value))
        else:
            lists.append(value)
    return lists


def _validate_limits(match: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    leaves = _leaves(match)
    if len(leaves) > defaults.FILTER_POLICY_MAX_KEYS:
        errors.append(
            f"{path}: {len(leaves)} matched fields; at most {defaults.FILTER_POLICY_MAX_KEYS} are allowed (SNS filter "
            "policy limit)"
        )
    combinations = math.prod(len(leaf) for leaf in leaves)
    if combinations > defaults.FILTER_POLICY_MAX_COMBINATIONS:
        errors.append(
            f"{path}: {combinations} value combinations; at most {defaults.FILTER_POLICY_MAX_COMBINATIONS} are "
            "allowed (SNS filter policy limit: the product of the list lengths)"
        )
    pattern_chars = len(json.dumps(event_pattern(match)))
    if pattern_chars > defaults.EVENT_PATTERN_MAX_CHARS:
        errors.append(
            f"{path}: the event pattern would be {pattern_chars} characters; at most "
            f"{defaults.EVENT_PATTERN_MAX_CHARS} are allowed (EventBridge limit)"
        )
    return errors


def show_value(value: Any) -> str:
    """A config value as the user wrote it (JSON), for error messages."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _keys() -> str:
    return ", ".join(defaults.MATCH_KEYS)


def _operators() -> str:
    return ", ".join(defaults.MATCH_OPERATORS)
