"""The Knox verdict tells the same-location risk and the near-repeat risk apart, on hand-made
tables: how long each stays raised is said of each, never one "fades by" for both."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.knox import KnoxResult

DISTANCES = (0.0, 100.0, 200.0, 300.0, 400.0)
TIMES = (7, 14, 21, 28)
TIME_LABELS = ("0-7 days", "8-14 days", "15-21 days", "22-28 days")
TAIL = " (20,425 events, 999 shuffles of the dates, false discovery rate 5 %)."
# the Toronto burglaries (`patchmap knox --incidents toronto_mci_2019_2021.csv --crime-type
# "Break and Enter" --permutations 999 --seed 0`): ratios and FDR-adjusted p-values
TORONTO_RATIO = [
    [3.3643, 1.4164, 1.3953, 1.4245],
    [1.3674, 1.1628, 1.0849, 1.1574],
    [1.3294, 1.1221, 1.0775, 1.0659],
    [1.1818, 1.082, 1.0741, 1.1119],
    [1.1017, 1.0774, 1.0416, 1.0224],
]
TORONTO_P_FDR = [
    [0.0014, 0.0014, 0.0014, 0.0014],
    [0.0014, 0.0014, 0.0389, 0.0025],
    [0.0014, 0.0014, 0.0025, 0.0141],
    [0.0014, 0.0014, 0.0014, 0.0014],
    [0.0014, 0.0014, 0.0156, 0.107],
]


def _result(
    ratio: list[list[float]],
    p_fdr: list[list[float]],
    *,
    times: tuple[int, ...] = TIMES,
    subject: str = "break and enters",
) -> KnoxResult:
    """A Knox result holding the given table (significant: p_fdr <= 0.05 and ratio > 1)."""
    ratios = np.array(ratio, dtype=np.float64)
    p = np.array(p_fdr, dtype=np.float64)
    labels = ("same location", "1-100 m", "100-200 m", "200-300 m", "300-400 m")
    return KnoxResult(
        n_events=20425,
        distance_bands_m=DISTANCES,
        time_bands_days=times,
        distance_labels=labels,
        time_labels=TIME_LABELS[: len(times)],
        metric="euclidean",
        permutations=999,
        seed=0,
        fdr_q=0.05,
        observed=np.ones(ratios.shape, dtype=np.int64),
        expected=np.ones(ratios.shape, dtype=np.float64),
        ratio=ratios,
        p_value=p,
        p_fdr=p,
        significant=(p <= 0.05) & (ratios > 1),
        subject=subject,
    )


def _toronto_with_same_location(ratio: list[float], p_fdr: list[float]) -> KnoxResult:
    return _result([ratio, *TORONTO_RATIO[1:]], [p_fdr, *TORONTO_P_FDR[1:]])


NEAR = (
    "break and enters within 100 m and 7 days of each other are 1.4 times as common as "
    "chance; the near-repeat risk (at least 1.2 times chance) fades by 300 m and 14 days"
)


def test_toronto_same_location_risk_is_still_raised_at_four_weeks() -> None:
    result = _result(TORONTO_RATIO, TORONTO_P_FDR)
    assert result.raised[0].all()  # the same location: raised in every band to 28 days
    assert (result.near_repeat_distance_m, result.near_repeat_days) == (200.0, 7)
    assert result.verdict == (
        "Repeats at the same location within 7 days are 3.4 times as common as chance, and "
        f"still 1.4 times at 22-28 days, the longest time tested; {NEAR}{TAIL}"
    )


@pytest.mark.parametrize(
    ("ratio", "p_fdr", "said"),
    [
        # raised in the first week only: 1.3 at 8-14 days is not significant
        (
            [3.0, 1.3, 1.0, 1.0],
            [0.001, 0.2, 0.5, 0.5],
            ", a raised risk (at least 1.2 times chance) that fades by 14 days",
        ),
        # raised for two weeks; significant at 15-21 days but only 1.1 times chance
        (
            [3.0, 1.6, 1.1, 1.0],
            [0.001, 0.001, 0.01, 0.5],
            (
                ", still 1.6 times at 8-14 days, a raised risk (at least 1.2 times chance) that "
                "fades by 21 days"
            ),
        ),
        # gone in the second and third weeks, raised again in the fourth
        (
            [3.0, 1.0, 1.05, 1.5],
            [0.001, 0.5, 0.5, 0.001],
            (
                ", a raised risk (at least 1.2 times chance) that fades by 14 days (though 1.5 "
                "times again at 22-28 days)"
            ),
        ),
    ],
)
def test_a_same_location_risk_that_fades_says_when(
    ratio: list[float], p_fdr: list[float], said: str
) -> None:
    result = _toronto_with_same_location(ratio, p_fdr)
    assert result.verdict == (
        f"Repeats at the same location within 7 days are 3.0 times as common as chance{said}; "
        f"{NEAR}{TAIL}"
    )


def test_one_time_band_says_nothing_of_how_long() -> None:
    result = _result([[r[0]] for r in TORONTO_RATIO], [[p[0]] for p in TORONTO_P_FDR], times=(7,))
    assert result.verdict == (
        "Repeats at the same location within 7 days are 3.4 times as common as chance; break "
        "and enters within 100 m and 7 days of each other are 1.4 times as common as chance; "
        "the near-repeat risk (at least 1.2 times chance) fades by 300 m but is still there at "
        f"7 days, the longest time tested{TAIL}"
    )


FLAT = [[1.0, 1.0, 1.0, 1.0]] * 4
NOT_SIGNIFICANT = [[0.5] * 4] * 4
NO_NEAR = (
    "Repeats at the same location within 7 days are 3.4 times as common as chance, and still "
    "1.4 times at 22-28 days, the longest time tested; no near repeat: pairs of break and "
    "enters within 100 m and 7 days are not at least 1.2 times as common as chance "
)


@pytest.mark.parametrize(
    ("ratio", "p_fdr", "said"),
    [
        (FLAT, NOT_SIGNIFICANT, "(no band beyond the same location has significantly more pairs"),
        # significant far away but small: not the same location's 3.4 (which is described)
        (
            [*FLAT[:3], [1.0, 1.0, 1.0, 1.1]],
            [*NOT_SIGNIFICANT[:3], [0.5, 0.5, 0.5, 0.01]],
            (
                "(significant excesses elsewhere in the table reach 1.10 times, at 300-400 m and "
                "22-28 days, too small to act on)"
            ),
        ),
        # raised at 100-200 m, though not within 100 m: no longer called too small
        (
            [FLAT[0], [1.5, 1.0, 1.0, 1.0], *FLAT[2:]],
            [NOT_SIGNIFICANT[0], [0.001, 0.5, 0.5, 0.5], *NOT_SIGNIFICANT[2:]],
            (
                "(significant excesses elsewhere in the table reach 1.50 times, at 100-200 m and "
                "0-7 days)"
            ),
        ),
    ],
)
def test_without_near_repeats_the_rest_of_the_table_is_described_truthfully(
    ratio: list[list[float]], p_fdr: list[list[float]], said: str
) -> None:
    result = _result([TORONTO_RATIO[0], *ratio], [TORONTO_P_FDR[0], *p_fdr])
    assert result.near_repeat_distance_m is None
    assert result.verdict.startswith(NO_NEAR + said)
