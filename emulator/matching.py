"""Content matching as SNS (payload-based filter policies) and EventBridge do it.

moto's own matchers get several operators wrong (SNS ``equals-ignore-case``
against a value with capitals never matches; SNS ``prefix``/``numeric`` on a
value of the wrong type raise inside ``Publish``; ``exists: false`` under a
missing parent object never matches; disabled EventBridge rules still
deliver).  The emulator installs the matcher below in their place for the
duration of a run, so routing follows the documented AWS semantics:

* a policy/pattern is a JSON object; nested objects descend into the document;
  a leaf is a list of alternatives (OR); all keys must match (AND);
* ``$or`` (a list of sub-policies) matches when any of them does;
* literals match equal values of the same JSON type (numbers compare as
  numbers); when the document value is an array, any element may match;
* operators: ``prefix``, ``suffix`` (each optionally ``{"equals-ignore-case": s}``),
  ``equals-ignore-case``, ``anything-but`` (literal, list, or ``{prefix|suffix|
  equals-ignore-case}``), ``numeric`` (pairs of ``<, <=, =, >=, >`` and a number),
  ``exists`` (true: key present with a non-object value; false: key absent),
  ``wildcard`` (EventBridge), ``cidr`` (EventBridge).  Everything but
  ``exists: false`` needs the key present.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from typing import Any

_MISSING = object()


class UnsupportedPattern(ValueError):
    pass


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _literal_equal(rule: Any, value: Any) -> bool:
    if rule is None:
        return value is None
    if isinstance(rule, bool) or isinstance(value, bool):
        return isinstance(rule, bool) and isinstance(value, bool) and rule == value
    if _is_number(rule):
        return _is_number(value) and float(rule) == float(value)
    if isinstance(rule, str):
        return isinstance(value, str) and rule == value
    raise UnsupportedPattern(f"unsupported literal {rule!r}")


def _string_op(op: str, arg: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(arg, dict):
        if set(arg) != {"equals-ignore-case"} or not isinstance(arg["equals-ignore-case"], str):
            raise UnsupportedPattern(f"unsupported {op} argument {arg!r}")
        arg, value = arg["equals-ignore-case"].casefold(), value.casefold()
    if not isinstance(arg, str):
        raise UnsupportedPattern(f"{op} needs a string, got {arg!r}")
    return value.startswith(arg) if op == "prefix" else value.endswith(arg)


def _numeric(arg: Any, value: Any) -> bool:
    if not _is_number(value):
        return False
    if not isinstance(arg, list) or len(arg) not in (2, 4) or len(arg) % 2:
        raise UnsupportedPattern(f"numeric needs [op, n] or [op, n, op, n], got {arg!r}")
    ops = {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        "=": lambda a, b: a == b,
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
    }
    for op, bound in zip(arg[0::2], arg[1::2], strict=False):
        if op not in ops or not _is_number(bound):
            raise UnsupportedPattern(f"bad numeric comparison {op!r} {bound!r}")
        if not ops[op](float(value), float(bound)):
            return False
    return True


def _wildcard(arg: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    regex = "".join(".*" if c == "*" else re.escape(c) for c in arg)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        if len(arg) != 1:
            raise UnsupportedPattern(f"unsupported anything-but {arg!r}")
        ((op, inner),) = arg.items()
        if op in ("prefix", "suffix"):
            return isinstance(value, str) and not _string_op(op, inner, value)
        if op == "equals-ignore-case":
            inner_list = inner if isinstance(inner, list) else [inner]
            return isinstance(value, str) and all(value.casefold() != s.casefold() for s in inner_list)
        if op == "wildcard":
            inner_list = inner if isinstance(inner, list) else [inner]
            return isinstance(value, str) and not any(_wildcard(s, value) for s in inner_list)
        raise UnsupportedPattern(f"unsupported anything-but operator {op!r}")
    rules = arg if isinstance(arg, list) else [arg]
    return not any(_literal_equal(r, value) for r in rules)


def _scalar_matches(rule: Any, value: Any) -> bool:
    """One alternative against one (non-array) present value."""
    if not isinstance(rule, dict):
        return _literal_equal(rule, value)
    if len(rule) != 1:
        raise UnsupportedPattern(f"an operator object has exactly one key, got {rule!r}")
    ((op, arg),) = rule.items()
    if op in ("prefix", "suffix"):
        return _string_op(op, arg, value)
    if op == "equals-ignore-case":
        if not isinstance(arg, str):
            raise UnsupportedPattern(f"equals-ignore-case needs a string, got {arg!r}")
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "anything-but":
        return _anything_but(arg, value)
    if op == "numeric":
        return _numeric(arg, value)
    if op == "wildcard":
        return _wildcard(arg, value)
    if op == "cidr":
        try:
            return isinstance(value, str) and ipaddress.ip_address(value) in ipaddress.ip_network(arg)
        except ValueError:
            return False
    if op == "exists":
        return bool(arg) is True and not isinstance(value, dict)
    raise UnsupportedPattern(f"unsupported operator {op!r}")


def _leaf_matches(rules: list[Any], value: Any) -> bool:
    for rule in rules:
        if isinstance(rule, dict) and set(rule) == {"exists"}:
            present = value is not _MISSING and not isinstance(value, dict)
            if bool(rule["exists"]) == present:
                return True
            continue
        if value is _MISSING:
            continue
        values = value if isinstance(value, list) else [value]
        if any(_scalar_matches(rule, v) for v in values):
            return True
    return False


def matches(pattern: dict[str, Any], document: Any) -> bool:
    """True when ``document`` (a parsed JSON object) satisfies ``pattern``."""
    if not isinstance(pattern, dict):
        raise UnsupportedPattern(f"a pattern must be a JSON object, got {pattern!r}")
    for key, rule in pattern.items():
        if key == "$or":
            if not isinstance(rule, list) or not any(matches(p, document) for p in rule):
                return False
            continue
        if isinstance(document, dict):
            value = document.get(key, _MISSING)
        elif isinstance(document, list):
            # A nested key under an array matches when any element matches.
            if not any(matches({key: rule}, el) for el in document if isinstance(el, (dict, list))):
                return False
            continue
        else:
            value = _MISSING
        if isinstance(rule, dict):
            if not matches(rule, value if value is not _MISSING else {}):
                return False
        elif isinstance(rule, list):
            if not _leaf_matches(rule, value):
                return False
        else:
            raise UnsupportedPattern(f"pattern value for {key!r} must be a list or object, got {rule!r}")
    return True


def load_json(text: str | None) -> Any:
    if text is None or text == "":
        return None
    return json.loads(text) if isinstance(text, str) else text


def glob_match(pattern: str, value: str, case_insensitive: bool = False) -> bool:
    """IAM-style glob (``*`` and ``?``)."""
    if case_insensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern)
