"""Printing, writing and the error path of the ``patchmap`` command."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from spatial.routes import EvaRoute

__all__ = [
    "EXIT_USER_ERROR",
    "OUT_OPTIONS",
    "checked_json_out",
    "checked_out",
    "print_json",
    "refuse_missing_out_folders",
    "walk_record",
]

EXIT_USER_ERROR = 2
"""The exit code when the input or options need fixing."""
OUT_OPTIONS: Final = ("out", "walk_out")
"""The options (as ``args`` names them) that name a file or folder a command writes."""


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def checked_out(
    path: Path | None, suffixes: tuple[str, ...], what: str, *, option: str = "--out"
) -> None:
    """
    Refuse an ``--out`` (or ``option``) file whose name does not end in one of ``suffixes``.

    Its folder was checked before the command ran (:func:`refuse_missing_out_folders`).
    """
    if path is not None and path.suffix.lower() not in suffixes:
        msg = f"{option} {path}: write {what}; the file name must end in {' or '.join(suffixes)}."
        raise ParameterError(msg)


def refuse_missing_out_folders(args: argparse.Namespace) -> None:
    """
    Refuse an ``--out`` (or ``--walk-out``) in a folder that does not exist, for every command.

    Checked before a command reads anything: ``export`` made the missing folders while
    ``density`` refused them and ``brief`` failed at the write, after all its work. What
    ``--out`` names (a file, or ``export``'s folder of files) is made; the folder it is in must
    exist, so that a mistyped path makes no folders.

    Raises
    ------
    ParameterError
        When the folder is missing, or part of the path is a file.
    """
    for dest in OUT_OPTIONS:
        path = getattr(args, dest, None)
        if path is None or path.parent.is_dir():
            continue
        option = f"--{dest.replace('_', '-')}"
        blocker = next((p for p in path.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            msg = f"{option} {path}: part of this path ({blocker}) is a file, not a folder."
        else:
            msg = (
                f"{option} {path}: the folder {path.parent} does not exist. Create it or write "
                "elsewhere."
            )
        raise ParameterError(msg)


def checked_json_out(path: Path | None) -> None:
    """
    Refuse an ``--out`` file for a JSON answer whose name does not end in ``.json``.

    ``profile --out x.tif`` wrote JSON under a raster's name. A folder (or a path the system
    refuses) is left to the write, whose message says what is wrong with the path.
    """
    if path is not None and path.suffix.lower() != ".json" and not path.is_dir():
        msg = f"--out {path}: this answer is written as JSON; end the file name in .json."
        raise ParameterError(msg)


def walk_record(route: EvaRoute, *, cell_m: float = 0.0) -> dict[str, object]:
    """
    Return an EVA walk's start and stops in visiting order (route, export and brief JSON).

    With ``cell_m`` (a shared file's audience cell, ``AudiencePreset.min_cell_m``), the stops
    are given as the files give them: at the centre of that cell, named by it, without the
    hot cell's count (:func:`layers.export.route_frames`).
    """
    import shapely  # heavy: only when a walk is printed

    if cell_m:
        from layers.export import route_frames  # heavy: shared walks only

        frame = route_frames(route, cell_m=cell_m)[1].frame
        labels = [str(n).split(": ", 1)[1] for n in frame["name"]]
        orders = [int(o) for o in frame["order"]]
    else:
        frame = route.stops
        labels = [str(label) for label in frame["label"]]
        orders = [int(o) for o in frame["order"]]
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    stops = [
        {"order": o, "label": label, "x_m": round(float(x), 1), "y_m": round(float(y), 1)}
        for o, label, (x, y) in zip(orders, labels, xy, strict=True)
    ]
    return {"start": route.start_label, "stops": stops, "distance_m": round(route.distance_m, 1)}
