"""
The demo extract as the Exports page's tests use it: the page's label and the command's options.

The page's files are compared with ``patchmap export --incidents`` and ``brief --incidents`` of
the same extract; the AppTest and the browser tests choose it and name it to the command alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

FROM_EXTRACT: Final = "A force extract (Timed crimes)"
"""The Exports page's "Crimes from" choice of the extract chosen in the sidebar."""


def demo_extract_options(extract: Path) -> list[str]:
    """
    Return the command's options for the app's demo town beside its demo extract.

    ``--demo`` with ``--incidents`` (the demo extract written as a file), and the demo town's
    street network and co-location sites named as ``--network`` and ``--sites``.
    """
    from boundaries.dataset import load_demo  # noqa: PLC0415  # heavy: only tests that use it

    demo = load_demo()
    assert demo.network_path is not None
    return [
        "--demo",
        "--incidents",
        str(extract),
        "--network",
        str(demo.network_path),
        "--sites",
        str(demo.network_path.parent / "sites.csv"),
    ]
