"""Tiny wheels built in the test, so layer builds never reach the network (pip: --no-index --find-links)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def wheel(folder: Path, name: str, tag: str = "py3-none-any", version: str = "1.0") -> Path:
    files = {
        f"{name}/__init__.py": f"NAME = {name!r}\nVERSION = {version!r}\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: {str(tag.endswith('any')).lower()}\nTag: {tag}\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(out, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return out


def local_wheels(folder: Path) -> Path:
    """A pure wheel, an arm64 manylinux wheel, and one built for x86_64 only."""
    wheel(folder, "tinypure")
    wheel(folder, "tinynative", "cp313-cp313-manylinux2014_aarch64")
    wheel(folder, "onlyx86", "cp313-cp313-manylinux2014_x86_64")
    return folder
