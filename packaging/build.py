"""Build Backstage's installers: one command per target.

    python packaging/build.py onedir     # dist/backstage/ (and dist/Backstage.app on macOS), PyInstaller
    python packaging/build.py deb        # dist/backstage_VERSION_ARCH.deb             (Linux, dpkg-deb)
    python packaging/build.py appimage   # dist/Backstage-VERSION-ARCH.AppImage        (Linux, appimagetool)
    python packaging/build.py inno       # dist/Backstage-VERSION-setup.exe            (Windows, Inno Setup 6)
    python packaging/build.py dmg        # dist/Backstage-VERSION.dmg                  (macOS, hdiutil)

Every installer target builds the onedir first, unless ``--reuse`` is given and one exists. Options:
``--dist DIR`` (default ``dist/``) and ``--work DIR`` (default ``build/``) put outputs and scratch
files elsewhere. The last line printed is the path of what was built.

Run it with the Python whose environment holds Backstage's dependencies and PyInstaller. Signing
on macOS happens when ``MACOS_SIGN_IDENTITY`` is set, notarisation when the ``MACOS_NOTARY_*``
variables are set too (see packaging/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
_spec = importlib.util.spec_from_file_location("backstage_bundle", HERE / "bundle.py")
assert _spec and _spec.loader
bundle = importlib.util.module_from_spec(_spec)
sys.modules["backstage_bundle"] = bundle
_spec.loader.exec_module(bundle)

ICONS = bundle.resources_root() / "icons"
HICOLOR_SIZES = (16, 32, 48, 64, 128, 256, 512)
DESKTOP_FILE = "backstage.desktop"
METAINFO = f"{bundle.APP_ID}.metainfo.xml"


class BuildError(Exception):
    """A target cannot be built here; the message says why in one line."""


def run(cmd: Sequence[str | os.PathLike[str]], **kwargs: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)  # type: ignore[call-overload]


# --- onedir -------------------------------------------------------------------------------------


def onedir(dist: Path, work: Path) -> Path:
    """PyInstaller's onedir build: ``dist/backstage`` (on macOS also ``dist/Backstage.app``)."""
    # A private cache: PyInstaller's shared one (stripped copies of every library) is not safe for
    # two builds at once, and a half-written library there ends up in the bundle.
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(work / "pyinstaller-cache")}
    run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN"]
        + ["--distpath", dist, "--workpath", work / "pyinstaller", HERE / "backstage.spec"],
        cwd=ROOT,
        env=env,
    )
    return dist / ("Backstage.app" if sys.platform == "darwin" else "backstage")


def ensure_onedir(dist: Path, work: Path, reuse: bool) -> Path:
    built = dist / ("Backstage.app" if sys.platform == "darwin" else "backstage")
    if reuse and built.exists():
        return built
    return onedir(dist, work)


# --- Linux: .deb and AppImage --------------------------------------------------------------------


def deb(dist: Path, work: Path, reuse: bool) -> Path:
    """A .deb installing to /opt/backstage, with /usr/bin/backstage, a desktop file, icons, metainfo."""
    for tool, package in (("dpkg-deb", "dpkg"), ("readelf", "binutils"), ("ldd", "libc-bin")):
        if not shutil.which(tool):
            raise BuildError(f"{tool} is not installed (apt-get install {package})")
    app = ensure_onedir(dist, work, reuse)
    info = bundle.project()
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True)
    arch_name = arch.stdout.strip()
    root = work / "deb" / "root"
    shutil.rmtree(root.parent, ignore_errors=True)
    shutil.copytree(app, root / "opt" / "backstage", symlinks=True)
    install(HERE / "linux" / "backstage.sh", root / "usr" / "bin" / "backstage", mode=0o755)
    install(HERE / "linux" / DESKTOP_FILE, root / "usr" / "share" / "applications" / DESKTOP_FILE)
    install_icons(root / "usr" / "share" / "icons" / "hicolor")
    (root / "usr" / "share" / "metainfo").mkdir(parents=True)
    (root / "usr" / "share" / "metainfo" / METAINFO).write_text(metainfo(info.version), encoding="utf-8")
    install(HERE / "linux" / "copyright", root / "usr" / "share" / "doc" / "backstage" / "copyright")
    fix_permissions(root)

    size_kb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink()) // 1024
    control = (HERE / "linux" / "control.in").read_text(encoding="utf-8")
    for key, value in {
        "VERSION": deb_version(info.version),
        "ARCH": arch_name,
        "INSTALLED_SIZE": str(size_kb),
        "DEPENDS": ", ".join(linux_depends(root / "opt" / "backstage")),
        "SUMMARY": info.description,
    }.items():
        control = control.replace(f"@{key}@", value)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(control, encoding="utf-8")

    out = dist / f"backstage_{deb_version(info.version)}_{arch_name}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", root, out])
    return out


def install(src: Path, dest: Path, mode: int = 0o644) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(mode)


def install_icons(hicolor: Path, name: str = "backstage") -> None:
    for size in HICOLOR_SIZES:
        install(ICONS / "png" / f"backstage-{size}.png", hicolor / f"{size}x{size}" / "apps" / f"{name}.png")
    install(ICONS / "backstage.svg", hicolor / "scalable" / "apps" / f"{name}.svg")


def fix_permissions(root: Path) -> None:
    """Debian's rule: directories 0755, files 0644, executables (anything with an x bit) 0755."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir() or os.access(path, os.X_OK):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def metainfo(version: str) -> str:
    template = (HERE / "linux" / METAINFO).read_text(encoding="utf-8")
    return template.replace("@VERSION@", version).replace("@DATE@", release_date())


def release_date() -> str:
    """The date of the last commit (reproducible), or SOURCE_DATE_EPOCH, or today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        log = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True, cwd=ROOT)
        epoch = log.stdout.strip() if log.returncode == 0 else ""
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return when.strftime("%Y-%m-%d")


def deb_version(version: str) -> str:
    """PEP 440 pre-releases sort before the release in Debian only with a tilde: 1.0rc1 -> 1.0~rc1."""
    return re.sub(r"(\d)(a|b|rc|\.dev)(\d+)", r"\1~\2\3", version)


def linux_depends(app: Path) -> list[str]:
    """The Debian packages owning the system libraries the bundle links to directly.

    Each ELF file's NEEDED entries (readelf) are resolved with ldd, and the files found outside the
    bundle mapped to their packages with ``dpkg-query -S``. Package names come from the build machine,
    so a .deb built on Ubuntu 24.04 names Ubuntu's (``libglib2.0-0t64``) and one built on Debian 12
    names Debian's. A library missing on the build machine gets the name its soname conventionally
    maps to.
    """
    env = {**os.environ, "LD_LIBRARY_PATH": str(app / "_internal")}
    found: set[str] = set()
    missing: set[str] = set()
    for path in sorted(app.rglob("*")):
        if not path.is_file() or path.is_symlink() or not _is_elf(path):
            continue
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            match = re.match(r"\s*(\S+) => (not found|\S+)", line)
            if not match or match.group(1) not in needed:
                continue
            soname, where = match.groups()
            if where == "not found":
                missing.add(soname)
            elif not where.startswith(str(app)):
                found.add(where)
    packages = _dpkg_owners(found) | {_package_for_soname(s) for s in missing}
    return sorted(packages)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def _dpkg_owners(paths: set[str]) -> set[str]:
    candidates: set[str] = set()
    for path in paths:
        real = os.path.realpath(path)
        for p in (path, real):
            candidates.add(p)
            # Merged /usr: dpkg may have registered the file under the other spelling.
            candidates.add(p.removeprefix("/usr") if p.startswith("/usr/lib") else "/usr" + p)
    out = subprocess.run(["dpkg-query", "-S", *sorted(candidates)], capture_output=True, text=True).stdout
    owners = set()
    for line in out.splitlines():
        names, _, _ = line.partition(": ")
        for name in names.split(", "):
            owners.add(name.split(":")[0])
    return owners


def _package_for_soname(soname: str) -> str:
    """libxcb-cursor.so.0 -> libxcb-cursor0, libdbus-1.so.3 -> libdbus-1-3 (Debian's naming rule)."""
    base, _, version = soname.partition(".so.")
    base = base.lower()
    return f"{base}-{version}" if base[-1:].isdigit() else f"{base}{version}"


def appimage(dist: Path, work: Path, reuse: bool) -> Path:
    """An AppImage of the onedir. Needs appimagetool, which no package registry reachable here ships."""
    tool = os.environ.get("APPIMAGETOOL") or shutil.which("appimagetool")
    if not tool:
        raise BuildError(
            "appimagetool not found: put it on PATH or set APPIMAGETOOL (it is published only on "
            "GitHub, in AppImage/appimagetool's releases; the CI workflow downloads it there)"
        )
    app = ensure_onedir(dist, work, reuse)
    info = bundle.project()
    appdir = work / "AppDir"
    shutil.rmtree(appdir, ignore_errors=True)
    shutil.copytree(app, appdir / "usr" / "lib" / "backstage", symlinks=True)
    (appdir / "AppRun").write_text(
        '#!/bin/sh\nHERE="$(dirname "$(readlink -f "$0")")"\nexec "$HERE/usr/lib/backstage/backstage" "$@"\n',
        encoding="utf-8",
    )
    (appdir / "AppRun").chmod(0o755)
    install(HERE / "linux" / DESKTOP_FILE, appdir / DESKTOP_FILE)
    install(ICONS / "png" / "backstage-256.png", appdir / "backstage.png")
    install(ICONS / "png" / "backstage-256.png", appdir / ".DirIcon")
    install_icons(appdir / "usr" / "share" / "icons" / "hicolor")
    (appdir / "usr" / "share" / "metainfo").mkdir(parents=True)
    (appdir / "usr" / "share" / "metainfo" / METAINFO).write_text(metainfo(info.version), encoding="utf-8")
    machine = os.uname().machine
    out = dist / f"Backstage-{info.version}-{machine}.AppImage"
    run([tool, "--no-appstream", appdir, out], env={**os.environ, "ARCH": machine})
    return out


# --- Windows: Inno Setup -------------------------------------------------------------------------


def inno(dist: Path, work: Path, reuse: bool) -> Path:
    """A per-user Windows installer from the onedir, compiled by Inno Setup 6's ISCC."""
    candidates = [
        os.environ.get("ISCC", ""),
        shutil.which("iscc") or "",
        r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe",
        r"C:\Program Files\Inno Setup 6\ISCC.exe",
    ]
    iscc = next((c for c in candidates if c and Path(c).is_file()), None)
    if not iscc:
        raise BuildError("Inno Setup 6 not found: install it (choco install innosetup) or set ISCC")
    app = ensure_onedir(dist, work, reuse)
    info = bundle.project()
    run(
        [
            iscc,
            f"/DAppVersion={info.version}",
            f"/DSourceDir={app.resolve()}",
            f"/DOutputDir={dist.resolve()}",
            f"/DIconFile={(ICONS / 'backstage.ico').resolve()}",
            f"/DLicenceFile={(HERE / 'licences' / 'Backstage-LICENSE.txt').resolve()}",
            HERE / "windows" / "backstage.iss",
        ]
    )
    return dist / f"Backstage-{info.version}-setup.exe"


# --- macOS: signed .app and .dmg ----------------------------------------------------------------


def dmg(dist: Path, work: Path, reuse: bool) -> Path:
    """A compressed .dmg holding Backstage.app and a link to /Applications; signed and notarised
    when the secrets are present (MACOS_SIGN_IDENTITY; MACOS_NOTARY_APPLE_ID, _TEAM_ID, _PASSWORD)."""
    if sys.platform != "darwin":
        raise BuildError("a .dmg can only be built on macOS (hdiutil)")
    app = ensure_onedir(dist, work, reuse)
    info = bundle.project()
    identity = os.environ.get("MACOS_SIGN_IDENTITY")
    entitlements = HERE / "macos" / "entitlements.plist"
    if identity:
        run(
            ["codesign", "--force", "--deep", "--options", "runtime", "--timestamp"]
            + ["--entitlements", entitlements, "--sign", identity, app]
        )
        run(["codesign", "--verify", "--deep", "--strict", "--verbose=2", app])
    else:
        print("MACOS_SIGN_IDENTITY not set: the app stays ad-hoc signed (Gatekeeper will warn)")
    staging = work / "dmg"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copytree(app, staging / app.name, symlinks=True)
    (staging / "Applications").symlink_to("/Applications")
    out = dist / f"Backstage-{info.version}.dmg"
    out.unlink(missing_ok=True)
    run(
        ["hdiutil", "create", "-volname", "Backstage", "-srcfolder", staging]
        + ["-fs", "HFS+", "-format", "UDZO", "-ov", out]
    )
    if identity:
        run(["codesign", "--force", "--timestamp", "--sign", identity, out])
        notarise(out)
    return out


def notarise(path: Path) -> None:
    apple_id = os.environ.get("MACOS_NOTARY_APPLE_ID")
    team = os.environ.get("MACOS_NOTARY_TEAM_ID")
    password = os.environ.get("MACOS_NOTARY_PASSWORD")
    if not (apple_id and team and password):
        print("MACOS_NOTARY_* not set: signed but not notarised")
        return
    # The password goes through the environment to notarytool's @env: reference, never on a command line.
    run(
        ["xcrun", "notarytool", "submit", path, "--wait", "--apple-id", apple_id, "--team-id", team]
        + ["--password", "@env:MACOS_NOTARY_PASSWORD"]
    )
    run(["xcrun", "stapler", "staple", path])


# --- command line --------------------------------------------------------------------------------

TARGETS = {"onedir": None, "deb": deb, "appimage": appimage, "inno": inno, "dmg": dmg}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", choices=list(TARGETS))
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where results go (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder (default: build/)")
    parser.add_argument("--reuse", action="store_true", help="use an existing onedir instead of rebuilding")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    try:
        if args.target == "onedir":
            result = onedir(dist, work)
        else:
            result = TARGETS[args.target](dist, work, args.reuse)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(
            f"error: {Path(str(exc.cmd[0])).name} failed with exit status {exc.returncode}", file=sys.stderr
        )
        return 1
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
