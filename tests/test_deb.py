"""The Linux package, end to end: build the frozen app and the .deb, install it with the system package
manager, run the installed app's ``--self-test``, remove it.

This is the installers issue's CI requirement, so it runs in the default suite (``sh scripts/test``);
select it alone with ``pytest tests/test_deb.py`` (it is also marked ``slow``). It needs Linux with
dpkg, PyInstaller in the environment, and root or password-less sudo; without root or sudo it skips.
The build happens once per test run, in a temporary folder, and takes one to two minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEB_LIMIT_MB = 120
CHECKS = ("encodings", "icon", "keychain", "history", "window", "tools")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="the .deb is built and installed on Linux"
    ),
    pytest.mark.skipif(
        not shutil.which("dpkg-deb"), reason="dpkg is not installed: not a Debian-based system"
    ),
]


def _privilege() -> list[str]:
    """The prefix that runs a command as root: none as root, ``sudo -n`` if that works, else skip."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    pytest.skip("installing a .deb needs root: run as root or with password-less sudo")


def _package_manager(action: str, *args: str) -> list[str]:
    """apt-get when present (it resolves Depends and waits for a busy dpkg lock), else dpkg."""
    if shutil.which("apt-get"):
        verb = {"install": "install", "remove": "remove"}[action]
        return [
            "apt-get",
            verb,
            "-y",
            "-q",
            "--no-install-recommends",
            "-o",
            "DPkg::Lock::Timeout=120",
            *args,
        ]
    return ["dpkg", {"install": "-i", "remove": "-r"}[action], *args]


def _installed() -> bool:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "backstage"], capture_output=True, text=True)
    return out.returncode == 0 and "install ok installed" in out.stdout


@pytest.fixture(scope="session")
def deb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb, built once per test run from this checkout."""
    main_py = (ROOT / "desktop_app" / "cli" / "main.py").read_text(encoding="utf-8")
    if "run_self_test" not in main_py:
        pytest.fail(
            "desktop_app/cli/main.py does not dispatch --self-test to desktop_app.selftest.run_self_test"
        )
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is not installed in this environment: it is needed to build the .deb")
    work = tmp_path_factory.mktemp("deb-build")
    log = work / "build.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(
            [sys.executable, str(ROOT / "packaging" / "build.py"), "deb"]
            + ["--dist", str(work / "dist"), "--work", str(work / "work")],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            timeout=600,
        )
    text = log.read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, text[-4000:]
    print(f"onedir + .deb built in {time.monotonic() - started:.0f} s")
    return Path(text.strip().splitlines()[-1])


def test_deb_contents(deb_file: Path) -> None:
    assert deb_file.suffix == ".deb" and deb_file.is_file()
    size_mb = deb_file.stat().st_size / 1e6
    assert size_mb <= DEB_LIMIT_MB, f"{deb_file.name} is {size_mb:.1f} MB"
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb_file)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./usr/bin/backstage",
        "./opt/backstage/backstage",
        "./opt/backstage/_internal/resources/encodings/o200k_base.tiktoken",
        "./opt/backstage/_internal/licences/THIRD-PARTY-NOTICES.txt",
        "./usr/share/applications/backstage.desktop",
        "./usr/share/icons/hicolor/48x48/apps/backstage.png",
        "./usr/share/icons/hicolor/scalable/apps/backstage.svg",
        "./usr/share/metainfo/io.github.backstage.Backstage.metainfo.xml",
        "./usr/share/doc/backstage/copyright",
    ):
        assert f" {path}" in listing, path
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(deb_file)], capture_output=True, text=True, check=True
    ).stdout
    assert "Package: backstage" in fields
    depends = next(line for line in fields.splitlines() if line.startswith("Depends: "))
    for library in ("libc6", "libxcb-cursor0", "libxkbcommon-x11-0", "libfontconfig1"):
        assert library in depends


def test_deb_installs_self_tests_and_removes(deb_file: Path, tmp_path: Path) -> None:
    sudo = _privilege()
    if _installed():  # left over by an interrupted run: start clean
        subprocess.run(sudo + _package_manager("remove", "backstage"), capture_output=True, check=True)
    install = subprocess.run(
        sudo + _package_manager("install", str(deb_file)), capture_output=True, text=True
    )
    try:
        assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
        assert _installed()
        # The installed app knows nothing of this checkout or of the test suite's in-memory keyring.
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHON_KEYRING_BACKEND", "DISPLAY")
        }
        env["QT_QPA_PLATFORM"] = "offscreen"
        started = time.monotonic()
        result = subprocess.run(
            ["/usr/bin/backstage", "--self-test"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        for check in CHECKS:
            assert any(line.startswith(f"{check}: ") and "FAILED" not in line for line in lines), check
        assert lines[-1] == "self-test passed"
        assert "Traceback" not in result.stderr
        print(f"installed self-test took {elapsed:.1f} s")
    finally:
        removed = subprocess.run(
            sudo + _package_manager("remove", "backstage"), capture_output=True, text=True
        )
    assert removed.returncode == 0, removed.stdout[-2000:] + removed.stderr[-2000:]
    assert not _installed()
    assert not Path("/usr/bin/backstage").exists()
    assert not Path("/opt/backstage").exists()
