"""Loaders for downstream task data, from any path the user gives.

* labelled texts (:func:`load_labelled_texts`): CSV / TSV / JSONL with a text and a label column
  (detected by name or given), fastText ``__label__X text`` files, NLTK corpus zips
  (``movie_reviews``: one document per file in category folders; ``sentence_polarity``,
  ``subjectivity``: one document per line in one file per category), or a folder of category
  sub-folders. SST-2's ``sentence<TAB>label`` TSV is the TSV case.
* retrieval (:func:`load_retrieval`): a folder holding SMART-format documents and queries
  (Cranfield: ``.I/.T/.A/.B/.W``) with TREC or 3-column qrels, or the BEIR layout
  (``corpus.jsonl``, ``queries.jsonl``, ``qrels/test.tsv`` or ``qrels.tsv``).
* sentence pairs with scores (:func:`load_sentence_pairs`): STS-B CSV (tab-separated
  genre, file, year, id, score, s1, s2) or a TSV/CSV/JSONL with sentence1, sentence2, score,
  read by :func:`embedlab.corpus.texts.read_pairs` (the reader of ``finetune``).
* word categories (:func:`load_word_categories`): CSV with ``word`` and ``category`` columns.
* outlier sets (:func:`load_outlier_sets`): 8-8-8 CSV (category, outliers, words as list literals).

Problems in the data are one-line typed errors naming the file and line; recoverable ones
(empty texts, judgements about unknown documents) are dropped and listed in ``warnings``.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .._progress import logger
from ..exceptions import DataError, FormatError, InputFileError

__all__ = [
    "LabelledTexts",
    "RetrievalData",
    "SentencePairs",
    "WordCategories",
    "OutlierSets",
    "load_labelled_texts",
    "load_retrieval",
    "load_sentence_pairs",
    "load_word_categories",
    "load_outlier_sets",
    "split_queries",
    "retrieval_pairs",
    "write_beir_folder",
]

TEXT_COLUMNS = ("text", "sentence", "document", "review", "content", "body", "comment", "tweet", "title")
LABEL_COLUMNS = ("label", "labels", "category", "class", "target", "sentiment", "y")

csv.field_size_limit(2**31 - 1)


@dataclass
class LabelledTexts:
    texts: list[str]
    labels: list[str]
    source: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class RetrievalData:
    doc_ids: list[str]
    docs: list[str]
    query_ids: list[str]
    queries: list[str]
    qrels: dict[str, dict[str, float]]  # query id -> {doc id: graded relevance > 0}
    source: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class SentencePairs:
    s1: list[str]
    s2: list[str]
    scores: list[float]
    source: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class WordCategories:
    words: list[str]
    categories: list[str]
    source: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class OutlierSets:
    names: list[str]
    clusters: list[list[str]]
    outliers: list[list[str]]
    source: str


def _warn(warnings: list[str], msg: str) -> None:
    logger.warning(msg)
    warnings.append(msg)


def _check_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file or folder")
    return p


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise FormatError(f"{path}: looks like a binary file, expected text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _pick(header: list[str], given: str | None, candidates: tuple[str, ...], what: str, path: Path) -> str:
    lower = {h.strip().lower(): h for h in header}
    if given is not None:
        if given in header:
            return given
        raise FormatError(f"{path}: no column '{given}' (columns: {', '.join(header)}); choose an existing {what} column")
    for c in candidates:
        if c in lower:
            return lower[c]
    raise FormatError(
        f"{path}: no {what} column found (columns: {', '.join(header) or 'none'}); "
        f"name it one of {', '.join(candidates)} or choose it ({what}_column=...; CLI --{what}-column NAME)"
    )


def _table_rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row dict) for CSV/TSV/JSONL text."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        rows, header = [], []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(f"{path}:{lineno}: invalid JSON ({exc.msg}); expected one object per line") from None
            if not isinstance(obj, dict):
                raise FormatError(f"{path}:{lineno}: expected a JSON object per line, got {type(obj).__name__}")
            for k in obj:
                if k not in header:
                    header.append(k)
            rows.append((lineno, {k: "" if v is None else str(v) for k, v in obj.items()}))
        return header, rows
    from .texts import sniff_delimiter

    delim = sniff_delimiter(text.split("\n", 1)[0], suffix)
    quoting = csv.QUOTE_NONE if delim == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text), delimiter=delim, quoting=quoting)
    rows = []
    try:
        header = next(reader)
        for row in reader:
            if not row or not any(c.strip() for c in row):
                continue
            rows.append((reader.line_num, dict(zip(header, row))))
    except StopIteration:
        raise DataError(f"{path}: file is empty") from None
    except csv.Error as exc:
        raise FormatError(f"{path}:{reader.line_num}: malformed table ({exc})") from None
    return header, rows


def _fasttext_rows(path: Path, text: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        toks = line.split()
        labs = [t[len("__label__"):] for t in toks if t.startswith("__label__")]
        if not labs:
            raise FormatError(f"{path}:{lineno}: no __label__ prefix; fastText format is '__label__X text'")
        texts.append(" ".join(t for t in toks if not t.startswith("__label__")))
        labels.append(labs[0])
    return texts, labels


def _zip_documents(path: Path) -> tuple[list[str], list[str]]:
    """NLTK corpus zip: category folders of files, or one file per category (one doc per line)."""
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/") and "readme" not in n.lower()]
        names = [n for n in names if not Path(n).name.startswith(".")]
        if not names:
            raise DataError(f"{path}: zip holds no document files")
        parts = [n.split("/") for n in names]
        texts, labels = [], []
        if all(len(p) >= 3 for p in parts):  # root/category/file
            for n, p in zip(names, parts):
                texts.append(_decode(zf.read(n)).strip())
                labels.append(p[-2])
            return texts, labels
        stems = {Path(n).name.split(".")[0] for n in names}
        for n in names:
            fname = Path(n).name
            label = fname.rsplit(".", 1)[-1] if len(stems) == 1 else fname.split(".")[0]
            for line in _decode(zf.read(n)).splitlines():
                texts.append(line.strip())
                labels.append(label)
    return texts, labels


def _folder_documents(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        for f in sorted(q for q in sub.iterdir() if q.is_file()):
            texts.append(_read_text(f).strip())
            labels.append(sub.name)
    if not texts:
        raise InputFileError(f"{path}: folder has no category sub-folders with text files")
    return texts, labels


def load_labelled_texts(
    path: str | os.PathLike[str], *, text_column: str | None = None, label_column: str | None = None
) -> LabelledTexts:
    """Texts and their labels from a CSV/TSV/JSONL, fastText, NLTK zip or category folder.

    Empty texts are dropped with a warning; a missing label is an error naming the line.
    """
    p = _check_file(path)
    warnings: list[str] = []
    if p.is_dir():
        texts, labels = _folder_documents(p)
    elif p.suffix.lower() == ".zip":
        try:
            texts, labels = _zip_documents(p)
        except zipfile.BadZipFile:
            raise FormatError(f"{p}: not a valid zip file") from None
    else:
        raw = _read_text(p)
        if raw.lstrip().startswith("__label__"):
            texts, labels = _fasttext_rows(p, raw)
        else:
            header, rows = _table_rows(p, raw)
            tcol = _pick(header, text_column, TEXT_COLUMNS, "text", p)
            lcol = _pick(header, label_column, LABEL_COLUMNS, "label", p)
            texts, labels = [], []
            for lineno, row in rows:
                label = (row.get(lcol) or "").strip()
                if not label:
                    raise FormatError(f"{p}:{lineno}: empty or missing label in column '{lcol}'")
                texts.append(row.get(tcol) or "")
                labels.append(label)
    keep = [i for i, t in enumerate(texts) if t.strip()]
    if len(keep) < len(texts):
        _warn(warnings, f"{p}: dropped {len(texts) - len(keep)} empty text(s)")
        texts = [texts[i] for i in keep]
        labels = [labels[i] for i in keep]
    if not texts:
        raise DataError(f"{p}: no non-empty texts found")
    return LabelledTexts(texts, labels, str(p), warnings)


# ---------------------------------------------------------------------------------- retrieval
def _parse_smart(path: Path) -> tuple[list[str], list[str]]:
    """SMART records ``.I id`` followed by fields (``.T``, ``.A``, ``.B``, ``.W``); text = T + W."""
    ids: list[str] = []
    texts: list[str] = []
    fields: dict[str, list[str]] = {}
    current = None
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if line.startswith(".I"):
            if ids:
                texts.append(" ".join(fields.get("T", []) + fields.get("W", [])).strip())
            parts = line.split()
            if len(parts) < 2:
                raise FormatError(f"{path}:{lineno}: '.I' without an id")
            ids.append(parts[1])
            fields, current = {}, None
        elif re.match(r"^\.[A-Z]\s*$", line):
            current = line.strip()[1]
        elif current is not None:
            fields.setdefault(current, []).append(line.strip())
        elif line.strip() and not ids:
            raise FormatError(f"{path}:{lineno}: not SMART format (expected a '.I id' line first)")
    if ids:
        texts.append(" ".join(fields.get("T", []) + fields.get("W", [])).strip())
    if not ids:
        raise FormatError(f"{path}: no '.I' records; expected SMART format (.I/.T/.W)")
    return ids, texts


def _parse_qrels(path: Path) -> dict[str, dict[str, float]]:
    """TREC ``qid iter docid rel`` or 3-column ``qid docid rel`` (BEIR tsv with header allowed)."""
    qrels: dict[str, dict[str, float]] = {}
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) == 4:
            qid, _, did, rel = parts
        elif len(parts) == 3:
            qid, did, rel = parts
        else:
            raise FormatError(f"{path}:{lineno}: expected 'qid 0 docid relevance' or 'qid docid relevance'")
        try:
            r = float(rel)
        except ValueError:
            if lineno == 1:
                continue  # header line (query-id corpus-id score)
            raise FormatError(f"{path}:{lineno}: relevance '{rel}' is not a number") from None
        if r > 0:
            qrels.setdefault(_norm_id(qid), {})[_norm_id(did)] = r
    if not qrels:
        raise DataError(f"{path}: no positive relevance judgements")
    return qrels


def _no_interest_pairs(path: Path) -> set[tuple[str, str]]:
    """(query, document) pairs that a 3-column Cranfield ``cranqrel`` marks -1 ("no interest")."""
    pairs = set()
    for line in _read_text(path).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].lstrip("-").isdigit() and int(parts[2]) < 0:
            pairs.add((_norm_id(parts[0]), _norm_id(parts[1])))
    return pairs


def _drop_no_interest(qrels: dict[str, dict[str, float]], used: Path, others: list[Path],
                      warnings: list[str]) -> dict[str, dict[str, float]]:
    """Cranfield's TREC-converted qrels turn the original's -1 ("references of no interest") into
    the top grade; when the original file lies beside it, those judgements are dropped."""
    for other in others:
        bad = _no_interest_pairs(other)
        hits = sum(1 for q, d in bad if d in qrels.get(q, {}))
        if hits:
            _warn(warnings, f"{used}: dropped {hits} judgement(s) that {other.name} marks -1 (no interest)")
            qrels = {q: {d: r for d, r in v.items() if (q, d) not in bad} for q, v in qrels.items()}
    return qrels


def _norm_id(x: str) -> str:
    return str(int(x)) if x.isdigit() else x


def _read_jsonl_texts(path: Path) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    header, rows = _table_rows(path.with_suffix(".jsonl") if path.suffix != ".jsonl" else path, _read_text(path))
    for lineno, row in rows:
        if "_id" not in row and "id" not in row:
            raise FormatError(f"{path}:{lineno}: object has no '_id' or 'id'")
        ids.append(_norm_id(row.get("_id", row.get("id", ""))))
        texts.append(" ".join(x for x in (row.get("title", ""), row.get("text", "")) if x).strip())
    return ids, texts


def load_retrieval(path: str | os.PathLike[str]) -> RetrievalData:
    """Documents, queries and relevance judgements from a folder (SMART/Cranfield or BEIR layout).

    Cranfield numbers its queries ``001, 002, 004 ...`` but its qrels count queries 1..225 in
    file order; when the judged ids only make sense as positions they are mapped by position
    (noted in ``warnings``). Judgements about unknown documents or queries are dropped with a
    warning.
    """
    p = _check_file(path)
    if not p.is_dir():
        raise InputFileError(f"{p}: retrieval data must be a folder with documents, queries and qrels")
    warnings: list[str] = []
    files = sorted(f for f in p.rglob("*") if f.is_file())
    by_name = {f.name: f for f in files}
    if "corpus.jsonl" in by_name and "queries.jsonl" in by_name:
        doc_ids, docs = _read_jsonl_texts(by_name["corpus.jsonl"])
        query_ids, queries = _read_jsonl_texts(by_name["queries.jsonl"])
        qrel_file = next((f for f in files if f.parent.name == "qrels" and f.stem == "test"), None)
        qrel_file = qrel_file or by_name.get("qrels.tsv") or next((f for f in files if f.parent.name == "qrels"), None)
    else:
        doc_file = next((f for f in files if ".all" in f.name or f.name.startswith("docs")), None)
        qry_file = next((f for f in files if f.suffix == ".qry" or f.name.startswith("queries")), None)
        if doc_file is None or qry_file is None:
            raise InputFileError(
                f"{p}: no documents (*.all*, docs*) or queries (*.qry, queries*) file; "
                "expected SMART files + qrels or corpus.jsonl/queries.jsonl/qrels/test.tsv"
            )
        doc_ids, docs = _parse_smart(doc_file)
        query_ids, queries = _parse_smart(qry_file)
        doc_ids, query_ids = [_norm_id(i) for i in doc_ids], [_norm_id(i) for i in query_ids]
        rest = [f for f in files if f not in (doc_file, qry_file) and "qrel" in f.name.lower()]
        four = [f for f in rest if len(_read_text(f).split("\n", 1)[0].split()) == 4]
        qrel_file = (four or rest or [None])[0]
    if qrel_file is None:
        raise InputFileError(f"{p}: no relevance judgements file (qrels)")
    qrels = _parse_qrels(qrel_file)
    if "rest" in locals():
        qrels = _drop_no_interest(qrels, qrel_file, [f for f in rest if f != qrel_file], warnings)
    known_q = set(query_ids)
    positions = {str(i + 1) for i in range(len(query_ids))}
    if not set(qrels) <= known_q and set(qrels) <= positions:
        _warn(warnings, f"{qrel_file}: query ids are positions in the query file (1..{len(query_ids)}); mapped by order")
        qrels = {query_ids[int(q) - 1]: v for q, v in qrels.items()}
    known_d = set(doc_ids)
    unknown_docs = sum(1 for v in qrels.values() for d in v if d not in known_d)
    if unknown_docs:
        _warn(warnings, f"{qrel_file}: dropped {unknown_docs} judgement(s) about unknown document ids")
        qrels = {q: {d: r for d, r in v.items() if d in known_d} for q, v in qrels.items()}
    unknown_q = [q for q in qrels if q not in known_q]
    if unknown_q:
        _warn(warnings, f"{qrel_file}: dropped judgements of {len(unknown_q)} unknown query id(s), e.g. {unknown_q[0]}")
    qrels = {q: v for q, v in qrels.items() if v and q in known_q}
    if not qrels:
        raise DataError(f"{qrel_file}: no judgement refers to a known query and document")
    return RetrievalData(doc_ids, docs, query_ids, queries, qrels, str(p), warnings)


# ---------------------------------------------------------------------------------- sentence pairs
def load_sentence_pairs(path: str | os.PathLike[str]) -> SentencePairs:
    """Scored sentence pairs: STS-B files or a table with sentence1, sentence2, score columns.

    Read by :func:`embedlab.corpus.texts.read_pairs`, the reader of ``embedlab finetune`` and
    ``pairs``: the same delimiter rule and the same STS-B layout for every command.
    """
    from .texts import read_pairs

    p = _check_file(path)
    pairs = read_pairs(p)
    if pairs.scores is None:
        raise FormatError(f"{p}: no score column; sentence similarity needs scored pairs (sentence1, sentence2, "
                          "score columns, or STS-B's genre, file, year, id, score, s1, s2)")
    warnings: list[str] = []
    for w in pairs.warnings:
        _warn(warnings, w)
    if len(pairs) < 3:
        raise DataError(f"{p}: need at least 3 scored sentence pairs; found {len(pairs)}")
    return SentencePairs(pairs.anchors, pairs.positives, pairs.scores, str(p), warnings)


# ---------------------------------------------------------------------------------- word tasks
def load_word_categories(path: str | os.PathLike[str]) -> WordCategories:
    """Words with their category from a CSV/TSV with ``word`` and ``category`` columns."""
    p = _check_file(path)
    header, rows = _table_rows(p, _read_text(p))
    wcol = _pick(header, None, ("word", "words", "term"), "word", p)
    ccol = _pick(header, None, ("category", "class", "label", "cluster"), "category", p)
    words, cats, empty, warnings = [], [], [], []
    for lineno, row in rows:
        w, c = (row.get(wcol) or "").strip(), (row.get(ccol) or "").strip()
        if not w or not c:
            empty.append(lineno)
            continue
        words.append(w)
        cats.append(c)
    if empty:
        _warn(warnings, f"{p}: skipped {len(empty)} row(s) with an empty word or category (first at line {empty[0]})")
    if len(set(cats)) < 2:
        raise DataError(f"{p}: word categorisation needs at least 2 categories; found {len(set(cats))}")
    return WordCategories(words, cats, str(p), warnings)


def _word_list(value: str, path: Path, lineno: int) -> list[str]:
    value = value.strip()
    if value.startswith("["):
        try:
            items = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise FormatError(f"{path}:{lineno}: malformed word list {value[:40]!r}") from None
    else:
        items = re.split(r"[,;|]\s*|\s+", value)
    return [str(w).strip() for w in items if str(w).strip()]


def load_outlier_sets(path: str | os.PathLike[str]) -> OutlierSets:
    """8-8-8-style outlier sets: a CSV with ``category``, ``words`` and ``outliers`` columns."""
    p = _check_file(path)
    header, rows = _table_rows(p, _read_text(p))
    wcol = _pick(header, None, ("words", "cluster"), "words", p)
    ocol = _pick(header, None, ("outliers",), "outliers", p)
    ncol = next((h for h in header if h.lower() in ("category", "name", "topic")), None)
    names, clusters, outliers = [], [], []
    for lineno, row in rows:
        cl, ou = _word_list(row.get(wcol, ""), p, lineno), _word_list(row.get(ocol, ""), p, lineno)
        if len(cl) < 2 or not ou:
            raise FormatError(f"{p}:{lineno}: a set needs >= 2 cluster words and >= 1 outlier")
        names.append(row.get(ncol, str(len(names))) if ncol else str(len(names)))
        clusters.append(cl)
        outliers.append(ou)
    if not clusters:
        raise DataError(f"{p}: no outlier sets found")
    return OutlierSets(names, clusters, outliers, str(p))


# ---------------------------------------------------------------- retrieval splits and pairs
def split_queries(query_ids: list[str], test_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """A seeded split of query ids into (train, test), both in their original order."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_test = int(round(len(query_ids) * test_fraction))
    test = set(rng.permutation(len(query_ids))[:n_test].tolist())
    return ([q for i, q in enumerate(query_ids) if i not in test], [q for i, q in enumerate(query_ids) if i in test])


def retrieval_pairs(data: RetrievalData, query_ids: list[str], min_relevance: float = 1.0) -> tuple[list[str], list[str]]:
    """(query text, relevant document text) for every judgement of ``query_ids`` at ``min_relevance`` or more."""
    qtext = dict(zip(data.query_ids, data.queries))
    dtext = dict(zip(data.doc_ids, data.docs))
    anchors, positives = [], []
    for q in query_ids:
        for doc, rel in data.qrels.get(q, {}).items():
            if rel >= min_relevance and doc in dtext:
                anchors.append(qtext[q])
                positives.append(dtext[doc])
    return anchors, positives


def write_beir_folder(data: RetrievalData, query_ids: list[str], folder: Path) -> None:
    """The documents, ``query_ids`` and their judgements as a BEIR folder, written atomically."""
    import json
    import os
    import shutil
    import tempfile

    from .._fileio import usual_modes

    parent = folder.parent if str(folder.parent) else Path(".")
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    try:
        keep = set(query_ids)
        with open(tmp / "corpus.jsonl", "w", encoding="utf-8") as fh:
            for d, t in zip(data.doc_ids, data.docs):
                fh.write(json.dumps({"_id": d, "text": t}) + "\n")
        with open(tmp / "queries.jsonl", "w", encoding="utf-8") as fh:
            for q, t in zip(data.query_ids, data.queries):
                if q in keep:
                    fh.write(json.dumps({"_id": q, "text": t}) + "\n")
        (tmp / "qrels").mkdir()
        with open(tmp / "qrels" / "test.tsv", "w", encoding="utf-8") as fh:
            fh.write("query-id\tcorpus-id\tscore\n")
            for q in query_ids:
                for d, r in data.qrels.get(q, {}).items():
                    fh.write(f"{q}\t{d}\t{r:g}\n")
        usual_modes(tmp)  # mkdtemp made it 0700
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
