"""Read Pulumi.<stack>.yaml (and Pulumi.yaml defaults) into Pulumi's config map.

The Pulumi CLI hands a program its config as strings keyed ``namespace:key``:
objects and lists JSON-encoded, booleans ``"true"``/``"false"``, numbers as
their decimal text.  We reproduce exactly that, so the program reads the same
values under the emulator as under ``pulumi up``.

The CLI parses stack files with Go's yaml.v2, whose plain scalars differ from
PyYAML's: `y`/`Y`/`n`/`N` are booleans too, there are no base-60 numbers
(`1:20` stays text), timestamps stay text, `1e3` is a number, and an integral
number prints without a fraction (`1000`, not `1000.0`). ``StackFileLoader``
reads YAML that way, so a value means the same here as under ``pulumi up``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import EmulatorError

DEFAULT_PROJECT = "messaging"
# Namespaces a stack of this program may set: its own, the AWS provider's, and Pulumi's.
KNOWN_NAMESPACES = ("aws", "pulumi")

_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# yaml.v2's resolve table for booleans.
_YAML_V2_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
# yaml.v2 reads an int with Go's ParseInt(base 0) after dropping "_": sign, 0b / 0o / 0x / leading-0 octal.
_YAML_V2_INT = re.compile(r"^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0[0-7_]*|[1-9][0-9_]*)$")
# yaml.v2's float syntax (yamlStyleFloat), plus its .inf / .nan spellings.
_YAML_V2_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class StackFileLoader(yaml.SafeLoader):
    """PyYAML's safe loader with yaml.v2's plain-scalar rules (see the module doc)."""


StackFileLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _INT_TAG, _FLOAT_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StackFileLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile("^(?:" + "|".join(_YAML_V2_BOOLS) + ")$"), list("yYnNtTfFoO")
)
StackFileLoader.add_implicit_resolver(_INT_TAG, _YAML_V2_INT, list("-+0123456789"))
StackFileLoader.add_implicit_resolver(_FLOAT_TAG, _YAML_V2_FLOAT, list("-+.0123456789"))


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return _YAML_V2_BOOLS[loader.construct_scalar(node)]


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node).replace("_", "")
    sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
    if digits[:2] in ("0b", "0o", "0x"):
        return sign * int(digits, 0)
    return sign * int(digits, 8 if len(digits) > 1 and digits[0] == "0" else 10)


StackFileLoader.add_constructor(_BOOL_TAG, _construct_bool)
StackFileLoader.add_constructor(_INT_TAG, _construct_int)


def _normalise_numbers(value: Any) -> Any:
    """Integral floats become ints, as Go's JSON encoding writes them (`1e3` -> 1000)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, list):
        return [_normalise_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise_numbers(v) for k, v in value.items()}
    return value


def _to_config_string(key: str, value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"secure"}:
        raise EmulatorError(
            f"config key {key!r} is a Pulumi secret; the emulator cannot decrypt secrets: "
            "use a stack file with a plain value, or config_overrides in emulator.run()"
        )
    value = _normalise_numbers(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)) or value is None:
        # Pulumi stores a null value as the JSON object `null`.
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=StackFileLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise EmulatorError(f"{path.name} is not valid YAML: {exc}".replace("\n", " ")) from None


def project_name(project_dir: Path) -> str:
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        return DEFAULT_PROJECT
    doc = _load_yaml(path) or {}
    name = doc.get("name") if isinstance(doc, dict) else None
    return str(name) if name else DEFAULT_PROJECT


def _project_defaults(project_dir: Path, project: str) -> dict[str, str]:
    """Defaults declared in Pulumi.yaml's ``config:`` block (the CLI applies them)."""
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        return {}
    doc = _load_yaml(path) or {}
    block = doc.get("config") if isinstance(doc, dict) else None
    out: dict[str, str] = {}
    for key, spec in (block or {}).items():
        qkey = _qualify(str(key), project)
        if isinstance(spec, dict) and (
            "default" in spec or "type" in spec or "description" in spec or "secret" in spec or "value" in spec
        ):
            if "value" in spec:
                out[qkey] = _to_config_string(qkey, spec["value"])
            elif "default" in spec:
                out[qkey] = _to_config_string(qkey, spec["default"])
        else:
            out[qkey] = _to_config_string(qkey, spec)
    return out


def _check_namespace(path: Path, key: str, project: str) -> None:
    """A key in a namespace this program never reads is a typo, not something to ignore."""
    namespace = key.partition(":")[0]
    if namespace == project or namespace in KNOWN_NAMESPACES:
        return
    known = ", ".join(f"{n}:*" for n in (project, *KNOWN_NAMESPACES))
    raise EmulatorError(
        f"{path.name}: {key}: unknown namespace {namespace!r}; this program reads only {known} keys "
        f"(did you mean {project}:{key.partition(':')[2]}?)"
    )


def available_stacks(project_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def stack_file_problem(path: Path) -> str | None:
    """Why ``path`` (a stack file given by name) cannot be read as one, or None."""
    if path.is_file():
        return None
    return "is a folder, not a file" if path.is_dir() else "does not exist"


def load_stack_config(
    project_dir: Path,
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    stack_file: Path | None = None,
) -> dict[str, str]:
    """Config map for ``stack``: Pulumi.yaml defaults, the stack file, then overrides.

    ``overrides`` keys may omit the project namespace; values may be any YAML
    value (encoded like the CLI does); a value of ``None`` removes the key.
    """
    project = project_name(project_dir)
    if stack_file is not None and (problem := stack_file_problem(stack_file)):
        raise EmulatorError(f"stack file {stack_file} {problem}")
    path = stack_file or project_dir / f"Pulumi.{stack}.yaml"
    if (
        stack_file is None
        and not path.is_file()
        and overrides is not None
        and _qualify("topology", project) in {_qualify(str(k), project) for k in overrides}
    ):
        # A stack given in code (``emulator.Stack(config=...)``): the overrides are the whole stack file.
        path = None
    elif not path.is_file():
        known = available_stacks(project_dir)
        hint = f" (known stacks: {', '.join(known)})" if known else ""
        raise EmulatorError(f"unknown stack {stack!r}: {path} does not exist{hint}")
    doc = _load_yaml(path) if path is not None else {}
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise EmulatorError(f"{path.name}: expected a mapping with a 'config:' key")
    block = doc.get("config") or {}
    if not isinstance(block, dict):
        raise EmulatorError(f"{path.name}: 'config:' must be a mapping")
    config = _project_defaults(project_dir, project)
    for key, value in block.items():
        qkey = _qualify(str(key), project)
        _check_namespace(path, qkey, project)
        config[qkey] = _to_config_string(qkey, value)
    return with_overrides(config, overrides, project)


def with_overrides(config: Mapping[str, str], overrides: Mapping[str, Any] | None, project: str) -> dict[str, str]:
    """``config`` with ``overrides`` over it (keys with or without the project namespace; ``None`` removes)."""
    out = dict(config)
    for key, value in (overrides or {}).items():
        qkey = _qualify(str(key), project)
        if value is None:
            out.pop(qkey, None)
        else:
            out[qkey] = _to_config_string(qkey, value)
    return out
