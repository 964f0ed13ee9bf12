"""fastText's binary model format (``.bin``, Facebook fastText 0.9, file version 12) and n-gram-aware npz.

Layout of a ``.bin`` model (little-endian, as fastText's ``FastText::saveModel`` writes it):

* int32 magic ``793712314``, int32 version ``12``;
* Args: int32 ``dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate``,
  float64 ``t``;
* Dictionary: int32 ``size nwords nlabels``, int64 ``ntokens pruneidx_size``, then per entry the
  word bytes, a NUL, int64 count, int8 type (0 word, 1 label); ``pruneidx_size`` int32 pairs;
* bool ``quant``; input matrix: int64 ``rows cols`` then float32 rows (``nwords + bucket`` rows);
* bool ``qout``; output matrix: int64 ``rows cols`` then float32 rows.

Reading keeps the n-gram rows, so vectors of unseen words equal fastText's ``get_word_vector``.
Writing rebuilds each word's own input row from its composed vector
(``row = (1 + k) * vector - sum of its k n-gram rows``) and writes a zero output matrix: fastText
loads the file and gives the same word and out-of-vocabulary vectors, but cannot resume training
from it. Quantized (``.ftz``) and supervised models are refused with a clear error.

:func:`register` wraps the ``.bin`` (word2vec-binary) and ``.npz`` formats of the registry: a
``.bin`` starting with fastText's magic number is read as a fastText model, a
:class:`SubwordKeyedVectors` saved to ``.bin`` is written as one, and npz files keep the n-gram
matrix (extra members ``ngram_vectors.npy``, ``ngram_index.npy``, ``subword.json``).
"""

from __future__ import annotations

import json
import mmap as _mmap
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import FormatError, InvalidParameterError
from ..keyed import KeyedVectors
from ..subword import EOS, SubwordKeyedVectors

__all__ = ["FASTTEXT_MAGIC", "FASTTEXT_VERSION", "read_fasttext_bin", "write_fasttext_bin", "register"]

FASTTEXT_MAGIC = 793712314
FASTTEXT_VERSION = 12
_ARGS = struct.Struct("<12id")
_ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket",
              "minn", "maxn", "lrUpdateRate", "t")
_LOSS = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
_MODEL = {1: "cbow", 2: "skipgram", 3: "supervised"}


def is_fasttext_bin(path: Path) -> bool:
    """True when ``path`` starts with fastText's magic number."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    return len(head) == 4 and struct.unpack("<i", head)[0] == FASTTEXT_MAGIC


class _Reader:
    def __init__(self, path: Path, buf: Any) -> None:
        self.path, self.buf, self.pos = path, buf, 0

    def take(self, fmt: str | struct.Struct, what: str) -> tuple:
        st = fmt if isinstance(fmt, struct.Struct) else struct.Struct("<" + fmt)
        if self.pos + st.size > len(self.buf):
            raise FormatError(f"{self.path}: byte {self.pos}: truncated fastText model while reading {what}")
        out = st.unpack_from(self.buf, self.pos)
        self.pos += st.size
        return out

    def matrix(self, what: str, mmap: bool, skip: bool = False) -> np.ndarray | None:
        (quant,) = self.take("?", f"the {what} quantization flag")
        if quant:
            raise FormatError(f"{self.path}: quantized fastText models (.ftz) are not supported; use the .bin model")
        rows, cols = self.take("2q", f"the {what} matrix shape")
        nbytes = rows * cols * 4
        if rows < 0 or cols < 0 or self.pos + nbytes > len(self.buf):
            raise FormatError(
                f"{self.path}: byte {self.pos}: the {what} matrix ({rows} x {cols}) is truncated; "
                f"{len(self.buf) - self.pos} bytes remain"
            )
        if skip:
            arr = None
        elif mmap:
            arr = np.memmap(self.path, dtype="<f4", mode="r", offset=self.pos, shape=(rows, cols))
        else:
            arr = np.frombuffer(self.buf, dtype="<f4", count=rows * cols, offset=self.pos).reshape(rows, cols).copy()
        self.pos += nbytes
        return arr


def read_fasttext_bin(path: Path, mmap: bool = False) -> SubwordKeyedVectors:
    """Read a fastText ``.bin`` model: word vectors plus the n-gram matrix (OOV words work)."""
    from ...kernels.subword import compose_rows, subword_csr
    from ..subword import wrap_words

    path = Path(path)
    with open(path, "rb") as fh:
        if path.stat().st_size < 8:
            raise FormatError(f"{path}: too short to be a fastText model")
        buf = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_READ)
    try:
        rd = _Reader(path, buf)
        magic, version = rd.take("2i", "the header")
        if magic != FASTTEXT_MAGIC:
            raise FormatError(f"{path}: byte 0: not a fastText model (magic {magic}, expected {FASTTEXT_MAGIC})")
        if version > FASTTEXT_VERSION:
            raise FormatError(f"{path}: fastText file version {version} is newer than the supported {FASTTEXT_VERSION}")
        args = dict(zip(_ARG_NAMES, rd.take(_ARGS, "the training arguments")))
        size, nwords, nlabels = rd.take("3i", "the dictionary header")
        ntokens, pruneidx_size = rd.take("2q", "the dictionary header")
        if nlabels > 0 or args["model"] == 3:
            raise FormatError(f"{path}: supervised fastText models (with labels) are not supported")
        raw_words: list[bytes] = []
        counts = np.empty(nwords, dtype=np.int64)
        for i in range(size):
            end = buf.find(b"\x00", rd.pos)
            if end < 0:
                raise FormatError(f"{path}: byte {rd.pos}: dictionary entry {i + 1} of {size} is truncated")
            word = bytes(buf[rd.pos:end])
            rd.pos = end + 1
            count, kind = rd.take("qb", f"dictionary entry {i + 1}")
            if i < nwords:
                raw_words.append(word)
                counts[i] = count
        if pruneidx_size > 0:
            raise FormatError(f"{path}: pruned (quantized) fastText models are not supported")
        input_matrix = rd.matrix("input", mmap)
        bucket, minn, maxn = args["bucket"], args["minn"], args["maxn"]
        if input_matrix.shape[0] != size + bucket or input_matrix.shape[1] != args["dim"]:
            raise FormatError(
                f"{path}: input matrix is {input_matrix.shape[0]} x {input_matrix.shape[1]}; expected "
                f"{size + bucket} x {args['dim']} (words + bucket)"
            )
        rd.matrix("output", False, skip=True)
    finally:
        del rd
        buf.close()
    # in-vocabulary word vector = mean(word row, n-gram rows), as fastText's getWordVector
    wbuf, woff = wrap_words(raw_words)
    indptr, indices = subword_csr(wbuf, woff, minn, maxn, bucket, size, True)
    vectors = compose_rows(input_matrix, indptr, indices)
    words = [w.decode("utf-8", "surrogateescape") for w in raw_words]
    if EOS.encode() in raw_words:
        eos = raw_words.index(EOS.encode())
        vectors[eos] = input_matrix[eos]
    metadata = {
        "method": "fasttext",
        "source": "fastText .bin",
        "params": {
            "vector_size": args["dim"], "window": args["ws"], "epochs": args["epoch"],
            "min_count": args["minCount"], "negative": args["neg"], "min_n": minn, "max_n": maxn,
            "bucket": bucket, "sample": args["t"],
            "architecture": _MODEL.get(args["model"], str(args["model"])),
            "loss": _LOSS.get(args["loss"], str(args["loss"])),
        },
        "corpus": {"total_words": int(ntokens), "vocabulary": nwords},
        "file_version": version,
    }
    return SubwordKeyedVectors(
        words, vectors, input_matrix[size:], min_n=minn, max_n=maxn, bucket=bucket,
        counts=counts, metadata=metadata,
    )


def write_fasttext_bin(kv: KeyedVectors, tmp: Path, target: Path) -> None:
    """Write ``kv`` (a :class:`SubwordKeyedVectors`) as a fastText version-12 ``.bin`` model."""
    from ...kernels.subword import compose_rows, subword_csr
    from ..subword import wrap_words

    if not isinstance(kv, SubwordKeyedVectors):
        raise InvalidParameterError(
            f"{target}: a fastText .bin model needs n-gram vectors, which these vectors do not have; "
            "save them as .vec (text) or as word2vec-binary (format='word2vec-binary'; CLI --format/--to word2vec-binary)"
        )
    params = kv.metadata.get("params", {}) if isinstance(kv.metadata.get("params"), dict) else {}
    n, dim = len(kv), kv.vector_size
    bucket = kv.bucket if kv.has_subwords else 0
    ngrams = kv.full_ngram_matrix() if bucket else np.zeros((0, dim), np.float32)
    raw_words = [w.encode("utf-8", "surrogateescape") for w in kv.index_to_key]
    if any(b"\x00" in w or not w for w in raw_words):
        raise InvalidParameterError(f"{target}: fastText .bin cannot store empty words or words with NUL bytes")
    # own word rows such that mean(word row, n-gram rows) == the word's vector
    wbuf, woff = wrap_words(raw_words)
    indptr, indices = subword_csr(wbuf, woff, kv.min_n, kv.max_n, bucket, 0, False)
    k = np.diff(indptr).astype(np.float32)[:, None]
    word_rows = np.asarray(kv.vectors, dtype=np.float32) * (k + 1) - compose_rows(ngrams, indptr, indices) * k
    if EOS in kv.key_to_index:
        e = kv.key_to_index[EOS]
        word_rows[e] = kv.vectors[e]
    counts = kv.counts if kv.counts is not None else np.ones(n, dtype=np.int64)
    arch = 1 if params.get("architecture") == "cbow" else 2
    args = _ARGS.pack(
        dim, int(params.get("window", 5)), int(params.get("epochs", 5)), int(params.get("min_count", 1)),
        int(params.get("negative", 5)), 1, 2, arch, bucket, kv.min_n, kv.max_n, 100,
        float(params.get("sample", 1e-4)),
    )
    with open(tmp, "wb") as fh:
        fh.write(struct.pack("<2i", FASTTEXT_MAGIC, FASTTEXT_VERSION))
        fh.write(args)
        fh.write(struct.pack("<3i2q", n, n, 0, int(np.sum(counts)), -1))
        fh.write(b"".join(w + b"\x00" + struct.pack("<qb", int(c), 0) for w, c in zip(raw_words, counts)))
        fh.write(struct.pack("<?2q", False, n + bucket, dim))
        fh.write(word_rows.astype("<f4").tobytes())
        for start in range(0, bucket, 1 << 16):
            fh.write(np.ascontiguousarray(ngrams[start:start + (1 << 16)], dtype="<f4").tobytes())
        fh.write(struct.pack("<?2q", False, n, dim))
        zero_block = np.zeros((min(n, 1 << 14), dim), dtype="<f4").tobytes()
        for start in range(0, n, 1 << 14):
            fh.write(zero_block[: (min(n, start + (1 << 14)) - start) * dim * 4])


# ---------------------------------------------------------------------- npz with n-grams
def _write_npz_subword(base_writer: Any, kv: KeyedVectors, tmp: Path, target: Path) -> None:
    base_writer(kv, tmp, target)
    if not isinstance(kv, SubwordKeyedVectors):
        return
    with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in (("ngram_vectors.npy", np.ascontiguousarray(kv.ngram_vectors, dtype=np.float32)),
                          ("ngram_index.npy", kv.ngram_index if kv.ngram_index is not None else None)):
            if arr is None:
                continue
            with zf.open(name, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, arr, allow_pickle=False)
        zf.writestr("subword.json", json.dumps(kv.subword_config()).encode("utf-8"))


def _read_npz_subword(base_reader: Any, path: Path, mmap: bool = False) -> KeyedVectors:
    from .npz import _memmap_member, _read_member

    kv = base_reader(path, mmap)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if "subword.json" not in names:
            return kv
        try:
            cfg = json.loads(zf.read("subword.json").decode("utf-8"))
            min_n, max_n, bucket = int(cfg["min_n"]), int(cfg["max_n"]), int(cfg["bucket"])
        except (ValueError, KeyError, TypeError) as exc:
            raise FormatError(f"{path}: subword.json is malformed ({exc})") from None
        if "ngram_vectors.npy" not in names:
            raise FormatError(f"{path}: subword.json present but ngram_vectors.npy is missing")
        ngrams = _memmap_member(zf, path, "ngram_vectors.npy") if mmap else None
        if ngrams is None:
            ngrams = _read_member(zf, path, "ngram_vectors.npy")
        index = _read_member(zf, path, "ngram_index.npy") if "ngram_index.npy" in names else None
    try:
        return SubwordKeyedVectors(
            kv.index_to_key, kv.vectors, ngrams, min_n=min_n, max_n=max_n, bucket=bucket,
            ngram_index=index, counts=kv.counts, metadata=kv.metadata,
        )
    except ValueError as exc:
        raise FormatError(f"{path}: {exc}") from None


def register() -> None:
    """Make ``.bin`` and ``.npz`` in the registry fastText/n-gram aware (called by vectors.io)."""
    from . import FORMATS, register_format

    w2v_bin = FORMATS["word2vec-binary"]
    npz = FORMATS["npz"]
    if getattr(w2v_bin.reader, "_fasttext_aware", False):
        return

    def read_bin(path: Path, mmap: bool = False) -> KeyedVectors:
        return read_fasttext_bin(path, mmap) if is_fasttext_bin(path) else w2v_bin.reader(path, mmap)

    def write_bin(kv: KeyedVectors, tmp: Path, target: Path) -> None:
        if isinstance(kv, SubwordKeyedVectors):
            write_fasttext_bin(kv, tmp, target)
        else:
            w2v_bin.writer(kv, tmp, target)

    def read_npz(path: Path, mmap: bool = False) -> KeyedVectors:
        return _read_npz_subword(npz.reader, path, mmap)

    def write_npz(kv: KeyedVectors, tmp: Path, target: Path) -> None:
        _write_npz_subword(npz.writer, kv, tmp, target)

    read_bin._fasttext_aware = True  # type: ignore[attr-defined]
    register_format("word2vec-binary", w2v_bin.suffixes, read_bin, write_bin)
    register_format("npz", npz.suffixes, read_npz, write_npz)
    register_format("fasttext", (".bin",), read_fasttext_bin, write_fasttext_bin)
