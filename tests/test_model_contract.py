"""One contract test over every registered model (scikit-learn's ``test_common.py`` habit).

Every name in :data:`embedlab.models.MODELS` is checked, so a newly registered model is covered
automatically; it needs a small-data recipe in :data:`RECIPES` (a model without one fails here,
it is not skipped). The contract:

* ``__init__`` stores the keyword arguments unchanged and does no work (no validation, no
  learned ``*_`` attributes); every parameter has a default;
* ``get_params`` / ``set_params`` round trip, unknown names raise; ``clone`` is unfitted and equal;
* ``_parameter_constraints`` names real parameters, covers them all, accepts the defaults, its
  search ranges lie inside their intervals, and every out-of-range / unknown / wrong-type value
  raises :class:`InvalidParameterError` at ``fit`` naming the parameter;
* ``fit`` returns ``self`` with ``vectors_`` (finite float32 KeyedVectors, metadata with the
  method and its params), leaving the params unchanged;
* the vectors survive a save/load round trip through every writable format of
  :data:`embedlab.vectors.io.FORMATS`;
* a seed (with one thread) gives identical vectors, another seed different ones;
* epoch callbacks get ``(epoch, elapsed, metrics)`` once per epoch and can stop training.
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab._validation import Callable_, Interval, Options, _satisfies, check_param
from embedlab.base import BaseEmbedder, clone
from embedlab.exceptions import EmbedlabError, InvalidParameterError
from embedlab.models import MODELS, get_model
from embedlab.vectors import KeyedVectors
from embedlab.vectors.io import FORMATS, load_vectors, save_vectors

N_LINES = 300  # lines of the bundled sample corpus every word model trains on


@dataclass(frozen=True)
class Recipe:
    """How to fit a model quickly: small hyperparameters and which data (``"corpus"``/``"table"``)."""

    params: dict[str, Any]
    data: str
    randomized: bool = True  # does ``random_state`` change the result?
    seed_param: str = "random_state"
    epochs_param: str = "epochs"  # implicit's models call it ``iterations``


_QUIET = {"show_progress": False}
RECIPES: dict[str, Recipe] = {
    "word2vec": Recipe(dict(vector_size=12, epochs=2, min_count=2, window=3, random_state=1, n_threads=1, **_QUIET),
                       "corpus"),
    "fasttext": Recipe(dict(vector_size=12, epochs=2, min_count=2, window=3, bucket=5000, random_state=1,
                            n_threads=1, **_QUIET), "corpus"),
    "glove": Recipe(dict(vector_size=12, epochs=2, min_count=2, window=3, random_state=1, n_threads=1,
                         memory_mb=64.0, **_QUIET), "corpus"),
    "ppmi-svd": Recipe(dict(vector_size=8, min_count=2, window=3, sample=1e-3, random_state=1, memory_mb=64.0,
                            **_QUIET), "corpus"),
    "pca": Recipe(dict(n_components=3, random_state=1), "table", randomized=False),
    "popularity": Recipe(dict(weighting="count"), "interactions", randomized=False, seed_param="weighting"),
    "itemknn": Recipe(dict(n_neighbors=20), "interactions", randomized=False, seed_param="n_neighbors"),
    "ease": Recipe(dict(l2=50.0), "interactions", randomized=False, seed_param="l2"),
    "als": Recipe(dict(factors=8, iterations=3, random_state=1, n_threads=1, **_QUIET), "interactions",
                  epochs_param="iterations"),
    "bpr": Recipe(dict(factors=8, iterations=5, random_state=1, n_threads=1, **_QUIET), "interactions",
                  epochs_param="iterations"),
    "item2vec": Recipe(dict(vector_size=8, epochs=2, random_state=1, n_threads=1, **_QUIET), "interactions"),
    "supervised": Recipe(dict(vector_size=12, epochs=2, word_ngrams=2, bucket=5000, random_state=1, n_threads=1,
                              **_QUIET), "labelled"),
    "node2vec": Recipe(dict(vector_size=8, walk_length=8, walks_per_node=2, window=3, p=0.5, q=2.0, sample=0.0,
                            random_state=1, n_threads=1, **_QUIET), "graph"),
    "deepwalk": Recipe(dict(vector_size=8, walk_length=8, walks_per_node=2, window=3, sample=0.0, random_state=1,
                            n_threads=1, **_QUIET), "graph"),
    "graphsage": Recipe(dict(vector_size=8, hidden_size=8, input_size=8, epochs=2, batch_size=128, random_state=1,
                             n_threads=1, **_QUIET), "attributed"),
    "gcn": Recipe(dict(vector_size=8, epochs=3, random_state=1, n_threads=1, **_QUIET), "attributed"),
    "cnn": Recipe(dict(size=8, widths=(4,), embedding_dim=4, epochs=2, patience=5, batch_size=16, random_state=1,
                       n_threads=1, **_QUIET), "images"),
}

NAMES = sorted(MODELS)


def recipe_for(name: str) -> Recipe:
    if name not in RECIPES:
        pytest.fail(f"model {name!r} is registered in MODELS but has no small-data recipe in "
                    "tests/test_model_contract.py RECIPES; add one so the contract covers it")
    return RECIPES[name]


# ---------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def sentences() -> list[list[str]]:
    from embedlab.corpus import Corpus, sample_corpus_path

    return list(itertools.islice(iter(Corpus(sample_corpus_path())), N_LINES))


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.datasets import load_wine

    path = tmp_path_factory.mktemp("table") / "wine.csv"
    load_wine(as_frame=True).frame.drop(columns=["target"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def interactions() -> Any:
    """Synthetic baskets: 300 users, each drawing items from one of four item groups."""
    from embedlab.corpus.interactions import from_baskets

    rng = np.random.default_rng(0)
    groups = np.arange(60).reshape(4, 15)
    return from_baskets([[f"i{x}" for x in rng.choice(groups[rng.integers(4)], size=rng.integers(2, 9), replace=False)]
                         for _ in range(300)])


@pytest.fixture(scope="module")
def labelled(sentences: list[list[str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fastText-format labelled lines: is the verse about the lord?"""
    path = tmp_path_factory.mktemp("labelled") / "verses.txt"
    lines = [f"__label__{'lord' if 'lord' in s else 'other'} {' '.join(s)}" for s in sentences]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _small_graph(attributed: bool) -> Any:
    """Two 20-node communities (graph models); with features, labels and a split (GNNs)."""
    from scipy import sparse

    from embedlab.corpus.graph import Graph, PlanetoidData

    rng = np.random.default_rng(0)
    group = np.repeat([0, 1], 20)
    pairs = [(i, j) for i in range(40) for j in range(i + 1, 40) if rng.random() < (0.3 if group[i] == group[j] else 0.03)]
    g = Graph.from_edges(np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]), [f"v{i}" for i in range(40)])
    if not attributed:
        return g
    X = sparse.csr_matrix(np.hstack([np.eye(2)[group], rng.random((40, 4))]).astype(np.float32))
    return PlanetoidData(g, X, group, np.array([0, 1, 20, 21]), np.arange(2, 10), np.arange(22, 40), "toy")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An .npz of 60 8x8 digits of three classes (scikit-learn's bundled set)."""
    from sklearn.datasets import load_digits

    digits = load_digits(n_class=3)
    path = tmp_path_factory.mktemp("images") / "digits.npz"
    np.savez(path, images=digits.images[:60], labels=digits.target[:60])
    return path


@pytest.fixture
def data_for(sentences: list[list[str]], table: Path, interactions: Any, labelled: Path,
             images: Path) -> Callable[[str], Any]:
    def get(name: str) -> Any:
        kind = recipe_for(name).data
        if kind == "images":
            pytest.importorskip("torch", reason="the 'images' extra is not installed")
            return images
        if kind in ("graph", "attributed"):
            if kind in ("attributed",):
                pytest.importorskip("torch_geometric", reason="the 'graph' extra is not installed")
            return _small_graph(kind == "attributed")
        data = {"corpus": sentences, "table": table, "interactions": interactions, "labelled": labelled}
        return data[kind]

    return get


_FITTED: dict[str, BaseEmbedder] = {}


@pytest.fixture
def fitted(data_for: Callable[[str], Any]) -> Callable[[str], BaseEmbedder]:
    """The model fitted once with its recipe (shared by the read-only checks)."""

    def get(name: str) -> BaseEmbedder:
        if name not in _FITTED:
            _FITTED[name] = get_model(name)(**recipe_for(name).params).fit(data_for(name))
        return _FITTED[name]

    return get


def _learned(model: BaseEmbedder) -> list[str]:
    return sorted(a for a in vars(model) if a.endswith("_") and not a.startswith("_"))


# ---------------------------------------------------------------------------- params
@pytest.mark.parametrize("name", NAMES)
def test_init_stores_params_unchanged_and_does_no_work(name):
    cls = get_model(name)
    params = recipe_for(name).params
    assert cls.name == name, f"{cls.__name__}.name is {cls.name!r}, registered as {name!r}"
    signature = inspect.signature(cls.__init__).parameters
    missing = [p for p, s in signature.items() if p != "self" and s.default is inspect.Parameter.empty]
    assert not missing, f"{cls.__name__}: parameters without a default: {missing}"
    assert all(s.kind is not s.VAR_KEYWORD and s.kind is not s.VAR_POSITIONAL for s in signature.values())

    default = cls()
    assert default.get_params() == {p: s.default for p, s in signature.items() if p != "self"}
    model = cls(**params)
    got = model.get_params()
    assert set(got) == set(signature) - {"self"}
    for key, value in params.items():
        assert got[key] is value, f"{cls.__name__}: __init__ changed {key}={value!r} into {got[key]!r}"
    assert _learned(model) == [] and not model.is_fitted
    # no validation in __init__: a nonsense value is stored as given (fit rejects it)
    marker = object()
    odd = cls(**{p: marker for p in got})
    assert all(v is marker for v in odd.get_params().values())


@pytest.mark.parametrize("name", NAMES)
def test_set_params_round_trip_and_unknown_name(name):
    cls = get_model(name)
    model = cls()
    params = recipe_for(name).params
    assert model.set_params(**params) is model
    assert model.get_params() == cls(**params).get_params()
    assert cls().set_params(**model.get_params()).get_params() == model.get_params()
    with pytest.raises(InvalidParameterError, match=r"unknown parameter 'no_such_param'.*valid parameters: "):
        model.set_params(no_such_param=1)
    assert model.get_params() == cls(**params).get_params()


@pytest.mark.parametrize("name", NAMES)
def test_clone_is_unfitted_with_equal_params(name, fitted):
    model = fitted(name)
    copy = clone(model)
    assert type(copy) is type(model) and copy is not model
    assert copy.get_params() == model.get_params()
    assert _learned(copy) == [] and not copy.is_fitted
    assert model.is_fitted  # cloning leaves the original alone
    other = clone(model, **{recipe_for(name).seed_param: 99})
    assert other.get_params()[recipe_for(name).seed_param] == 99


@pytest.mark.parametrize("name", NAMES)
def test_constraints_table(name):
    cls = get_model(name)
    constraints = cls._parameter_constraints
    names = set(cls._get_param_names())
    assert set(constraints) <= names, f"constraints for non-parameters: {sorted(set(constraints) - names)}"
    assert names <= set(constraints), f"parameters without constraints: {sorted(names - set(constraints))}"
    for param, value in cls().get_params().items():
        check_param(param, value, constraints[param], cls.__name__)  # every default is valid
    for param, options in constraints.items():
        for c in options:
            assert c is None or isinstance(c, (Interval, Options, Callable_, type)), (param, c)
            if isinstance(c, Interval) and c.search is not None:
                lo, hi = c.search
                assert lo <= hi, f"{param}: search range {c.search} is reversed"
                assert c.is_satisfied_by(lo) and c.is_satisfied_by(hi), (
                    f"{param}: search range {c.search} is not inside {c}"
                )
                assert not c.log or lo > 0, f"{param}: a log-scale search range must be positive"


def _invalid_values(constraints: list[Any]) -> list[Any]:
    """Values outside each Interval, unknown Options values, wrong types; none satisfies any constraint."""
    values: list[Any] = [object()]
    for c in constraints:
        if isinstance(c, Interval):
            step = 1 if c.type is int else 0.5
            if c.low is not None:
                values.append(c.type(c.low) if c.closed in ("right", "neither") else c.type(c.low - step))
            if c.high is not None:
                values.append(c.type(c.high) if c.closed in ("left", "neither") else c.type(c.high + step))
            values.append(float("nan") if c.type is float else 2.5)
            values.append("3")
        elif isinstance(c, Options):
            values.append("__not_an_option__")
        elif c is bool:
            values.append("yes")
    return [v for v in values if not any(_satisfies(c, v) for c in constraints)]


@pytest.mark.parametrize("name", NAMES)
def test_invalid_params_raise_at_fit_naming_the_parameter(name, data_for):
    cls = get_model(name)
    recipe = recipe_for(name)
    data = data_for(name)
    checked = 0
    for param, constraints in cls._parameter_constraints.items():
        for bad in _invalid_values(constraints):
            model = cls(**{**recipe.params, param: bad})  # no error here: __init__ does not validate
            with pytest.raises(InvalidParameterError, match=re.escape(f"'{param}'")) as info:
                model.fit(data)
            assert "\n" not in str(info.value), f"{param}={bad!r}: error message is not one line"
            assert not model.is_fitted
            checked += 1
    assert checked >= len(cls._parameter_constraints)


# ---------------------------------------------------------------------------- fit
@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_with_finite_float32_vectors_and_metadata(name, data_for):
    cls = get_model(name)
    params = recipe_for(name).params
    model = cls(**params)
    data = data_for(name)
    before = [list(s) for s in data] if isinstance(data, list) else None
    assert model.fit(data) is model
    assert before is None or data == before, "fit modified its input"
    _FITTED.setdefault(name, model)
    assert model.get_params() == cls(**params).get_params(), "fit changed the hyperparameters"
    kv = model.vectors_
    assert isinstance(kv, KeyedVectors) and len(kv) > 10
    assert kv.vectors.dtype == np.float32 and kv.vectors.ndim == 2 and kv.vectors.shape[0] == len(kv)
    assert np.isfinite(kv.vectors).all() and np.abs(kv.vectors).max() > 0
    assert len(set(kv.index_to_key)) == len(kv)
    meta = kv.metadata
    assert meta["method"] == name
    assert isinstance(meta["params"], dict)
    for key, value in params.items():
        assert meta["params"][key] == value, f"metadata params[{key!r}] = {meta['params'].get(key)!r}"
    json.dumps(meta)  # JSON-safe (npz stores it as JSON)
    assert "vectors_" in _learned(model)


def _path_for(tmp: Path, fmt: Any) -> Path:
    return tmp / f"vectors{fmt.suffixes[0] if fmt.suffixes else '.txt'}"


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip_in_every_format(name, fitted, tmp_path):
    kv = fitted(name).vectors_
    written = []
    for fmt in FORMATS.values():
        folder = tmp_path / fmt.name
        folder.mkdir()
        path = _path_for(folder, fmt)
        try:
            save_vectors(kv, path, format=fmt.name)
        except EmbedlabError as exc:  # a format that cannot hold these vectors refuses cleanly
            assert "\n" not in str(exc) and not path.exists() and not list(folder.iterdir()), fmt.name
            continue
        back = load_vectors(path, format=fmt.name)
        assert back.index_to_key == kv.index_to_key, fmt.name
        assert back.vectors.shape == kv.vectors.shape, fmt.name
        # npz and binary formats are exact; text keeps 9 significant digits (float32-exact);
        # fastText .bin rebuilds word rows from n-grams (float rounding)
        scale = float(np.abs(kv.vectors).max())
        np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6, atol=1e-6 * scale, err_msg=fmt.name)
        written.append(fmt.name)
    assert {"npz", "word2vec", "word2vec-binary"} <= set(written), written


# ---------------------------------------------------------------------------- randomness
@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_vectors(name, data_for, fitted):
    cls = get_model(name)
    recipe = recipe_for(name)
    params = dict(recipe.params)
    if "n_threads" in cls._get_param_names():
        params["n_threads"] = 1
    first = fitted(name) if params == recipe.params else cls(**params).fit(data_for(name))
    again = cls(**params).fit(data_for(name))
    assert again.vectors_.index_to_key == first.vectors_.index_to_key
    np.testing.assert_array_equal(again.vectors_.vectors, first.vectors_.vectors)
    refit = again.fit(data_for(name)).vectors_.vectors  # refitting starts afresh: no state carried over
    np.testing.assert_array_equal(refit, first.vectors_.vectors)
    if recipe.randomized:
        other = cls(**{**params, recipe.seed_param: params[recipe.seed_param] + 1}).fit(data_for(name))
        a, b = other.vectors_.vectors, first.vectors_.vectors
        assert a.shape != b.shape or not np.allclose(a, b), "a different seed gave the same vectors"


# ---------------------------------------------------------------------------- callbacks
@pytest.mark.parametrize("name", NAMES)
def test_epoch_callbacks_once_per_epoch_and_early_stop(name, data_for):
    cls = get_model(name)
    if "callbacks" not in cls._get_param_names():
        assert "epochs" not in cls._get_param_names(), f"{cls.__name__} trains in epochs but takes no callbacks"
        return  # no epochs to report (e.g. SVD, PCA)
    params = {**recipe_for(name).params, recipe_for(name).epochs_param: 3}
    calls: list[tuple[int, float, dict[str, Any]]] = []

    def record(epoch: int, elapsed: float, metrics: dict[str, Any]) -> None:
        calls.append((epoch, elapsed, metrics))

    model = cls(**params, callbacks=[record]).fit(data_for(name))
    assert [c[0] for c in calls] == [1, 2, 3]
    elapsed = [c[1] for c in calls]
    assert all(isinstance(e, float) and e >= 0 for e in elapsed) and elapsed == sorted(elapsed)
    assert all(isinstance(m, dict) and math.isfinite(m["loss"]) for _, _, m in calls)
    if hasattr(model, "loss_history_"):
        assert [m["loss"] for _, _, m in calls] == pytest.approx(list(model.loss_history_))

    stops: list[int] = []

    def stop_after_first(epoch: int, elapsed: float, metrics: dict[str, Any]) -> bool:
        stops.append(epoch)
        return True

    single = cls(**params, callbacks=stop_after_first)  # a bare callable works too
    single.fit(data_for(name))
    assert stops == [1] and single.is_fitted
    if hasattr(single, "loss_history_"):
        assert len(single.loss_history_) == 1
    assert np.isfinite(single.vectors_.vectors).all()
