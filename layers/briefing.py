"""
Briefing packs for tasking meetings: one self-contained HTML file, and a PDF with the same content.

A pack covers a ward or a neighbourhood, a period and a meeting date, for one audience:

- cover: area, period, meeting, audience and the data caveats;
- a print map (:func:`layers.static_map.render_static_map`) of the wards, hotspots, patrol areas,
  the EVA route and the co-location sites, with a legend, scale bar and north arrow;
- the profile numbers (:func:`tasking.profile.build_profile`), the change since the last meeting
  with its exact Poisson test, the top repeat locations;
- from the tasking log, when one is given: flagged problems with their SARA stage and EPIC
  actions, and the assessment of finished responses.

Nothing is computed here: :func:`tasking.pack.briefing_content` gives the profile, the changes
(:func:`tasking.profile.meeting_changes`), the map's Gi* cells, the EVA walk and the tasking log's
records; :func:`render_briefing` renders them for one audience.

Each section appears only when its data exists, never as a placeholder. The audience preset
(:mod:`layers.audience`) applies to every table and the map: partners see streets and cells with
counts below the threshold shown as ``<5``, never crime IDs or outcomes; the public sees ward
totals and hotspot classes only. Every text that reaches the HTML (ward names, locations, notes
typed by users) is escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

import geopandas as gpd
import pandas as pd
import shapely
from jinja2 import Environment, select_autoescape

from boundaries.extract import is_extract_area
from hotspots.tables import snap_point_counts
from layers.audience import (
    Audience,
    AudiencePreset,
    get_preset,
    prepare_layer,
    shows_location_text,
)
from layers.export import route_frames
from layers.metadata import data_label, source_lines
from layers.near_repeat import near_repeat_brief
from layers.pdf import html_to_pdf
from layers.static_map import render_static_map
from spatial.crs import BNG
from spatial.errors import ParameterError
from spatial.network import load_network
from tasking.windows import window_in

if TYPE_CHECKING:
    from collections.abc import Sequence

    from boundaries.dataset import Provenance, StudyArea
    from tasking.pack import BriefingContent, TaskingSnapshot
    from tasking.profile import PeriodChange, Profile
    from tasking.store import ActionRecord

__all__ = [
    "SECTION_TITLES",
    "BriefingPack",
    "render_briefing",
    "shared_locations",
    "write_briefing",
]

SECTION_TITLES: Final = {
    "cover": "Cover",
    "map": "Map",
    "profile": "Profile",
    "change": "Change since the last meeting",
    "locations": "Top repeat locations",
    "problems": "Flagged problems and actions",
    "assessments": "Assessment of finished responses",
    "near_repeat": "Near repeats",
}
"""Section ids of a pack and their headings, in pack order."""

CAVEATS: Final = (
    (
        "police.uk locations are anonymised: each crime is moved to the nearest of a fixed set "
        "of snap points ('On or near ...'), so a point is near, not at, where it happened."
    ),
    "Dates are months only: police.uk publishes no day or time.",
    "Crimes recorded without a location are not on the map or in these counts.",
)
"""Data caveats printed on the cover of a pack made from police.uk crimes."""
EXTRACT_CAVEAT: Final = (
    "Crimes are from the records-management extract of the force: exact locations (addresses) "
    "and times as recorded, not the anonymised points and months of police.uk."
)
"""The first caveat on the cover of a pack made from a force extract."""


def _caveats(provenance: Provenance, preset: AudiencePreset) -> list[str]:
    """Return the data caveats of a pack, by where its crimes came from and its audience."""
    if provenance == "police.uk":
        return list(CAVEATS)
    if preset.snap_m:
        shown = (
            f"This {preset.audience} pack shows them no finer than {preset.snap_m:g} m cells "
            f"and {preset.finest_time}s, without addresses."
        )
    else:
        shown = "This police pack shows them in full: do not share it as it is."
    return [EXTRACT_CAVEAT, shown, CAVEATS[-1]]


@dataclass(frozen=True, eq=False)
class BriefingPack:
    """
    A briefing pack.

    Attributes
    ----------
    title
        ``"Briefing pack: <area>, NAG <date>"``.
    area_name
        The ward or neighbourhood.
    meeting
        The meeting date.
    audience
        The preset applied.
    min_count
        Counts below this are shown as ``<N`` (None: no suppression).
    profile
        The full-detail profile the pack was made from (not for sharing as it is).
    sections
        Ids of the sections present, in order (see :data:`SECTION_TITLES`).
    map_png
        The print map, PNG.
    html
        The self-contained HTML (map embedded), ready to save or print.
    notes
        Remarks for the user (e.g. why a section is missing).
    top_locations
        The profile's top repeat locations as this audience may see them
        (:func:`shared_locations`): what the pack lists, for a record of it.
    figures
        The profile's and the changes' figures as the pack prints them for this audience
        (counts below ``min_count`` as ``<N``, secondary suppression applied): ``n_crimes``,
        ``n_asb``, ``rate_per_1000``, ``rank``, ``by_crime_type``, ``by_month``,
        ``by_month_last_year`` and ``changes``, for a record of a pack that is shared.
    """

    title: str
    area_name: str
    meeting: dt.date
    audience: Audience
    min_count: int | None
    profile: Profile
    sections: tuple[str, ...]
    map_png: bytes
    html: str
    notes: tuple[str, ...] = field(default=())
    top_locations: tuple[dict[str, object], ...] = field(default=())
    figures: dict[str, object] = field(default_factory=dict)


# --- tasking log ----------------------------------------------------------------------------


# --- numbers as the audience may see them ---------------------------------------------------


def _count(n: float | None, min_count: int | None) -> str:
    if n is None or math.isnan(n):
        return ""
    if min_count is not None and n < min_count:
        return f"<{min_count}"
    return f"{int(n):,}"


def _with_secondary(rows: list[tuple[str, int]], min_count: int | None) -> list[tuple[str, str]]:
    """
    Show each count as the audience may see it, hiding a second one when only one is small.

    A table whose total is shown would give a single hidden count away by subtraction, so when
    exactly one count is below ``min_count`` the next smallest is hidden too (secondary
    suppression).
    """
    if min_count is None:
        return [(k, _count(n, None)) for k, n in rows]
    hidden = {i for i, (_, n) in enumerate(rows) if n < min_count}
    if len(hidden) == 1 and len(rows) > 1:
        visible = [i for i in range(len(rows)) if i not in hidden]
        hidden.add(min(visible, key=lambda i: (rows[i][1], i)))
    return [
        (k, f"<{min_count}" if n < min_count else "hidden" if i in hidden else f"{n:,}")
        for i, (k, n) in enumerate(rows)
    ]


def _last_year(n: int | None, min_count: int | None) -> str:
    return "not loaded" if n is None else _count(n, min_count)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.0f} %"


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.2g}"  # noqa: PLR2004


# --- the map --------------------------------------------------------------------------------


def _streets(area: StudyArea, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    if area.network_path is None:
        return None
    network = load_network(area.network_path)
    lines = gpd.GeoDataFrame(geometry=list(network.edge_geometry), crs=BNG)
    frame = shapely.box(*wards.buffer(1500).total_bounds)
    return lines.loc[lines.intersects(frame)].reset_index(drop=True)


def _map_png(
    content: BriefingContent,
    area: StudyArea,
    preset: AudiencePreset,
    title: str,
    attribution: str,
) -> bytes:
    wards, points, tasking, route = content.wards, content.points, content.tasking, content.route
    hot = None
    if content.hot_cells is not None:
        cells = content.hot_cells
        hot = prepare_layer(cells, "hotspots", preset).assign(gi_bin=cells["gi_bin"].to_numpy())
    crimes = None
    if preset.crime_detail == "points" and not points.empty:
        crimes = snap_point_counts(points)
    elif preset.crime_detail == "streets" and not points.empty:
        crimes = prepare_layer(points, "crimes", preset, provenance=area.provenance)
    route_frame = None
    if "routes" in preset.fields:
        if route is not None:
            line, stops = route_frames(route, cell_m=preset.min_cell_m)
            route_frame = gpd.GeoDataFrame(
                pd.concat([line.frame, stops.frame], ignore_index=True), crs=BNG
            )
        elif tasking is not None and tasking.routes is not None:
            route_frame = tasking.routes
    patrol = tasking.patrol_areas if tasking is not None and preset.audience != "public" else None
    sites = None
    if area.sites is not None and not area.sites.empty:
        sites = prepare_layer(area.sites, "sites", preset)
        sites = sites.loc[sites.intersects(shapely.union_all(wards.geometry.to_numpy()))]
    return render_static_map(
        wards,
        hotspots=hot,
        patrol_areas=patrol,
        route=route_frame,
        sites=sites,
        crimes=crimes,
        streets=_streets(area, wards),
        title=title,
        attribution=attribution,
    )


# --- HTML -----------------------------------------------------------------------------------

_TEMPLATE: Final = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
@page { size: A4; margin: 14mm 12mm; }
body { font: 10.5pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0 auto;
       max-width: 186mm; }
h1 { font-size: 17pt; margin: 0 0 4mm; color: #1f3a93; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; color: #1f3a93; border-bottom: 1px solid #c8d0e8; }
section { break-inside: avoid-page; }
section.break { break-before: page; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 9.5pt; }
th, td { border: 1px solid #c8c8c8; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef1f8; }
.cover dt { font-weight: bold; float: left; width: 32mm; clear: left; }
.cover dd { margin: 0 0 1.5mm 34mm; }
.caveats { background: #fff8e1; border: 1px solid #f0d98c; padding: 2mm 4mm; font-size: 9pt; }
.map img { width: 100%; height: auto; border: 1px solid #aaa; }
.small { font-size: 8.5pt; color: #555; }
</style>
</head>
<body>
<section class="cover" id="cover">
<h1>{{ title }}</h1>
<dl>
<dt>Area</dt><dd>{{ area_name }} ({{ wards }})</dd>
<dt>Period</dt><dd>{{ period }}</dd>
<dt>Crime types</dt><dd>{{ crime_types }}</dd>
{% if hours %}<dt>Hours of the week</dt><dd>{{ hours }} (only crimes in these hours)</dd>{% endif %}
<dt>Meeting</dt><dd>{{ meeting }}</dd>
<dt>Audience</dt><dd>{{ audience }}: {{ audience_text }}</dd>
<dt>Data</dt><dd>{{ data_label }}</dd>
<dt>Created</dt><dd>{{ created }}</dd>
</dl>
<div class="caveats"><strong>Data caveats</strong>
<ul>{% for c in caveats %}<li>{{ c }}</li>{% endfor %}</ul></div>
</section>
{% if map_uri %}
<section class="map" id="map">
<h2>Map</h2>
<img src="{{ map_uri }}" alt="Map of {{ area_name }}: wards, hotspots, patrol areas, route, sites">
</section>
{% endif %}
<section id="profile" class="break">
<h2>Profile</h2>
<table>
<tr><th>Crimes and ASB in the period</th><td class="n">{{ n_crimes }}</td></tr>
<tr><th>Of which anti-social behaviour</th><td class="n">{{ n_asb }}</td></tr>
{% if rate %}<tr><th>Rate per 1,000 residents</th><td class="n">{{ rate }}</td></tr>{% endif %}
{% if rank %}<tr><th>Rank ({{ rank_basis }})</th><td class="n">{{ rank }}</td></tr>{% endif %}
{% if findings %}<tr><th>EVA findings in the period</th><td>{{ findings }}</td></tr>{% endif %}
</table>
<table>
<tr><th>Crime type</th><th class="n">Count</th></tr>
{% for t, n in by_type %}<tr><td>{{ t }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table>
<table>
<tr><th>Month</th><th class="n">Count</th>
{% if has_last_year %}<th class="n">Same month last year</th>{% endif %}</tr>
{% for m, n, ly in by_month %}<tr><td>{{ m }}</td><td class="n">{{ n }}</td>
{% if has_last_year %}<td class="n">{{ ly }}</td>{% endif %}</tr>{% endfor %}
</table>
</section>
{% if changes %}
<section id="change">
<h2>Change since the last meeting</h2>
<table>
<tr><th>Comparison</th><th>Before</th><th class="n">Count</th><th>After</th>
<th class="n">Count</th><th class="n">Change</th><th class="n">p (exact Poisson)</th>
<th>Verdict</th></tr>
{% for c in changes %}<tr><td>{{ c.label }}</td><td>{{ c.before }}</td>
<td class="n">{{ c.n_before }}</td><td>{{ c.after }}</td><td class="n">{{ c.n_after }}</td>
<td class="n">{{ c.pct }}</td><td class="n">{{ c.p }}</td><td>{{ c.verdict }}</td></tr>
{% endfor %}
</table>
<p class="small">Exact conditional Poisson test of equal monthly rates (two-sided).</p>
</section>
{% endif %}
{% if locations %}
<section id="locations">
<h2>Top repeat locations</h2>
<table>
<tr><th>Location</th><th>Ward</th><th class="n">Crimes</th><th>Commonest types</th></tr>
{% for loc in locations %}<tr><td>{{ loc.location }}</td><td>{{ loc.ward }}</td>
<td class="n">{{ loc.n }}</td><td>{{ loc.type }}</td></tr>{% endfor %}
</table>
</section>
{% endif %}
{% if problems %}
<section id="problems">
<h2>Flagged problems and actions</h2>
{% if unplaced %}<p class="small">Not in any ward's pack: {{ unplaced }} (the log gives them no ward
of these boundaries; set the ward on the Tasking page or with tasks update problem).</p>{% endif %}
{% for p in problems %}
<h3>{{ p.title }} <span class="small">(SARA: {{ p.stage }}, {{ p.status }})</span></h3>
{% if p.description %}<p>{{ p.description }}</p>{% endif %}
{% if p.actions %}<table>
<tr><th>EPIC</th><th>Action</th><th>When</th><th>Owner</th><th>Due</th><th>Status</th></tr>
{% for a in p.actions %}<tr><td>{{ a.epic }}</td><td>{{ a.description }}
{% if a.notes %}<br><span class="small">{{ a.notes }}</span>{% endif %}</td>
<td class="when">{{ a.when }}</td>
<td>{{ a.owner }}</td><td>{{ a.due }}</td><td>{{ a.status }}</td></tr>{% endfor %}
</table>{% endif %}
{% endfor %}
</section>
{% endif %}
{% if assessments %}
<section id="assessments">
<h2>Assessment of finished responses</h2>
<table>
<tr><th>Problem</th><th>Before</th><th>After</th><th class="n">Treated before</th>
<th class="n">Treated after</th><th class="n">Comparison before</th>
<th class="n">Comparison after</th><th class="n">WDD</th><th class="n">p</th></tr>
{% for a in assessments %}<tr><td>{{ a.title }}</td>{% if a.reason %}
<td colspan="8">Not assessed: {{ a.reason }}</td>{% else %}<td>{{ a.before }}</td>
<td>{{ a.after }}</td><td class="n">{{ a.t0 }}</td><td class="n">{{ a.t1 }}</td>
<td class="n">{{ a.c0 }}</td><td class="n">{{ a.c1 }}</td><td class="n">{{ a.wdd }}</td>
<td class="n">{{ a.p }}</td>{% endif %}</tr>{% endfor %}
</table>
<p class="small">Counting {{ assessed_types }} in each problem's patrol area (treated) and
comparison area, in the loaded months before the meeting. Weighted displacement difference
(Wheeler &amp; Ratcliffe 2018): negative means crime fell in the treated area relative to the
comparison area.</p>
</section>
{% endif %}
{% if near_repeat %}
<section id="near_repeat">
<h2>Near repeats</h2>
<p>{{ near_repeat.verdict }}</p>
<p class="small">Tested on every crime of the force extract in this place known before the
meeting, whatever months or crime types{% if hours %}, or hours of the week,{% endif %} the rest
of this pack shows.</p>
{% if near_repeat.grid %}<table>
<tr><th>Distance</th>{% for c in near_repeat.columns %}<th class="n">{{ c }}</th>{% endfor %}</tr>
{% for label, cells in near_repeat.grid %}<tr><th>{{ label }}</th>
{% for text, colour in cells %}<td class="n" style="background: {{ colour }}">{{ text }}</td>
{% endfor %}</tr>{% endfor %}
</table>
<p class="small">Knox ratio (pairs observed / expected by chance); * significant after a false
discovery rate correction; red: at least 1.2 times chance.{% if near_repeat.grid_note %}
{{ near_repeat.grid_note }}{% endif %}</p>{% endif %}
{% if near_repeat.zone_note %}<p>{{ near_repeat.zone_note }}</p>{% endif %}
{% if near_repeat.zones %}<table>
<tr><th>Zone</th>{% if near_repeat.zones[0].events %}<th class="n">Events</th>{% endif %}
<th>Streets</th><th>Live until</th></tr>
{% for z in near_repeat.zones %}<tr><td>{{ z.zone }}</td>
{% if z.events %}<td class="n">{{ z.events }}</td>{% endif %}<td>{{ z.streets }}</td>
<td>{{ z.until }}</td></tr>{% endfor %}
</table>{% endif %}
</section>
{% endif %}
<p class="small">{% for s in sources %}{{ s }} {% endfor %}</p>
</body>
</html>
"""

_ENV: Final = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def _change_rows(changes: Sequence[PeriodChange], min_count: int | None) -> list[dict[str, str]]:
    rows = []
    for c in changes:
        small = min_count is not None and min(c.n_before, c.n_after) < min_count
        rows.append(
            {
                "label": c.label,
                "before": f"{c.before[0]} to {c.before[1]}",
                "after": f"{c.after[0]} to {c.after[1]}",
                "n_before": _count(c.n_before, min_count),
                "n_after": _count(c.n_after, min_count),
                "pct": "" if small else _pct(c.change_pct),
                "p": "" if small else _p(c.p_value),
                "verdict": "too few crimes to show" if small else c.verdict,
            }
        )
    return rows


def shared_locations(
    profile: Profile, preset: AudiencePreset, provenance: Provenance
) -> tuple[dict[str, object], ...]:
    """
    Return the profile's top repeat locations as an audience may see them.

    The pack's location list and the ``patchmap brief --json`` record both show these: none
    for the public (crimes per ward only) or where location texts are addresses (a force
    extract, for anyone but the police); for partners only locations with at least
    ``preset.min_count`` crimes, their crime-type counts below it shown as ``<N``; for the
    police all of them as they are.

    Parameters
    ----------
    profile
        The full-detail profile.
    preset
        The audience.
    provenance
        Where the crimes came from.

    Returns
    -------
    tuple of dict
        Copies of the entries of ``profile.top_locations`` that may be shown.
    """
    if preset.crime_detail == "wards" or not shows_location_text(preset, provenance):
        return ()
    if preset.min_count is None:
        return tuple(dict(loc) for loc in profile.top_locations)
    return tuple(
        {
            **loc,
            "top_crime_types": _suppress_types(
                str(loc.get("top_crime_types", "")),
                preset.min_count,
                n_total=int(str(loc["n_crimes"])),
            ),
        }
        for loc in profile.top_locations
        if int(str(loc["n_crimes"])) >= preset.min_count
    )


def _location_rows(
    profile: Profile, preset: AudiencePreset, provenance: Provenance
) -> list[dict[str, str]]:
    return [
        {
            "location": str(loc["location"]),
            "ward": str(loc["ward"]),
            "n": f"{int(str(loc['n_crimes'])):,}",
            "type": str(loc.get("top_crime_types", "")),
        }
        for loc in shared_locations(profile, preset, provenance)
    ]


def _suppress_types(text: str, min_count: int | None, *, n_total: int | None = None) -> str:
    """
    Blank the small counts in ``"Burglary: 12; Drugs: 3"`` (the repeat-location format).

    The row's total (``n_total``) is shown beside it: when the types listed are all the row's
    (their counts add up to it), one blanked count would be the total less the others, so a
    second is hidden as well, as :func:`_with_secondary` does for a table with a total.
    """
    parts = [part.rpartition(": ") for part in text.split("; ")]
    named = [(name, int(count)) for name, _, count in parts if name and count.isdigit()]
    if len(named) < len(parts):  # not the format throughout: blank what can be read
        return "; ".join(
            f"{name}: {_count(int(count), min_count)}" if name and count.isdigit() else part
            for (name, _, count), part in zip(parts, text.split("; "), strict=True)
        )
    complete = n_total is not None and sum(n for _, n in named) == n_total
    shown = _with_secondary(named, min_count) if complete else None
    return "; ".join(
        f"{name}: {shown[i][1] if shown is not None else _count(n, min_count)}"
        for i, (name, n) in enumerate(named)
    )


_HIDDEN: Final = "(details for the police only)"
"""What partners read for an Intelligence action: its strand and status, not what it says."""


def _action_row(action: ActionRecord, *, police: bool) -> dict[str, str]:
    """
    Return an action as the pack's table shows it to the police or to partners.

    Partners see the owning agency, not the person, and no notes; of an Intelligence action
    only its strand, dates and status (what it says may name people and addresses).
    """
    said = police or action.epic != "intelligence"
    return {
        "epic": action.epic,
        "description": action.description if said else _HIDDEN,
        "when": (window_in(action.description) or "") if said else "",
        "notes": action.notes if police else "",
        "owner": (
            f"{action.owner_agency}: {action.owner_person}"
            if police and action.owner_person
            else action.owner_agency
        ),
        "due": action.due_date.isoformat() if action.due_date else "",
        "status": action.status.replace("_", " "),
    }


def _problem_rows(
    tasking: TaskingSnapshot | None, preset: AudiencePreset
) -> list[dict[str, object]]:
    if tasking is None or preset.audience == "public":
        return []
    police = preset.audience == "police"
    rows: list[dict[str, object]] = []
    for problem in tasking.problems:
        actions = [
            _action_row(a, police=police) for a in tasking.actions if a.problem_id == problem.id
        ]
        rows.append(
            {
                "title": problem.title,
                "stage": problem.sara_stage,
                "status": problem.status,
                "description": problem.description if police else "",
                "actions": actions,
            }
        )
    return rows


def _assessment_rows(
    tasking: TaskingSnapshot | None, preset: AudiencePreset
) -> list[dict[str, str]]:
    if tasking is None or preset.audience == "public":
        return []
    m = preset.min_count
    not_assessed = [{"title": t, "reason": why} for t, why in tasking.not_assessed]
    return not_assessed + [
        {
            "title": title,
            "reason": "",
            "before": f"{a.before[0]} to {a.before[1]}",
            "after": f"{a.after[0]} to {a.after[1]}",
            "t0": _count(a.treated.n_before, m),
            "t1": _count(a.treated.n_after, m),
            "c0": _count(a.comparison.n_before, m),
            "c1": _count(a.comparison.n_after, m),
            "wdd": f"{a.wdd.est_total:+.1f}",
            "p": _p(a.wdd.p_value),
        }
        for title, a in tasking.assessments
    ]


def _profile_context(profile: Profile, m: int | None) -> dict[str, object]:
    """Return the profile's numbers as the audience may see them (template fields)."""
    total_hidden = m is not None and profile.n_crimes < m
    return {
        "n_crimes": _count(profile.n_crimes, m),
        "n_asb": _count(profile.n_asb, m),
        "rate": (
            f"{profile.rate_per_1000:.1f}"
            if profile.rate_per_1000 is not None and not total_hidden
            else ""
        ),
        "rank": f"{profile.rank} of {profile.n_ranked}" if profile.rank else "",
        "rank_basis": profile.rank_basis,
        "by_type": _with_secondary(list(profile.by_crime_type.items()), m),
        "by_month": [
            (mo, n, _last_year(profile.by_month_last_year.get(mo), m))
            for mo, n in _with_secondary(list(profile.by_month.items()), m)
        ],
        "has_last_year": any(v is not None for v in profile.by_month_last_year.values()),
    }


def _tasking_context(
    tasking: TaskingSnapshot | None, profile: Profile, preset: AudiencePreset
) -> dict[str, object]:
    """Return what the pack shows from the tasking log (template fields; none for the public)."""
    findings = profile.eva_findings
    seen = ", ".join(
        f"{k.replace('_', ' ')} {v}" for k, v in (findings.by_issue if findings else {}).items()
    )
    return {
        "problems": _problem_rows(tasking, preset),
        "assessments": _assessment_rows(tasking, preset),
        "assessed_types": _types_text(tasking.crime_types if tasking else None),
        "unplaced": _unplaced_text(tasking, preset),
        "findings": (
            f"{findings.n_findings:,} ({findings.n_with_issues:,} with issues seen"
            + (f": {seen})" if seen else ")")
            if findings is not None and findings.n_findings and preset.audience != "public"
            else ""
        ),
    }


def _unplaced_text(tasking: TaskingSnapshot | None, preset: AudiencePreset) -> str:
    """Name the open problems no ward's pack holds (police only: the titles are the log's)."""
    if tasking is None or not tasking.unplaced or preset.audience != "police":
        return ""
    n = len(tasking.unplaced)
    return f"{n} open problem{'s' if n != 1 else ''} ({'; '.join(tasking.unplaced)})"


def _types_text(crime_types: tuple[str, ...] | None) -> str:
    return ", ".join(crime_types) if crime_types else "every crime type"


def _scope_context(profile: Profile) -> dict[str, str]:
    """Return the cover's period and crime types: what every figure of the pack counts."""
    return {
        "period": f"{profile.months[0]} to {profile.months[1]}",
        "crime_types": ", ".join(profile.crime_types) if profile.crime_types else "All",
    }


def render_briefing(
    content: BriefingContent,
    area: StudyArea,
    *,
    audience: Audience = "partner",
    min_count: int | None = None,
    created: dt.datetime | None = None,
) -> BriefingPack:
    """
    Render a pack's content for an audience: the map, the tables and the HTML.

    Nothing is computed here: the numbers, hot cells, changes and walk come from
    :func:`tasking.pack.briefing_content`.

    Parameters
    ----------
    content
        What the pack shows.
    area
        The study area (its label, sites and streets for the map).
    audience
        ``"police"``, ``"partner"`` or ``"public"``; applies to every table and the map.
    min_count
        Override the preset's suppression threshold.
    created
        Creation time printed on the cover (now, UTC, when None).

    Returns
    -------
    BriefingPack
        The pack, with its HTML and map.
    """
    preset = get_preset(audience, min_count=min_count)
    profile, tasking, area_name = content.profile, content.tasking, content.area_name
    title = f"Briefing pack: {area_name}, meeting {content.meeting.isoformat()}"
    sources = _sources(area, preset.audience)
    map_png = _map_png(
        content,
        area,
        preset,
        f"{area_name}: {profile.months[0]} to {profile.months[1]} ({preset.audience})",
        " ".join(sources),
    )
    m = preset.min_count
    context = {
        "title": title,
        "area_name": area_name,
        "wards": ", ".join(profile.wards),
        **_scope_context(profile),
        "hours": area.hours,
        "meeting": content.meeting.strftime("%A %d %B %Y"),
        "audience": preset.audience,
        "audience_text": preset.description,
        "data_label": data_label(
            area.label,
            provenance=area.provenance,
            files=area.crimes.files,
            audience=preset.audience,
        ),
        "created": (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "caveats": [
            *_caveats(area.provenance, preset),
            *_suppression_caveat(m),
            *_stale_caveat(area.months, content.meeting),
        ],
        "map_uri": "data:image/png;base64," + base64.b64encode(map_png).decode("ascii"),
        **_profile_context(profile, m),
        "changes": _change_rows(content.changes, m),
        "locations": _location_rows(profile, preset, area.provenance),
        **_tasking_context(tasking, profile, preset),
        "near_repeat": _near_repeat(content, preset),
        "sources": sources,
    }
    html_text = _ENV.from_string(_TEMPLATE).render(**context)
    present = {
        **dict.fromkeys(("cover", "map", "profile"), True),
        **{s: bool(context[k]) for s, k in _OPTIONAL_SECTIONS.items()},
    }
    return BriefingPack(
        title=title,
        area_name=area_name,
        meeting=content.meeting,
        audience=preset.audience,
        min_count=m,
        profile=profile,
        sections=tuple(s for s in SECTION_TITLES if present[s]),
        map_png=map_png,
        html=html_text,
        notes=profile.notes,
        top_locations=shared_locations(profile, preset, area.provenance),
        figures=_printed_figures(context),
    )


_OPTIONAL_SECTIONS: Final = {
    "change": "changes",
    "locations": "locations",
    "problems": "problems",
    "assessments": "assessments",
    "near_repeat": "near_repeat",
}
"""Sections shown when their template field holds something (section id: field)."""


def _printed_figures(context: dict[str, object]) -> dict[str, object]:
    """Return the pack's figures as its template prints them (see :attr:`BriefingPack.figures`)."""
    by_type = cast("list[tuple[str, str]]", context["by_type"])
    by_month = cast("list[tuple[str, str, str]]", context["by_month"])
    return {
        "n_crimes": context["n_crimes"],
        "n_asb": context["n_asb"],
        "rate_per_1000": context["rate"],
        "rank": context["rank"],
        "by_crime_type": dict(by_type),
        "by_month": {month: n for month, n, _ in by_month},
        "by_month_last_year": {month: last for month, _, last in by_month},
        "changes": context["changes"],
    }


def _near_repeat(content: BriefingContent, preset: AudiencePreset) -> dict[str, object] | None:
    """Return the near-repeat section; partners' zones name their streets from the network."""
    if content.near_repeat is None:
        return None
    return near_repeat_brief(
        *content.near_repeat, audience=preset.audience, network=content.near_repeat_network
    )


def _sources(area: StudyArea, audience: Audience) -> list[str]:
    return list(
        source_lines(
            is_demo=area.is_demo,
            uses_osm=area.network_path is not None,
            audience=audience,
            provenance=area.provenance,
            files=area.crimes.files,
            ward_file=not is_extract_area(area.wards),
        )
    )


def _suppression_caveat(min_count: int | None) -> list[str]:
    if min_count is None:
        return ["Police only: full detail, including single locations. Do not share as it is."]
    return [
        (
            f"Counts below {min_count} are shown as <{min_count} and left out of lists; where one "
            "small count could be worked out from a total, a second count is hidden too."
        )
    ]


STALE_AFTER_MONTHS: Final = 3
"""A pack whose data end more than this many whole months before its meeting says so: police.uk
publishes a month a month or two after it ends, so an older end means newer data exist."""


def _stale_caveat(months: Sequence[str], meeting: dt.date) -> list[str]:
    """
    Say that the data end long before the meeting, when they do (else nothing).

    Examples
    --------
    >>> _stale_caveat(["2025-08", "2025-09"], dt.date(2025, 11, 20))
    []
    >>> _stale_caveat(["2025-09"], dt.date(2030, 1, 1))[0][:60]
    'The data end at 2025-09, 52 months before this meeting (2030'
    """
    if not months:
        return []
    last = pd.Period(months[-1], freq="M")
    gap = (pd.Period(meeting, freq="M") - last).n
    if gap <= STALE_AFTER_MONTHS:
        return []
    text = (
        f"The data end at {last}, {gap} months before this meeting ({meeting.isoformat()}): the "
        "pack does not show what happened since. Load the newer months for an up-to-date pack."
    )
    return [text]


def write_briefing(pack: BriefingPack, path: str | Path) -> Path:
    """
    Save a pack as HTML (``.html``) or PDF (``.pdf``, printed by Chromium).

    Parameters
    ----------
    pack
        The pack from :func:`render_briefing`.
    path
        The file; its extension picks the format.

    Returns
    -------
    pathlib.Path
        The file.

    Raises
    ------
    ParameterError
        When the extension is neither ``.html`` nor ``.pdf``.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in {".html", ".htm"}:
        target.write_text(pack.html, encoding="utf-8")
        return target
    if suffix == ".pdf":
        target.write_bytes(html_to_pdf(pack.html))
        return target
    msg = f"A briefing pack is saved as .html or .pdf; found {target.suffix or 'no extension'!r}."
    raise ParameterError(msg)
