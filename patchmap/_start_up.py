"""
The analysis stack imported with garbage collection paused, then frozen out of it.

Importing numpy, pandas, pyarrow, shapely, pyproj and geopandas makes about a million objects
and no garbage, but every few hundred allocations start a young collection that walks the
newest of them: 35-45 ms of a store profile's second. :func:`patchmap.cli.main` imports them
with collection paused for a command that reads crimes and, when the command is a process of
its own, freezes them (:func:`gc.freeze`): no collection walks them again. (Pausing alone would
only put the walk off: the first collection after it walks everything made meanwhile.)
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

ANALYSIS_STACK: Final = ("numpy", "pandas", "pyarrow", "shapely", "pyproj", "geopandas")
"""The libraries every command that reads crimes imports, whichever analysis it runs."""


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """
    Run the block with garbage collection off; on again at its end (unless it was off before).

    Examples
    --------
    >>> with collections_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_stack(*, freeze: bool) -> None:
    """
    Import :data:`ANALYSIS_STACK` with collection paused; with ``freeze``, freeze what it made.

    Frozen (:func:`gc.freeze`, in a process of its own), the stack's million objects are not
    walked by the full collections of a long command either.
    """
    with collections_paused():
        for name in ANALYSIS_STACK:
            importlib.import_module(name)
        if freeze:
            gc.freeze()
