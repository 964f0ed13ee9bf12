"""`embedlab quickstart`, the README and the documentation pages (their commands and code blocks)
and the examples script. The site build itself is checked by tests/test_docs.py."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import click
import pytest
import typer.main
from cli_helpers import assert_cli_error

from embedlab.cli.app import app
from embedlab.vectors.io import load_vectors

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


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


NO_TEST = "<!-- no-test -->"
# Blocks under a `<!-- no-test -->` line (they cannot run offline); a new one must be counted here.
EXPECTED_NO_TEST_BLOCKS = 0


def doc_files() -> list[Path]:
    """The README and every page of the documentation site."""
    return [README, *sorted((REPO / "docs").rglob("*.md"))]


def blocks_with_lines(path: Path, language: str) -> list[tuple[int, str, bool]]:
    """(line of the block's first code line, code, marked no-test) for each ```language block."""
    text = path.read_text(encoding="utf-8")
    found = []
    for m in re.finditer(rf"^([ \t]*)```{language}\n(.*?)^\1```", text, flags=re.S | re.M):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        code = textwrap.dedent(m.group(2)) if m.group(1) else m.group(2)
        found.append((text.count("\n", 0, m.start(2)) + 1, code, before == NO_TEST))
    return found


def command_lines(path: Path) -> list[list[str]]:
    """The words after `embedlab` of every `embedlab ...` command in the file's ```bash blocks."""
    commands = []
    for _, block, untested in blocks_with_lines(path, "bash"):
        if untested:
            continue
        for line in block.replace("\\\n", " ").splitlines():
            inner = re.findall(r"\$\((embedlab [^)]*)\)", line)  # command substitutions are commands too
            line = re.sub(r"\$\(embedlab [^)]*\)", "PATH", line)
            for part in [*re.split(r"&&|\|", line), *inner]:
                words = shlex.split(part, comments=True)
                if words and words[0] == "embedlab":
                    commands.append(words[1:])
    return commands


# typer >= 0.2x raises the exceptions of its own vendored click
_USAGE_ERRORS = tuple(m.UsageError for m in [click.exceptions]
                      + ([typer._click.exceptions] if hasattr(typer, "_click") else []))


def assert_parses(args: list[str], where: str) -> None:
    """`embedlab ARGS` names real commands, options and choices (nothing runs)."""
    root = typer.main.get_command(app)
    cmd = root
    ctx = None
    args = [a for a in args if a not in ("-v", "--verbose")]
    if "--help" in args or "-h" in args or "--version" in args:  # only the command path must exist
        args = [a for a in args if a not in ("--help", "-h", "--version")]
        for name in args:
            if not hasattr(cmd, "get_command"):
                break
            ctx = type(cmd).context_class(cmd, info_name=cmd.name, parent=ctx)
            cmd = cmd.get_command(ctx, name)
            assert cmd is not None, f"{where} uses unknown command {name!r}"
        return
    while hasattr(cmd, "get_command"):  # a group: descend to the command the words name
        assert args, f"{where}: `embedlab` line names a group without a command"
        ctx = type(cmd).context_class(cmd, info_name=cmd.name, parent=ctx)
        name, args = args[0], args[1:]
        sub = cmd.get_command(ctx, name)
        assert sub is not None, f"{where} uses unknown command {name!r}"
        cmd = sub
    try:
        cmd.make_context(cmd.name, list(args), parent=ctx)
    except _USAGE_ERRORS as exc:  # pragma: no cover - shows the line on failure
        pytest.fail(f"{where}: `embedlab {' '.join(args)}` does not parse: {exc}")


def test_readme_cli_examples_parse():
    """Every `embedlab ...` line of the README names real commands, options and choices."""
    commands = command_lines(README)
    assert len(commands) >= 10
    for args in commands:
        assert_parses(args, "README.md")


def test_parser_check_catches_a_wrong_line():
    with pytest.raises(pytest.fail.Exception, match="does not parse"):
        assert_parses(["train", "word2vec", "corpus.txt", "--no-such-option"], "here")
    with pytest.raises(AssertionError, match="unknown command 'nosuch'"):
        assert_parses(["nosuch"], "here")


@pytest.mark.parametrize("page", [p.relative_to(REPO).as_posix() for p in doc_files()[1:]])
def test_docs_cli_examples_parse(page):
    """Every `embedlab ...` line of a documentation page parses against the real command tree."""
    for args in command_lines(REPO / page):
        assert_parses(args, page)


def test_docs_command_lines_are_many():
    assert sum(len(command_lines(p)) for p in doc_files()[1:]) >= 80


def test_untested_blocks_are_counted():
    """A block may skip these checks only under a `<!-- no-test -->` line, and each is counted."""
    marked = [(p.relative_to(REPO).as_posix(), line) for p in doc_files() for lang in ("python", "bash")
              for line, _, untested in blocks_with_lines(p, lang) if untested]
    assert len(marked) == EXPECTED_NO_TEST_BLOCKS, marked
    for path in doc_files():  # a marker must sit right above a block, not drift away from it
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.strip() == NO_TEST:
                nxt = next((x for x in lines[i + 1:] if x.strip()), "")
                assert nxt.startswith("```"), f"{path.name}:{i + 1}: {NO_TEST} is not right above a block"


def test_benchmark_scripts_named_in_the_docs_exist():
    for path in doc_files():
        for name in re.findall(r"benchmarks/([a-z0-9_]+\.py)", path.read_text(encoding="utf-8")):
            assert (REPO / "benchmarks" / name).is_file(), f"{path.name} names benchmarks/{name}"


def readme_blocks_with_lines(language: str) -> list[tuple[int, str]]:
    """(README line of the block's first code line, code) for each ```language block."""
    return [(line, code) for line, code, _ in blocks_with_lines(README, language)]


def run_blocks(path: Path, blocks: list[tuple[int, str]]) -> None:
    namespace: dict = {"__name__": "__docs__"}
    for line, block in blocks:
        # padded so that a traceback names the file's own line numbers
        exec(compile("\n" * (line - 1) + block, str(path), "exec"), namespace)  # noqa: S102 - our own docs


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = readme_blocks_with_lines("python")
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(tmp_path)
    run_blocks(README, blocks)
    out = capsys.readouterr().out
    assert "similarity:wordsim353 spearman" in out and "analogy:google accuracy" in out
    assert (tmp_path / "vectors.npz").is_file()


def _pages_with_python() -> list[str]:
    return [p.relative_to(REPO).as_posix() for p in doc_files()[1:]
            if any(not untested for _, _, untested in blocks_with_lines(p, "python"))]


@pytest.mark.parametrize("page", _pages_with_python())
def test_docs_python_blocks_run(page, tmp_path, monkeypatch):
    """The Python blocks of one page run, in order, in one namespace, in an empty folder."""
    path = REPO / page
    monkeypatch.chdir(tmp_path)
    run_blocks(path, [(line, code) for line, code, untested in blocks_with_lines(path, "python") if not untested])


def test_block_line_numbers_are_the_files():
    for path in doc_files():
        text = path.read_text(encoding="utf-8").splitlines()
        for line, block, _ in blocks_with_lines(path, "python"):
            assert text[line - 1].strip() == block.splitlines()[0].strip()


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
