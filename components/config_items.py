"""The walk over a config list, shared by every key whose value is a list of objects
(consumers, producers, schedules): each item's path, and the errors for an item that
is not an object and for unknown keys, worded alike for every list (and for the
stack's own keys)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from components.routing import show_value


def config_items(
    raw: Sequence[Any], *, key: str, keys: Iterable[str], shape: str, errors: list[str]
) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    """Each object of `raw` with its index and path (`key[i]`); the others, and unknown keys, go to `errors`."""
    known = list(keys)
    for index, item in enumerate(raw):
        path = f"{key}[{index}]"
        if not isinstance(item, Mapping):
            errors.append(f"{path}: {show_value(item)} is not allowed; {shape}")
            continue
        for unknown in sorted(set(item) - set(known)):
            errors.append(unknown_key(f"{path}.{unknown}", unknown, known))
        yield index, path, item


SUGGESTION_CUTOFF = 0.75  # difflib similarity: close enough to be the key that was meant (topolgy -> topology)


def unknown_key(where: str, key: Any, known: Iterable[str]) -> str:
    """The error for a key no one reads: the known keys, and the one it was probably meant to be."""
    known = list(known)
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=SUGGESTION_CUTOFF)
    meant = f" (did you mean {close[0]}?)" if close else ""
    return f"{where}: unknown key; known keys are {', '.join(known)}{meant}"
