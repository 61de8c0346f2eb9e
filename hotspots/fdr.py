"""
Multiple-testing correction of p-values: Benjamini-Hochberg FDR, Holm, or none.

A hotspot map tests every cell at once, so some cells look significant by chance; these
adjustments control that. Cells are classed on the adjusted p-value: with Benjamini-Hochberg,
``adjusted p <= q`` is exactly the set of cells BH rejects at false discovery rate ``q``.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from spatial.errors import ParameterError

__all__ = ["CORRECTION_LABELS", "Correction", "adjust_p"]

Correction = Literal["fdr_bh", "holm", "none"]

CORRECTION_LABELS: Final[dict[str, str]] = {
    "fdr_bh": "Benjamini-Hochberg false discovery rate",
    "holm": "Holm (family-wise error rate)",
    "none": "no multiple-testing correction",
}
"""Human-readable name of each correction, for the UI and the ``convention`` string."""


def adjust_p(p: npt.ArrayLike, *, method: Correction = "fdr_bh") -> npt.NDArray[np.float64]:
    """
    Adjust p-values for multiple testing.

    Parameters
    ----------
    p
        p-values in [0, 1], any shape (adjusted together, as one family).
    method
        ``"fdr_bh"`` (Benjamini-Hochberg step-up, equal to
        ``scipy.stats.false_discovery_control(p, method="bh")``), ``"holm"`` (Holm step-down) or
        ``"none"`` (a copy of ``p``).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape as ``p``, capped at 1.

    Raises
    ------
    ParameterError
        When ``method`` is unknown or a p-value is missing or outside [0, 1].

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate: a practical and
    powerful approach to multiple testing. JRSS B 57(1), 289-300.
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statist.
    6(2), 65-70.

    Examples
    --------
    >>> np.round(adjust_p([0.01, 0.04, 0.03, 0.2]), 4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    >>> adjust_p([0.01, 0.04, 0.03, 0.2], method="holm").tolist()
    [0.04, 0.09, 0.09, 0.2]
    """
    if method not in CORRECTION_LABELS:
        msg = f"method must be one of {sorted(CORRECTION_LABELS)}; found {method!r}."
        raise ParameterError(msg)
    values = np.asarray(p, dtype=np.float64)
    flat = values.ravel()
    bad = ~((flat >= 0.0) & (flat <= 1.0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        msg = (
            f"{int(bad.sum())} p-values are missing or outside [0, 1] "
            f"(first: position {first}, value {flat[first]}). Check the test that produced them."
        )
        raise ParameterError(msg)
    n = flat.size
    if method == "none" or n == 0:
        return values.copy()
    ranks = np.arange(1, n + 1, dtype=np.float64)
    order = np.argsort(flat, kind="stable")  # smallest first
    if method == "fdr_bh":
        scaled = flat[order] * (n / ranks)
        adjusted_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    else:
        scaled = flat[order] * (n - ranks + 1.0)
        adjusted_sorted = np.maximum.accumulate(scaled)
    out = np.empty(n, dtype=np.float64)
    out[order] = np.minimum(adjusted_sorted, 1.0)
    return out.reshape(values.shape)
