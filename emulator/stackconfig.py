"""Read Pulumi.<stack>.yaml (and Pulumi.yaml defaults) into Pulumi's config map.

The Pulumi CLI hands a program its config as strings keyed ``namespace:key``:
objects and lists JSON-encoded, booleans ``"true"``/``"false"``, numbers as
their decimal text.  We reproduce exactly that, so the program reads the same
values under the emulator as under ``pulumi up``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import EmulatorError

DEFAULT_PROJECT = "messaging"


def _to_config_string(key: str, value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"secure"}:
        raise EmulatorError(
            f"config key {key!r} is a Pulumi secret; the emulator cannot decrypt secrets: "
            "use a stack file with a plain value, or config_overrides in emulator.run()"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if value is None:
        return ""
    return str(value)


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
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


def available_stacks(project_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


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
    path = stack_file or project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = available_stacks(project_dir)
        hint = f" (known stacks: {', '.join(known)})" if known else ""
        raise EmulatorError(f"unknown stack {stack!r}: {path} does not exist{hint}")
    doc = _load_yaml(path)
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
        config[qkey] = _to_config_string(qkey, value)
    for key, value in (overrides or {}).items():
        qkey = _qualify(str(key), project)
        if value is None:
            config.pop(qkey, None)
        else:
            config[qkey] = _to_config_string(qkey, value)
    return config
