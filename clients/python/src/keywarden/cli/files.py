"""Files the CLI writes that hold secrets (a sign-in's token, a claimed key's `.env`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_private(path: Path, text: str, *, overwrite: bool) -> None:
    """Writes `text` readable by its owner only (0600); never over a file unless `overwrite`.

    Over an existing file, a new 0600 file is renamed over it: the old file's mode never
    applies to the new text, not even for a moment, and a crash leaves the old file whole.
    Raises `FileExistsError` when the file exists and `overwrite` is false.
    """
    if not overwrite:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
