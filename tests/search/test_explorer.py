"""The explorer in headless Chromium (Debian chromium + chromium-driver, selenium): search, click,
side-by-side sets, no console errors, a static export, and a million points drawn with WebGL
(SwiftShader). Screenshots go to the test's tmp folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from search_helpers import clustered_vectors, running_server

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install 'embedlab[serve]')")
pytest.importorskip("fastapi", reason="fastapi not installed (pip install 'embedlab[serve]')")

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from embedlab.search import build_index  # noqa: E402
from embedlab.serve.app import create_app  # noqa: E402
from embedlab.serve.vectorset import VectorSet  # noqa: E402
from embedlab.vectors import KeyedVectors  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader", "--window-size=1280,800"):
        opts.add_argument(arg)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _words_kv() -> KeyedVectors:
    """Real words when the GloVe package is there (the 5,000 most frequent), else clustered keys."""
    try:
        from embedlab.vectors.pretrained import load_named_vectors

        return load_named_vectors("glove-6b-50d", limit=5000)
    except Exception:
        return clustered_vectors(n=5000)


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _wait_ready(driver, timeout: float = 120) -> None:
    WebDriverWait(driver, timeout).until(
        lambda d: d.find_element(By.ID, "status").get_attribute("data-state") in ("ready", "error"))
    assert driver.find_element(By.ID, "status").get_attribute("data-state") == "ready", \
        driver.find_element(By.ID, "status").text


def _neighbour_keys(driver, list_id: str = "neighbors-a") -> list[str]:
    return [li.get_attribute("data-key") for li in driver.find_elements(By.CSS_SELECTOR, f"#{list_id} li")]


def test_search_click_side_by_side_without_console_errors(browser, tmp_path):
    kv = _words_kv()
    kv2 = KeyedVectors(kv.index_to_key, kv.vectors + 0.05 * np.random.default_rng(0).normal(size=kv.vectors.shape))
    sets = [VectorSet("words", kv, build_index(kv, "exact", recall_queries=0)),
            VectorSet("noisy", kv2, build_index(kv2, "exact", recall_queries=0))]
    key = kv.index_to_key[123]
    with running_server(create_app(sets, token="tok")) as url:
        browser.get(f"{url}/#token=tok")
        _wait_ready(browser)
        box = browser.find_element(By.ID, "search")
        box.clear()
        box.send_keys(key)
        browser.find_element(By.ID, "search-button").click()
        WebDriverWait(browser, 60).until(lambda d: len(_neighbour_keys(d)) == 10)
        expected = [k for k, _ in kv.most_similar(key, topn=10)]
        assert _neighbour_keys(browser) == expected
        # click a point on the map: the page selects it and lists its neighbours
        row = 2000
        pos = browser.execute_script(
            "var v = window.embedlabExplorer.views.a; v.plot.zoomToPoints([arguments[0]], {padding: 4});"
            "return new Promise(r => setTimeout(() => r(v.plot.getScreenPosition(arguments[0])), 800));", row)
        canvas = browser.find_element(By.ID, "canvas-a")
        size = canvas.size
        ActionChains(browser).move_to_element_with_offset(canvas, pos[0] - size["width"] / 2,
                                                          pos[1] - size["height"] / 2).click().perform()
        # the point under the cursor is selected (a dense map may put a close one there first)
        WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "selected").text not in ("", key))
        clicked = browser.find_element(By.ID, "selected").text
        assert clicked in kv.key_to_index
        WebDriverWait(browser, 60).until(lambda d: _neighbour_keys(d) == [k for k, _ in kv.most_similar(clicked, topn=10)])
        # a second set beside the first: both lists and their overlap
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element(By.ID, "set-b")).select_by_value("noisy")
        WebDriverWait(browser, 120).until(lambda d: len(_neighbour_keys(d, "neighbors-b")) == 10)
        overlap = float(browser.find_element(By.ID, "overlap").get_attribute("data-overlap"))
        expected_b = {k for k, _ in kv2.most_similar(clicked, topn=10)}
        assert overlap == pytest.approx(len(expected_b & set(_neighbour_keys(browser))) / 10)
        browser.save_screenshot(str(tmp_path / "explorer.png"))
        assert (tmp_path / "explorer.png").stat().st_size > 10_000
        assert _severe(browser) == []


def test_static_export_works_from_file(browser, tmp_path, capsys):
    from embedlab.serve.export import export_explorer

    kv = clustered_vectors(n=1500, seed=4)
    export_explorer([("demo", kv)], tmp_path / "site")
    browser.get((tmp_path / "site" / "index.html").as_uri() + "#key=w11")
    _wait_ready(browser)
    WebDriverWait(browser, 60).until(lambda d: len(_neighbour_keys(d)) == 10)
    assert _neighbour_keys(browser) == [k for k, _ in kv.most_similar("w11", topn=10)]
    assert _severe(browser) == []
    csv = (tmp_path / "site" / "coordinates.csv").read_text().splitlines()
    assert csv[0] == "set,key,x,y" and len(csv) == 1501


# In-page helpers: two animation frames; the map's alpha summed over 16 x 16-pixel blocks; a
# Pearson correlation. The map's canvas is transparent where no point is drawn.
_PAGE_HELPERS = """
const done = arguments[arguments.length - 1];
const view = window.embedlabExplorer.views.a, plot = view.plot, renderer = plot.renderer;
const canvas = document.getElementById('canvas-a');
const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
const stats = () => Object.assign({}, renderer.stats);
function ink() {
  const w = canvas.width, h = canvas.height, d = canvas.getContext('2d').getImageData(0, 0, w, h).data;
  const bw = Math.ceil(w / 16), out = new Float64Array(bw * Math.ceil(h / 16));
  for (let y = 0; y < h; y++) { for (let x = 0; x < w; x++) { out[(y >> 4) * bw + (x >> 4)] += d[(y * w + x) * 4 + 3]; } }
  return out;
}
function corr(a, b) {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i] / a.length; mb += b[i] / b.length; }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) ** 2; bb += (b[i] - mb) ** 2; }
  return ab / Math.sqrt(aa * bb);
}
"""

MOTION_JS = _PAGE_HELPERS + """
(async () => {
  await renderer.settled(); await frame();
  const s0 = stats(), before = ink();
  plot.zoomToLocation([0.15, -0.1], 0.6);   // the camera moves; nothing else changes
  await frame();
  const s1 = stats(), moved = ink();
  await renderer.settled(); await frame();
  const s2 = stats(), sharp = ink();
  done({s0: s0, s1: s1, s2: s2, moved_vs_sharp: corr(moved, sharp), before_vs_sharp: corr(before, sharp)});
})();
"""

HOVER_SELECT_JS = _PAGE_HELPERS + """
(async () => {
  await renderer.settled(); await frame();
  const row = arguments[0], s0 = stats();
  plot.hover(row);
  await frame();
  const s1 = stats(), pos = plot.getScreenPosition(row), dpr = window.devicePixelRatio || 1;
  const ctx = canvas.getContext('2d');
  let dark = 0;   // the ring's dark stroke around the hovered point
  for (let a = 0; a < 32; a++) {
    const r = (Math.max(plot.get('pointSize'), 3) / 2 + 3) * dpr;
    const x = Math.round(pos[0] * dpr + r * Math.cos(a * Math.PI / 16)), y = Math.round(pos[1] * dpr + r * Math.sin(a * Math.PI / 16));
    const px = ctx.getImageData(x, y, 1, 1).data;
    if (px[3] > 200 && px[0] < 80 && px[1] < 80 && px[2] < 80) { dark++; }
  }
  plot.select([row]);
  await frame();
  const s2 = stats();
  done({s0: s0, s1: s1, s2: s2, dark: dark, tooltip: document.getElementById('tooltip').textContent});
})();
"""


def _islands_kv(n: int = 20_000) -> KeyedVectors:
    """Six tight groups far apart in the first two of 8 dimensions: a map with a clear shape."""
    rng = np.random.default_rng(3)
    centres = np.zeros((6, 8))
    centres[:, :2] = 10 * np.stack([np.cos(np.arange(6)), np.sin(2 * np.arange(6))], axis=1)
    x = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, 8))
    return KeyedVectors([f"p{i}" for i in range(n)], x.astype(np.float32))


def test_the_map_moves_its_last_picture_and_draws_every_point_once_at_rest(browser):
    kv = _islands_kv()
    with running_server(create_app([VectorSet("islands", kv, build_index(kv, "exact", recall_queries=0))])) as url:
        browser.get(url + "/")
        _wait_ready(browser)
        r = browser.execute_async_script(MOTION_JS)
        # while the camera moves, no frame draws the points: the last picture is moved instead
        assert r["s1"]["moved"] > r["s0"]["moved"] and r["s1"]["full"] == r["s0"]["full"], r
        # at rest every point is drawn again, once
        assert r["s2"]["full"] == r["s1"]["full"] + 1, r
        # the moved picture is where the real drawing at the new camera puts the points (a wrong
        # transform, or none, matches it no better than the picture before the move)
        assert r["moved_vs_sharp"] > 0.9, r
        assert r["moved_vs_sharp"] > r["before_vs_sharp"] + 0.2, r
        assert _severe(browser) == []


def test_hover_rings_the_point_without_drawing_every_point_and_selection_redraws(browser):
    kv = _islands_kv()
    with running_server(create_app([VectorSet("islands", kv, build_index(kv, "exact", recall_queries=0))])) as url:
        browser.get(url + "/")
        _wait_ready(browser)
        r = browser.execute_async_script(HOVER_SELECT_JS, 777)
        assert r["tooltip"] == "p777"
        assert r["s1"]["full"] == r["s0"]["full"] and r["s1"]["still"] > r["s0"]["still"], r
        assert r["dark"] >= 8, r  # most of the ring's circle is dark
        # a new selection is never shown from the old picture: the next frame draws every point
        # (the page's own select handler may fetch the neighbours and select them too before that
        # frame, which is a second full drawing, never a reused one)
        assert r["s2"]["full"] >= r["s1"]["full"] + 1, r
        assert (r["s2"]["still"], r["s2"]["moved"]) == (r["s1"]["still"], r["s1"]["moved"]), r
        assert _severe(browser) == []


@pytest.mark.slow
def test_a_million_points_render(browser, tmp_path, capsys):
    """1M random 8-d vectors: the page loads them and WebGL draws them (draw time printed)."""
    rng = np.random.default_rng(0)
    n = 1_000_000
    kv = KeyedVectors([f"p{i}" for i in range(n)], rng.normal(size=(n, 8)).astype(np.float32))
    vs = VectorSet("million", kv, build_index(kv, "exact", recall_queries=0))
    with running_server(create_app([vs])) as url:
        start = time.perf_counter()
        browser.get(url + "/")
        _wait_ready(browser, timeout=300)
        total = time.perf_counter() - start
        status = browser.find_element(By.ID, "status")
        assert status.get_attribute("data-points") == str(n)
        draw_ms = int(status.get_attribute("data-draw-ms"))
        load_ms = int(status.get_attribute("data-load-ms"))
        shot = tmp_path / "million.png"
        browser.find_element(By.ID, "canvas-a").screenshot(str(shot))
        assert _severe(browser) == []
    png = _png_pixels(shot)
    coloured = (png.min(axis=2) < 200).mean()  # white background; points are coloured
    assert coloured > 0.05, coloured
    with capsys.disabled():
        print(f"\n1M points: data {load_ms} ms, WebGL draw {draw_ms} ms; page ready in {total:.1f} s")


def _png_pixels(path: Path) -> np.ndarray:
    """Decode an RGB(A) PNG with zlib only (no imaging library needed)."""
    import struct
    import zlib

    data = path.read_bytes()
    pos, chunks, width = 8, [], 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            channels = {2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    img = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        if f == 1:
            out = line.copy()
            for x in range(channels, stride):
                out[x] = (out[x] + out[x - channels]) & 255
            line = out
        elif f == 2:
            line = (line + prev) & 255
        elif f == 3:
            out = line.copy()
            for x in range(stride):
                left = out[x - channels] if x >= channels else 0
                out[x] = (out[x] + ((left + prev[x]) >> 1)) & 255
            line = out
        elif f == 4:
            out = line.copy()
            for x in range(stride):
                a = out[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                out[x] = (out[x] + pred) & 255
            line = out
        img[y] = line
        prev = line
    return img.reshape(height, width, channels)[:, :, :3]


def test_the_page_says_it_waits_for_a_umap_map(browser, monkeypatch):
    """While the UMAP map is computed the status says so (not a bare "loading..."), and the map
    comes once it is there."""
    import threading

    from selenium.webdriver.support.ui import Select

    from embedlab.serve import projection

    release, real = threading.Event(), projection.project

    def project(unit, method="pca", seed=0):
        if method == "umap":
            assert release.wait(120)
            method = "pca"
        return real(unit, method, seed)

    monkeypatch.setattr(projection, "project", project)
    monkeypatch.setattr(projection, "umap_available", lambda: True)
    kv = clustered_vectors(n=800, seed=2)
    try:
        with running_server(create_app([VectorSet("demo", kv, build_index(kv, "exact", recall_queries=0))])) as url:
            browser.get(url + "/")
            _wait_ready(browser)
            Select(browser.find_element(By.ID, "method")).select_by_value("umap")
            WebDriverWait(browser, 30).until(lambda d: "UMAP" in d.find_element(By.ID, "status").text)
            text = browser.find_element(By.ID, "status").text
            assert "computing" in text and "minutes" in text, text
            assert "keys" not in text  # what has come is no longer listed
            release.set()
            _wait_ready(browser)
            assert _severe(browser) == []
    finally:
        release.set()


FIT_JS = """
const done = arguments[arguments.length - 1];
const view = window.embedlabExplorer.views.a, plot = view.plot, pts = plot.get('points');
const rect = document.getElementById('canvas-a').getBoundingClientRect();
let out = 0;
for (let i = 0; i < pts.length; i++) {
  const p = plot.getScreenPosition(i);
  if (!(p[0] >= 0 && p[0] <= rect.width && p[1] >= 0 && p[1] <= rect.height)) { out++; }
}
done({out: out, n: pts.length, w: rect.width, h: rect.height, legend: document.getElementById('legend').textContent});
"""


@pytest.mark.parametrize("size", [(1280, 900), (1280, 1200), (900, 1300)])
def test_the_first_view_shows_every_point(browser, size):
    kv = _islands_kv(5000)
    try:
        browser.set_window_size(*size)
        with running_server(create_app([VectorSet("islands", kv, build_index(kv, "exact", recall_queries=0))])) as url:
            browser.get(url + "/")
            _wait_ready(browser)
            r = browser.execute_async_script(FIT_JS)
    finally:
        browser.set_window_size(1280, 800)
    assert r["n"] == 5000 and r["out"] == 0, r
    assert "frequency rank (1 = the most frequent key)" in r["legend"], r  # what "rank" means
    assert "rank 1-3" in r["legend"] and "rank 4-" in r["legend"]


def test_pair_token_and_label_links(browser):
    """#pair= shows the similarity under a cleared list; #token= leaves the address bar once
    stored; a refused token is said as such; "colour: label" without labels says why."""
    from selenium.webdriver.support.ui import Select

    kv = clustered_vectors(n=600, seed=3)
    with running_server(create_app([VectorSet("demo", kv, build_index(kv, "exact", recall_queries=0))],
                                   token="tok")) as url:
        browser.get(f"{url}/#token=tok&key=w5")
        _wait_ready(browser)
        WebDriverWait(browser, 30).until(lambda d: len(_neighbour_keys(d)) == 10)
        assert "token" not in browser.current_url and "key=w5" in browser.current_url
        browser.execute_script("location.hash = 'pair=w1,w2'")
        WebDriverWait(browser, 30).until(
            lambda d: d.find_element(By.ID, "overlap").get_attribute("data-similarity") is not None)
        sim = float(browser.find_element(By.ID, "overlap").get_attribute("data-similarity"))
        assert sim == pytest.approx(float(kv.unit_vectors[1] @ kv.unit_vectors[2]), abs=1e-4)
        assert "similarity" in browser.find_element(By.ID, "overlap").text
        assert browser.find_element(By.ID, "selected").text == "w1 / w2"
        assert _neighbour_keys(browser) == []  # the old key's list is gone
        label = browser.find_element(By.CSS_SELECTOR, '#color-by option[value="label"]')
        assert not label.is_enabled() and "--labels" in label.text
        assert [o.get_attribute("value") for o in Select(browser.find_element(By.ID, "color-by")).options
                if o.is_enabled()] == ["frequency", "cluster"]
        # a wrong token in a fresh tab: said as refused, not as missing
        browser.execute_script("sessionStorage.clear()")
        browser.get(f"{url}/?fresh=1#token=wrong")
        WebDriverWait(browser, 30).until(
            lambda d: d.find_element(By.ID, "status").get_attribute("data-state") == "error")
        assert "not accepted" in browser.find_element(By.ID, "status").text
        assert browser.find_element(By.ID, "token-box").is_displayed()
        browser.execute_script("sessionStorage.clear()")
        browser.get_log("browser")  # the 401 is expected here; later tests start with an empty log


def test_static_export_answers_analogy_and_pair_links(browser, tmp_path):
    from embedlab.serve.export import export_explorer

    kv = clustered_vectors(n=900, seed=6)
    export_explorer([("demo", kv)], tmp_path / "site")
    browser.get((tmp_path / "site" / "index.html").as_uri() + "#analogy=w1,w2,w3")
    _wait_ready(browser)
    WebDriverWait(browser, 60).until(lambda d: len(_neighbour_keys(d)) == 10)
    unit = kv.unit_vectors
    scores = unit @ (unit[2] - unit[1] + unit[3])
    scores[[1, 2, 3]] = -np.inf
    assert _neighbour_keys(browser) == [kv.index_to_key[i] for i in np.argsort(-scores, kind="stable")[:10]]
    assert "w1 : w2 :: w3" in browser.find_element(By.ID, "selected").text
    browser.execute_script("location.hash = 'pair=w4,w7'")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "overlap").get_attribute("data-similarity") is not None)
    sim = float(browser.find_element(By.ID, "overlap").get_attribute("data-similarity"))
    assert sim == pytest.approx(float(unit[4] @ unit[7]), abs=1e-4) and _neighbour_keys(browser) == []
    assert _severe(browser) == []
