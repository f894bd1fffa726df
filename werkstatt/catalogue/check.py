"""`werkstatt methods check`: every problem in the card and agenda files as `file:field: message` lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkstatt.catalogue.loader import METHODS_DIR, Loaded, load

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def check(paths: Sequence[Path] = ()) -> Loaded:
    """Check the given files and folders (default: the shipped `methods/` with its `agendas/`)."""
    return load(list(paths) or [METHODS_DIR])


def report(loaded: Loaded) -> list[str]:
    lines = [str(problem) for problem in loaded.problems]
    if loaded.ok:
        lines.append(f"Alles in Ordnung: {len(loaded.cards)} Methodenkarten, {len(loaded.agendas)} Ablaufvorlagen.")
    else:
        lines.append(f"{len(loaded.problems)} Fehler gefunden.")
    return lines
