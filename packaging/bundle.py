"""What goes into the frozen app, decided in one place: read by ``backstage.spec`` and ``build.py``.

- :func:`project`: name, version, description and licence, read from ``pyproject.toml``;
- :data:`EXCLUDED_MODULES`: Python modules never bundled (unused Qt modules first: they are most of
  PySide6's size);
- :func:`keep_qt_file`: which Qt plugins, libraries and translations of the collected ones to keep;
- :func:`licence_files`: the licence texts of Backstage, Python, Qt and every bundled distribution,
  plus a generated ``THIRD-PARTY-NOTICES.txt`` listing them.

This file is imported by path (the folder is not a package: its name would shadow PyPI's ``packaging``).
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "packaging"
APP_ID = "io.github.backstage.Backstage"


def resources_root() -> Path:
    """The checkout's resources folder, found as the app finds it (desktop_app/resources.py), so the
    bundle follows the folder if it moves (e.g. into the package, for wheels)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from desktop_app.resources import resources_dir

    return resources_dir()


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    description: str
    licence: str
    dependencies: tuple[str, ...]


def project() -> Project:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = data.get("license", {})
    return Project(
        name=data["name"],
        version=data["version"],
        description=data["description"],
        licence=licence.get("text", "") if isinstance(licence, dict) else str(licence),
        dependencies=tuple(data.get("dependencies", ())),
    )


# Python modules that must never be bundled. The app uses QtCore, QtGui, QtWidgets (and QtSvg for its
# icon); everything else PySide6 ships is dead weight, and hooks would otherwise pull some of it in.
EXCLUDED_QT = (
    "Qt3DAnimation Qt3DCore Qt3DExtras Qt3DInput Qt3DLogic Qt3DRender QtAxContainer QtBluetooth "
    "QtCanvasPainter QtCharts QtConcurrent QtDataVisualization QtDBus QtDesigner QtGraphs QtGraphsWidgets "
    "QtHelp QtHttpServer QtLocation QtMultimedia QtMultimediaWidgets QtNetwork QtNetworkAuth QtNfc "
    "QtOpenGL QtOpenGLWidgets QtPdf QtPdfWidgets QtPositioning QtPrintSupport QtQml QtQuick QtQuick3D "
    "QtQuickControls2 QtQuickTest QtQuickWidgets QtRemoteObjects QtScxml QtSensors QtSerialBus "
    "QtSerialPort QtSpatialAudio QtSql QtStateMachine QtSvgWidgets QtTest QtTextToSpeech QtUiTools "
    "QtWebChannel QtWebEngineCore QtWebEngineQuick QtWebEngineWidgets QtWebSockets QtWebView QtXml"
).split()
EXCLUDED_MODULES = [f"PySide6.{name}" for name in EXCLUDED_QT] + [
    "tkinter",
    "_tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "IPython",
    "matplotlib",
    "numpy",
    "pytest",
    "pytestqt",
    "hypothesis",
    "setuptools",
    "pip",
]

# Packages that read data files of their own at run time and have no PyInstaller hook saying so
# (trafilatura's settings.cfg, jusText's stop lists, tld's list of domains). Without these the
# web page reader fails only in the frozen app; the self-test's "tools" check catches it.
DATA_PACKAGES = ("trafilatura", "justext", "tld")


def package_datas() -> list[tuple[str, str]]:
    """(source, bundle folder) pairs for the data files of :data:`DATA_PACKAGES` that are installed."""
    import importlib.util

    from PyInstaller.utils.hooks import collect_data_files

    pairs: list[tuple[str, str]] = []
    for name in DATA_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            pairs += collect_data_files(name, excludes=["**/tests/**"])
    return pairs


# Qt plugin folders kept, and within them the plugins kept (None: all of that folder). Everything
# else the Qt hooks collect (tls, networkinformation, sqldrivers, eglfs, compositor-side Wayland
# plugins, ...) goes. qgtk3 is left out on purpose: it drags GTK's whole stack into the bundle, and
# the XDG portal theme gives native dialogs on every desktop.
QT_PLUGINS: dict[str, set[str] | None] = {
    "platforms": {"qxcb", "qwayland", "qoffscreen", "qminimal", "qwindows", "qdirect2d", "qcocoa"},
    "platformthemes": {"qxdgdesktopportal"},
    "platforminputcontexts": None,
    "xcbglintegrations": None,
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": {"qt-plugin-wayland-egl"},
    "wayland-shell-integration": {"xdg-shell"},
    "imageformats": {"qsvg", "qico", "qgif", "qjpeg"},
    "iconengines": {"qsvgicon"},
    "styles": None,  # qmodernwindowsstyle on Windows, the macOS style
}
QT_TRANSLATIONS = re.compile(r"qtbase_[a-z_]+\.qm$")
# Qt libraries that only the dropped plugins need.
QT_LIBRARIES_DROPPED = ("Qt6Network", "Qt6EglFSDeviceIntegration", "Qt6EglFsKmsSupport")

# On Linux, the libraries PyInstaller picks up from the build machine's system folders are left to
# the system (the .deb names their packages in Depends) except these, which Python's own extension
# modules were built against and which differ too much between distributions.
LINUX_BUNDLED_SYSTEM_LIBRARIES = ("libpython", "libssl", "libcrypto", "libsqlite3", "libffi", "libmpdec")
_SYSTEM_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")


def keep_qt_file(dest: str) -> bool:
    """Whether a collected file, by its path inside the bundle, stays in it.

    Only Qt's own files are judged (plugins, libraries, translations); anything else is kept.
    """
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    name = parts[-1] if parts else ""
    if any(lib in name for lib in QT_LIBRARIES_DROPPED):
        return False
    if "PySide6" not in parts:
        return True
    tail = parts[parts.index("PySide6") + 1 :]
    if len(tail) >= 3 and tail[0] == "Qt" and tail[1] == "plugins":
        folder, stem = tail[2], PurePosixPath(tail[-1]).name.split(".")[0].removeprefix("lib")
        if folder not in QT_PLUGINS:
            return False
        wanted = QT_PLUGINS[folder]
        return wanted is None or stem in wanted
    if len(tail) >= 3 and tail[0] == "Qt" and tail[1] == "translations":
        return bool(QT_TRANSLATIONS.match(tail[-1]))
    return True


def keep_binary(dest: str, source: str, platform: str = sys.platform) -> bool:
    """Whether a collected binary stays in the bundle: :func:`keep_qt_file`, and on Linux no system library."""
    if not keep_qt_file(dest):
        return False
    # A shared library found on the system lands at the bundle's top level; Python's extension modules
    # (lib-dynload, site-packages) land in folders and always stay.
    top_level = len(PurePosixPath(dest.replace("\\", "/")).parts) == 1
    if platform.startswith("linux") and top_level and source.startswith(_SYSTEM_DIRS):
        return PurePosixPath(source).name.startswith(LINUX_BUNDLED_SYSTEM_LIBRARIES)
    return True


def runtime_distributions() -> list[md.Distribution]:
    """Backstage's runtime dependencies and theirs, as installed in this environment."""
    from packaging.requirements import Requirement  # PyInstaller depends on it

    seen: dict[str, md.Distribution] = {}
    todo = [Requirement(spec) for spec in project().dependencies]
    while todo:
        requirement = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(requirement.name)
        except md.PackageNotFoundError:
            continue
        seen[key] = dist
        todo += [Requirement(spec) for spec in dist.requires or ()]
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


_LICENCE_NAME = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


def _licence_paths(dist: md.Distribution) -> list[Path]:
    found = []
    for file in dist.files or ():
        in_licences = any(part in ("licenses", "licences") for part in file.parts[:-1])
        if ".dist-info" in str(file) and (in_licences or _LICENCE_NAME.match(file.name)):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                found.append(path)
    return found


def licence_files(out_dir: Path) -> list[tuple[str, str]]:
    """(source, bundle folder) pairs for every licence text, and the notices file written to ``out_dir``."""
    info = project()
    pairs = [(str(HERE / "licences" / "Backstage-LICENSE.txt"), "licences")]
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.is_file():
        pairs.append((str(python_licence), "licences/Python"))
    # PySide6 wheels carry no licence file; Qt and PySide6 are used under the LGPL 3.
    pairs += [(str(HERE / "licences" / name), "licences/Qt") for name in ("LGPL-3.0.txt", "GPL-3.0.txt")]
    lines = [
        f"{info.name} {info.version} ({info.licence} licence) bundles the following software.",
        f"Python {sys.version.split()[0]}: PSF License, see Python/LICENSE.txt.",
        "",
    ]
    for dist in runtime_distributions():
        name, version = dist.metadata["Name"], dist.version
        licence = dist.metadata.get("License-Expression") or _short(dist.metadata.get("License") or "")
        if not licence:
            classifiers = [c for c in dist.metadata.get_all("Classifier") or () if c.startswith("License ::")]
            licence = "; ".join(c.rsplit("::", 1)[-1].strip() for c in classifiers) or "see its files"
        home = dist.metadata.get("Home-page") or _project_url(dist)
        lines.append(f"{name} {version}: {licence}" + (f" <{home}>" if home else ""))
        pairs += [(str(path), f"licences/{name}") for path in _licence_paths(dist)]
    lines += [
        "",
        "Qt 6 and PySide6 (Qt for Python) are used under the GNU Lesser General Public License",
        "version 3 (Qt/LGPL-3.0.txt, which builds on Qt/GPL-3.0.txt). They are bundled as separate",
        "shared libraries, which you may replace with your own build. Their source code is available",
        "at https://download.qt.io/official_releases/ and https://code.qt.io/.",
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    notices = out_dir / "THIRD-PARTY-NOTICES.txt"
    notices.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pairs.append((str(notices), "licences"))
    return pairs


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= 60 else ""


def _project_url(dist: md.Distribution) -> str:
    for entry in dist.metadata.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository", "source code"):
            return url.strip()
    return ""


def resource_datas() -> list[tuple[str, str]]:
    """(source, bundle folder) pairs for ``resources/``: the encodings and the icons the app loads.

    The .ico and .icns files are for installers only and stay out of the bundle.
    """
    res = resources_root()
    pairs = [(str(p), "resources/encodings") for p in sorted((res / "encodings").glob("*.tiktoken"))]
    pairs.append((str(res / "icons" / "backstage.svg"), "resources/icons"))
    pairs += [(str(p), "resources/icons/png") for p in sorted((res / "icons" / "png").glob("*.png"))]
    return pairs


def windows_version_info(version: str) -> str:
    """The text of a PyInstaller version-resource file (Explorer's Properties > Details) for ``version``."""
    numbers = [int(n) for n in re.findall(r"\d+", version)[:4]]
    quad = tuple(numbers + [0] * (4 - len(numbers)))
    strings = {
        "CompanyName": "Backstage",
        "FileDescription": "Backstage",
        "FileVersion": version,
        "InternalName": "Backstage",
        "LegalCopyright": "MIT licence, see licences",
        "OriginalFilename": "Backstage.exe",
        "ProductName": "Backstage",
        "ProductVersion": version,
    }
    table = ", ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return (
        f"VSVersionInfo(ffi=FixedFileInfo(filevers={quad}, prodvers={quad}), kids=["
        f"StringFileInfo([StringTable('040904B0', [{table}])]), "
        "VarFileInfo([VarStruct('Translation', [1033, 1200])])])\n"
    )
