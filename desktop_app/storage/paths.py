"""Where Backstage keeps its files: one profile folder, or the platform's usual places.

A *profile* is chosen by ``--profile DIR`` (passed here as ``explicit`` or set once
with :func:`use_profile`), else by the ``BACKSTAGE_HOME`` environment variable.
With a profile, everything lives inside it, so a profile can be copied, backed up
or thrown away as one folder. Without one, data, settings, logs and cache go to
the matching platformdirs folders for the app "Backstage".

Every helper creates the folder it returns (or the folder holding the file).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Backstage"
ENV_VAR = "BACKSTAGE_HOME"
DATABASE_NAME = "history.db"
SETTINGS_NAME = "settings.json"

_override: Path | None = None


def use_profile(path: str | Path | None) -> None:
    """Make ``path`` the profile for every later call in this process (``None`` undoes it)."""
    global _override
    _override = Path(path).expanduser() if path else None


def _chosen_profile(explicit: str | Path | None) -> Path | None:
    if explicit:
        return Path(explicit).expanduser()
    if _override is not None:
        return _override
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else None


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def profile_dir(explicit: str | Path | None = None) -> Path:
    """The profile folder: ``explicit``, else the active profile, else the user data folder."""
    chosen = _chosen_profile(explicit)
    # appauthor=False: on Windows this gives ...\Backstage rather than ...\Backstage\Backstage.
    return _made(chosen or platformdirs.user_data_path(APP_NAME, appauthor=False))


def database_path(explicit: str | Path | None = None) -> Path:
    """The history database file (it may not exist yet; its folder does)."""
    return profile_dir(explicit) / DATABASE_NAME


def settings_path(explicit: str | Path | None = None) -> Path:
    """The settings file: in the profile, else in the user config folder."""
    chosen = _chosen_profile(explicit)
    folder = _made(chosen or platformdirs.user_config_path(APP_NAME, appauthor=False))
    return folder / SETTINGS_NAME


def logs_dir(explicit: str | Path | None = None) -> Path:
    """The folder for log files: ``<profile>/logs``, else the user log folder."""
    chosen = _chosen_profile(explicit)
    return _made(chosen / "logs" if chosen else platformdirs.user_log_path(APP_NAME, appauthor=False))


def cache_dir(explicit: str | Path | None = None) -> Path:
    """The folder for disposable data: ``<profile>/cache``, else the user cache folder."""
    chosen = _chosen_profile(explicit)
    return _made(chosen / "cache" if chosen else platformdirs.user_cache_path(APP_NAME, appauthor=False))
