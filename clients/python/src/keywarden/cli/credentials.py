"""Where `keywarden login` keeps local sign-ins: ``$XDG_CONFIG_HOME/keywarden/credentials.json``
(``~/.config`` by default), mode 0600, one entry per service URL.

Only the local stage's issuer signs people in through the CLI, so an entry also keeps who
signed in (``sub``, ``groups``): a fresh sign-in for step-up is then one request away.
A token from ``KEYWARDEN_TOKEN`` is never written here.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from keywarden.cli.files import write_private

FORMAT_VERSION = 1


@dataclass(frozen=True)
class LocalSignIn:
    sub: str
    groups: list[str]
    access_token: str
    expires_at: float  # epoch seconds

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


def credentials_path() -> Path:
    # The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "keywarden" / "credentials.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(credentials_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    sessions = data.get("sessions") if isinstance(data, dict) else None
    return sessions if isinstance(sessions, dict) else {}


def _write(sessions: dict[str, Any]) -> None:
    path = credentials_path()
    if not sessions:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps({"version": FORMAT_VERSION, "sessions": sessions}, indent=2, sort_keys=True) + "\n"
    write_private(path, text, overwrite=True)


def load(base_url: str) -> LocalSignIn | None:
    entry = _read().get(base_url)
    if not isinstance(entry, dict):
        return None
    try:
        return LocalSignIn(
            sub=str(entry["sub"]),
            groups=[str(g) for g in entry.get("groups", [])],
            access_token=str(entry["access_token"]),
            expires_at=float(entry["expires_at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def save(base_url: str, sign_in: LocalSignIn) -> None:
    sessions = _read()
    sessions[base_url] = asdict(sign_in)
    _write(sessions)


def forget(base_url: str) -> bool:
    """Removes the sign-in for `base_url`; False when there was none."""
    sessions = _read()
    if sessions.pop(base_url, None) is None:
        return False
    _write(sessions)
    return True
