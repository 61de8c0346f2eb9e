"""Loading the study area and the selection that the common options name."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

    import geopandas as gpd

    from boundaries.dataset import StudyArea
    from boundaries.select import Selection
    from layers.metadata import ExportMetadata
    from spatial.incidents import Incidents
    from spatial.network import StreetNetwork

__all__ = [
    "Loaded",
    "load",
    "near_repeat_network",
    "police_file_metadata",
    "read_extract",
    "with_known_places",
    "with_known_types",
]


@dataclass(frozen=True)
class Loaded:
    """The study area the options name and the selection the filters make."""

    area: StudyArea
    selection: Selection
    incidents: Incidents | None = None
    """The force extract, when the crimes came from one (``--incidents``)."""


def read_extract(args: argparse.Namespace) -> Incidents:
    """
    Read the force extract of ``--incidents`` (with ``--columns``, ``--crs``, ``--midnight``).

    Raises
    ------
    ParameterError
        When ``--crimes`` or ``--store`` is given too: one source of crimes at a time.
    """
    from spatial.incidents import parse_column_map, read_incidents

    for option, source in (("--crimes", "data.police.uk"), ("--store", "a store")):
        if getattr(args, option[2:], None):
            msg = f"Use either --incidents (a force extract) or {option} ({source}), not both."
            raise ParameterError(msg)
    columns = parse_column_map(args.columns) if args.columns else None
    incidents = read_incidents(
        args.incidents, columns=columns, crs=args.crs, midnight=args.midnight
    )
    return with_known_types(args, incidents)


def with_known_types(args: argparse.Namespace, incidents: Incidents) -> Incidents:
    """
    Set ``--crime-type`` as the extract writes its types, refusing one it does not hold.

    Every later use of the option (selections, labels, notes) then names the extract's types:
    ``burglary`` selects ``Burglary``, and a type the extract does not hold is refused with the
    choices, as for data.police.uk files, rather than selecting no events.
    """
    from boundaries.select import known_crime_types

    if getattr(args, "crime_type", None):
        args.crime_type = list(known_crime_types(args.crime_type, incidents.events["crime_type"]))
    return incidents


def with_known_places(args: argparse.Namespace, wards: gpd.GeoDataFrame) -> None:
    """
    Set ``--ward`` and ``--neighbourhood`` as ``wards`` write the names, as crime types are set.

    ``market`` and `` Market`` choose ``Market`` (:func:`boundaries.select.as_written`, the
    rule of ``--crime-type`` and of the app's links); a name ``wards`` do not hold is kept as
    typed, for the selection to refuse with the names it holds.
    """
    from boundaries.select import as_written

    for option, column in (("ward", "ward_name"), ("neighbourhood", "neighbourhood")):
        given = getattr(args, option, None)
        if given and column in wards.columns:
            known = list(dict.fromkeys(str(n) for n in wards[column].dropna()))
            setattr(args, option, list(as_written(given, known)))


def _require_wards_for_names(args: argparse.Namespace) -> None:
    """Refuse ward or neighbourhood names for an extract given without ward boundaries."""
    from boundaries.extract import EXTRACT_AREA_NAME
    from spatial.names import name_key

    given = [*(getattr(args, "ward", None) or ()), *(getattr(args, "neighbourhood", None) or ())]
    # the one area there is without wards, however it is typed
    names = [n for n in given if name_key(n) != name_key(EXTRACT_AREA_NAME)]
    if names and not getattr(args, "demo", False) and getattr(args, "wards", None) is None:
        option = "--ward" if getattr(args, "ward", None) else "--neighbourhood"
        msg = (
            f"{option} {', '.join(names)}: give the ward boundaries with --wards (without them "
            "the whole extract is one area)."
        )
        raise ParameterError(msg)


def _extract_area(args: argparse.Namespace, incidents: Incidents) -> StudyArea:
    from boundaries import dataset
    from boundaries.extract import study_area_from_incidents
    from boundaries.neighbourhoods import apply_neighbourhoods
    from spatial.cache import read_wards_cached
    from spatial.io import read_neighbourhoods

    wards = None
    if args.demo:  # the demo town's streets and sites come along, as the app's data set brings them
        demo = dataset.load_demo()
        return dataclasses.replace(
            study_area_from_incidents(incidents, demo.wards),
            network_path=demo.network_path,
            sites=demo.sites,
        )
    if args.wards is not None:
        mapping = read_neighbourhoods(args.neighbourhoods) if args.neighbourhoods else None
        wards = apply_neighbourhoods(
            read_wards_cached(
                args.wards, name_field=args.ward_field, cache_dir=dataset.default_cache_dir()
            ).wards,
            mapping,
        )
    return study_area_from_incidents(incidents, wards)


def _police_uk_area(
    args: argparse.Namespace,
    *,
    read_only_chosen: bool,
    count_all: bool,
    columns: tuple[str, ...] | None,
) -> StudyArea:
    """Load the demo town, a store (with --wards) or data.police.uk files (with --wards)."""
    from boundaries import dataset

    store = getattr(args, "store", None)
    if args.demo:
        if args.crimes or args.wards or store:
            msg = "Use either --demo, --crimes with --wards, or --store with --wards; not two."
            raise ParameterError(msg)
        return dataset.load_demo()
    if store is not None:
        if args.crimes or args.wards is None:
            msg = (
                "With --store give --wards (the boundaries whose crimes to read), not --crimes: "
                "the store already holds the crimes."
            )
            raise ParameterError(msg)
        return dataset.load_study_area_from_store(
            store,
            args.wards,
            ward_field=args.ward_field,
            neighbourhoods=args.neighbourhoods,
            population=args.population,
            lsoas=args.lsoas,
            read_only=tuple((args.ward or []) + (args.neighbourhood or []))
            if read_only_chosen
            else None,
            count_all=count_all,
            columns=columns,
            cache_dir=dataset.default_cache_dir(),
        )
    if not args.crimes or args.wards is None:
        msg = (
            "Give --crimes (data.police.uk CSVs, folders or .zip) and --wards (boundaries), "
            "or --demo for the demo town."
        )
        raise ParameterError(msg)
    return dataset.load_study_area(
        args.crimes,
        args.wards,
        ward_field=args.ward_field,
        neighbourhoods=args.neighbourhoods,
        population=args.population,
        lsoas=args.lsoas,
        cache_dir=dataset.default_cache_dir(),
    )


def _refuse_unread_files(args: argparse.Namespace) -> None:
    """Refuse the ward-side files a data set would not read (never a silent ignore)."""
    given = [
        option
        for option, name in (
            ("--ward-field", "ward_field"),
            ("--neighbourhoods", "neighbourhoods"),
            ("--population", "population"),
            ("--lsoas", "lsoas"),
        )
        if getattr(args, name, None) is not None
    ]
    if args.demo and given:
        msg = (
            "The demo town brings its own wards, neighbourhoods and populations: leave out "
            f"{_and(given)}, or give them with --crimes or --store and --wards."
        )
        raise ParameterError(msg)
    unread = [o for o in given if o in {"--population", "--lsoas"}]
    if getattr(args, "incidents", None) and unread:
        msg = (
            f"{_and(unread)}: read only with data.police.uk crimes (--crimes or --store), for "
            "rates per 1,000; a force extract's crimes are counted without them. Leave out "
            f"{_and(unread)}."
        )
        raise ParameterError(msg)


def _and(names: list[str]) -> str:
    """Join names as a sentence does: ``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def load(
    args: argparse.Namespace,
    *,
    read_only_chosen: bool = False,
    count_all: bool = False,
    columns: tuple[str, ...] | None = None,
) -> Loaded:
    """
    Load the study area the options name and build the selection.

    With ``read_only_chosen`` a store reads only the chosen wards' rows (and counts the rest):
    for subcommands whose answer concerns the chosen wards alone, such as ``summary``. With
    ``count_all`` as well, every ward's crimes are counted by month and crime type
    (``StudyArea.ward_counts``), which is all a profile needs of the other wards (its rank).
    With ``columns``, a store reads only those of the crimes' columns (``summary`` counts by
    month and crime type: Crime IDs and the rest are not read); the CSVs are read whole.
    """
    from boundaries import dataset
    from boundaries.select import Selection, as_written, parse_month_range

    _refuse_unread_files(args)
    incidents = None
    if getattr(args, "incidents", None):
        _require_wards_for_names(args)
        incidents = read_extract(args)
        area = _extract_area(args, incidents)
    else:
        area = _police_uk_area(
            args, read_only_chosen=read_only_chosen, count_all=count_all, columns=columns
        )
    area = dataset.named(area, getattr(args, "area_name", None))
    if getattr(args, "hours", None) is not None:
        if incidents is None:
            msg = (
                "--hours needs timed crimes: give a force extract with --incidents "
                "(data.police.uk files have the month only)."
            )
            raise ParameterError(msg)
        from hotspots.when import area_in_hours

        area = area_in_hours(area, args.hours)
    with_known_places(args, area.wards)
    selection = Selection(
        months=parse_month_range(args.months) if args.months else None,
        crime_types=as_written(args.crime_type, area.crime_types) if args.crime_type else None,
        wards=tuple(args.ward) if args.ward else None,
        neighbourhoods=tuple(args.neighbourhood) if args.neighbourhood else None,
    )
    return Loaded(area=area, selection=selection, incidents=incidents)


def police_file_metadata(
    loaded: Loaded,
    wards: gpd.GeoDataFrame,
    *,
    command: str,
    period: tuple[str, str] | None,
    methods: dict[str, dict[str, str]] | None = None,
) -> ExportMetadata:
    """
    Return the metadata of a police file a command writes with ``--out``.

    :func:`layers.metadata.police_file_metadata` of the loaded area and selection: one title,
    area, filters and source lines for every command's file (and the app's copies of them).
    """
    from layers.metadata import police_file_metadata as metadata_of

    return metadata_of(
        loaded.area, loaded.selection, wards, command=command, period=period, methods=methods
    )


def near_repeat_network(args: argparse.Namespace, events: gpd.GeoDataFrame) -> StreetNetwork | None:
    """
    Return the street network that names near-repeat zones' streets, or None.

    ``--network``, else the demo town's streets with ``--demo`` for events in Great Britain (as
    the app names them): ``alerts`` and the near-repeat section of ``brief`` both take it here.
    """
    from boundaries.dataset import load_demo
    from spatial.crs import BNG_EPSG
    from spatial.network import load_network

    if args.network is not None:
        return load_network(args.network)
    in_gb = events.crs is not None and events.crs.to_epsg() == BNG_EPSG
    path = load_demo().network_path if args.demo and in_gb else None
    return None if path is None else load_network(path)
