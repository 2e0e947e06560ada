"""The team's code folder (`messaging:codePath`): where it is, what it ships, and
whether a consumer's `processor` or a producer's `handler` reference can work,
checked without importing it.

Pure (no Pulumi): it reads files only. A reference `module:function` is checked
by parsing the module's source with `ast`: the module exists in the folder, the
function is defined at its top level, and it takes the positional parameters it
will be called with (a processor: the envelope; a handler: event and context).
Nothing of the team's code runs at deploy time.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path

from components import defaults

# What never goes into a function's archive: tests, caches, the dependency list (it becomes a layer).
_SKIPPED_DIRS = frozenset({"__pycache__", "tests", "test", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")


def _show(value: object) -> str:
    """A config value as the user wrote it (JSON), for error messages."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _is_test_file(name: str) -> bool:
    return name == "conftest.py" or (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")))


@dataclass(frozen=True)
class CodeFolder:
    root: Path  # absolute, resolved

    @property
    def requirements(self) -> Path | None:
        path = self.root / defaults.REQUIREMENTS_FILE
        return path if path.is_file() else None

    def files(self) -> dict[str, Path]:
        """Archive path -> file, for every file the functions ship (no tests, no caches, sorted)."""
        found: dict[str, Path] = {}
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if not path.is_file() or any(p in _SKIPPED_DIRS or p.startswith(".") for p in rel.parts):
                continue
            if path.name.endswith(_SKIPPED_SUFFIXES) or _is_test_file(path.name):
                continue
            if rel.as_posix() == defaults.REQUIREMENTS_FILE:
                continue
            found[rel.as_posix()] = path
        return found

    def modules(self) -> list[str]:
        """Importable module names (dotted), for error messages."""
        names = []
        for rel in self.files():
            if rel.endswith(".py"):
                dotted = rel[: -len(".py")].replace("/", ".")
                names.append(dotted.removesuffix(".__init__"))
        return sorted(names)

    def module_file(self, module: str) -> Path | None:
        base = self.root.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None


def resolve(project_dir: Path, value: object, key: str) -> tuple[CodeFolder | None, str | None]:
    """(folder, None) or (None, error naming key, value and what is allowed)."""
    allowed = "give a folder inside the project, relative to its root (where Pulumi.yaml is), e.g. app"
    if not isinstance(value, str) or not value.strip():
        return None, f"{key}: {_show(value)} is not allowed; {allowed}"
    given = Path(value)
    # Normalised, not resolved: a symlinked folder inside the project counts as inside.
    project = Path(os.path.abspath(project_dir))
    root = Path(os.path.normpath(project / given))
    if given.is_absolute() or (root != project and project not in root.parents):
        return None, f"{key}: {_show(value)} is outside the project ({project}); {allowed}"
    if not root.is_dir():
        return None, f"{key}: {_show(value)} does not exist in the project ({root} is not a folder); {allowed}"
    runtime = defaults.HANDLERS_DIR
    if (root / runtime).is_dir() or (root / f"{runtime}.py").is_file():
        return None, (
            f"{key}: {_show(value)} holds a module named {_show(runtime)}, the name of the shared runtime package; "
            "rename it"
        )
    return CodeFolder(root), None


def _positional_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int, bool]:
    """(required positional, optional positional, has *args) of a function definition."""
    args = function.args
    positional = len(args.posonlyargs) + len(args.args)
    optional = len(args.defaults)
    return positional - optional, optional, args.vararg is not None


@dataclass(frozen=True, kw_only=True)
class Signature:
    """What a referenced function is called with: how many positional arguments, and how the errors say it."""

    role: str  # "a processor"
    parameters: int
    shown: str  # "exactly one positional parameter (the envelope)"
    example: str  # a reference that would work, e.g. orders:process


PROCESSOR = Signature(
    role="a processor", parameters=1, shown="exactly one positional parameter (the envelope)", example="orders:process"
)
# Lambda calls a handler with the event and the context, positionally.
HANDLER = Signature(
    role="a Lambda handler",
    parameters=2,
    shown="exactly two positional parameters (event, context)",
    example="checkout:handler",
)


def check_processor(folder: CodeFolder, reference: object, where: str) -> str | None:
    """None when `reference` names a usable processor in `folder`, else the error.

    `where` names the consumer and key, e.g. "messaging:consumers[0] (inventory).processor".
    """
    return check_reference(folder, reference, where, PROCESSOR)


def check_handler(folder: CodeFolder, reference: object, where: str) -> str | None:
    """None when `reference` names a function in `folder` that Lambda can call as a handler, else the error."""
    return check_reference(folder, reference, where, HANDLER)


def handler_string(reference: str) -> str:
    """The Lambda handler string for a checked `module:function` reference ("checkout.handler")."""
    module, function = reference.split(":")
    return f"{module}.{function}"


def _parse(source_file: Path) -> ast.Module:
    text = source_file.read_text(encoding="utf-8")
    try:
        return ast.parse(text, filename=str(source_file))
    except SystemError:
        # CPython 3.11 before 3.11.8 may report "AST constructor recursion depth mismatch" when a traceback
        # is formatted (which parses too) while this parse runs; the source is fine, and a second parse says so.
        return ast.parse(text, filename=str(source_file))


def check_reference(folder: CodeFolder, reference: object, where: str, signature: Signature) -> str | None:
    """None when `reference` (`module:function`) names a top-level function in `folder` that takes
    `signature`'s positional arguments, else the error naming `where`, the value and what was found."""
    allowed = f"give module:function inside the code folder, e.g. {signature.example}"
    if not isinstance(reference, str) or reference.count(":") != 1:
        return f"{where}: {_show(reference)} is not allowed; {allowed}"
    module, function = reference.split(":")
    if not module or not function or not all(part.isidentifier() for part in module.split(".")):
        return f"{where}: {_show(reference)} is not allowed; {allowed}"
    if not function.isidentifier():
        return f"{where}: {_show(reference)}: {function!r} is not a Python function name"
    source_file = folder.module_file(module)
    if source_file is None:
        found = ", ".join(folder.modules()) or "none"
        return f"{where}: {_show(reference)}: no module {_show(module)} in {folder.root}; modules found: {found}"
    try:
        tree = _parse(source_file)
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        return f"{where}: {_show(reference)}: {source_file} cannot be parsed: {exc}"
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    definition = functions.get(function)
    if definition is None:
        found = ", ".join(sorted(functions)) or "none"
        return (
            f"{where}: {_show(reference)}: {module} defines no top-level function {_show(function)}; "
            f"functions found: {found}"
        )
    if isinstance(definition, ast.AsyncFunctionDef):
        return (
            f"{where}: {_show(reference)}: {function} is async; {signature.role} is a plain function taking "
            f"{signature.shown}"
        )
    required, optional, varargs = _positional_parameters(definition)
    keyword_only = [
        a.arg for a, d in zip(definition.args.kwonlyargs, definition.args.kw_defaults, strict=True) if d is None
    ]
    takes = required <= signature.parameters and (varargs or required + optional >= signature.parameters)
    if not takes or keyword_only:
        shown = ast.unparse(definition.args)
        return f"{where}: {_show(reference)}: {function}({shown}) must take {signature.shown}"
    return None
