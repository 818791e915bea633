"""Checks on what enters an index: vectors, queries, ids and ``k``.

Cosine search is inner product over unit vectors, so every stored row and every query is
float32 and L2-normalised here, once; a NaN, an infinite value, a zero vector or a wrong
dimension is refused with a message naming the row (and item id), never stored.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

from tastemaker.errors import DataError

__all__ = ["Matrix", "check_k", "check_new_ids", "unit_rows"]

#: float32 ``[n, d]``, C-contiguous.
Matrix = npt.NDArray[np.float32]

_UNIT_TOLERANCE = 1e-5  # rows this close to unit length are kept bit for bit


def unit_rows(
    vectors: npt.ArrayLike,
    dim: int,
    *,
    what: str,
    ids: Sequence[str] | None = None,
    copy: bool = True,
) -> Matrix:
    """``vectors`` ``[n, dim]`` as C-contiguous float32 rows of unit L2 norm.

    Rows already unit length (within 1e-5) are left unchanged, so an exported model's vectors
    are stored exactly; others are divided by their norm. ``what`` names the input in errors
    ("vectors", "queries"); ``ids`` lets an error name the item of a bad row.
    """
    array = np.asarray(vectors)
    if array.dtype.kind not in "fiu":
        raise DataError(f"{what}: expected floating-point numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        hint = " (a single vector must be shaped [1, dim])" if array.ndim == 1 else ""
        raise DataError(f"{what}: expected a 2-d array [n, {dim}], got shape {array.shape}{hint}")
    if array.shape[1] != dim:
        raise DataError(f"{what}: expected dimension {dim}, got {array.shape[1]}")
    rows = np.array(array, dtype=np.float32, order="C", copy=copy or None)
    # Squared norms in float64: no overflow or underflow for any float32 row, and a NaN or an
    # infinity anywhere in a row shows in its norm, so one pass checks both.
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
    if not np.isfinite(norms).all():
        bad = _name(int(np.argmin(np.isfinite(norms))), ids)
        raise DataError(f"{what}: {bad} has NaN or infinite values")
    if (norms == 0).any():
        raise DataError(f"{what}: {_name(int(np.argmin(norms)), ids)} is a zero vector")
    off = np.abs(norms - 1.0) > _UNIT_TOLERANCE
    if off.any():
        if not rows.flags.writeable or rows is array:
            rows = rows.copy()
        rows[off] = (rows[off] / norms[off, None]).astype(np.float32)
    return rows


def _name(row: int, ids: Sequence[str] | None) -> str:
    return f"row {row}" if ids is None else f"row {row} (item {ids[row]!r})"


def check_new_ids(ids: Sequence[str], known: Collection[str]) -> list[str]:
    """``ids`` as a list after checking they are non-empty strings, unique and not in ``known``."""
    checked = list(ids)
    seen: set[str] = set()
    for row, item_id in enumerate(checked):
        if not isinstance(item_id, str) or not item_id:
            raise DataError(f"ids: row {row} is {item_id!r}, not a non-empty string")
        if item_id in seen:
            raise DataError(f"ids: {item_id!r} appears more than once in the batch")
        if item_id in known:
            raise DataError(f"ids: {item_id!r} is already in the index (remove it first)")
        seen.add(item_id)
    return checked


def check_k(k: int) -> int:
    """``k`` as an int >= 1 (a bool or float is refused: it is always a caller's bug)."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise DataError(f"k must be a positive integer, got {k!r}")
    return int(k)
