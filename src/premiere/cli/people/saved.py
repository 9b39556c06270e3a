"""The login ``premiere login`` keeps: ``{"url", "token"}`` in the user's config file,
``$XDG_CONFIG_HOME/premiere/config.json`` (default ``~/.config/premiere/``), readable
by the user alone (mode 0600, in a directory of mode 0700).

A command without ``--token`` or ``PREMIERE_TOKEN`` uses the saved token, on the saved
server unless ``--url`` or ``PREMIERE_URL`` names another one: a token is never sent
to a server it was not made for.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


@dataclass(frozen=True)
class SavedLogin:
    url: str
    token: str


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "premiere" / "config.json"


def read_login() -> SavedLogin | None:
    """The saved login, or None (no file, or not one this command wrote)."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, token = data.get("url"), data.get("token")
    if not isinstance(url, str) or not isinstance(token, str) or not token:
        return None
    return SavedLogin(url.rstrip("/"), token)


def save_login(login: SavedLogin) -> Path:
    """Write the login, readable by the user alone (an existing file is made so too)."""
    path = config_path()
    path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    text = json.dumps({"url": login.url, "token": login.token}, indent=2) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.chmod(path, FILE_MODE)  # a file that existed keeps its mode through os.open
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def forget_login() -> bool:
    """Delete the saved login; whether there was one."""
    try:
        config_path().unlink()
    except FileNotFoundError:
        return False
    return True


def same_server(one: str, other: str) -> bool:
    return one.rstrip("/") == other.rstrip("/")
