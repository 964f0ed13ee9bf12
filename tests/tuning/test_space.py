"""Search spaces: defaults from the constraints, dicts and TOML files, and their errors."""

from __future__ import annotations

import optuna
import pytest

from embedlab.exceptions import FormatError, InputFileError, InvalidParameterError
from embedlab.models.word2vec import Word2Vec
from embedlab.tuning.space import ParamSpec, default_space, grid_values, load_space, make_space, suggest


def test_default_space_follows_the_constraints():
    space = default_space(Word2Vec())
    assert space["alpha"].log and space["sample"].log  # learning rate and sample on a log scale
    assert not space["window"].log and space["window"].type == "int"
    assert space["architecture"].type == "categorical"
    assert set(space["architecture"].choices) == {"skipgram", "cbow"}
    for name, ps in space.items():  # every default range is valid for the model
        for value in (ps.choices or (ps.low, ps.high)):
            Word2Vec(**{name: value})._validate_params()


def test_toml_space_round_trip(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(
        "[params.window]\nlow = 2\nhigh = 10\n\n"
        "[params.alpha]\nlow = 0.005\nhigh = 0.1\nlog = true\n\n"
        "[params.architecture]\nchoices = [\"skipgram\", \"cbow\"]\n\n"
        "[params.vector_size]\ntype = \"int\"\nlow = 50\nhigh = 150\nstep = 50\n"
    )
    space = load_space(path, Word2Vec)
    assert space["window"] == ParamSpec("window", "int", 2, 10)
    assert space["alpha"].log and space["alpha"].type == "float"
    assert space["architecture"].choices == ("skipgram", "cbow")
    assert grid_values(space["vector_size"]) == [50, 100, 150]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(20):
        params = suggest(study.ask(), space)
        assert 2 <= params["window"] <= 10 and 0.005 <= params["alpha"] <= 0.1
        assert params["vector_size"] in (50, 100, 150)
        Word2Vec(**params)._validate_params()


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("[params.windw]\nlow = 2\nhigh = 10\n", r"space\.toml: \[params\.windw\]: unknown parameter 'windw'"),
        ("[params.window]\nlow = 5\nhigh = 5\n", r"space\.toml: \[params\.window\]: empty range"),
        ("[params.window]\nlow = 10\nhigh = 2\n", r"space\.toml: \[params\.window\]: inverted range: low 10 > high 2"),
        ("[params.window]\nlow = \"a\"\nhigh = 10\n", r"\[params\.window\]: low must be a number"),
        ("[params.window]\ntype = \"int\"\nlow = 2.5\nhigh = 10\n", r"\[params\.window\]: low must be an integer"),
        ("[params.alpha]\nlow = 0\nhigh = 0.1\nlog = true\n", r"\[params\.alpha\]: log = true needs low > 0"),
        ("[params.window]\nlow = 0\nhigh = 10\n", r"\[params\.window\]: parameter 'window' must be an int in \[1, inf\)"),
        ("[params.architecture]\nchoices = [\"skipgram\", \"glove\"]\n", r"\[params\.architecture\]: parameter 'architecture' must be one of"),
        ("[params.window]\nlow = 2\nhigh = 10\ntype = \"integer\"\n", r"type must be one of int, float, categorical"),
        ("[params.window]\nlow = 2\n", r"\[params\.window\]: give both low and high"),
        ("[params.window]\nlow = 2\nhigh = 8\nlog = \"yes\"\n", r"log must be true or false"),
        ("[params.window]\nlow = 2\nhigh = 8\nstepp = 2\n", r"unknown key\(s\) stepp"),
        ("[params]\n", r"space\.toml: no \[params\.NAME\] tables"),
        ("window = 3\n", r"space\.toml: unknown top-level key\(s\) window"),
    ],
)
def test_bad_space_files_give_one_line_errors(tmp_path, body, match):
    path = tmp_path / "space.toml"
    path.write_text(body)
    with pytest.raises(InvalidParameterError, match=match) as info:
        load_space(path, Word2Vec)
    assert "\n" not in str(info.value)


def test_unreadable_space_files(tmp_path):
    with pytest.raises(InputFileError, match=r"nope\.toml: space file not found"):
        load_space(tmp_path / "nope.toml", Word2Vec)
    bad = tmp_path / "bad.toml"
    bad.write_text("[params.window\nlow = 2\n")
    with pytest.raises(FormatError, match=r"bad\.toml: not valid TOML"):
        load_space(bad, Word2Vec)


def test_space_from_a_dict():
    space = make_space({"window": (2, 6), "alpha": (0.01, 0.1, "log"), "hs": [False, True]}, Word2Vec())
    assert space["alpha"].log and space["hs"].choices == (False, True)
    assert grid_values(space["window"]) == [2, 3, 4, 5, 6]
    assert grid_values(space["alpha"]) == pytest.approx([0.01, 0.0316228, 0.1], rel=1e-5)
    with pytest.raises(InvalidParameterError, match=r"space: \[params\.window\]: the third item of a range must be 'log'"):
        make_space({"window": (2, 6, "lin")}, Word2Vec())
    with pytest.raises(InvalidParameterError, match="the search space is empty"):
        make_space({}, Word2Vec())


def test_conditional_parameters_are_sampled_only_when_they_matter(tmp_path):
    """recency_half_life has no effect with user_vectors="mean": it is neither sampled nor reported."""
    import optuna

    from embedlab.models.item2vec import Item2Vec
    from embedlab.tuning.space import load_space, space_to_dict, suggest

    space = default_space(Item2Vec)
    assert space["recency_half_life"].when == ("user_vectors", ("recency",))
    assert "when user_vectors=recency" in space["recency_half_life"].describe()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = {"mean": 0, "recency": 0}
    for _ in range(30):
        trial = study.ask()
        params = suggest(trial, space)
        seen[params["user_vectors"]] += 1
        assert ("recency_half_life" in params) == (params["user_vectors"] == "recency"), params
        assert set(trial.params) == set(params)
        study.tell(trial, 0.0)
    assert seen["mean"] and seen["recency"]
    assert space_to_dict(space)["recency_half_life"]["when"] == {"user_vectors": ["recency"]}
    # a space file inherits the model's condition, or states its own
    path = tmp_path / "s.toml"
    path.write_text('[params.user_vectors]\nchoices = ["mean", "recency"]\n[params.recency_half_life]\nlow = 1.0\n'
                    'high = 20.0\n[params.window]\nlow = 2\nhigh = 8\nwhen = { user_vectors = "mean" }\n',
                    encoding="utf-8")
    loaded = load_space(path, Item2Vec())
    assert loaded["recency_half_life"].when == ("user_vectors", ("recency",))
    assert loaded["window"].when == ("user_vectors", ("mean",))
    path.write_text('[params.window]\nlow = 2\nhigh = 8\nwhen = { nope = "x" }\n', encoding="utf-8")
    with pytest.raises(InvalidParameterError, match=r"when names unknown parameter 'nope'"):
        load_space(path, Item2Vec())
