"""`embedlab quickstart`, the README (its commands and code blocks) and the examples script."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest
import typer.main
from cli_helpers import assert_cli_error

from embedlab.cli.app import app
from embedlab.vectors.io import load_vectors

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def code_blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_quickstart_trains_evaluates_and_saves(cli, tmp_path):
    out = tmp_path / "qs"
    result = cli("quickstart", "-o", out, "--epochs", "1", "--threads", "2")
    assert result.exit_code == 0, result.stderr
    for text in ("nearest neighbours", "similarity:wordsim353", "similarity:simlex999", "analogy:google",
                 "spearman*", "accuracy*", f"Vectors saved to {out / 'vectors.npz'}"):
        assert text in result.stdout
    kv = load_vectors(out / "vectors.npz")
    assert len(kv) > 3000
    # real quality on the KJV sample, even after one epoch: gold's neighbours include silver
    assert "silver" in [w for w, _ in kv.most_similar("gold", topn=3)]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics) == {"similarity:wordsim353", "similarity:simlex999", "analogy:google"}
    # the bundled sample covers the bundled benchmarks (the KJV alone: 13.6% and 4.6%)
    assert metrics["similarity:wordsim353"]["coverage"] >= 0.8
    assert metrics["analogy:google"]["n"] > 3000
    # confidence intervals in the terminal table and the metrics file
    assert "95% CI" in result.stdout and "bootstrap" in result.stdout
    for name, m in metrics.items():
        primary = "accuracy" if name.startswith("analogy") else "spearman"
        lo, hi = m["ci95"][primary]
        assert lo < m["metrics"][primary] < hi, name
        assert f"[{lo:.3f}, {hi:.3f}]" in result.stdout


def test_quickstart_output_must_be_a_folder(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert_cli_error(cli("quickstart", "-o", blocker), r"file: exists and is not a folder")


def test_readme_starts_with_the_two_commands_that_ci_runs():
    """The README's first lines are the install-and-quickstart and test commands, and .ci/run
    reads them from there (so they cannot drift apart) and installs nothing else of its own."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("```bash")
    first_block = lines[start + 1 : lines.index("```", start + 1)]
    assert start <= 3  # right under the title
    assert len(first_block) == 2
    install, test = first_block
    assert install.startswith("python3 -m venv .venv && . .venv/bin/activate && bash scripts/install.sh")
    assert install.endswith("&& embedlab quickstart")
    assert test == "python3 -m pytest -q"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci and 'eval "$command"' in ci
    assert "pip install" not in ci and "pytest" not in ci  # everything comes from the README
    assert re.search(r"apt-get install [a-z]", "\n".join(lines[:40]))  # the Debian packages it names


def test_install_script_picks_the_cpu_build_without_a_gpu():
    script = (REPO / "scripts" / "install.sh").read_text(encoding="utf-8")
    assert "nvidia-smi" in script and "+cpu" in script and "recbole==1.2.1" in script


def _readme_command_lines() -> list[list[str]]:
    commands = []
    for block in code_blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            inner = re.findall(r"\$\((embedlab [^)]*)\)", line)  # command substitutions are commands too
            line = re.sub(r"\$\(embedlab [^)]*\)", "PATH", line)
            for part in [*line.split("&&"), *inner]:
                words = shlex.split(part, comments=True)
                if words and words[0] == "embedlab":
                    commands.append(words[1:])
    return commands


def test_readme_cli_examples_parse():
    """Every `embedlab ...` line of the README names real commands, options and choices."""
    commands = _readme_command_lines()
    assert len(commands) >= 10
    root = typer.main.get_command(app)
    for args in commands:
        cmd: click.Command = root
        ctx = None
        args = [a for a in args if a not in ("-v", "--verbose")]
        while isinstance(cmd, click.Group):
            ctx = click.Context(cmd, parent=ctx, info_name=cmd.name)
            name, args = args[0], args[1:]
            sub = cmd.get_command(ctx, name)
            assert sub is not None, f"README uses unknown command {name!r}"
            cmd = sub
        try:
            cmd.make_context(cmd.name, list(args), parent=ctx)
        except click.UsageError as exc:  # pragma: no cover - shows the README line on failure
            pytest.fail(f"README line `embedlab {' '.join(args)}` does not parse: {exc}")


def readme_blocks_with_lines(language: str) -> list[tuple[int, str]]:
    """(README line of the block's first code line, code) for each ```language block."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1))
            for m in re.finditer(rf"```{language}\n(.*?)```", text, flags=re.S)]


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = readme_blocks_with_lines("python")
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    for line, block in blocks:
        # padded so that a traceback names the README's own line numbers
        exec(compile("\n" * (line - 1) + block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    out = capsys.readouterr().out
    assert "similarity:wordsim353 spearman" in out and "analogy:google accuracy" in out
    assert (tmp_path / "vectors.npz").is_file()


def test_readme_block_line_numbers_are_the_readmes():
    text = README.read_text(encoding="utf-8").splitlines()
    for line, block in readme_blocks_with_lines("python"):
        assert text[line - 1] == block.splitlines()[0]


def test_example_script_runs(tmp_path, monkeypatch, capsys):
    import gzip
    import runpy

    from embedlab.corpus import sample_corpus_path

    corpus = tmp_path / "small.txt"
    with gzip.open(sample_corpus_path(), "rt", encoding="utf-8") as fh:
        corpus.write_text("".join(next(fh) for _ in range(2000)), encoding="utf-8")
    out = tmp_path / "v.vec"
    monkeypatch.chdir(tmp_path)
    script = runpy.run_path(str(REPO / "examples" / "train_and_evaluate.py"))  # not as __main__
    script["main"]([str(corpus), "--epochs", "1", "--min-count", "2", "--output", str(out), "--words", "king"])
    stdout = capsys.readouterr().out
    assert re.search(r"trained \d+ words", stdout)
    assert "king ->" in stdout and "analogy:google: accuracy" in stdout
    assert len(load_vectors(out)) > 500
