"""Loading the study area and the selection that the common options name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spatial.errors import ParameterError

if TYPE_CHECKING:
    import argparse

    from boundaries.dataset import StudyArea
    from boundaries.select import Selection

__all__ = ["Loaded", "load"]


@dataclass(frozen=True)
class Loaded:
    """The study area the options name and the selection the filters make."""

    area: StudyArea
    selection: Selection


def load(args: argparse.Namespace) -> Loaded:
    """Load the study area the options name and build the selection."""
    from boundaries import dataset
    from boundaries.select import Selection, parse_month_range

    store = getattr(args, "store", None)
    if args.demo:
        if args.crimes or args.wards or store:
            msg = "Use either --demo, --crimes with --wards, or --store with --wards; not two."
            raise ParameterError(msg)
        area = dataset.load_demo()
    elif store is not None:
        if args.crimes or args.wards is None:
            msg = (
                "With --store give --wards (the boundaries whose crimes to read), not --crimes: "
                "the store already holds the crimes."
            )
            raise ParameterError(msg)
        area = dataset.load_study_area_from_store(
            store,
            args.wards,
            ward_field=args.ward_field,
            neighbourhoods=args.neighbourhoods,
            population=args.population,
            lsoas=args.lsoas,
        )
    else:
        if not args.crimes or args.wards is None:
            msg = (
                "Give --crimes (data.police.uk CSVs, folders or .zip) and --wards (boundaries), "
                "or --demo for the demo town."
            )
            raise ParameterError(msg)
        area = dataset.load_study_area(
            args.crimes,
            args.wards,
            ward_field=args.ward_field,
            neighbourhoods=args.neighbourhoods,
            population=args.population,
            lsoas=args.lsoas,
            cache_dir=dataset.default_cache_dir(),
        )
    selection = Selection(
        months=parse_month_range(args.months) if args.months else None,
        crime_types=tuple(args.crime_type) if args.crime_type else None,
        wards=tuple(args.ward) if args.ward else None,
        neighbourhoods=tuple(args.neighbourhood) if args.neighbourhood else None,
    )
    return Loaded(area=area, selection=selection)
