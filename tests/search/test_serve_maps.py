"""The explorer's maps on the service: a UMAP being computed holds up no other map or colouring,
and the coordinates keep the map's real shape (no clipping onto a border)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from search_helpers import clustered_vectors, running_server

httpx = pytest.importorskip("httpx", reason="httpx not installed (pip install 'embedlab[serve]')")
pytest.importorskip("fastapi", reason="fastapi not installed (pip install 'embedlab[serve]')")

from embedlab.search import build_index  # noqa: E402
from embedlab.serve import projection  # noqa: E402
from embedlab.serve.app import create_app  # noqa: E402
from embedlab.serve.vectorset import VectorSet  # noqa: E402


@pytest.fixture
def slow_umap(monkeypatch):
    """method=umap waits until released (a PCA map stands in for it); counts the UMAP runs."""
    release, started, calls = threading.Event(), threading.Event(), []
    real = projection.project

    def project(unit, method="pca", seed=0):
        if method == "umap":
            calls.append(1)
            started.set()
            assert release.wait(120)
            return real(unit, "pca", seed)
        return real(unit, method, seed)

    monkeypatch.setattr(projection, "project", project)
    monkeypatch.setattr(projection, "umap_available", lambda: True)
    yield release, started, calls
    release.set()


def test_a_umap_being_computed_holds_up_no_other_map(slow_umap):
    release, started, calls = slow_umap
    kv = clustered_vectors(n=500, seed=5)
    app = create_app([VectorSet("one", kv, build_index(kv, "exact", recall_queries=0))])
    with running_server(app) as url:
        assert httpx.get(f"{url}/map", params={"method": "pca"}).status_code == 200  # cached before
        answers = []

        def ask_umap():
            answers.append(httpx.get(f"{url}/map", params={"method": "umap"}, timeout=120))

        waiting = [threading.Thread(target=ask_umap) for _ in range(8)]  # more than the worker threads
        for t in waiting:
            t.start()
        assert started.wait(30)
        # while the UMAP runs: the PCA map (cached or as CSV), colours and keys come at once
        for path, params in (("/map", {"method": "pca"}), ("/map.csv", {"method": "pca"}),
                             ("/colors", {"by": "cluster"}), ("/legend", {"by": "frequency"}), ("/keys", {})):
            r = httpx.get(f"{url}{path}", params=params, timeout=10)
            assert r.status_code == 200, path
        assert not answers
        release.set()
        for t in waiting:
            t.join(60)
        assert [a.status_code for a in answers] == [200] * 8
        assert len(calls) == 1  # one computation for all the requests that waited for it


def test_coordinates_keep_outer_points_where_they_are():
    """Heavy-tailed data: no point is clipped onto the border (a 0.995-quantile clip put 1% of
    the points on straight edge lines), the order along each axis is kept, one scale for both."""
    rng = np.random.default_rng(0)
    raw = rng.standard_t(2, size=(4000, 2)) * [3.0, 1.0]
    xy = projection._scale(raw)
    assert np.abs(xy).max() == pytest.approx(1.0)
    for axis in (0, 1):
        assert (np.abs(xy[:, axis]) > 0.999).sum() <= 2, axis
        assert (np.diff(xy[np.argsort(raw[:, axis]), axis]) >= 0).all()  # order kept (float32 may tie)
    ratio = (xy[:, 0].max() - xy[:, 0].min()) / (xy[:, 1].max() - xy[:, 1].min())
    assert ratio == pytest.approx(np.ptp(raw[:, 0]) / np.ptp(raw[:, 1]), rel=1e-4)
    kv = clustered_vectors(n=3000, seed=7)
    pca = projection.project(kv.unit_vectors, "pca")
    assert (np.abs(pca) > 0.999).sum() <= 4


def test_frequency_legend_ranges_do_not_overlap():
    for n in (10, 5000, 123_457):
        cats, names = projection.color_by_frequency(n, None)
        bounds = [tuple(int(x.replace(",", "")) for x in name.removeprefix("rank ").split("-")) for name in names]
        bounds = [(b[0], b[-1]) for b in bounds]
        assert bounds[0][0] == 1 and bounds[-1][1] == n
        assert all(bounds[i][1] + 1 == bounds[i + 1][0] for i in range(len(bounds) - 1)), names
        for i, (lo, hi) in enumerate(bounds):  # the category of each rank is the bin its name says
            assert (cats[lo - 1 : hi] == i).all(), (names[i], n)
