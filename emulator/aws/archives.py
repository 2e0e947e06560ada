"""Pulumi's assets and archives by what they hold, read once when the program declares them.

``pulumi up`` reads an asset's file when it runs: a changed file under the
same path is a changed input (the function is updated with the new code),
and what the function runs is what was read then, whatever the file holds
later. ``Archives`` does the same for one deployment: ``comparable`` gives a
resource's inputs with every asset and archive as a digest of its content
(``AwsMocks`` compares an update's inputs with it), and ``files`` gives a
code archive's files as deployed (``emulator.sandbox`` unpacks them). Each
file is read once per deployment, as every function's archive names the same
runtime files.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any

import pulumi

from ..errors import EmulatorError

_CHUNK_BYTES = 1 << 20  # a layer's zip is hashed in 1 MiB reads, never held whole


def digest(files: dict[str, bytes]) -> str:
    """One hex digest for an archive's files (paths and contents; the order they were listed in does not count)."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return h.hexdigest()


class Archives:
    """The assets and archives of one deployment, read from disk once (relative paths from the current folder,
    the project's while the program runs: ``emulator/program.py``)."""

    def __init__(self) -> None:
        self._bytes: dict[str, bytes] = {}
        self._digests: dict[str, str] = {}
        # id(archive) -> (the archive, kept so its id stays its own; its files; their digest): a function's code
        # is read once, for the update's comparison and for what the function runs.
        self._unpacked: dict[int, tuple[Any, dict[str, bytes], str]] = {}

    def _read(self, path: str) -> bytes:
        key = os.path.abspath(path)
        data = self._bytes.get(key)
        if data is None:
            try:
                data = self._bytes[key] = Path(key).read_bytes()
            except OSError as exc:
                raise EmulatorError(f"asset file {path!r} cannot be read ({exc.strerror or exc})") from None
        return data

    def _file_digest(self, path: str) -> str:
        key = os.path.abspath(path)
        found = self._digests.get(key)
        if found is None:
            h = hashlib.sha256()
            try:
                with open(key, "rb") as fh:
                    while chunk := fh.read(_CHUNK_BYTES):
                        h.update(chunk)
            except OSError as exc:
                raise EmulatorError(f"archive file {path!r} cannot be read ({exc.strerror or exc})") from None
            found = self._digests[key] = h.hexdigest()
        return found

    def code(self, archive: Any) -> tuple[dict[str, bytes], str]:
        """An archive's files (``files``) and their ``digest``, worked out once per archive object."""
        found = self._unpacked.get(id(archive))
        if found is None:
            files = self.files(archive)
            found = self._unpacked[id(archive)] = (archive, files, digest(files))
        return found[1], found[2]

    def files(self, archive: Any) -> dict[str, bytes]:
        """Archive path -> content: an AssetArchive (file and string assets, folders, nested archives) or a
        FileArchive of a folder or a zip file."""
        if isinstance(archive, pulumi.FileArchive):
            return self._file_archive(str(archive.path))
        if not isinstance(archive, pulumi.AssetArchive):
            raise EmulatorError(f"{type(archive).__name__} is not an archive the emulator can unpack")
        out: dict[str, bytes] = {}
        for rel, member in (archive.assets or {}).items():
            if isinstance(member, pulumi.FileAsset):
                out[rel] = self._read(str(member.path))
            elif isinstance(member, pulumi.StringAsset):
                out[rel] = member.text.encode("utf-8")
            elif isinstance(member, (pulumi.FileArchive, pulumi.AssetArchive)):
                out.update({f"{rel}/{inner}": data for inner, data in self.files(member).items()})
            else:
                raise EmulatorError(f"archive member {rel!r}: cannot unpack a {type(member).__name__}")
        return out

    def _file_archive(self, path: str) -> dict[str, bytes]:
        root = Path(path)
        if root.is_dir():
            return {p.relative_to(root).as_posix(): self._read(str(p)) for p in sorted(root.rglob("*")) if p.is_file()}
        if zipfile.is_zipfile(root):
            with zipfile.ZipFile(root) as zf:
                return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
        raise EmulatorError(f"code archive {path!r} is neither a folder nor a zip file")

    def comparable(self, value: Any) -> Any:
        """Inputs as values: an asset or archive as the digest of what it holds (a file archive, such as a
        layer's zip, as the digest of its bytes; a remote one by its URI, which is not fetched)."""
        if isinstance(value, dict):
            return {k: self.comparable(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.comparable(v) for v in value]
        if isinstance(value, (pulumi.RemoteAsset, pulumi.RemoteArchive)):
            return (type(value).__name__, value.uri)
        if isinstance(value, pulumi.FileArchive) and not Path(str(value.path)).is_dir():
            return ("FileArchive", self._file_digest(str(value.path)))
        if isinstance(value, pulumi.Archive):
            return ("Archive", self.code(value)[1])
        if isinstance(value, pulumi.FileAsset):
            return ("Asset", hashlib.sha256(self._read(str(value.path))).hexdigest())
        if isinstance(value, pulumi.StringAsset):
            return ("Asset", hashlib.sha256(value.text.encode("utf-8")).hexdigest())
        return value
