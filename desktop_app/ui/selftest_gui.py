"""The Qt half of ``backstage --self-test`` (see :mod:`desktop_app.selftest`).

Both checks run without a display: the caller has chosen the offscreen platform first when there is
none. A QGuiApplication is created only if no application exists yet (tests already have one), and
is left in place: the process ends right after the self-test.
"""

from __future__ import annotations

from ..resources import resource_path
from ..selftest import Result, failed, ok
from .qt import QtCore, QtGui

# The sizes every platform asks an app icon for, from the smallest (a menu) to a large launcher tile.
ICON_SIZES = (16, 256)


def check_icon() -> Result:
    """The app icon loads as a QIcon from its PNG rasters and its SVG source, at small and large sizes.

    The SVG needs Qt's svg image-format and icon-engine plugins, so this also proves they were bundled.
    """
    _application()
    png = resource_path("icons", "png", "backstage-256.png")
    svg = resource_path("icons", "backstage.svg")
    for path in (png, svg):
        if not path.is_file():
            return failed(f"missing icon file {path}")
    pixmap = QtGui.QPixmap(str(png))
    if pixmap.isNull() or pixmap.width() != 256:
        return failed(f"{png.name} does not load as a 256 px image")
    icon = QtGui.QIcon(str(svg))
    for size in ICON_SIZES:
        rendered = icon.pixmap(QtCore.QSize(size, size))
        if rendered.isNull() or rendered.width() == 0:
            return failed(f"{svg.name} renders no {size} px image (Qt's SVG plugins missing?)")
    if not _has_colour(icon.pixmap(QtCore.QSize(64, 64)).toImage()):
        return failed(f"{svg.name} renders blank")
    return ok("PNG and SVG, " + " and ".join(f"{s} px" for s in ICON_SIZES))


def check_window_module() -> Result:
    """The window's module imports, with the widgets and everything else it pulls in."""
    try:
        from . import main_window
    except ModuleNotFoundError as exc:
        if exc.name == f"{__package__}.main_window":
            return ok("no window module in this build: skipped")
        raise
    return ok(main_window.__name__)


def _application() -> QtCore.QCoreApplication:
    app = QtGui.QGuiApplication.instance()
    if app is None:
        app = QtGui.QGuiApplication(["backstage-self-test"])
    return app


def _has_colour(image: QtGui.QImage) -> bool:
    """True if any pixel of the image is not fully transparent (a blank render means a broken engine)."""
    step = max(1, image.width() // 16)
    return any(
        image.pixelColor(x, y).alpha() > 0
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    )
