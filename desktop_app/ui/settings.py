"""What the window remembers between runs, in an INI file inside the profile folder.

The file sits next to the profile's other settings (see ``storage.paths``), so
``--profile DIR`` keeps the window's state with everything else. It holds no
secret: the server settings name the environment variable of the API key, never
the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..storage.paths import settings_path
from .modes import Mode
from .qt import QtCore

FILE_NAME = "window.ini"


@dataclass(frozen=True)
class ServerSettings:
    provider: str = "openai"
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.base_url and self.model)


class WindowSettings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path().parent / FILE_NAME
        self._qs = QtCore.QSettings(str(self.path), QtCore.QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._qs.sync()

    # -- window state -----------------------------------------------------------------

    def bytes_value(self, key: str) -> QtCore.QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QtCore.QByteArray) and not value.isEmpty() else None

    def set_bytes(self, key: str, value: QtCore.QByteArray) -> None:
        self._qs.setValue(key, value)

    @property
    def mode(self) -> Mode:
        return Mode.parse(self._qs.value("view/mode", Mode.STATUS.value))

    @mode.setter
    def mode(self, mode: Mode) -> None:
        self._qs.setValue("view/mode", mode.value)

    @property
    def timeline_visible(self) -> bool:
        return str(self._qs.value("view/timeline", "true")).lower() == "true"

    @timeline_visible.setter
    def timeline_visible(self, visible: bool) -> None:
        self._qs.setValue("view/timeline", "true" if visible else "false")

    @property
    def show_provenance(self) -> bool:
        return str(self._qs.value("view/provenance", "false")).lower() == "true"

    @show_provenance.setter
    def show_provenance(self, shown: bool) -> None:
        self._qs.setValue("view/provenance", "true" if shown else "false")

    # -- server ---------------------------------------------------------------------------

    @property
    def server(self) -> ServerSettings:
        def text(key: str, default: str = "") -> str:
            return str(self._qs.value(f"server/{key}", default) or default)

        return ServerSettings(
            text("provider", "openai"), text("base_url"), text("model"), text("api_key_env")
        )

    @server.setter
    def server(self, server: ServerSettings) -> None:
        for key in ("provider", "base_url", "model", "api_key_env"):
            self._qs.setValue(f"server/{key}", getattr(server, key))
        self._qs.sync()
