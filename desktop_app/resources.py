"""Where Backstage's bundled data files (``resources/``) live, in every way the app can be run.

The folder sits at the top of the repository, next to the ``desktop_app`` package. It is found, in order:

1. ``BACKSTAGE_RESOURCES``: an explicit folder, for tests and unusual installs. It wins even if it
   does not exist, so a wrong setting fails loudly instead of silently using other files.
2. ``sys._MEIPASS/resources``: inside a PyInstaller bundle (the spec must add ``resources`` as data).
3. ``<checkout>/resources``: running from a source checkout or an editable install.
4. ``desktop_app/resources``: an installed wheel, if packaging copies the folder into the package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "BACKSTAGE_RESOURCES"

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The resources folder this process uses. Re-evaluated on every call, so tests can redirect it."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    candidates: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates += [_PACKAGE_DIR.parent / "resources", _PACKAGE_DIR / "resources"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    # Nothing found: name the first place we looked, so the error a caller raises points somewhere useful.
    return candidates[0]


def resource_path(*parts: str) -> Path:
    """The path of a bundled file, e.g. ``resource_path("encodings", "o200k_base.tiktoken")``.

    The path is not checked for existence; the caller decides what a missing file means.
    """
    return resources_dir().joinpath(*parts)
