"""Content matching as SNS (payload-based filter policies) and EventBridge do it.

moto's own matchers get several cases wrong (see "Matching fidelity" in
emulator/README.md; tests/routing/ lists each one). The emulator installs the
matcher below in their place for the duration of a run, so routing follows
the services' documented answers:

* a pattern is a JSON object; nested objects descend into the document; a leaf
  is a list of alternatives (OR); all keys must match (AND); ``$or`` (a list of
  at least two objects, none keyed by an operator name) matches when any does;
* both services join nested keys with dots: ``{"a.b": ...}`` and
  ``{"a": {"b": ...}}`` mean the same in a pattern and in a document;
* a document array is crushed: any element may match, and fields of objects in
  different elements of one array never combine;
* literals match equal values of the same JSON type (numbers compare as
  numbers, never as strings);
* operators: ``prefix``, ``suffix`` (EventBridge also ``{"equals-ignore-case": s}``
  inside them), ``equals-ignore-case`` (case folded per character of the
  pattern, lower or upper, as the services' rule engine does), ``anything-but``
  (literal, list, ``{"prefix": s}``; EventBridge also ``suffix``,
  ``equals-ignore-case``, ``wildcard`` and lists inside it), ``numeric``,
  ``cidr``, ``exists`` and EventBridge's ``wildcard``; all but
  ``exists: false`` need the key present;
* where the services differ on a document (``exists: true`` on ``null`` or
  ``""``), ``service`` chooses whose answer is given.
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import re
from typing import Any

SNS = "sns"
EVENTS = "events"

_OR = "$or"
_RESERVED = frozenset(
    ("anything-but", "exists", "prefix", "suffix", "numeric", "cidr", "equals-ignore-case", "wildcard")
)


class UnsupportedPattern(ValueError):
    pass


def matches(pattern: dict[str, Any], document: Any, service: str = EVENTS) -> bool:
    """True when ``document`` (a parsed JSON value) satisfies ``pattern`` as ``service`` evaluates it."""
    if service not in (SNS, EVENTS):
        raise ValueError(f"unknown service {service!r}")
    if not isinstance(pattern, dict):
        raise UnsupportedPattern(f"a pattern must be a JSON object, got {pattern!r}")
    if not isinstance(document, dict):
        # SNS delivers nothing to a MessageBody policy when the body is not a JSON object.
        return False
    return _match_object(_nest(pattern), [document], service)


def _nest(pattern: dict[str, Any]) -> dict[str, Any]:
    """The pattern with dotted keys split into nested objects (both services read them so)."""
    out: dict[str, Any] = {}
    for key, rule in pattern.items():
        if key == _OR and _is_or(rule):
            out[_OR] = [_nest(branch) for branch in rule]
            continue
        parts = key.split(".") if isinstance(key, str) and "." in key else [key]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise UnsupportedPattern(f"key {key!r} is both a list of alternatives and an object")
        last = parts[-1]
        value = _nest(rule) if isinstance(rule, dict) else rule
        if last in node:
            if not (isinstance(node[last], dict) and isinstance(value, dict)):
                raise UnsupportedPattern(f"key {key!r} is given twice")
            node[last] = _merge(node[last], value)
        else:
            node[last] = value
    return out


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merge(out[key], value)
        elif key in out:
            raise UnsupportedPattern(f"key {key!r} is given twice")
        else:
            out[key] = value
    return out


def _is_or(rule: Any) -> bool:
    return (
        isinstance(rule, list)
        and len(rule) >= 2
        and all(isinstance(branch, dict) and not (_RESERVED & set(branch)) for branch in rule)
    )


def _lookup(node: list[dict[str, Any]], key: str) -> list[Any]:
    """Every value the virtual object ``node`` (dicts merged) holds at ``key``, dotted document keys included."""
    found: list[Any] = []
    dotted = f"{key}."
    for obj in node:
        if key in obj:
            found.append(obj[key])
        for other, value in obj.items():
            if isinstance(other, str) and other.startswith(dotted):
                found.append({other[len(dotted) :]: value})
    return found


def _element_objects(value: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for element in value:
        if isinstance(element, dict):
            out.append(element)
        elif isinstance(element, list):
            out.extend(_element_objects(element))
    return out


def _object_options(values: list[Any]) -> list[list[dict[str, Any]]]:
    """The objects a sub-pattern may be matched against: the merged plain objects, with one array element each."""
    plain = [v for v in values if isinstance(v, dict)]
    elements = [e for v in values if isinstance(v, list) for e in _element_objects(v)]
    if not elements:
        return [plain]
    return [[*plain, element] for element in elements]


def _leaf_values(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(_leaf_values(value))
        elif not isinstance(value, dict):
            out.append(value)
    return out


def _match_object(pattern: dict[str, Any], node: list[dict[str, Any]], service: str) -> bool:
    for key, rule in pattern.items():
        if key == _OR and _is_or(rule):
            if not any(_match_object(branch, node, service) for branch in rule):
                return False
            continue
        found = _lookup(node, key)
        if isinstance(rule, dict):
            if not any(_match_object(rule, option, service) for option in _object_options(found)):
                return False
        elif isinstance(rule, list):
            if not _leaf_matches(rule, _leaf_values(found), service):
                return False
        else:
            raise UnsupportedPattern(f"pattern value for {key!r} must be a list or object, got {rule!r}")
    return True


def _exists(values: list[Any], service: str) -> bool:
    if service == SNS:
        # SNS: "The key must have a non-null and non-empty value."
        return any(v is not None and v != "" for v in values)
    return bool(values)


def _leaf_matches(rules: list[Any], values: list[Any], service: str) -> bool:
    if not rules:
        raise UnsupportedPattern("a list of alternatives must not be empty")
    for rule in rules:
        if isinstance(rule, dict) and set(rule) == {"exists"}:
            if not isinstance(rule["exists"], bool):
                raise UnsupportedPattern(f"exists takes true or false, got {rule['exists']!r}")
            if rule["exists"] is True and _exists(values, service):
                return True
            if rule["exists"] is False and not values:
                return True
            continue
        if any(_scalar_matches(rule, v) for v in values):
            return True
    return False


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


@functools.lru_cache(maxsize=1024)
def _ignore_case_regex(text: str) -> str:
    """Per pattern character, its lower or its upper case (Locale.ROOT), as the services' rule engine folds case.

    Characters beyond the Basic Multilingual Plane are two UTF-16 halves there,
    each of which encodes as "?" in UTF-8; they are kept so.
    """
    parts = []
    for char in text:
        if ord(char) > 0xFFFF:
            parts.append(re.escape("??"))
            continue
        choices = sorted({char.lower(), char.upper()}, key=len, reverse=True)
        parts.append("(?:" + "|".join(re.escape(c) for c in choices) + ")")
    return "".join(parts)


def _ignore_case(text: str, value: str, how: str) -> bool:
    regex = _ignore_case_regex(text)
    if how == "equals":
        return re.fullmatch(regex, value, flags=re.DOTALL) is not None
    if how == "prefix":
        return re.match(regex, value, flags=re.DOTALL) is not None
    return re.search(f"(?:{regex})\\Z", value, flags=re.DOTALL) is not None


def _string_op(op: str, arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        if set(arg) != {"equals-ignore-case"} or not isinstance(arg["equals-ignore-case"], str):
            raise UnsupportedPattern(f"unsupported {op} argument {arg!r}")
        return isinstance(value, str) and _ignore_case(arg["equals-ignore-case"], value, op)
    if not isinstance(arg, str):
        raise UnsupportedPattern(f"{op} needs a string, got {arg!r}")
    if not isinstance(value, str):
        return False
    return value.startswith(arg) if op == "prefix" else value.endswith(arg)


_NUMERIC = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


def _numeric(arg: Any, value: Any) -> bool:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        raise UnsupportedPattern(f"numeric needs [op, n] or [op, n, op, n], got {arg!r}")
    for op, bound in zip(arg[0::2], arg[1::2], strict=True):
        if op not in _NUMERIC or not _is_number(bound):
            raise UnsupportedPattern(f"bad numeric comparison {op!r} {bound!r}")
    if not _is_number(value):
        return False
    return all(_NUMERIC[op](float(value), float(bound)) for op, bound in zip(arg[0::2], arg[1::2], strict=True))


def _wildcard_regex(arg: str) -> str:
    out, i = [], 0
    while i < len(arg):
        c = arg[i]
        if c == "\\" and i + 1 < len(arg) and arg[i + 1] in "*\\":
            out.append(re.escape(arg[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else re.escape(c))
        i += 1
    return "".join(out)


def _wildcard(arg: Any, value: Any) -> bool:
    if not isinstance(arg, str):
        raise UnsupportedPattern(f"wildcard needs a string, got {arg!r}")
    return isinstance(value, str) and re.fullmatch(_wildcard_regex(arg), value, flags=re.DOTALL) is not None


def _cidr(arg: Any, value: Any) -> bool:
    try:
        network = ipaddress.ip_network(arg, strict=False)
    except (TypeError, ValueError) as exc:
        raise UnsupportedPattern(f"cidr needs a network, got {arg!r}") from exc
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


def _anything_but(arg: Any, value: Any) -> bool:
    # A value of another type (a number against strings, null) is "anything but" them.
    if isinstance(arg, dict):
        if len(arg) != 1:
            raise UnsupportedPattern(f"unsupported anything-but {arg!r}")
        ((op, inner),) = arg.items()
        inner_list = inner if isinstance(inner, list) else [inner]
        if op in ("prefix", "suffix"):
            return not isinstance(value, str) or not any(_string_op(op, s, value) for s in inner_list)
        if op == "equals-ignore-case":
            return not isinstance(value, str) or not any(_ignore_case(s, value, "equals") for s in inner_list)
        if op == "wildcard":
            return not isinstance(value, str) or not any(_wildcard(s, value) for s in inner_list)
        raise UnsupportedPattern(f"unsupported anything-but operator {op!r}")
    rules = arg if isinstance(arg, list) else [arg]
    return not any(_literal_equal(r, value) for r in rules)


def _scalar_matches(rule: Any, value: Any) -> bool:
    """One alternative against one present leaf value (never an array or object)."""
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
        return isinstance(value, str) and _ignore_case(arg, value, "equals")
    if op == "anything-but":
        return _anything_but(arg, value)
    if op == "numeric":
        return _numeric(arg, value)
    if op == "wildcard":
        return _wildcard(arg, value)
    if op == "cidr":
        return _cidr(arg, value)
    raise UnsupportedPattern(f"unsupported operator {op!r}")


def without_cidr(policy: Any) -> Any:
    """A filter policy with each ``cidr`` alternative swapped for a ``prefix`` (same place, same complexity)."""
    if isinstance(policy, dict):
        if set(policy) == {"cidr"} and isinstance(policy["cidr"], str):
            return {"prefix": "cidr"}
        return {key: without_cidr(value) for key, value in policy.items()}
    if isinstance(policy, list):
        return [without_cidr(value) for value in policy]
    return policy


def glob_match(pattern: str, value: str, case_insensitive: bool = False) -> bool:
    """IAM-style glob (``*`` and ``?``)."""
    if case_insensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern)
