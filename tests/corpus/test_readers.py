"""Readers and tokenizers: formats, directories, re-iteration, bad input."""

from __future__ import annotations

import bz2
import gzip
import os
from pathlib import Path

import pytest

from embedlab.corpus import Corpus, as_sentences, sample_corpus_path, tokenize
from embedlab.corpus.readers import SAMPLE_KJV_LINES
from embedlab.exceptions import DataError, FormatError, InputFileError, InvalidParameterError

TEXT = "The cat sat on the mat.\nDon't PANIC: 42 cats!\n\nÉté à Zürich, ΑΘΗΝΑ\n"
TOKENS = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["don't", "panic", "42", "cats"],
    ["été", "à", "zürich", "αθηνα"],
]


def write(path: Path, text: str = TEXT, encoding: str = "utf-8") -> Path:
    data = text.encode(encoding)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    elif path.suffix == ".bz2":
        path.write_bytes(bz2.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["c.txt", "c.txt.gz", "c.txt.bz2"])
def test_formats_and_reiteration(tmp_path: Path, name: str) -> None:
    corpus = Corpus(write(tmp_path / name))
    assert list(corpus) == TOKENS
    assert list(corpus) == TOKENS  # second pass re-reads the file
    assert list(corpus.iter_lines()) == TEXT.split("\n")[:-1]


def test_tokenizer_options(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt")
    assert list(Corpus(path, lowercase=False))[1] == ["Don't", "PANIC", "42", "cats"]
    assert list(Corpus(path, tokenizer="whitespace"))[0] == ["the", "cat", "sat", "on", "the", "mat."]
    assert list(Corpus(path, tokenizer="whitespace", lowercase=False))[1] == ["Don't", "PANIC:", "42", "cats!"]


@pytest.mark.parametrize(
    "line",
    [
        "plain lowercase words only",
        "Mixed Case Words",
        "new_york city's o’clock — dash, comma.",
        "naïve café 1990s",
        "a\tb  c\u00a0d",
        "",
        "'Tis the Lords' house, rock'n'roll; don''t (it's) 'quoted' x'-y",
        "e-mail: a.b@c.org, 3.14 + $5 = #tag [x] {y} <z> ~ ^ | \\",
        "Москва́ и Санкт-Петербург, 東京都 ١٢٣",
    ],
)
def test_fast_path_equals_regex(line: str) -> None:
    from embedlab.corpus.tokenize import word_pattern

    assert tokenize(line) == word_pattern().findall(line.lower())
    assert tokenize(line, lowercase=False) == word_pattern().findall(line)


def test_combining_marks_stay_in_words() -> None:
    # Python's \w alone would cut these words at their vowel signs / combining accents
    assert tokenize("नमस्ते दुनिया! ภาษาไทย, Москва\u0301.") == ["नमस्ते", "दुनिया", "ภาษาไทย", "москва\u0301"]
    assert tokenize("l'été “quoted” — rock’n’roll") == ["l'été", "quoted", "rock’n’roll"]


def test_crlf_and_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"\xef\xbb\xbfhello world\r\nsecond line\r\n")
    corpus = Corpus(path, tokenizer="whitespace")
    assert list(corpus) == [["hello", "world"], ["second", "line"]]
    assert list(corpus.iter_lines()) == ["hello world", "second line"]


def test_latin1_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "café crème\n", encoding="latin-1")
    assert list(Corpus(path, encoding="latin-1")) == [["café", "crème"]]
    assert list(Corpus(path, errors="replace")) == [["caf", "cr", "me"]]


def test_utf16_with_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "hello world\nsecond line\n", encoding="utf-16")
    assert list(Corpus(path, encoding="utf-16")) == [["hello", "world"], ["second", "line"]]


def test_multiple_files_and_directory(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", "one two\n")
    (tmp_path / "sub").mkdir()
    b = write(tmp_path / "sub" / "b.txt.gz", "three\n")
    write(tmp_path / "sub" / "c.de", "vier\n")  # language suffix: still text
    write(tmp_path / ".hidden.txt", "hidden\n")
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".git" / "x.txt", "hidden\n")
    (tmp_path / "vectors.npy").write_bytes(b"\x93NUMPY\x00\x00")
    (tmp_path / "blob.dat").write_bytes(b"abc\x00def")
    assert list(Corpus([b, a])) == [["three"], ["one", "two"]]
    corpus = Corpus(tmp_path)
    assert [p.name for p in corpus.files] == ["a.txt", "b.txt.gz", "c.de"]
    assert list(corpus) == [["one", "two"], ["three"], ["vier"]]


def test_as_sentences(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt")
    assert list(as_sentences(path)) == TOKENS
    assert list(as_sentences(str(path))) == TOKENS
    assert list(as_sentences([path, path])) == TOKENS + TOKENS
    corpus = Corpus(path)
    assert as_sentences(corpus) is corpus
    sents = [["a", "b"], ["c"]]
    assert as_sentences(sents) is sents
    with pytest.raises(InvalidParameterError, match="one-shot iterator"):
        as_sentences(iter(sents))
    with pytest.raises(InvalidParameterError, match="token lists"):
        as_sentences([1, 2])
    with pytest.raises(InputFileError, match="no such file"):
        as_sentences(["the cat sat", "on the mat"])
    with pytest.raises(DataError, match="empty"):
        as_sentences([])


def test_sample_corpus() -> None:
    path = sample_corpus_path()
    assert path.name == "sample_corpus.txt.gz" and path.is_file()
    assert path.stat().st_size < 6_000_000  # package data stays small
    corpus = Corpus(path)
    first = next(iter(corpus))
    assert first == ["in", "the", "beginning", "god", "created", "the", "heaven", "and", "the", "earth"]
    lines = list(corpus.iter_lines())
    # every verse of the KJV, one per line, then one line per WordNet noun/verb synset (data/SOURCES.md)
    assert lines[SAMPLE_KJV_LINES - 1].startswith("The grace of our Lord Jesus Christ be with you all.")
    assert lines[SAMPLE_KJV_LINES].startswith("entity: that which is perceived")
    assert len(lines) == SAMPLE_KJV_LINES + 95_882


def test_sample_corpus_covers_the_bundled_benchmarks() -> None:
    """The quickstart's table means something: >= 80% of WordSim353 pairs (and SimLex-999's) have
    both words at least min_count=5 times (the KJV alone: 13.6% and 25.6%)."""
    from collections import Counter

    from embedlab.evaluation.datasets import load_similarity

    counts: Counter = Counter()
    for sentence in Corpus(sample_corpus_path()):
        counts.update(sentence)
    assert 2_200_000 < sum(counts.values()) < 2_300_000
    for name, floor in (("wordsim353", 0.8), ("simlex999", 0.9)):
        ds = load_similarity(name)
        covered = sum(counts[a.lower()] >= 5 and counts[b.lower()] >= 5 for a, b in zip(ds.word1, ds.word2))
        assert covered / len(ds) >= floor, (name, covered / len(ds))


def test_sample_corpus_is_reproducible() -> None:
    import importlib.util
    import shutil

    if shutil.which("bible") is None:
        pytest.skip("the Debian 'bible' program (packages bible-kjv, bible-kjv-text) is not installed")
    if not Path("/usr/share/wordnet/data.noun").is_file():
        pytest.skip("Debian's 'wordnet-base' package is not installed")
    script = Path(__file__).resolve().parents[2] / "scripts" / "make_sample_corpus.py"
    spec = importlib.util.spec_from_file_location("make_sample_corpus", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.sample_lines() == list(Corpus(sample_corpus_path()).iter_lines())


# --- bad input ------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"nope\.txt: no such file"):
        Corpus(tmp_path / "nope.txt")
    with pytest.raises(InputFileError, match="no corpus path"):
        Corpus([])


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as root too (CI does): root reads a mode-0 file, so there the read permission is
    denied as the kernel denies it to another user (os.access says no)."""
    path = write(tmp_path / "c.txt")
    path.chmod(0)
    if os.geteuid() == 0:
        real_access = os.access

        def access(p, mode, *args, **kwargs):
            return False if Path(p) == path and mode & os.R_OK else real_access(p, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    with pytest.raises(InputFileError, match="permission denied"):
        Corpus(path)


def test_file_unreadable_when_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that passes the access check but whose open is refused (permissions changed after
    the corpus was made, or root on a root-squashed mount) also gives one permission-denied line."""
    from embedlab.corpus import readers

    path = write(tmp_path / "c.txt")
    corpus = Corpus(path)

    def refuse(p, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(readers, "open", refuse, raising=False)
    with pytest.raises(InputFileError, match=r"c\.txt: permission denied"):
        list(corpus)


def test_directory_without_text(tmp_path: Path) -> None:
    (tmp_path / "x.npz").write_bytes(b"PK\x03\x04")
    (tmp_path / "y.dat").write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputFileError, match=r"no readable text files \(2 other"):
        Corpus(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputFileError, match="no readable text files"):
        Corpus(empty)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "... !!! ---\n"])
def test_empty_or_blank_corpus(tmp_path: Path, text: str) -> None:
    corpus = Corpus(write(tmp_path / "c.txt", text))
    with pytest.raises(DataError, match=r"c\.txt: the corpus is empty or blank"):
        list(corpus)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"hello\nwor\x00ld\n")
    with pytest.raises(FormatError, match=r"c\.txt: binary data \(NUL byte at byte offset 9\)"):
        list(Corpus(path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_without_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.txt"
    data = "hello world\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    with pytest.raises(FormatError, match=r"c\.txt: .*(byte-order mark|NUL byte).*--encoding"):
        list(Corpus(path))


def test_non_utf8_bytes_offset(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"first line\nsecond caf\xe9 line\n")
    with pytest.raises(FormatError, match=r"c\.txt: line 2, byte offset 21: cannot decode as utf-8.*errors='replace'.*--errors replace"):
        list(Corpus(path))


def test_non_utf8_offset_past_first_block(tmp_path: Path) -> None:
    from embedlab.corpus.readers import BLOCK_BYTES

    line = b"word " * 20 + b"\n"  # 101 bytes
    n_lines = BLOCK_BYTES // len(line) + 5
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(line * n_lines + b"ab\xffcd\n"))
    offset = len(line) * n_lines + 2
    with pytest.raises(FormatError, match=rf"c\.txt\.gz: line {n_lines + 1}, uncompressed byte offset {offset}:"):
        list(Corpus(path))


@pytest.mark.parametrize(("suffix", "compress"), [(".gz", gzip.compress), (".bz2", bz2.compress)])
def test_truncated_or_corrupt_compressed(tmp_path: Path, suffix: str, compress: object) -> None:
    data = compress(("some words here\n" * 5000).encode())  # type: ignore[operator]
    path = tmp_path / f"c.txt{suffix}"
    path.write_bytes(data[: len(data) // 2])
    corpus = Corpus(path)
    with pytest.raises(FormatError, match=rf"c\.txt\{suffix}: compressed file is truncated or corrupt"):
        list(corpus)
    path.write_bytes(b"not compressed at all")
    with pytest.raises(FormatError, match=rf"c\.txt\{suffix}: compressed file is truncated or corrupt"):
        list(corpus)


def test_invalid_parameters(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt")
    with pytest.raises(InvalidParameterError, match="'tokenizer' must be one of"):
        Corpus(path, tokenizer="bpe")
    with pytest.raises(InvalidParameterError, match="'encoding' must be a known text encoding"):
        Corpus(path, encoding="utf-9")
    with pytest.raises(InvalidParameterError, match="'errors' must be one of"):
        Corpus(path, errors="skip")


def test_memory_does_not_grow_with_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracemalloc

    import embedlab.corpus.readers as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", 1 << 14)
    path = tmp_path / "big.txt"
    path.write_bytes(b"".join(b"line %d of the corpus with some words\n" % i for i in range(15_000)))
    corpus = Corpus(path)
    tracemalloc.start()
    try:
        n_tokens = sum(len(s) for s in corpus)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n_tokens == 15_000 * 8
    assert peak < 300_000  # the 600 kB file is never held at once (peak ~150 kB: one block)


@pytest.mark.parametrize("block", [1, 5, 7, 64])
def test_lines_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    import embedlab.corpus.readers as readers

    monkeypatch.setattr(readers, "BLOCK_BYTES", block)
    text = "a long first line with ünïcödé\r\n\nzweite Zeile €\nno final newline"
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode("utf-8"))
    assert list(Corpus(path).iter_lines()) == ["a long first line with ünïcödé", "", "zweite Zeile €", "no final newline"]
    path.write_bytes(b"ok line\nbad \xff here\n")
    with pytest.raises(FormatError, match=r"line 2, byte offset 12:"):
        list(Corpus(path))
