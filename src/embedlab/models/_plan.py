"""Memory planner: predicted peak memory per stage, disk for spills, and what to change when it does not fit.

:func:`scan_corpus` makes one fast vocabulary pass (or, above ``exact_limit`` bytes of plain text,
reads evenly spaced blocks and extrapolates, saying so); :func:`plan` turns the counts and a
model's hyperparameters into :class:`Plan` stages (vocabulary, encoded corpus, vectors and output
weights, subword rows, co-occurrence tables and spill files) whose largest is the predicted peak
resident memory of ``fit``. When the peak exceeds the memory given (default: what the system has
available), the plan proposes ``min_count`` / ``max_vocab_size`` / ``bucket`` / ``vector_size``
values that fit.

Models call :func:`check_training_memory` once the vocabulary is known (no extra corpus pass) and
raise :class:`~embedlab.exceptions.InsufficientMemoryError` with that advice before allocating
their matrices; :func:`allow_overcommit` (CLI ``--force``) turns the check off.

The byte counts follow the arrays each model allocates; the fixed costs (interpreter, numpy,
numba/LLVM code pages, Python objects per word) were measured (``benchmarks/plan_accuracy.py``).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import resource
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import InsufficientMemoryError, InvalidParameterError
from ._plan_corpus import CorpusStats, format_bytes, scan_corpus

__all__ = ["CorpusStats", "Stage", "Plan", "scan_corpus", "plan", "parse_memory", "available_memory",
           "check_training_memory", "allow_overcommit", "format_bytes", "PLANNED_METHODS"]

MB = 1 << 20
# measured fixed costs (benchmarks/plan_accuracy.py, Linux x86-64, CPython 3.11, numpy 2, numba 0.6x)
BASE_IMPORT = 105 * MB        # interpreter + numpy + embedlab + numba imported (llvmlite pages touched)
CLI_IMPORT = 12 * MB          # typer, click, rich and the command modules of an `embedlab` process
KERNEL_RUNTIME = 54 * MB      # LLVM initialised and the cached kernels loaded (first kernel call)
LLVM_RELEASED = 56 * MB       # LLVM's library pages run_sgd hands back before training, net of the
                              # few the first chunk's kernel load touches again (kernels/_runtime.py)
COUNTER_BYTES_PER_TYPE = 150  # Counter entry + str object per distinct token while counting
VOCAB_BYTES_PER_WORD = 200    # words list + word -> id dict + str objects of the kept vocabulary
ENCODE_MEMMAP_THRESHOLD = 5_000_000  # embedlab.corpus.encode.MEMMAP_THRESHOLD
GLOVE_CHUNK = 1 << 22

PLANNED_METHODS = ("word2vec", "fasttext", "glove")

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1 << 10, "m": 1000**2, "mb": 1000**2, "mib": 1 << 20,
          "g": 1000**3, "gb": 1000**3, "gib": 1 << 30, "t": 1000**4, "tb": 1000**4, "tib": 1 << 40}


def _base_import() -> int:
    """The fixed cost of the process planned for: a CLI process (``embedlab train``, ``embedlab
    plan``) carries its command-line modules too; a Python session that imported only the library
    does not."""
    return BASE_IMPORT + (CLI_IMPORT if "embedlab.cli.app" in sys.modules else 0)


def parse_memory(text: str | int | float, option: str = "--memory") -> int:
    """Bytes from ``"512MB"``, ``"8GB"``, ``"1.5GiB"``, ``"800M"`` (decimal units; ``iB`` binary)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value, unit = float(text), ""
    else:
        m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*", str(text))
        if m is None or m.group(2).lower() not in _UNITS:
            raise InvalidParameterError(
                f"{option}: cannot read {str(text)!r} as an amount of memory; use a number with a unit, "
                "e.g. 512MB, 8GB or 1.5GiB (units: B, KB, MB, GB, TB; KiB, MiB, GiB, TiB)"
            )
        value, unit = float(m.group(1)), m.group(2).lower()
        if not unit:
            raise InvalidParameterError(f"{option} {str(text).strip()}: give a unit, e.g. {m.group(1)}GB or "
                                        f"{m.group(1)}MB (a bare number would be bytes)")
    nbytes = int(value * _UNITS[unit])
    if nbytes <= 0:
        raise InvalidParameterError(f"{option}: memory must be more than 0 bytes; got {text!r} (e.g. 8GB)")
    return nbytes


def available_memory() -> int:
    """Memory this process may still use: the least of MemAvailable, the cgroup limit and ulimit -v."""
    limits = []
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for path, used in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                       ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            raw = Path(path).read_text().strip()
            if raw != "max" and int(raw) < 1 << 60:
                limits.append(int(raw) - int(Path(used).read_text().strip()) + _rss_now())
        except (OSError, ValueError):
            continue
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(int(soft))
    return min(limits) if limits else 1 << 62


def _rss_now() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# ---------------------------------------------------------------- the plan
@dataclass
class Stage:
    """One stage of a run: what is resident at its peak (bytes) and what it holds."""

    name: str
    bytes: int
    detail: str


@dataclass
class Plan:
    """Predicted memory of one ``fit``: stages, peak, disk, and advice when it does not fit."""

    method: str
    vocab_size: int
    tokens: int
    stages: list[Stage]
    disk_bytes: int
    memory: int
    memory_source: str
    advice: list[str]
    notes: list[str]
    sampled: bool

    @property
    def peak_bytes(self) -> int:
        return max(s.bytes for s in self.stages)

    @property
    def peak_stage(self) -> str:
        return max(self.stages, key=lambda s: s.bytes).name

    @property
    def fits(self) -> bool:
        return self.peak_bytes <= self.memory

    def lines(self) -> list[str]:
        """The plan as text lines (the CLI prints them)."""
        out = [f"{self.method}: {self.vocab_size:,} words, {self.tokens:,} tokens"
               + (" (estimated from a sample)" if self.sampled else "")]
        for s in self.stages:
            out.append(f"  {s.name:<22s} {format_bytes(s.bytes):>10s}  {s.detail}")
        out.append(f"  peak {format_bytes(self.peak_bytes)} ({self.peak_stage}); disk for spill files "
                   f"{format_bytes(self.disk_bytes)}; memory {format_bytes(self.memory)} ({self.memory_source})")
        out.append("  fits" if self.fits else "  does NOT fit")
        out.extend(f"  note: {n}" for n in self.notes)
        out.extend(f"  advice: {a}" for a in self.advice)
        return out


def _params(model: Any) -> dict[str, Any]:
    return dict(model.get_params())


def _method(model: Any) -> str:
    name = getattr(model, "name", type(model).__name__.lower())
    if name not in PLANNED_METHODS:
        raise InvalidParameterError(
            f"plan: no memory model for method '{name}'; the planner covers {', '.join(PLANNED_METHODS)}"
        )
    return name


def _threads(p: dict[str, Any]) -> int:
    from ._meta import thread_count

    return thread_count(p.get("n_threads"))


def _w2v_training(p: dict[str, Any], v: int, n: int, sentences: int, code_width: int) -> tuple[int, int, str]:
    """(peak when the kernels load, peak while training, description): at the first kernel call
    LLVM's pages are resident and only the input vectors are written (the output weights are
    zeros not yet touched); then LLVM's pages go (``run_sgd``) and the output weights fill."""
    from ..kernels.deterministic import BATCH, N_SHARDS, cache_slots

    d = int(p["vector_size"])
    out_bytes = 2 if p.get("output_dtype") == "float16" else 4  # Word2Vec(output_dtype="float16")
    mats = v * d * (4 + (out_bytes if p["negative"] > 0 else 0) + (4 if p["hs"] else 0))
    aux = v * (4 + 4 + 4 + 8 + 8)  # keep, alias prob/index, counts as float64, weights
    if p["hs"]:
        aux += v * code_width * 5 + v * 40  # codes (uint8) + points (int32) + tree build
    ids = 4 * n if n <= ENCODE_MEMMAP_THRESHOLD else 0  # a memmapped corpus is read chunk by chunk
    threads = _threads(p)
    chunk = 4 * 200_000 * threads * 2
    extra = 0
    if p.get("deterministic"):
        cin, cng, chs = cache_slots(BATCH, int(p["window"]), int(p["negative"]), code_width if p["hs"] else 0, True)
        extra = N_SHARDS * 2 * d * 4 * (cin + cng + (chs if p["hs"] else 0))
        chunk = 4 * 800_000 * 2
    fixed = _base_import() + KERNEL_RUNTIME + v * VOCAB_BYTES_PER_WORD + aux + ids + 16 * sentences + chunk + extra
    what = f"vectors + output weights {format_bytes(mats)}" + (
        f", deterministic caches {format_bytes(extra)}" if extra else "")
    return fixed + v * d * 4, fixed - LLVM_RELEASED + mats, what


def _ngram_rows(stats: CorpusStats, v: int, p: dict[str, Any]) -> tuple[int, int]:
    """(n-gram occurrences over the vocabulary, distinct n-gram rows used) for the first ``v`` words."""
    from ..vectors.subword import subword_rows

    if p["max_n"] <= 0 or p["bucket"] <= 0:
        return 0, 0
    counted = getattr(stats, "ngram_rows", {}).get(v)  # from the subword table training has built
    if counted is not None:
        return counted
    known = min(v, len(stats.words))
    ptr, ng = subword_rows(stats.words[:known], p["min_n"], p["max_n"], p["bucket"])
    occurrences, used = int(ng.shape[0]), int(np.unique(ng).shape[0])
    if known < v:  # sampled corpus: more words than seen; rows grow sub-linearly, capped by bucket
        f = v / max(known, 1)
        occurrences = int(occurrences * f)
        used = int(min(p["bucket"], used * f**0.7))
    return occurrences, used


def _stages(model: Any, stats: CorpusStats, v: int) -> tuple[list[Stage], int, list[str]]:
    method = _method(model)
    p = _params(model)
    d = int(p["vector_size"])
    n = stats.kept_tokens(p["min_count"], p.get("max_vocab_size")) if v else 0
    s = stats.sentences
    notes: list[str] = []
    counting = _base_import() + stats.types * COUNTER_BYTES_PER_TYPE
    enc_mem = 8 * n if n <= ENCODE_MEMMAP_THRESHOLD else 4 * (1 << 17)
    disk = 4 * n + 8 * s if n > ENCODE_MEMMAP_THRESHOLD else 0
    stages = [
        Stage("vocabulary", counting, f"{stats.types:,} distinct tokens counted"),
        Stage("encoded corpus", _base_import() + v * VOCAB_BYTES_PER_WORD + stats.types * COUNTER_BYTES_PER_TYPE // 2
              + enc_mem + 16 * s,
              f"{n:,} token ids " + ("in memory" if n <= ENCODE_MEMMAP_THRESHOLD else "spilled to a temporary file")),
    ]
    width = max(1, int(math.ceil(math.log2(max(v, 2)))) + 8)
    if method == "word2vec":
        loaded, total, what = _w2v_training(p, v, n, s, width)
        stages.append(Stage("kernels loaded", loaded, "input vectors written, compiled-kernel runtime resident"))
        stages.append(Stage("training", total, what))
    elif method == "fasttext":
        occ, used = _ngram_rows(stats, v, p)
        base = _base_import() + v * VOCAB_BYTES_PER_WORD + (4 * n if n <= ENCODE_MEMMAP_THRESHOLD else 0) + 16 * s
        table = occ * (8 + 8 + 8 + 4 + 1) + v * 16
        stages.append(Stage("subword table", base + table, f"{occ:,} n-gram occurrences, {used:,} rows used"))
        w_in = (v + used) * d * 4
        w_out = v * d * 4 * ((1 if p["negative"] > 0 else 0) + (1 if p["hs"] else 0))
        csr = (occ + v) * 4 + v * 8
        arrays = base + KERNEL_RUNTIME + csr + w_in + w_out + v * 20 + 4 * 200_000 * _threads(p) * 2
        stages.append(Stage("kernels loaded", arrays - w_out, "input rows written, compiled-kernel runtime resident"))
        stages.append(Stage("training", arrays - LLVM_RELEASED, f"input rows {format_bytes(w_in)} (words + used "
                                                                f"n-grams), output {format_bytes(w_out)}"))
        # composing the word vectors loads another kernel (LLVM's pages again) after the corpus pages
        # of the epoch have been read: measured as if nothing had been released
        stages.append(Stage("output", arrays + v * d * 4 + (p["bucket"] * 4 if used else 0),
                            f"composed word vectors {format_bytes(v * d * 4)}"))
    else:  # glove
        stages_g, disk_g, notes_g = _glove_stages(model, stats, p, v, n, s)
        stages.extend(stages_g)
        disk += disk_g
        notes.extend(notes_g)
    return stages, disk, notes


def _glove_stages(model: Any, stats: CorpusStats, p: dict[str, Any], v: int, n: int, s: int
                  ) -> tuple[list[Stage], int, list[str]]:
    from ..corpus.cooccurrence import _dense_size, _table_sizes

    d = int(p["vector_size"])
    window = int(p["window"])
    max_product, capacity, fill = _table_sizes(float(p["memory_mb"]), max(v, 1), max(n, 2),
                                               max(stats.max_sentence, 1), window)
    nnz, how = getattr(stats, "glove_nnz", {}).get((v, window, bool(p["symmetric"])), (None, ""))
    dense_pairs = 0  # pairs counted in the dense block, which never pass through the hash table
    if nnz is None:
        nnz, how, dense_pairs = _estimate_glove_nnz(stats, v, window, bool(p["symmetric"]), max_product)
    dense = 8 * _dense_size(max_product, max(v, 1))
    table = capacity * 16 + dense
    pairs = nnz // 2 if p["symmetric"] else nnz
    spills = pairs > fill
    base = _base_import() + KERNEL_RUNTIME + v * VOCAB_BYTES_PER_WORD + 16 * s
    ids = 4 * n if n <= ENCODE_MEMMAP_THRESHOLD else 0
    # hash keys/values and the dense block of frequent pairs, plus the sorted copy drained from the hash
    counting = base + ids + table + 16 * min(max(pairs - dense_pairs, 0), fill)
    coo = nnz * 12
    out = base + ids + (capacity * 16 if spills else 0) + pairs * 16 + (0 if spills else coo)
    train = base - LLVM_RELEASED + coo + nnz * 8 + 4 * v * d * 4 + 4 * v * 4 * 2
    disk = (pairs * 16 * 2 + coo) if spills else 0
    stages = [
        Stage("co-occurrence counting", counting, f"tables {format_bytes(table)} (memory_mb {p['memory_mb']:g})"
              + (", sorted runs spill to disk" if spills else "")),
        Stage("co-occurrence output", out, f"{nnz:,} nonzeros" + (", spilled runs merged on disk" if spills else "")),
        Stage("training", train, f"W, C and AdaGrad sums {format_bytes(4 * v * d * 4)}, nonzeros "
                                 f"{format_bytes(coo + nnz * 8)}"),
        Stage("output", train - nnz * 8 + v * d * 4, "W + C combined"),
    ]
    return stages, disk, [f"GloVe nonzeros {how}"]


def _dense_pairs(rows: np.ndarray, cols: np.ndarray, max_product: int, symmetric: bool) -> int:
    """Pairs of a counted matrix that the dense block of ``max_product`` holds (word ids are
    frequency ranks: row ``r`` holds columns below ``max_product // (r + 1)``)."""
    r = np.minimum(rows, cols).astype(np.int64)
    c = np.maximum(rows, cols).astype(np.int64)
    inside = c < max_product // (r + 1)
    if symmetric:
        inside &= rows <= cols  # each unordered pair once
    return int(inside.sum())


def _estimate_glove_nnz(stats: CorpusStats, v: int, window: int, symmetric: bool, max_product: int = 0
                        ) -> tuple[int, str, int]:
    """Nonzeros of the co-occurrence matrix, and the pairs of them in the dense block of
    ``max_product``: counted exactly on growing prefixes of the (sampled) token stream and
    extrapolated with power laws to the whole corpus (the dense pairs capped by the block's size)."""
    from ..corpus.cooccurrence import _dense_size, count_cooccurrences

    sample = getattr(stats, "id_sample", None)
    if sample is None:
        return int(min(v * v, stats.tokens * window * 2 * 0.3)), "guessed (no token sample)", 0
    ids, offsets = sample
    total_tokens = stats.kept_tokens(1) if not v else None
    keep = ids < v
    sizes = []
    for frac in (0.25, 0.5, 1.0):
        cut = int(np.searchsorted(offsets, offsets[-1] * frac))
        cut = max(cut, 1)
        sub_ids = ids[: offsets[cut]]
        mask = keep[: offsets[cut]]
        lens = np.diff(offsets[: cut + 1])
        seg = np.repeat(np.arange(cut), lens)[mask]
        sub = sub_ids[mask]
        offs = np.concatenate([[0], np.cumsum(np.bincount(seg, minlength=cut))]).astype(np.int64)
        if sub.shape[0] < 2:
            return 0, "no co-occurrences in the sample", 0
        c = count_cooccurrences(sub, offs, v, window=window, symmetric=symmetric, memory_mb=256)
        dense = _dense_pairs(np.asarray(c.rows), np.asarray(c.cols), max_product, symmetric) if frac > 0.25 else 0
        sizes.append((int(offs[-1]), c.nnz, dense))
        c.close()
    n_full = total_tokens if total_tokens is not None else stats.kept_tokens(1, v)
    (n1, z1, d1), (n2, z2, d2) = sizes[1], sizes[2]
    if n2 >= n_full or z2 <= z1:
        return z2, "counted exactly", d2
    b = math.log(z2 / z1) / math.log(n2 / n1)
    est = int(min(z2 * (n_full / n2) ** b, v * v))
    b_dense = math.log(d2 / d1) / math.log(n2 / n1) if d2 > d1 > 0 else 0.0
    dense_est = int(min(d2 * (n_full / n2) ** b_dense, _dense_size(max_product, max(v, 1)), est))
    return est, f"counted on {n2:,} tokens and extrapolated (growth exponent {b:.2f})", dense_est


def _memory(memory: int | str | None) -> tuple[int, str]:
    if memory is None:
        return available_memory(), "available"
    return parse_memory(memory), "given"


def plan(model: Any, corpus: Any = None, *, memory: int | str | None = None, stats: CorpusStats | None = None
         ) -> Plan:
    """Predict the peak memory of ``model.fit(corpus)`` (or from precomputed ``stats``)."""
    method = _method(model)
    model._validate_params()
    if stats is None:
        stats = scan_corpus(corpus)
        if method == "glove":
            _attach_id_sample(stats, corpus)
    p = _params(model)
    v = stats.vocab_size(p["min_count"], p.get("max_vocab_size"))
    mem, source = _memory(memory)
    stages, disk, notes = _stages(model, stats, v)
    result = Plan(method=method, vocab_size=v, tokens=stats.tokens, stages=stages, disk_bytes=disk, memory=mem,
                  memory_source=source, advice=[], notes=list(stats.notes) + notes, sampled=stats.sampled)
    if not result.fits:
        result.advice = _advice(model, stats, mem)
    return result


def _attach_id_sample(stats: CorpusStats, corpus: Any, max_tokens: int = 2_000_000) -> None:
    """Keep the first ``max_tokens`` tokens as ids in frequency order (for GloVe's nonzero estimate)."""
    from ..corpus import Corpus, as_sentences

    if isinstance(corpus, (str, os.PathLike)) or (
        isinstance(corpus, (list, tuple)) and corpus and all(isinstance(c, (str, os.PathLike)) for c in corpus)
    ):
        corpus = Corpus(corpus)
    index = {w: i for i, w in enumerate(stats.words)}
    ids: list[int] = []
    lens = [0]
    for sentence in as_sentences(corpus):
        ids.extend(index.get(w, len(index)) for w in sentence)
        lens.append(len(ids))
        if len(ids) >= max_tokens:
            break
    stats.id_sample = (np.asarray(ids, dtype=np.int64), np.asarray(lens, dtype=np.int64))  # type: ignore[attr-defined]


def _with(model: Any, **changes: Any) -> Any:
    from ..base import clone

    m = clone(model)
    m.set_params(**changes)
    return m


def _advice(model: Any, stats: CorpusStats, mem: int) -> list[str]:
    """Parameter values that bring the predicted peak under ``mem`` (each change alone)."""
    p = _params(model)
    out: list[str] = []

    def peak(m: Any) -> int:
        v = stats.vocab_size(m.min_count, m.max_vocab_size)
        return max(s.bytes for s in _stages(m, stats, v)[0])

    for mc in (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000):
        if mc > p["min_count"]:
            m = _with(model, min_count=mc)
            if peak(m) <= mem:
                out.append(f"min_count={mc} (--min-count {mc}): {stats.vocab_size(mc):,} words, "
                           f"peak {format_bytes(peak(m))}")
                break
    v_now = stats.vocab_size(p["min_count"], p.get("max_vocab_size"))
    lo, hi = 1, v_now
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if peak(_with(model, max_vocab_size=mid)) <= mem:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best is not None and best < v_now:
        best_peak = format_bytes(peak(_with(model, max_vocab_size=best)))
        out.append(f"max_vocab_size={best} (--max-vocab-size {best}): peak {best_peak}")
    for dim in (300, 200, 100, 50, 25):
        if dim < p["vector_size"]:
            m = _with(model, vector_size=dim)
            if peak(m) <= mem:
                out.append(f"vector_size={dim} (--vector-size {dim}): peak {format_bytes(peak(m))}")
                break
    if p.get("output_dtype") == "float32" and p.get("negative", 0) > 0:
        m = _with(model, output_dtype="float16")
        if peak(m) <= mem:
            out.append(f"output_dtype=float16 (--output-dtype float16): output weights in half precision, "
                       f"peak {format_bytes(peak(m))}")
    if "bucket" in p and p["bucket"] > 0:
        for b in (1_000_000, 500_000, 200_000, 100_000, 50_000):
            if b < p["bucket"]:
                m = _with(model, bucket=b)
                if peak(m) <= mem:
                    out.append(f"bucket={b} (--bucket {b}): peak {format_bytes(peak(m))}")
                    break
    if "memory_mb" in p:
        for mb in (512, 256, 128, 64):
            if mb < p["memory_mb"]:
                m = _with(model, memory_mb=float(mb))
                if peak(m) <= mem:
                    out.append(f"memory_mb={mb} (--memory-mb {mb}): counting spills more to disk, "
                               f"peak {format_bytes(peak(m))}")
                    break
    if not out:
        out.append("no single change of min_count, max_vocab_size, vector_size, output_dtype or bucket fits; "
                   "combine them or use a machine with more memory")
    return out


# ---------------------------------------------------------------- the check before training
_OVERCOMMIT = [False]


@contextlib.contextmanager
def allow_overcommit() -> Iterator[None]:
    """Skip :func:`check_training_memory` inside the block (the CLI's ``--force``)."""
    previous = _OVERCOMMIT[0]
    _OVERCOMMIT[0] = True
    try:
        yield
    finally:
        _OVERCOMMIT[0] = previous


def stats_from_vocab(vocab: Any, tokens: int, sentences: int, max_sentence: int) -> CorpusStats:
    """Planner statistics from a built vocabulary (the kept words only)."""
    counts = np.asarray(vocab.counts, dtype=np.int64)
    return CorpusStats(tokens=int(tokens), sentences=int(sentences), types=len(counts), counts=counts,
                       words=list(vocab.words), max_sentence=int(max_sentence), bytes=0)


def check_training_memory(model: Any, vocab: Any, encoded: Any = None, *, nnz: int | None = None,
                          ngram_rows: tuple[int, int] | None = None) -> None:
    """Raise :class:`InsufficientMemoryError` (with advice) when the training stage of ``model``
    is predicted not to fit in the memory available now; no-op inside :func:`allow_overcommit`.
    ``nnz`` (GloVe's co-occurrence count) and ``ngram_rows`` (fastText's n-gram occurrences and
    used rows) are the exact figures when the caller has them already."""
    if _OVERCOMMIT[0] or os.environ.get("EMBEDLAB_FORCE") == "1":
        return
    method = _method(model)
    n = int(encoded.offsets[-1]) if encoded is not None else int(vocab.retained_words)
    s = int(encoded.n_sentences) if encoded is not None else int(vocab.n_sentences)
    stats = stats_from_vocab(vocab, n, s, 10000)
    p = _params(model)
    if method == "glove" and nnz is not None:
        key = (len(vocab), int(p["window"]), bool(p["symmetric"]))
        stats.glove_nnz = {key: (nnz, "counted")}  # type: ignore[attr-defined]
    if ngram_rows is not None:
        stats.ngram_rows = {len(vocab): ngram_rows}  # type: ignore[attr-defined]
    stages, _, _ = _stages(model, stats, len(vocab))
    later = [st for st in stages if st.name in ("training", "output", "subword table")]
    need = max(st.bytes for st in later)
    have = available_memory() + _rss_now()
    if need <= have:
        return
    advice = _advice(model, stats, have)
    raise InsufficientMemoryError(
        f"{type(model).__name__}: training needs about {format_bytes(need)} but {format_bytes(have)} is available; "
        f"try {advice[0]}; or force it (CLI: --force; Python: embedlab.planning.allow_overcommit())"
    )
