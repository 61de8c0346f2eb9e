"""
Draw "when": the hour-of-week heat chart, the chart by period, and patrol windows on a map.

The app and the CLI both call these (Altair for the app and ``--out x.html``, matplotlib for
``--out x.png`` and packs). Text bound for HTML is escaped here.
"""

from __future__ import annotations

import base64
import html
import io
import json
from typing import TYPE_CHECKING, Any, Final

import altair as alt
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.when import DAY_NAMES, rounded_table
from layers.metadata import ExportMetadata, source_lines
from layers.problems import problems_map
from spatial.crs import BNG, WGS84, require_bng
from spatial.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from hotspots.when import HourOfWeek
    from layers.basemap import Tiles

__all__ = [
    "EVENT_COLOUR",
    "WHEN_POLICE_ONLY",
    "chart_html",
    "hour_of_week_chart",
    "hour_of_week_csv",
    "hour_of_week_html",
    "hour_of_week_long",
    "hour_of_week_png",
    "patrol_window_map",
    "period_chart",
    "when_file_lines",
    "when_file_metadata",
]

EVENT_COLOUR: Final = "#e31a1c"
_MAX_EVENTS_DRAWN: Final = 3000
WHEN_POLICE_ONLY: Final = (
    "Police only: counted from the exact times (and time windows) of a force extract. Do not "
    "share as it is: partners get times no finer than weeks, the public no finer than months."
)
"""The marker every hour-of-week file carries (``when --out``, the When page's download):
these files are made for the police audience only, as a pack for the police says "Police
only"."""


def when_file_metadata(
    title: str,
    *,
    area: str,
    files: Sequence[str],
    is_demo: bool,
    ward_file: bool = False,
    period: tuple[str, str] | None = None,
    filters: Mapping[str, str] | None = None,
) -> ExportMetadata:
    """
    Return the metadata of an hour-of-week file: audience ``police``, no suppression.

    Parameters
    ----------
    title
        The chart's title, e.g. ``"Burglary by hour of the week"``.
    area
        What was counted: the extract, its wards or an area of it.
    files
        The extract's file names (named for the police, :func:`layers.metadata.source_lines`).
    is_demo
        The extract is the demo town's (credited as synthetic data only).
    ward_file
        Ward boundaries chose the events (credited as ONS boundaries).
    period
        First and last month counted, ``YYYY-MM``.
    filters
        The filters applied, as text.

    Returns
    -------
    ExportMetadata
        Stamped with the creation time; :func:`when_file_lines` writes it into the files.

    Examples
    --------
    >>> meta = when_file_metadata("Crimes", area="x", files=["op.csv"], is_demo=False)
    >>> meta.audience, meta.min_count, meta.sources[0].split(". ")[0]
    ('police', None, 'Crime data: force records-management extract: op.csv')
    """
    sources = source_lines(
        is_demo=is_demo,
        uses_osm=False,
        audience="police",
        provenance="extract",
        files=files,
        ward_file=ward_file,
    )
    return ExportMetadata(
        title=f"patchmap when: {title}",
        area=area,
        audience="police",
        min_count=None,
        period=period,
        filters=dict(filters or {}),
        sources=sources,
    ).with_fields({"hour_of_week": ("day", *(str(h) for h in range(24)))})


def when_file_lines(metadata: ExportMetadata) -> list[str]:
    """
    Return the lines that mark an hour-of-week file: :data:`WHEN_POLICE_ONLY`, then the metadata.

    Parameters
    ----------
    metadata
        From :func:`when_file_metadata` (audience ``police``).

    Returns
    -------
    list of str
        One line each, none holding a line break (a name typed with one is split).

    Raises
    ------
    ParameterError
        When the metadata is for another audience: hour-of-week files hold exact times.
    """
    if metadata.audience != "police":
        msg = (
            f"Hour-of-week files are made for the police only (they count exact times); "
            f"this metadata is for the {metadata.audience}. Share a partner or public export "
            "instead."
        )
        raise ParameterError(msg)
    return [WHEN_POLICE_ONLY, *metadata.to_text().splitlines()]


def hour_of_week_csv(how: HourOfWeek, *, metadata: ExportMetadata) -> str:
    """
    Return the hour-of-week table as CSV text, marked for the police in comment rows first.

    Parameters
    ----------
    how
        The table.
    metadata
        From :func:`when_file_metadata`.

    Returns
    -------
    str
        Lines starting ``#`` (:func:`when_file_lines`: the audience, title, area, period,
        filters, sources), then ``day`` and the hours 0-23, one row per day, Monday first;
        counts as the JSON gives them (:func:`hotspots.when.rounded_table`: 4 decimals that
        still sum to the events counted). Read it back with
        ``pandas.read_csv(path, comment="#")``.
    """
    head = "".join(f"# {line}\n" for line in when_file_lines(metadata))
    table = how.frame()
    table.loc[:, :] = rounded_table(how.table)
    return head + table.to_csv(index_label="day", lineterminator="\n")


def hour_of_week_long(how: HourOfWeek) -> pd.DataFrame:
    """
    Return the 7 x 24 table as 168 rows: ``day`` (Mon..Sun), ``hour`` (0-23), ``events``.

    Parameters
    ----------
    how
        The table.

    Returns
    -------
    pandas.DataFrame
        Monday 00:00 first; ``events`` are aoristic counts (may be fractions).
    """
    return pd.DataFrame(
        {
            "day": np.repeat(DAY_NAMES, 24),
            "hour": np.tile(np.arange(24), 7),
            "events": how.table.ravel(),
        }
    )


def hour_of_week_chart(how: HourOfWeek, *, title: str = "Events by hour of the week") -> alt.Chart:
    """
    Return an Altair heat chart of the hour-of-week table (days down, hours across).

    Parameters
    ----------
    how
        The table.
    title
        Chart title.

    Returns
    -------
    altair.Chart
        Rect marks coloured by events; tooltips give day, hour and events.
    """
    data = hour_of_week_long(how).assign(events=lambda f: f["events"].round(2))
    chart: alt.Chart = (
        alt.Chart(data, title=title)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of the day (local time)"),
            y=alt.Y("day:O", sort=list(DAY_NAMES), title=None, axis=alt.Axis(labelOverlap=False)),
            color=alt.Color("events:Q", scale=alt.Scale(scheme="orangered"), title="Events"),
            tooltip=["day", "hour", "events"],
        )
        .properties(height=220)
    )
    return chart


class _ScriptSafeJSON(json.JSONEncoder):
    """JSON whose ``<``, ``>`` and ``&`` are written as Unicode escapes: safe inside a script."""

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:  # noqa: ANN401, FBT001, FBT002
        for chunk in super().iterencode(o, _one_shot):
            yield chunk.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_html(chart: alt.TopLevelMixin) -> str:
    """
    Return an Altair chart as a standalone HTML page whose data cannot break out of its script.

    Altair writes the chart's specification (titles, data, tooltips: text from the user's files,
    such as crime types and ward names) as JSON inside a ``<script>`` element. A value holding
    ``</script>`` would end that element there and let the rest run as markup. Here ``<``, ``>``
    and ``&`` inside the JSON are written as Unicode escapes, which JSON reads back as the same
    characters: the chart shows the text as it was, and the page holds no markup from the data.

    Parameters
    ----------
    chart
        Any Altair chart.

    Returns
    -------
    str
        The HTML page (Vega, Vega-Lite and vega-embed from their CDN, as Altair writes it).
    """
    page: str = chart.to_html(json_kwds={"cls": _ScriptSafeJSON})
    return page


def hour_of_week_html(
    how: HourOfWeek, *, metadata: ExportMetadata, title: str = "Events by hour of the week"
) -> str:
    """
    Return the heat chart as one HTML page that shows it on a computer without internet too.

    The interactive chart (:func:`chart_html`) loads Vega from its CDN, which police networks
    often block; the page also holds the chart as a picture (:func:`hour_of_week_png`) and its
    table, shown when Vega did not load and hidden when it did.

    Parameters
    ----------
    how
        The table.
    metadata
        From :func:`when_file_metadata`: shown above the chart (the police-only marker first)
        and in the page's ``<meta name="description">``.
    title
        Chart title (escaped).

    Returns
    -------
    str
        The HTML page.
    """
    lines = when_file_lines(metadata)
    marker = (
        '<div id="patchmap-metadata" data-audience="police">\n'
        f"<p><strong>{html.escape(lines[0])}</strong></p>\n"
        f"<pre>{html.escape(chr(10).join(lines[1:]))}</pre>\n</div>\n"
    )
    described = f'<meta name="description" content="{html.escape(" ".join(lines))}">\n'
    picture = base64.b64encode(hour_of_week_png(how, metadata=metadata, title=title))
    picture_text = picture.decode("ascii")
    table = how.frame().clip(lower=0.0).round(1).to_html(escape=True)  # events per hour of week
    offline = (
        '<div id="offline">\n'
        "<p>The interactive chart needs Vega from cdn.jsdelivr.net, which this computer could "
        "not load: here is the same chart as a picture, and its table.</p>\n"
        f'<img alt="{html.escape(title)}" src="data:image/png;base64,{picture_text}">\n'
        f"{table}\n</div>\n"
        "<script>if (window.vegaEmbed) { document.getElementById('offline').hidden = true; }"
        "</script>\n"
    )
    page = chart_html(hour_of_week_chart(how, title=title))
    page = page.replace("</head>", described + "</head>", 1)
    return page.replace('<div id="vis"></div>', marker + '<div id="vis"></div>\n' + offline, 1)


def period_chart(by_period: pd.DataFrame, *, freq: str = "month") -> alt.Chart:
    """
    Return a bar chart of events per period (from :func:`hotspots.when.events_by_period`).

    Parameters
    ----------
    by_period
        ``period_start`` and ``n_events``.
    freq
        "month", "week" or "day", for the axis title.

    Returns
    -------
    altair.Chart
        Bars over time.
    """
    formats = {"month": "%Y-%m", "week": "%Y-%m-%d", "day": "%Y-%m-%d"}
    data = by_period.assign(
        period=by_period["period_start"].dt.strftime(formats.get(freq, "%Y-%m"))
    )
    base = alt.Chart(data)
    mark = base.mark_line(point=False) if freq == "day" else base.mark_bar()
    title = {"week": "Week starting (Monday)"}.get(freq, freq.capitalize())
    chart: alt.Chart = mark.encode(
        x=alt.X("period:O", title=title, axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("n_events:Q", title="Events"),
        tooltip=[alt.Tooltip("period:O", title=freq), "n_events"],
    ).properties(height=200)
    return chart


def hour_of_week_png(
    how: HourOfWeek, *, metadata: ExportMetadata, title: str = "Events by hour of the week"
) -> bytes:
    """
    Return the heat chart as PNG bytes (matplotlib), for ``--out``.

    Parameters
    ----------
    how
        The table.
    metadata
        From :func:`when_file_metadata`: :data:`WHEN_POLICE_ONLY` is printed under the chart,
        and the marked lines (:func:`when_file_lines`) are the PNG's ``Description`` text.
    title
        Chart title.

    Returns
    -------
    bytes
        A PNG image.
    """
    lines = when_file_lines(metadata)
    import matplotlib as mpl  # noqa: PLC0415 - heavy, only for PNG output

    mpl.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415 - after choosing the backend

    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=120)
    try:
        image = ax.imshow(how.table, aspect="auto", cmap="OrRd")
        ax.set_yticks(range(7), list(DAY_NAMES))
        ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)])
        ax.set_xlabel("Hour of the day (local time)")
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label="Events")
        fig.tight_layout(rect=(0.0, 0.06, 1.0, 1.0))
        fig.text(0.01, 0.015, lines[0], fontsize=7, color="#b2182b", wrap=True)
        buffer = io.BytesIO()
        described = {"Title": metadata.title, "Description": "\n".join(lines)}
        fig.savefig(buffer, format="png", metadata=described)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def patrol_window_map(
    wards: gpd.GeoDataFrame,
    problems: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame | None = None,
    *,
    streets: gpd.GeoDataFrame | None = None,
    tiles: Tiles = "openstreetmap",
) -> folium.Map:
    """
    Return the problems' patrol areas with their patrol windows, and the events in the windows.

    Parameters
    ----------
    wards
        Wards in EPSG:27700 (``ward_name``); the map opens on them.
    problems
        From :func:`tasking.windows.problem_patrol_windows` (the tooltip shows the window).
    events
        Events to draw as dots (EPSG:27700), e.g. those in the windows; at most 3,000 are drawn.
    streets
        Street lines drawn underneath (the demo town), or None.
    tiles
        As in :func:`layers.map.base_map`.

    Returns
    -------
    folium.Map
        Wards, patrol areas with an escaped tooltip and event dots.

    Raises
    ------
    CRSError
        When a frame is not in EPSG:27700.
    MissingColumnError
        When ``problems`` lack the columns of :func:`tasking.problems.flag_problems`.
    """
    m = problems_map(wards, problems, streets=streets, tiles=tiles)
    if events is not None and len(events):
        require_bng(events, name="events")
        shown = events.head(_MAX_EVENTS_DRAWN)
        dots = gpd.GeoDataFrame(
            {"crime_type": [html.escape(str(v)) for v in shown["crime_type"]]},
            geometry=shown.geometry.to_numpy(),
            crs=BNG,
        ).to_crs(WGS84)
        group = folium.FeatureGroup(name="Events in the patrol windows")
        folium.GeoJson(
            dots.__geo_interface__,
            marker=folium.CircleMarker(
                radius=3, fill=True, color=EVENT_COLOUR, fill_opacity=0.7, weight=0
            ),
            tooltip=folium.GeoJsonTooltip(fields=["crime_type"], aliases=["Crime"]),
        ).add_to(group)
        group.add_to(m)
    return m
