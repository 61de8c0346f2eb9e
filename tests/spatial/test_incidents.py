from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.when import hour_of_week
from spatial.errors import (
    CRSError,
    EmptyInputError,
    InputDataError,
    MissingColumnError,
    PatchmapWarning,
)
from spatial.incidents import (
    incidents_to_crimes,
    parse_column_map,
    read_incidents,
    refuse_no_events,
)

if TYPE_CHECKING:
    from pathlib import Path

HEADER = "Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"


def _csv(rows: str, header: str = HEADER, name: str = "extract.csv") -> tuple[str, bytes]:
    return name, (header + rows).encode()


MIXED = (
    "A1,03/01/2025 22:15,,Violence,453850,269500\n"  # exact
    "A2,03/01/2025 18:00,06/01/2025 08:00,Burglary,452700,269050\n"  # weekend window
    "A1,03/01/2025 22:15,,Violence,453850,269500\n"  # duplicate reference
    "A3,,,Violence,453850,269500\n"  # without time
    "A4,14/01/2025 10:00,,Shoplifting,,\n"  # without location
    "A5,14/01/2025 10:00,,Shoplifting,9000000,269500\n"  # outside GB / area of use
    "A6,14/01/2025 10:00,14/01/2025 09:00,Burglary,452700,269050\n"  # to before from
    "A7,15/01/2025 00:00,,Theft,453000,269000\n"  # at midnight
)


def test_every_row_lands_in_exactly_one_bucket() -> None:
    inc = read_incidents([_csv(MIXED)])
    r = inc.report
    assert (r.n_rows, r.n_events, r.n_duplicates, r.n_without_time) == (8, 3, 1, 1)
    assert (r.n_without_location, r.n_outside_area, r.n_bad_window) == (1, 1, 1)
    assert r.n_at_midnight == 1
    assert r.n_rows == (
        r.n_events
        + r.n_duplicates
        + r.n_without_time
        + r.n_without_location
        + r.n_outside_area
        + r.n_bad_window
    )
    assert sorted(inc.rejected["reason"]) == sorted(
        [
            "duplicate",
            "without time",
            "without location",
            "outside Great Britain",
            "window ends before it starts",
        ]
    )
    assert "1 row lies outside Great Britain; set aside." in r.notes
    assert not any("set aside: outside area" in n for n in r.notes)  # one note for one row
    assert inc.rejected.loc[inc.rejected["reason"] == "duplicate", "source_row"].tolist() == [4]
    assert inc.events["incident_id"].tolist() == ["A1", "A2", "A7"]
    assert inc.events.crs == "EPSG:27700"
    assert r.columns["from"] == "Committed From"
    assert r.columns["id"] == "Crime Ref"


def test_day_first_dates_and_windows_are_kept_as_read() -> None:
    inc = read_incidents([_csv(MIXED)])
    start = dict(zip(inc.events["incident_id"], inc.events["start"], strict=True))
    end = dict(zip(inc.events["incident_id"], inc.events["end"], strict=True))
    assert start["A1"] == pd.Timestamp("2025-01-03 22:15")
    assert end["A1"] == start["A1"]
    assert end["A2"] == pd.Timestamp("2025-01-06 08:00")
    assert str(inc.events["start"].dtype) == "datetime64[ns]"
    assert inc.events.geometry.x.iloc[0] == 453850.0


def test_midnight_unknown_spreads_over_the_day() -> None:
    inc = read_incidents([_csv(MIXED)], midnight="unknown")
    length = dict(
        zip(inc.events["incident_id"], inc.events["end"] - inc.events["start"], strict=True)
    )
    assert length["A7"] == pd.Timedelta(days=1)
    assert length["A1"] == pd.Timedelta(0)
    assert inc.report.n_at_midnight == 1


def test_ambiguous_day_month_order_is_an_error_naming_the_column() -> None:
    rows = "A1,03/01/2025 22:15,,Violence,453850,269500\nA2,04/02/2025 10:00,,Theft,453850,269500\n"
    with pytest.raises(InputDataError, match=r"'Committed From' could be day-first or month-first"):
        read_incidents([_csv(rows)])
    inc = read_incidents([_csv(rows)], columns={"dates": "day-first"})
    assert inc.events["start"].iloc[0] == pd.Timestamp("2025-01-03 22:15")
    inc = read_incidents([_csv(rows)], columns={"dates": "month-first"})
    assert inc.events["start"].iloc[0] == pd.Timestamp("2025-03-01 22:15")


def test_month_first_dates_are_refused_unless_told() -> None:
    rows = "A1,01/13/2025 22:15,,Violence,453850,269500\n"
    with pytest.raises(InputDataError, match="month-first"):
        read_incidents([_csv(rows)])
    inc = read_incidents([_csv(rows)], columns={"dates": "month-first"})
    assert inc.events["start"].iloc[0] == pd.Timestamp("2025-01-13 22:15")


def test_malformed_date_names_the_row() -> None:
    rows = "A1,13/01/2025 22:15,,Violence,453850,269500\nA2,yesterday,,Theft,453850,269500\n"
    with pytest.raises(InputDataError, match=r"row 3, 'yesterday'"):
        read_incidents([_csv(rows)])


def test_iso_dates_and_separate_time_column() -> None:
    header = "URN,Date,Time,Crime Type,X,Y\n"
    rows = "1,2025-01-03,22:15,Violence,453850,269500\n2,2025-01-04,0930,Theft,453850,269500\n"
    inc = read_incidents([_csv(rows, header)])
    assert inc.events["start"].tolist() == [
        pd.Timestamp("2025-01-03 22:15"),
        pd.Timestamp("2025-01-04 09:30"),
    ]
    assert inc.report.columns["from_time"] == "Time"


def test_date_split_over_columns() -> None:
    header = "ref,yr,mo,dy,hr,mi,kind,e,n\n"
    rows = "1,2025,1,3,22,15,Violence,453850,269500\n"
    cols = parse_column_map("id=ref,year=yr,month=mo,day=dy,hour=hr,minute=mi,type=kind,x=e,y=n")
    inc = read_incidents([_csv(rows, header)], columns=cols)
    assert inc.events["start"].iloc[0] == pd.Timestamp("2025-01-03 22:15")


def test_dates_without_times_become_day_windows() -> None:
    header = "Crime Ref,Date,Offence,Easting,Northing\n"
    inc = read_incidents([_csv("A,13/01/2025,Theft,453850,269500\n", header)])
    assert inc.events["end"].iloc[0] - inc.events["start"].iloc[0] == pd.Timedelta(days=1)
    assert any("spread over its day" in n for n in inc.report.notes)


def test_wgs84_detected_and_reprojected_to_bng() -> None:
    header = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"
    inc = read_incidents([_csv("A,13/01/2025 10:00,Theft,-1.2097,52.3227\n", header)])
    assert inc.report.source_crs == "EPSG:4326"
    assert inc.events.crs == "EPSG:27700"
    assert abs(inc.events.geometry.x.iloc[0] - 454_000) < 2_000


def test_ambiguous_coordinates_ask_for_crs() -> None:
    rows = "A1,13/01/2025 22:15,,Violence,50,60\nA2,13/01/2025 22:15,,Violence,800000,300000\n"
    with pytest.raises(CRSError, match="--crs EPSG"):
        read_incidents([_csv(rows)])
    inc = read_incidents([_csv(rows)], crs="EPSG:27700")
    assert inc.report.n_outside_area == 1  # x 800 km is east of the grid's area of use


def test_given_crs_counts_rows_outside_its_area_of_use() -> None:
    header = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"
    rows = "A,13/01/2025 10:00,Theft,-1.2,52.3\nB,13/01/2025 10:00,Theft,151.2,-33.9\n"
    rows += "C,13/01/2025 10:00,Theft,-1.3,52.3\n"
    inc = read_incidents([_csv(rows, header)], crs="EPSG:4326")
    assert (inc.report.n_events, inc.report.n_outside_area) == (2, 1)
    assert any("outside Great Britain" in n for n in inc.report.notes)


def test_area_sets_aside_rows_outside_it() -> None:
    area = box(453_800, 269_400, 453_900, 269_600)
    inc = read_incidents([_csv(MIXED)], area=area)
    assert inc.events["incident_id"].tolist() == ["A1"]
    assert inc.report.n_outside_area == 4  # A2, A5, A7 and A6 (outside is tested before the window)


def test_identical_rows_without_reference_are_possible_duplicates() -> None:
    header = "Committed From,Offence,Easting,Northing\n"
    rows = "13/01/2025 10:00,Theft,453850,269500\n" * 2 + "14/01/2025 10:00,Theft,453850,269500\n"
    inc = read_incidents([_csv(rows, header)])
    assert (inc.report.n_events, inc.report.n_possible_duplicates) == (3, 1)


def test_missing_columns_say_how_to_name_them() -> None:
    with pytest.raises(MissingColumnError, match="--columns"):
        read_incidents([_csv("1,2\n", "a,b\n")])
    with pytest.raises(MissingColumnError, match="no such column"):
        read_incidents([_csv(MIXED)], columns={"x": "East"})


def test_parse_column_map_rejects_unknown_roles() -> None:
    assert parse_column_map("date=When,time=At") == {"from": "When", "from_time": "At"}
    with pytest.raises(InputDataError, match="roles: id, type"):
        parse_column_map("colour=Red")


def test_excel_reads_like_csv(tmp_path: Path) -> None:
    frame = pd.read_csv(io.StringIO(HEADER + MIXED), dtype=str)
    frame.to_excel(tmp_path / "extract.xlsx", index=False)
    xlsx = read_incidents([tmp_path / "extract.xlsx"])
    csv = read_incidents([_csv(MIXED)])
    assert xlsx.report.n_events == csv.report.n_events == 3
    assert xlsx.events["start"].tolist() == csv.events["start"].tolist()
    both = read_incidents([tmp_path / "extract.xlsx", _csv(MIXED.replace("A", "B"), name="b.csv")])
    text_dtype = pd.Series(["b.csv"]).dtype  # the file names are pandas' own text, as assigned
    for frame in (both.table, both.rejected):
        assert frame["source_file"].dtype == text_dtype
    assert both.table["source_file"].tolist() == ["extract.xlsx"] * 3 + ["b.csv"] * 3
    assert both.rejected["source_file"].value_counts().to_dict() == {"extract.xlsx": 5, "b.csv": 5}


def test_folder_reads_every_file_and_identical_files_once(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(HEADER + MIXED)
    (tmp_path / "b.csv").write_text(HEADER + MIXED)
    (tmp_path / "c.csv").write_text(HEADER + "B1,20/01/2025 12:00,,Theft,453000,269000\n")
    inc = read_incidents([tmp_path])
    assert len(inc.report.files) == 2
    assert inc.report.n_events == 4
    assert any("identical" in n for n in inc.report.notes)
    with pytest.raises(EmptyInputError):
        read_incidents([])


def test_incidents_to_crimes_gives_the_crime_points_frame() -> None:
    crimes = incidents_to_crimes(read_incidents([_csv(MIXED)]))
    assert list(crimes.columns[:5]) == ["crime_id", "month", "crime_type", "location", "lsoa_code"]
    assert str(crimes["month"].dtype) == "period[M]"
    assert crimes.crs == "EPSG:27700"


def test_toronto_reads_every_row_with_local_dates(shared_data_dir: Path) -> None:
    path = shared_data_dir / "toronto" / "toronto_mci_2019_2021.csv"
    raw = pd.read_csv(path)
    inc = read_incidents([path])
    r = inc.report
    assert r.n_rows == r.n_events == len(raw) == 93_113
    assert r.crs == "EPSG:32617"  # UTM zone 17N: Toronto is outside Great Britain
    assert r.n_at_midnight == int((raw["occurrencehour"] == 0).sum())
    local_date = pd.to_datetime(raw["occurrencedate"].str.slice(0, 10), format="%Y/%m/%d")
    expected = local_date + pd.to_timedelta(raw["occurrencehour"], unit="h")
    assert np.array_equal(inc.events["start"].to_numpy(), expected.to_numpy())
    with pytest.raises(CRSError, match="outside Great Britain"):
        incidents_to_crimes(inc)


def test_date_only_rows_are_not_counted_at_midnight() -> None:
    header = "Crime Ref,Date,Offence,Easting,Northing\n"
    inc = read_incidents([_csv("A,13/01/2025,Theft,453850,269500\n", header)], midnight="unknown")
    assert inc.report.n_at_midnight == 0


def test_padded_cells_are_stripped_and_blank_cells_are_missing() -> None:
    data = (
        b"Crime Ref,Committed From,Committed To,Offence,Easting,Northing\n"
        b"A1, 13/01/2025 22:15 ,   ,Violence , 453850,269500\n"
        b"A2,14/01/2025 23:15,14/01/2025 23:45,Violence,453850,269500\n"
        b" A1 ,15/01/2025 01:00,,Violence,453850,269500\n"
    )
    inc = read_incidents([("padded.csv", data)])
    assert list(inc.events["incident_id"]) == ["A1", "A2"]
    assert list(inc.events["crime_type"]) == ["Violence", "Violence"]
    assert inc.events["end"].iloc[0] == inc.events["start"].iloc[0]  # "   " is no end time
    assert inc.events["end"].iloc[1] - inc.events["start"].iloc[1] == pd.Timedelta(minutes=30)
    assert inc.report.n_duplicates == 1  # " A1 " repeats A1 once stripped


@pytest.mark.parametrize(
    ("header", "rows", "bad"),
    [
        (HEADER, "B1,29/02/2025 10:00,,Theft,453850,269500\n", "29/02/2025 10:00"),
        (HEADER, "B1,31/04/2025,,Theft,453850,269500\n", "31/04/2025"),
        (HEADER, "B1,15/03/2025 23:59:60,,Theft,453850,269500\n", "15/03/2025 23:59:60"),
        (HEADER, "B1,2025-06-31 08:00,,Theft,453850,269500\n", "2025-06-31 08:00"),
        (HEADER, "B1,31 Sep 2025 08:00,,Theft,453850,269500\n", "31 Sep 2025 08:00"),
        (
            "Crime Ref,Date,Time,Offence,Easting,Northing\n",
            "B1,14/03/2025,23:59:60,Theft,453850,269500\n",
            "23:59:60",
        ),
    ],
)
def test_impossible_dates_and_times_are_unreadable_never_rolled_over(
    header: str, rows: str, bad: str
) -> None:
    good = "B0,01/03/2025 10:29,,Theft,453850,269500\n" if header == HEADER else ""
    what = "dates" if header == HEADER else "times of day"  # a time column's own words
    with pytest.raises(InputDataError, match=f"not {what} patchmap can read") as err:
        read_incidents([_csv(good + rows, header=header)])
    assert bad in str(err.value)


def test_real_dates_near_month_ends_are_read_as_typed() -> None:
    """Days 1-3 beside 29-31 in the text (the rows the roll-over check writes back) stay."""
    rows = (
        "C1,01/03/2025 10:29,,Theft,453850,269500\n"
        "C2,29/02/2024 23:31,,Theft,453850,269500\n"
        "C3,31/12/2025 23:59,,Theft,453850,269500\n"
        "C4,13/01/2025 00:30,13/01/2025 01:31,Theft,453850,269500\n"
    )
    inc = read_incidents([_csv(rows)])
    assert inc.events["start"].dt.strftime("%d/%m/%Y %H:%M").tolist() == [
        "01/03/2025 10:29",
        "29/02/2024 23:31",
        "31/12/2025 23:59",
        "13/01/2025 00:30",
    ]


def test_points_are_built_from_the_table_on_first_use() -> None:
    inc = read_incidents([_csv(MIXED)])
    assert "events" not in vars(inc)  # not built by reading
    assert list(inc.table.columns) == [
        "incident_id", "crime_type", "start", "end", "location", "source_file", "source_row",
        "at_midnight", "x_m", "y_m",
    ]  # fmt: skip
    events = inc.events
    assert events is inc.events  # built once
    assert events.crs is not None
    assert events.crs.to_epsg() == 27700
    assert events.geometry.x.tolist() == inc.table["x_m"].tolist() == [453850.0, 452700.0, 453000.0]
    assert events.geometry.y.tolist() == inc.table["y_m"].tolist()
    assert events.drop(columns="geometry").equals(inc.table.drop(columns=["x_m", "y_m"]))


def test_system_files_in_an_extract_folder_are_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    name, data = _csv(MIXED)
    (folder / name).write_bytes(data)
    (folder / "~$extract.xlsx").write_bytes(b"\x00lock")  # Excel's lock file: not a workbook
    (folder / "._extract.csv").write_bytes(b"\x00\x05\x16\x07Mac OS X")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    with pytest.warns(PatchmapWarning, match="extract: 3 system files skipped"):
        inc = read_incidents([folder])
    assert inc.report.n_rows == 8
    assert inc.report.n_events == read_incidents([_csv(MIXED)]).report.n_events


def test_zero_coordinates_are_placeholders_counted_without_location() -> None:
    rows = (
        "Z1,13/01/2025 10:00,,Theft,453850,269500\n"
        "Z2,13/01/2025 11:00,,Theft,0,0\n"
        "Z3,13/01/2025 12:00,,Theft,0,269500\n"
        "Z4,13/01/2025 13:00,,Theft,453850,0\n"
    )
    inc = read_incidents([_csv(rows)])
    r = inc.report
    assert (r.n_events, r.n_without_location, r.n_outside_area) == (1, 3, 0)
    assert inc.events["incident_id"].tolist() == ["Z1"]
    assert sorted(inc.rejected["source_row"]) == [3, 4, 5]
    assert set(inc.rejected["reason"]) == {"without location"}
    assert any("3 rows have a coordinate of 0" in n for n in r.notes)


def test_zero_longitude_and_latitude_are_placeholders_but_greenwich_is_not() -> None:
    header = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"
    rows = (
        "G1,13/01/2025 10:00,Theft,0,51.4779\n"  # Greenwich: longitude 0 is a real place
        "G2,13/01/2025 10:00,Theft,-1.2097,52.3227\n"
        "G3,13/01/2025 10:00,Theft,0,0\n"
    )
    inc = read_incidents([_csv(rows, header)])
    assert inc.events["incident_id"].tolist() == ["G1", "G2"]
    assert (inc.report.n_without_location, inc.report.n_outside_area) == (1, 0)
    assert any("1 row has a coordinate of 0" in n for n in inc.report.notes)


def test_longitude_latitude_given_as_metres_are_refused() -> None:
    rows = "L1,13/01/2025 10:00,,Theft,0.1524,52.2145\nL2,13/01/2025 11:00,,Theft,-0.12,52.19\n"
    with pytest.raises(CRSError, match="look like longitude/latitude; use --crs EPSG:4326"):
        read_incidents([_csv(rows)], crs="EPSG:27700")
    inc = read_incidents([_csv(rows)], crs="EPSG:4326")
    assert inc.report.n_events == 2
    assert inc.events.crs == "EPSG:27700"
    assert 540_000 < inc.events.geometry.x.iloc[0] < 550_000


@pytest.mark.parametrize(
    ("header", "rows"),
    [
        (  # a date-only value in a date-time column whose other rows have times
            "Crime Ref,Committed From,Offence,Easting,Northing\n",
            "T1,08/01/2025,Theft,453850,269500\nT2,13/01/2025 22:15,Theft,453850,269500\n",
        ),
        (  # an empty Time cell beside a Date
            "Crime Ref,Date,Time,Offence,Easting,Northing\n",
            "T1,08/01/2025,,Theft,453850,269500\nT2,13/01/2025,22:15,Theft,453850,269500\n",
        ),
        (  # an empty Hour cell beside a Date
            "Crime Ref,Date,Hour,Offence,Easting,Northing\n",
            "T1,08/01/2025,,Theft,453850,269500\nT2,13/01/2025,22,Theft,453850,269500\n",
        ),
    ],
    ids=["date-only value", "empty time cell", "empty hour cell"],
)
def test_a_date_without_a_time_is_its_whole_day_in_every_layout(header: str, rows: str) -> None:
    inc = read_incidents([_csv(rows, header)])
    r = inc.report
    assert (r.n_events, r.n_without_time, r.n_at_midnight) == (2, 0, 0)
    t1 = inc.events.set_index("incident_id").loc["T1"]
    assert (t1["start"], t1["end"]) == (pd.Timestamp("2025-01-08"), pd.Timestamp("2025-01-09"))
    week = hour_of_week(inc.table)
    wednesday = week.table[2]  # 8 January 2025 was a Wednesday
    assert np.allclose(wednesday, 1 / 24)  # spread over the day, not one event at 00:00
    assert week.table[0, 22] == pytest.approx(1.0)  # T2, Monday 13 January 22:00-23:00
    assert week.table.sum() == pytest.approx(2.0)
    assert "1 row has a date but no time: it is spread" in " ".join(r.notes)


def test_a_repeated_reference_keeps_its_usable_copy_whatever_the_file_order() -> None:
    first = _csv(
        "R1,,,Theft,453850,269500\n"  # no date
        "R2,13/01/2025 09:00,,Theft,,\n"  # no location
        "R3,13/01/2025 08:00,,Theft,453800,269400\n",
        name="a.csv",
    )
    later = _csv(
        "R1,13/01/2025 22:00,,Theft,453850,269500\n"
        "R2,13/01/2025 09:00,,Theft,453700,269300\n"
        "R3,13/01/2025 08:00,,Theft,453800,269400\n",  # the same crime twice: a.csv's kept
        name="b.csv",
    )
    results = [read_incidents(files) for files in ([first, later], [later, first])]
    for inc in results:
        r = inc.report
        assert (r.n_events, r.n_duplicates, r.n_without_time, r.n_without_location) == (3, 3, 0, 0)
        kept = inc.events.sort_values("incident_id")
        assert kept["incident_id"].tolist() == ["R1", "R2", "R3"]
        assert kept["start"].tolist() == [
            pd.Timestamp("2025-01-13 22:00"),
            pd.Timestamp("2025-01-13 09:00"),
            pd.Timestamp("2025-01-13 08:00"),
        ]
        assert kept["source_file"].tolist() == ["b.csv", "b.csv", "a.csv"]
        assert sorted(inc.rejected["source_file"]) == ["a.csv", "a.csv", "b.csv"]
        assert set(inc.rejected["reason"]) == {"duplicate"}
    a, b = (inc.events.sort_values("incident_id").reset_index(drop=True) for inc in results)
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))


@pytest.mark.parametrize(
    ("later", "found"),
    [
        ("B1,13/01/2025 10:00,,Theft,453850,269500\nB2,2025-13-45 10:00,,Theft,453850,269500\n",
         r"^part2\.csv: 1 values in 'Committed From' are not dates .*row 3, '2025-13-45 10:00'"),
        ("B1,01/16/2025 14:24,,Theft,453850,269500\n",
         r"^part2\.csv: 1 values in 'Committed From' are not dates .*row 2, '01/16/2025 14:24'"),
        ("B1,13/01/2025 10:00,,Theft,453850,2695x0\n",
         r"^part2\.csv: 1 values in 'Northing' are not numbers \(first: row 2, '2695x0'\)"),
    ],
)  # fmt: skip
def test_errors_name_the_file_and_row_holding_the_bad_value(later: str, found: str) -> None:
    first = _csv("A1,13/01/2025 22:15,,Violence,453850,269500\n", name="part1.csv")
    with pytest.raises(InputDataError, match=found):
        read_incidents([first, _csv(later, name="part2.csv")])


def test_hour_errors_name_the_file_and_row_holding_the_bad_value() -> None:
    header = "Crime Ref,Date,Hour,Offence,Easting,Northing\n"
    first = _csv("A1,13/01/2025,22,Violence,453850,269500\n", header, name="part1.csv")
    later = _csv("B1,13/01/2025,7,Theft,453850,269500\nB2,13/01/2025,25,Theft,1,1\n", header,
                 name="part2.csv")  # fmt: skip
    with pytest.raises(InputDataError, match=r"^part2\.csv: 1 values in 'Hour' .*row 3, '25'"):
        read_incidents([first, later])


def test_refuse_no_events_gives_each_bucket() -> None:
    rows = "A1,13/01/2025 10:00,,Theft,,\nA1,13/01/2025 10:00,,Theft,,\nA2,,,Theft,453850,269500\n"
    inc = read_incidents([_csv(rows)])
    assert inc.report.n_events == 0
    with pytest.raises(EmptyInputError) as err:
        refuse_no_events(inc)
    assert str(err.value).startswith(
        "extract.csv: no row could be used (3 rows: 1 duplicates, 1 without time, 1 without "
        "location). Check the columns read (id=Crime Ref, "
    )
    refuse_no_events(read_incidents([_csv(MIXED)]))  # events: nothing to refuse


def test_a_semicolon_separated_file_is_refused_with_what_to_do() -> None:
    data = b"Crime Ref;Committed From;Offence;Easting;Northing\nA1;13/01/2025 10:00;Theft;1;2\n"
    with pytest.raises(InputDataError, match="separated by semicolons") as err:
        read_incidents([("semi.csv", data)])
    assert str(err.value).startswith("semi.csv: the file is separated by semicolons")
    assert "Save it as comma-separated CSV" in str(err.value)
    assert "--columns" not in str(err.value)


@pytest.mark.parametrize("value", ["dayfirst", "UK", "", "d/m/y"])
def test_a_date_order_other_than_day_or_month_first_is_refused(value: str) -> None:
    rows = "A1,03/01/2025 22:15,,Violence,453850,269500\n"
    with pytest.raises(InputDataError, match=r"write dates=day-first \(UK, 13/01/2025\) or"):
        read_incidents([_csv(rows)], columns={"dates": value})
    inc = read_incidents([_csv(rows)], columns={"dates": "Day-First"})
    assert inc.events["start"].iloc[0] == pd.Timestamp("2025-01-03 22:15")
    assert inc.report.columns["dates"] == "day-first"


def test_the_order_one_date_column_shows_is_taken_for_the_other() -> None:
    to_small = (
        "A1,13/01/2025 22:15,03/02/2025 08:00,Burglary,453850,269500\n"  # From shows day-first
        "A2,20/01/2025 10:00,,Theft,453850,269500\n"
    )
    inc = read_incidents([_csv(to_small)])
    assert inc.events["end"].iloc[0] == pd.Timestamp("2025-02-03 08:00")
    assert "Committed To: read day-first, as Committed From shows" in " ".join(inc.report.notes)
    from_small = "A1,03/02/2025 22:15,14/02/2025 08:00,Burglary,453850,269500\n"  # To shows it
    inc = read_incidents([_csv(from_small)])
    assert inc.events["start"].iloc[0] == pd.Timestamp("2025-02-03 22:15")
    both_small = "A1,03/02/2025 22:15,04/02/2025 08:00,Burglary,453850,269500\n"
    with pytest.raises(InputDataError, match="could be day-first or month-first"):
        read_incidents([_csv(both_small)])


def test_an_impossible_date_split_over_columns_is_refused_with_its_row() -> None:
    header = "ref,yr,mo,dy,hr,kind,e,n\n"
    rows = "1,2025,1,3,22,Violence,453850,269500\n2,2025,2,31,10,Theft,453850,269500\n"
    rows += "3,2025,,4,10,Theft,453850,269500\n"  # no month: without time, not an error
    cols = parse_column_map("id=ref,year=yr,month=mo,day=dy,hour=hr,type=kind,x=e,y=n")
    with pytest.raises(InputDataError) as err:
        read_incidents([_csv(rows, header)], columns=cols)
    assert str(err.value) == (
        "extract.csv: 1 rows of yr, mo, dy give no real date (first: row 3, day/month/year "
        "31/2/2025). Correct the day or the month in the extract."
    )
    inc = read_incidents([_csv(rows.replace(",2,31,", ",2,28,"), header)], columns=cols)
    assert (inc.report.n_events, inc.report.n_without_time) == (2, 1)
    assert inc.events["start"].iloc[1] == pd.Timestamp("2025-02-28 10:00")


def test_wholly_blank_rows_are_skipped_and_counted_in_a_note(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "Crime Ref": ["R1", None, "R2"],
            "Committed From": ["13/01/2025 22:00", None, "14/01/2025 10:00"],
            "Offence": ["Burglary", None, "Theft"],
            "Easting": ["453850", None, "453850"],
            "Northing": ["269500", None, "269500"],
        }
    )
    frame.to_excel(tmp_path / "gaps.xlsx", index=False)
    inc = read_incidents([tmp_path / "gaps.xlsx"])
    r = inc.report
    assert (r.n_rows, r.n_events, r.n_without_time) == (2, 2, 0)
    assert inc.events["source_row"].tolist() == [2, 4]  # the sheet's own row numbers
    assert "gaps.xlsx: 1 blank row (every cell empty) skipped." in r.notes
    csv_rows = "A1,13/01/2025 22:15,,Violence,453850,269500\n,,,,,\nA2,,,Theft,453850,269500\n"
    inc = read_incidents([_csv(csv_rows)])
    assert (inc.report.n_rows, inc.report.n_events, inc.report.n_without_time) == (2, 1, 1)
    assert inc.rejected["source_row"].tolist() == [4]


def test_an_empty_workbook_file_is_called_empty_not_a_bad_zip() -> None:
    with pytest.raises(EmptyInputError, match=r"^x\.xlsx: the file is empty\. Save the extract"):
        read_incidents([("x.xlsx", b"")])


def test_month_first_dates_that_do_not_parse_say_they_were_read_month_first() -> None:
    rows = "D1,21/01/2025 00:59,,Theft,453850,269500\n"
    with pytest.raises(InputDataError, match="read month-first, as dates=month-first asks"):
        read_incidents([_csv(rows)], columns={"dates": "month-first"})


_HOUR_HEADER = "Crime Ref,Date,Hour,Offence,Easting,Northing\n"
_FROM_HEADER = "Crime Ref,Committed From,Offence,Easting,Northing\n"
_LONLAT_HEADER = "Crime Ref,Committed From,Offence,Longitude,Latitude\n"


@pytest.mark.parametrize(
    ("header", "first", "later", "found"),
    [
        (_HOUR_HEADER,  # date-only in the first file, a time beside the hour in the second
         "A1,03/01/2025,22,Violence,453850,269500\nA2,14/01/2025,10,Theft,453850,269500\n",
         "B1,03/01/2025,22,Violence,453850,269500\nB2,14/01/2025 10:30,10,Theft,453850,269500\n",
         r"^part2\.csv: 'Date' holds times \(e\.g\. row 3, '14/01/2025 10:30'\) and 'Hour'"),
        (_FROM_HEADER,  # local times in the first file, UTC in the second
         "A1,2025-01-03 22:15,Violence,453850,269500\n",
         "B1,2025-01-04 08:00,Theft,453850,269500\nB2,2025-01-04T10:15:00Z,Theft,453850,269500\n",
         (r"^part2\.csv: 'Committed From' holds times with a UTC offset \(e\.g\. row 3, "
         r"'2025-01-04T10:15:00Z'\)")),
        (_FROM_HEADER,  # could be either in the first file, month-first only in the second
         "A1,03/01/2025 22:15,Violence,453850,269500\n",
         "B1,02/01/2025 09:00,Theft,453850,269500\nB2,01/13/2025 10:00,Theft,453850,269500\n",
         (r"^part2\.csv: the dates in 'Committed From' are month-first \(US style, e\.g\. row 3, "
         r"'01/13/2025 10:00'\)")),
    ],
    ids=["times-beside-hours", "utc-offset", "month-first"],
)  # fmt: skip
def test_whole_column_date_errors_name_the_file_and_row_of_the_problem(
    header: str, first: str, later: str, found: str
) -> None:
    files = [_csv(first, header, name="part1.csv"), _csv(later, header, name="part2.csv")]
    with pytest.raises(InputDataError, match=found):
        read_incidents(files)


def test_a_utc_offset_far_down_the_file_gets_the_utc_advice_not_a_general_error() -> None:
    # 6,000 local times, then one in UTC: the offset is looked for in every value, not a head
    rows = "".join(
        f"A{i},2025-01-{1 + i % 28:02d} {i % 24:02d}:15,Theft,453850,269500\n" for i in range(6000)
    )
    rows += "Z1,2025-02-01T10:15:00+01:00,Theft,453850,269500\n"
    pattern = (
        r"^late\.csv: 'Committed From' holds times with a UTC offset \(e\.g\. row 6002, "
        r"'2025-02-01T10:15:00\+01:00'\); patchmap needs local times"
    )
    with pytest.raises(InputDataError, match=pattern):
        read_incidents([_csv(rows, _FROM_HEADER, name="late.csv")])


def test_swapped_longitude_latitude_name_the_file_and_row_of_a_swapped_point() -> None:
    first = _csv("A1,13/01/2025 10:00,Theft,-1.2097,52.3227\n", _LONLAT_HEADER, name="part1.csv")
    later = _csv(
        "B1,13/01/2025 10:00,Theft,52.3227,-1.2097\nB2,13/01/2025 11:00,Theft,52.3300,-1.2000\n"
        "B3,13/01/2025 12:00,Theft,52.3400,-1.2100\n",
        _LONLAT_HEADER,
        name="part2.csv",
    )
    pattern = r"^part2\.csv: 'Longitude' and 'Latitude' look swapped.*first: row 2, 52\.32270"
    with pytest.raises(CRSError, match=pattern):
        read_incidents([first, later])


def test_errors_about_every_row_together_name_every_file() -> None:
    empty = "A1,,Violence,453850,269500\n"  # no date (files differ: identical ones read once)
    two = [_csv(empty.replace("A1", f"A{i}"), _FROM_HEADER, name=f"part{i}.csv") for i in (1, 2)]
    with pytest.raises(InputDataError, match=r"^part1\.csv, part2\.csv: no row of 'Committed"):
        read_incidents(two)
    four = [_csv(empty.replace("A1", f"A{i}"), _FROM_HEADER, name=f"m{i}.csv") for i in range(4)]
    with pytest.raises(InputDataError, match=r"^4 files \(m0\.csv to m3\.csv\): no row of"):
        read_incidents(four)
    metres = _csv("A1,13/01/2025 10:00,Theft,453850,269500\n", _FROM_HEADER, name="bng.csv")
    degrees = _csv("B1,13/01/2025 10:00,Theft,-1.2097,52.3227\n", _FROM_HEADER, name="wgs.csv")
    with pytest.raises(CRSError, match=r"^bng\.csv, wgs\.csv: cannot tell the coordinate system"):
        read_incidents([metres, degrees])


def test_24_00_is_the_next_days_midnight_and_said() -> None:
    """Records systems write the end of a day as 24:00; it was refused as "not dates"."""
    inc = read_incidents(
        [
            _csv(
                "A1,15/09/2025 18:00,15/09/2025 24:00,Burglary,545000,258000\n"
                "A2,16/09/2025 22:00,16/09/2025 24:00:00,Burglary,545000,258000\n"
                "A3,17/09/2025 10:00,17/09/2025 12:00,Burglary,545000,258000\n"
            )
        ]
    )
    ends = dict(zip(inc.events["incident_id"], inc.events["end"].astype(str), strict=True))
    assert ends == {
        "A1": "2025-09-16 00:00:00",
        "A2": "2025-09-17 00:00:00",
        "A3": "2025-09-17 12:00:00",
    }
    assert "Committed To: 2 times of 24:00 read as 00:00 of the next day." in inc.report.notes
    assert inc.report.n_events == 3


def test_excel_date_serials_are_named_with_the_fix() -> None:
    with pytest.raises(InputDataError) as caught:
        read_incidents([_csv("A1,45915.195139,,Burglary,545000,258000\n")])
    assert str(caught.value) == (
        "extract.csv: 1 values in 'Committed From' are not dates patchmap can read (first: row "
        "2, '45915.195139'). They look like Excel date serial numbers: format the column as a "
        "date (dd/mm/yyyy hh:mm) in Excel before saving the CSV, or save it as .xlsx."
    )


def test_a_reference_repeated_for_another_crime_is_said() -> None:
    """A reference reused for another offence is set aside as a repeat, and the note says so."""
    first = (
        "R1,15/09/2025 18:00,,Burglary,545000,258000\nR2,16/09/2025 18:00,,Burglary,545100,258000\n"
    )
    later = (
        "R1,15/09/2025 18:00,,Burglary,545000,258000\nR2,16/09/2025 18:00,,Robbery,545100,258000\n"
    )
    inc = read_incidents([_csv(first, name="a.csv"), _csv(later, name="b.csv")])
    assert inc.report.n_duplicates == 2
    (note,) = [n for n in inc.report.notes if "repeat a crime reference" in n]
    assert note.endswith(
        " 1 of them differs from the copy kept (first: b.csv row 3, reference 'R2': Offence "
        "'Robbery' where the copy kept has 'Burglary'): check whether a reference was used for "
        "another crime or corrected in a later extract."
    )
    same = read_incidents(
        [
            _csv(first, name="a.csv"),
            _csv(first + "R3,17/09/2025 18:00,,Theft,545000,258000\n", name="b.csv"),
        ]
    )
    (note,) = [n for n in same.report.notes if "repeat a crime reference" in n]
    assert "differ" not in note  # exact copies: nothing more to say


def test_a_start_at_24_00_is_a_time_written_out_not_time_unknown() -> None:
    """30/09 24:00 is 1 October 00:00 exactly, never a '00:00 = time unknown' event."""
    rows = (
        "A1,30/09/2025 24:00,,Burglary,545000,258000\n"
        "A2,01/10/2025 00:00,,Burglary,545000,258000\n"
        "A3,02/10/2025 13:30,,Burglary,545000,258000\n"
    )
    for midnight in ("as-recorded", "unknown"):
        inc = read_incidents([_csv(rows)], midnight=midnight)
        flagged = dict(zip(inc.events["incident_id"], inc.events["at_midnight"], strict=True))
        assert flagged == {"A1": False, "A2": True, "A3": False}
        assert inc.report.n_at_midnight == 1
        first = inc.events.set_index("incident_id").loc["A1"]
        assert (str(first["start"]), str(first["end"])) == (
            "2025-10-01 00:00:00",
            "2025-10-01 00:00:00",  # exact, even where 00:00 is read as unknown
        )
