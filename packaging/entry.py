"""PyInstaller's entry script: the same main() as the ``triageboard`` console script."""

from __future__ import annotations

import multiprocessing

from triageboard.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless unless something ever spawns processes in a bundle
    raise SystemExit(main())
