"""The architecture rules, checked rather than remembered."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_FREE = ["core", "providers", "tools", "storage"]
QT_MODULES = {"PySide6", "shiboken6", "qasync"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_packages_never_import_qt() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in QT_FREE
        for path in (ROOT / "desktop_app" / package).rglob("*.py")
        if _imported_roots(path) & QT_MODULES
    ]
    assert offenders == []


def test_headless_import_loads_no_qt() -> None:
    """Importing the loop, providers, tools and CLI pulls in no Qt module at all."""
    code = (
        "import sys\n"
        "import desktop_app.core.loop, desktop_app.cli.main, desktop_app.providers.openai_compat\n"
        "import desktop_app.storage.store, desktop_app.tools.builtin\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'qasync'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# Built from parts so this file does not flag itself.
_MACHINE_PATHS = ("/" + "work/main", "/" + "root/")


def test_no_absolute_machine_paths_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if (
            path.suffix in {".py", ".md", ".toml", ".txt", ".cfg", ".spec", ".yml", ".yaml", ".json"}
            and path.exists()
        ):
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(marker in text for marker in _MACHINE_PATHS):
                offenders.append(name)
    assert offenders == []
