"""Query monitoring: miss rate over time and the most requested unknown keys of a service's log.

Query log format (written by ``embedlab serve --log-queries FILE``; any producer may write it):
UTF-8 JSON Lines, one JSON object per line, one line per key looked up::

    {"ts": "2026-12-01T23:59:01Z", "endpoint": "/similar", "key": "covid", "hit": false}
    {"ts": 1764633541.25, "endpoint": "/vector", "key": "king", "hit": true, "status": 200}

Required fields:

* ``ts``: time of the request: an ISO-8601 string (``Z`` or an offset; naive = UTC) or unix seconds
  (int or float);
* ``endpoint``: the route or operation asked for (str), e.g. ``"/similar"``;
* ``key``: the key looked up (str); a request about several keys writes one line per key;
* ``hit``: whether the key was in the served vectors (bool).

Any other fields (``status``, ``latency_ms``, ``client`` ...) are allowed and ignored. Blank lines
are skipped; any other malformed line is an error naming the file and line.

:func:`query_drift` reads such a log and reports the miss rate per period (hour, day, week or
month, chosen from the log's time span unless given), per endpoint, and the most requested
missing keys. With ``vectors`` (e.g. a retrained model about to replace the served one), each key
is also checked against those vectors: ``miss_rate_vectors`` tells how many of the logged
lookups the new vectors would miss, and the unknown-keys list is relative to them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..exceptions import FormatError, InputFileError, InvalidParameterError

__all__ = ["REQUIRED_FIELDS", "QueryRecord", "read_query_log", "query_drift", "PERIODS"]

REQUIRED_FIELDS = ("ts", "endpoint", "key", "hit")
PERIODS = ("hour", "day", "week", "month")


class QueryRecord(tuple):
    """(time as an aware UTC datetime, endpoint, key, hit)."""

    __slots__ = ()

    def __new__(cls, ts: datetime, endpoint: str, key: str, hit: bool) -> QueryRecord:
        return tuple.__new__(cls, (ts, endpoint, key, hit))

    ts = property(lambda self: self[0])
    endpoint = property(lambda self: self[1])
    key = property(lambda self: self[2])
    hit = property(lambda self: self[3])


def _parse_ts(value: Any, where: str) -> datetime:
    if isinstance(value, bool):
        raise FormatError(f"{where}: 'ts' must be ISO-8601 text or unix seconds; got {value!r}")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise FormatError(f"{where}: 'ts' {value!r} is not a valid unix time") from None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise FormatError(f"{where}: 'ts' {value!r} is not ISO-8601 (e.g. 2026-12-01T23:59:01Z)") from None
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    raise FormatError(f"{where}: 'ts' must be ISO-8601 text or unix seconds; got {type(value).__name__}")


def read_query_log(path: str | os.PathLike[str]) -> Iterator[QueryRecord]:
    """Records of a query log (see the module docstring); errors name the file and line."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: query log not found (write one with embedlab serve --log-queries {p})")
    with open(p, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{p}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start}); the log must be UTF-8 "
                                  "JSON lines") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(f"{where}: not a JSON object ({exc.msg}); one JSON object per line expected") from None
            if not isinstance(obj, dict):
                raise FormatError(f"{where}: expected a JSON object with {', '.join(REQUIRED_FIELDS)}")
            missing = [f for f in REQUIRED_FIELDS if f not in obj]
            if missing:
                raise FormatError(f"{where}: missing field(s) {', '.join(missing)}; each line needs "
                                  f"{', '.join(REQUIRED_FIELDS)}")
            if not isinstance(obj["key"], str) or not isinstance(obj["endpoint"], str):
                raise FormatError(f"{where}: 'key' and 'endpoint' must be strings")
            if not isinstance(obj["hit"], bool):
                raise FormatError(f"{where}: 'hit' must be true or false; got {obj['hit']!r}")
            yield QueryRecord(_parse_ts(obj["ts"], where), obj["endpoint"], obj["key"], obj["hit"])


def _period_key(ts: datetime, period: str) -> str:
    if period == "hour":
        return ts.strftime("%Y-%m-%d %H:00")
    if period == "day":
        return ts.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = ts.isocalendar()
        return f"{year}-W{week:02d}"
    return ts.strftime("%Y-%m")


def _auto_period(first: datetime, last: datetime) -> str:
    span = (last - first).total_seconds()
    if span <= 3 * 86400:
        return "hour"
    if span <= 90 * 86400:
        return "day"
    if span <= 3 * 365 * 86400:
        return "week"
    return "month"


def query_drift(log: str | os.PathLike[str], vectors: Any = None, *, period: str | None = None,
                top: int = 50) -> dict[str, Any]:
    """Miss rate over time and most requested unknown keys of the query log ``log``."""
    if period is not None and period not in PERIODS:
        raise InvalidParameterError(f"--period must be one of {', '.join(PERIODS)}; got {period!r}")
    records = list(read_query_log(log))
    if not records:
        raise FormatError(f"{log}: the query log holds no records")
    records.sort(key=lambda r: r.ts)
    chosen = period or _auto_period(records[0].ts, records[-1].ts)
    known = vectors.key_to_index if vectors is not None else None
    per: dict[str, list[int]] = {}
    by_endpoint: dict[str, list[int]] = {}
    unknown: Counter[str] = Counter()
    seen: dict[str, list[str]] = {}
    misses_v = 0
    for r in records:
        miss = not r.hit
        pk = _period_key(r.ts, chosen)
        row = per.setdefault(pk, [0, 0, 0])
        row[0] += 1
        row[1] += miss
        ep = by_endpoint.setdefault(r.endpoint, [0, 0])
        ep[0] += 1
        ep[1] += miss
        miss_ref = miss if known is None else r.key not in known
        if known is not None:
            row[2] += miss_ref
            misses_v += miss_ref
        if miss_ref:
            unknown[r.key] += 1
            iso = r.ts.strftime("%Y-%m-%dT%H:%M:%SZ")
            first_last = seen.setdefault(r.key, [iso, iso])
            first_last[1] = iso
    n = len(records)
    misses = sum(v[1] for v in per.values())
    periods = []
    for pk, (q, m, mv) in per.items():
        entry = {"period": pk, "queries": q, "misses": m, "miss_rate": m / q}
        if known is not None:
            entry["miss_rate_vectors"] = mv / q
        periods.append(entry)
    summary: dict[str, Any] = {"lookups": n, "misses": misses, "miss_rate": misses / n,
                               "distinct_keys": len({r.key for r in records}),
                               "first": records[0].ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "last": records[-1].ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "period": chosen}
    if known is not None:
        summary["miss_rate_vectors"] = misses_v / n
    if len(periods) >= 2:
        summary["miss_rate_first_period"] = periods[0]["miss_rate"]
        summary["miss_rate_last_period"] = periods[-1]["miss_rate"]
    return {
        "log": str(log), "period": chosen, "summary": summary, "periods": periods,
        "endpoints": [{"endpoint": e, "lookups": q, "misses": m, "miss_rate": m / q}
                      for e, (q, m) in sorted(by_endpoint.items())],
        "unknown_keys": [{"key": k, "count": c, "first_seen": seen[k][0], "last_seen": seen[k][1]}
                         for k, c in unknown.most_common(top)],
        "unknown_relative_to": "the given vectors" if known is not None else "the served vectors (logged 'hit')",
        "score": summary["miss_rate_vectors"] if known is not None else summary["miss_rate"],
        "score_definition": "miss rate of the logged lookups" + (" against the given vectors" if known is not None
                                                                  else ""),
        "warnings": [],
    }
