"""The team's dependencies as a Lambda layer, built without Docker.

pip installs the code folder's requirements.txt for the functions' runtime and
architecture (python3.13, arm64) with its platform-targeted binary download
(`--platform`, `--only-binary=:all:`, `--python-version`, `--implementation cp`,
`--target`), and the result is zipped under `python/`, where Lambda puts layer
packages on the import path. The zip is cached by the hash of the requirements
file (and the target), so `pulumi preview` does not rebuild an unchanged layer
and Pulumi sees the same archive. pip reads its usual configuration (PIP_INDEX_URL,
PIP_FIND_LINKS, PIP_NO_INDEX, pip.conf), so a private index or a local wheel
folder works unchanged. Pure: no Pulumi here.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from components import defaults

_NO_MATCH = re.compile(r"No matching distribution found for ([^\s;]+)")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no build time, so an identical build is identical


class LayerError(ValueError):
    """The requirements cannot be installed for the functions' platform."""


def target() -> str:
    platforms = ", ".join(defaults.LAYER_PLATFORMS)
    return f"python{defaults.LAYER_PYTHON_VERSION} on {defaults.LAMBDA_ARCHITECTURE} ({platforms})"


def requirements_hash(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(target().encode())
    return digest.hexdigest()


def pip_command(requirements: Path, dest: Path) -> list[str]:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    for platform in defaults.LAYER_PLATFORMS:
        command += ["--platform", platform]
    return command + [
        "--only-binary=:all:",
        "--python-version",
        defaults.LAYER_PYTHON_VERSION,
        "--implementation",
        defaults.LAYER_IMPLEMENTATION,
        "--target",
        str(dest),
        "--requirement",
        str(requirements),
    ]


def _zip(folder: Path, out: Path) -> None:
    partial = out.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                info = zipfile.ZipInfo(f"python/{path.relative_to(folder).as_posix()}", _FIXED_TIME)
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    os.replace(partial, out)


def build(requirements: Path, cache_dir: Path, key: str) -> Path | None:
    """The layer zip for `requirements` (built once per requirements hash), or None when they install
    nothing (a file of comments only): Lambda refuses an empty layer. LayerError names the package.

    `key` names the config key in errors (e.g. "messaging:codePath: app/requirements.txt").
    """
    digest = requirements_hash(requirements)
    out = cache_dir / f"{digest}.zip"
    nothing = cache_dir / f"{digest}.empty"  # remembers that these requirements install nothing
    if out.is_file():
        return out
    if nothing.is_file():
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="layer-", dir=cache_dir) as work:
        site = Path(work) / "python"
        done = subprocess.run(pip_command(requirements, site), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            missing = _NO_MATCH.findall(done.stderr + done.stdout)
            if missing:
                names = ", ".join(dict.fromkeys(missing))
                raise LayerError(
                    f"{key}: {names} has no wheel for {target()} on the index pip reads; the layer needs a binary "
                    "wheel for that platform (check the name, pin a version that publishes one, or drop the "
                    "requirement)"
                )
            last = (done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}").splitlines()[-1]
            raise LayerError(f"{key}: pip could not install it for {target()}: {last}")
        if not site.is_dir() or not any(path.is_file() for path in site.rglob("*")):
            nothing.touch()
            return None
        _zip(site, out)
    return out
