"""
The ``patchmap`` command: the subcommand table, argument parsing and the error path.

Every subcommand shares the common options of :mod:`patchmap._options` (``--crimes``/``--wards``
or ``--demo``, ``--ward``, ``--months``, ``--crime-type``, ``--json``, ``--out``). A problem the
user can fix is printed to stderr, with the same message the app shows, and the exit code is 2.

To add a subcommand: write ``add_NAME(parser)`` and ``run_NAME(args) -> int`` in the module of
its stage (``NAME`` with ``-`` as ``_``) and add a row to :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import importlib
import os
import re
import sys
import warnings
from typing import TYPE_CHECKING, Final, NoReturn

from patchmap import _start_up
from patchmap._options import common_options, ingest_options
from patchmap._output import EXIT_USER_ERROR, refuse_missing_out_folders
from spatial.errors import ParameterError, PatchmapError, PatchmapWarning

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence
    from typing import TextIO

__all__ = ["EXIT_BROKEN_PIPE", "SUBCOMMANDS", "build_parser", "main", "run"]

EXIT_BROKEN_PIPE: Final = 141
"""The exit code when standard output is closed early (128 + SIGPIPE, as a shell reports it)."""
FULL_COLLECTION_EVERY: Final = 100
"""Young collections between full ones while a command runs (Python's default: 10). A full
collection walks every object of the analysis stack (pandas, pyarrow, scipy: a million) and
finds next to no garbage: two of them cost a store profile 50-90 ms."""

SUBCOMMANDS: Final = (
    ("summary", "patchmap.load", "count crimes by ward and type, every row accounted for"),
    (
        "ingest",
        "patchmap.load",
        "add data.police.uk files to a GeoParquet store (--store DIR) for force-scale queries",
    ),
    ("profile", "patchmap.profile", "neighbourhood profile of a ward or neighbourhood"),
    ("problems", "patchmap.profile", "rank problems for joint patrol tasking"),
    (
        "repeats",
        "patchmap.profile",
        "repeat locations with recording-artefact flags, and how concentrated crime is",
    ),
    (
        "hotspots",
        "patchmap.hotspots",
        "hot spots: Gi* cells, the densest KDE cells, or DBSCAN/HDBSCAN clusters",
    ),
    ("density", "patchmap.hotspots", "kernel density raster (GeoTIFF, crimes per km2)"),
    (
        "streets",
        "patchmap.streets",
        "hot streets: network KDE, counts or Gi* per street segment or lixel",
    ),
    (
        "when",
        "patchmap.when",
        "when to patrol: hour-of-week table and patrol windows of timed crimes (force extract)",
    ),
    ("change", "patchmap.hotspots", "change per grid cell between two periods"),
    ("emerging", "patchmap.hotspots", "emerging hot spots: space-time patterns per cell"),
    (
        "tasks",
        "patchmap.tasks",
        "the tasking log: add, list, update, export problems, EPIC actions, NAG decisions",
    ),
    (
        "route",
        "patchmap.walk",
        "EVA walkabout: a closed walking loop through the heaviest hotspot stops that fit",
    ),
    (
        "catchment",
        "patchmap.walk",
        "walking catchments (5/10/15 min) of co-location sites, with crime and ASB shares",
    ),
    (
        "backtest",
        "patchmap.forecast",
        "backtest hotspot methods: which would have predicted next month's crime best",
    ),
    ("forecast", "patchmap.forecast", "the cells to patrol in a month, from the months before it"),
    (
        "knox",
        "patchmap.near_repeat",
        "Knox test: are crimes close in space also close in time (near repeats), beyond chance",
    ),
    (
        "alerts",
        "patchmap.near_repeat",
        "near-repeat risk zones live on a date, their expiry and (with --network) streets",
    ),
    (
        "export",
        "patchmap.report",
        "export layers (GPKG, GeoJSON, CSV, KML, GPX, GeoTIFF, zipped SHP) for an audience",
    ),
    (
        "brief",
        "patchmap.report",
        "briefing pack (HTML or PDF) for a ward or neighbourhood and a meeting",
    ),
    (
        "app",
        "patchmap.app",
        "start the Streamlit app: maps, hotspots, EVA routes, tasking, exports",
    ),
)
"""Every subcommand as (name, the module with ``add_NAME`` and ``run_NAME``, help), in order."""
WITHOUT_DATA_OPTIONS: Final = frozenset({"app"})
"""Subcommands that read no data, so take none of the common data and filter options."""


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """
    Build the ``patchmap`` argument parser.

    Parameters
    ----------
    commands
        The subcommands whose modules are imported to add their options; every subcommand when
        None. The others are listed with their help but take no options of their own, so
        ``patchmap --help`` and ``patchmap NAME ...`` import only what they use.

    Returns
    -------
    argparse.ArgumentParser
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="patchmap",
        description="Crime and ASB hotspots, EVA routes and briefing packs for local teams.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    for name, module_name, help_text in SUBCOMMANDS:
        chosen = commands is None or name in commands
        parents = [] if name in WITHOUT_DATA_OPTIONS or not chosen else [common]
        if name == "ingest" and chosen:
            parents = [ingest_options()]
        # the others are only listed: copying the many data options into each of them took
        # a third of the parser's time
        cmd = sub.add_parser(name, parents=parents, help=help_text, description=help_text)
        if chosen:
            module = importlib.import_module(module_name)
            function = name.replace("-", "_")
            getattr(module, f"add_{function}")(cmd)
            cmd.set_defaults(run=getattr(module, f"run_{function}"))
    return parser


@contextlib.contextmanager
def _user_warnings() -> Iterator[None]:
    """
    Print each :class:`PatchmapWarning` once, as ``patchmap: warning: ...`` on stderr.

    A warning says the answer is right but the user should know something (a cache folder that
    cannot be written, say): the message alone, once however many places raise it, not Python's
    file and line. Other warnings are shown as Python shows them.
    """
    shown = warnings.showwarning
    said: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, PatchmapWarning):
            if str(message) not in said:
                said.add(str(message))
                print(f"patchmap: warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", PatchmapWarning)  # each is said once, by ``show``
        warnings.showwarning = show
        yield


_OS_ADVICE: Final = {
    errno.ENOTDIR: "part of this path is a file, not a folder. Check the path",
    errno.EISDIR: "this is a folder. Give a file name (inside it, say)",
    errno.EEXIST: "a file is in the way where a folder is to be made. Choose another path",
    errno.EACCES: "you may not write here. Choose a folder you can write to",
    errno.EPERM: "you may not write here. Choose a folder you can write to",
    errno.EROFS: "this disk is read-only. Choose a folder you can write to",
    errno.ENOSPC: "the disk is full. Free some space or write elsewhere",
    errno.ENOENT: "a folder in this path does not exist. Create it or check the path",
}
"""What to do about the system's refusals a user meets: each message names the path too."""


def _os_error_message(err: OSError) -> str:
    """
    Say which path the system refused, why, and what to do (no traceback).

    Inputs are checked, with their own messages, before any command reads them; what reaches
    here is nearly always a place to write: an ``--out`` or ``--store`` under a file, a folder
    given for a file, a read-only folder, a full disk.
    """
    where = f"{err.filename}: " if err.filename is not None else ""
    advice = _OS_ADVICE.get(err.errno) if err.errno is not None else None
    if advice is None:
        advice = f"{err.strerror or err}. Check the path and that you may write there"
    return f"{where}{advice}."


COORDINATE_OPTIONS: Final = frozenset({"--start", "--walk-start"})
"""Options whose value is ``LON,LAT``: west of Greenwich it starts with a minus sign."""
_NEGATIVE: Final = re.compile(r"-\d|-\.\d")


def _negative_values_joined(arguments: list[str]) -> list[str]:
    """
    Join ``--start -1.22,52.33`` into ``--start=-1.22,52.33``, as argparse needs it.

    argparse reads a value that begins with a minus sign as an option unless it is a plain
    number, so a longitude west of Greenwich (most of England, all of Wales) was refused with
    "expected one argument".

    >>> _negative_values_joined(["route", "--start", "-1.22,52.33", "--demo"])
    ['route', '--start=-1.22,52.33', '--demo']
    """
    out: list[str] = []
    at = 0
    while at < len(arguments):
        word = arguments[at]
        value = arguments[at + 1] if at + 1 < len(arguments) else ""
        if word in COORDINATE_OPTIONS and _NEGATIVE.match(value):
            out.append(f"{word}={value}")
            at += 2
        else:
            out.append(word)
            at += 1
    return out


DATA_OPTIONS: Final = ("demo", "crimes", "store", "incidents")
"""The options (as ``args`` names them) that give a command crimes to read."""


_REPEATABLE: Final = (
    argparse._AppendAction,  # noqa: SLF001 - argparse names its action classes only so
    argparse._AppendConstAction,  # noqa: SLF001
    argparse._CountAction,  # noqa: SLF001
    argparse._ExtendAction,  # noqa: SLF001
)


def _refuse_repeated_options(
    parser: argparse.ArgumentParser, command: str, arguments: Sequence[str]
) -> None:
    """
    Refuse an option given twice that keeps one value (argparse keeps the last, silently).

    ``summary --months A --months B`` counted B alone; options that gather values
    (``--ward`` given twice chooses two wards) may be repeated.

    Raises
    ------
    ParameterError
        Naming the option and how often it was given.
    """
    subparsers = next(
        a
        for a in parser._actions  # noqa: SLF001 - the subcommands' parsers
        if isinstance(a, argparse._SubParsersAction)  # noqa: SLF001
    )
    for action in subparsers.choices[command]._actions:  # noqa: SLF001
        if isinstance(action, _REPEATABLE) or not action.option_strings:
            continue
        n = sum(a == o or a.startswith(f"{o}=") for a in arguments for o in action.option_strings)
        if n > 1:
            msg = f"{action.option_strings[0]} is given {n} times: give it once."
            raise ParameterError(msg)


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """
    Run the ``patchmap`` command.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.
    own_process
        The command is the process (:func:`run`): objects made at start-up may be frozen
        out of garbage collection for the rest of its life (see :mod:`patchmap._start_up`).

    Returns
    -------
    int
        0 on success, 2 when the input or options need fixing.
    """
    arguments = _negative_values_joined(sys.argv[1:] if argv is None else list(argv))
    # the first positional argument is the subcommand (the top level takes only -h)
    chosen = next((a for a in arguments if not a.startswith("-")), None)
    parser = build_parser(() if chosen is None else (chosen,))
    args = parser.parse_args(arguments)
    thresholds = gc.get_threshold()
    gc.set_threshold(*thresholds[:2], max(thresholds[2], FULL_COLLECTION_EVERY))
    if any(getattr(args, name, None) for name in DATA_OPTIONS):  # it reads crimes
        _start_up.import_stack(freeze=own_process)
    try:
        if args.command != "tasks":  # which says which side of its verb each one is on
            _refuse_repeated_options(parser, args.command, arguments)
        if args.command != "ingest":  # which refuses --out by name
            refuse_missing_out_folders(args)
        with _user_warnings():
            code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe shows here, not as a message at exit
    except PatchmapError as err:
        print(f"patchmap: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # the reader went away (``patchmap ... | head``): stop quietly, as other commands do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as err:  # a path that cannot be written: --out, --store, a full disk
        print(f"patchmap: error: {_os_error_message(err)}", file=sys.stderr)
        return EXIT_USER_ERROR
    finally:
        gc.set_threshold(*thresholds)
    return code


def run() -> NoReturn:
    """
    Run the ``patchmap`` command as a process (the console script): :func:`main`, then exit.

    The process leaves with :func:`os._exit` once the standard streams are flushed and logging
    is shut down, instead of tearing the interpreter down object by object: freeing a command's
    frames and the modules of the analysis stack one at a time takes 0.1-0.15 s after a store
    profile has already printed its answer. Nothing is lost by skipping it: every file a
    command writes is closed inside the command (``with`` blocks), databases are committed or
    closed there, and the only work left at exit is that freeing. An exception that escapes
    :func:`main` (a bug) or a ``SystemExit`` (``--help``, a usage error) leaves the usual way,
    with its message.
    """
    code = main(own_process=True)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away after the last write
        code = EXIT_BROKEN_PIPE
    if "logging" in sys.modules:  # flush any handler a library configured, as exit would
        sys.modules["logging"].shutdown()
    os._exit(code)
