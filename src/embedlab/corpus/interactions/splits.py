"""Train/test splits of interactions: leave-last-out, leave-one-out, per-user ratios, a time cut."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...exceptions import InvalidParameterError

from .core import SPLIT_METHODS, Interactions

@dataclass
class SplitResult:
    """Train / optional validation / test interactions (same id maps) and a report."""

    train: Interactions
    test: Interactions
    valid: Interactions | None = None
    report: dict[str, Any] = field(default_factory=dict)


def split_interactions(
    inter: Interactions,
    by: str = "leave-last-out",
    *,
    valid: bool = False,
    ratios: Sequence[float] | None = None,
    seed: int | None = 0,
) -> SplitResult:
    """Split interactions into train / (valid) / test.

    * ``leave-last-out``: per user, the latest entry goes to test (and the one before it to valid);
      users with too few entries stay in train only;
    * ``leave-one-out``: as leave-last-out with random entries (baskets: hide one item);
    * ``ratio``: per user, entries shuffled and cut by ``ratios`` (default 0.8/0.1/0.1 with valid,
      0.8/0.2 without), RecBole's rounding (every part of a user with enough entries gets one);
    * ``time``: one global cut by time at the ``ratios`` quantiles (needs times).
    """
    if by not in SPLIT_METHODS:
        raise InvalidParameterError(f"parameter 'by' must be one of {', '.join(SPLIT_METHODS)}; got {by!r}")
    n_parts = 3 if valid else 2
    if ratios is None:
        ratios = (0.8, 0.1, 0.1) if valid else (0.8, 0.2)
    ratios = [float(r) for r in ratios]
    if len(ratios) != n_parts or any(not r > 0 for r in ratios):
        raise InvalidParameterError(f"parameter 'ratios' must be {n_parts} positive numbers (train, "
                                    f"{'valid, ' if valid else ''}test); got {ratios}")
    total = sum(ratios)
    ratios = [r / total for r in ratios]
    rng = np.random.default_rng(seed)
    part = np.zeros(inter.nnz, dtype=np.int8)  # 0 train, 1 valid, 2 test
    lens = np.diff(inter.indptr)
    if by in ("leave-last-out", "leave-one-out"):
        need = n_parts  # keep at least one training entry
        for u in np.flatnonzero(lens >= need):
            a, b = int(inter.indptr[u]), int(inter.indptr[u + 1])
            if by == "leave-last-out":
                pos = np.arange(b - n_parts + 1, b)
            else:
                pos = a + rng.choice(b - a, size=n_parts - 1, replace=False)
            part[pos[-1]] = 2
            if valid:
                part[pos[0]] = 1
    elif by == "ratio":
        for u in np.flatnonzero(lens > 0):
            a, b = int(inter.indptr[u]), int(inter.indptr[u + 1])
            cnt = _recbole_counts(b - a, ratios)
            perm = a + rng.permutation(b - a)
            part[perm[cnt[0]: cnt[0] + (cnt[1] if valid else 0)]] = 1
            part[perm[b - a - cnt[-1]:]] = 2
    else:
        if inter.times is None:
            raise InvalidParameterError("split by time needs timestamps (--time-col); this file has none")
        order = np.argsort(inter.times, kind="stable")
        cuts = np.cumsum(ratios)[:-1]
        bounds = (cuts * inter.nnz).round().astype(np.int64)
        part[order[bounds[-1]:]] = 2
        if valid:
            part[order[bounds[0]: bounds[1]]] = 1
    train = inter.take(part == 0, source="train")
    test = inter.take(part == 2, source="test")
    vpart = inter.take(part == 1, source="valid") if valid else None
    report = _split_report(train, test, vpart, by, seed)
    return SplitResult(train, test, vpart, report)


def _recbole_counts(tot: int, ratios: Sequence[float]) -> list[int]:
    """RecBole's ``_calcu_split_ids``: per-part counts of a user with ``tot`` entries."""
    cnt = [int(r * tot) for r in ratios]
    cnt[0] = tot - sum(cnt[1:])
    for i in range(1, len(ratios)):
        if cnt[0] <= 1:
            break
        if 0 < ratios[-i] * tot < 1:
            cnt[-i] += 1
            cnt[0] -= 1
    return cnt


def _split_report(train: Interactions, test: Interactions, valid: Interactions | None, by: str, seed: int | None) -> dict[str, Any]:
    train_users = np.diff(train.indptr) > 0
    train_items = train.item_counts() > 0
    out: dict[str, Any] = {"by": by, "seed": seed, "train": train.nnz, "test": test.nnz,
                           "users": int(train.n_users), "items": int(train.n_items)}
    parts = [("test", test)] + ([("valid", valid)] if valid is not None else [])
    for name, p in parts:
        users = np.diff(p.indptr) > 0
        out[f"{name}_users"] = int(users.sum())
        out[f"{name}_users_unseen_in_train"] = int((users & ~train_users).sum())
        items = p.item_counts() > 0
        out[f"{name}_items_unseen_in_train"] = int((items & ~train_items).sum())
        out[f"{name}_entries_with_unseen_item"] = int((~train_items[p.indices]).sum())
        if valid is not None and name == "valid":
            out["valid"] = p.nnz
    return out


