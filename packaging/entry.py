"""The frozen app's entry script (PyInstaller runs a script, not ``python -m``): the same main."""

from __future__ import annotations

import multiprocessing
import sys

from desktop_app.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not start the app again
    sys.exit(main())
