"""Lazy package exports: a package names what it offers and where each name lives; the module holding a
name is imported when the name is first asked for (the first paint imports only what it needs)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    package: str, where: Mapping[str, str], names: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``where`` maps an exported name to the module
    (relative to the package, with or without its leading dot) that defines it; a name found is kept in
    the package, so it is looked up once."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(
            importlib.import_module(module if module.startswith(".") else f".{module}", package), name
        )
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
