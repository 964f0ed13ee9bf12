"""The explorer in headless Chromium (SwiftShader WebGL): draw time and zoom/pan frame times.

Usage::

    python benchmarks/explorer_render.py [--points 1000,100000,1000000] [--frames 60]

For each size, serves that many random 8-d vectors with the real app on 127.0.0.1, loads the
page, and reports: data transfer + decode (ms), the WebGL draw (ms, regl-scatterplot's ``draw``
promise, including its spatial index), then zooms and pans programmatically for ``--frames``
animation frames and reports the median and 95th-percentile frame interval (``requestAnimationFrame``;
16.7 ms = 60 fps) and the hover hit time (``getScreenPosition`` + ``hover``). Headless Chromium
renders WebGL on the CPU (SwiftShader), so a GPU browser is faster; the machine's load is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import threading
import time


def _serve(app):
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


FRAMES_JS = """
const done = arguments[arguments.length - 1];
const plot = window.embedlabExplorer.views.a.plot;
const frames = arguments[0];
const times = [];
let i = 0, last = performance.now();
function step() {
  const now = performance.now();
  times.push(now - last);
  last = now;
  const t = i / frames;
  plot.zoomToLocation([0.3 * Math.cos(6 * t), 0.3 * Math.sin(6 * t)], 0.4 + 0.5 * Math.abs(Math.cos(3 * t)));
  if (++i < frames) { requestAnimationFrame(step); } else {
    const t0 = performance.now();
    const pos = plot.getScreenPosition(12345 % window.embedlabExplorer.views.a.n);
    plot.hover(12345 % window.embedlabExplorer.views.a.n);
    done({times: times.slice(2), hover_ms: performance.now() - t0, pos: pos});
  }
}
requestAnimationFrame(step);
"""


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--points", default="1000,100000,1000000")
    p.add_argument("--frames", type=int, default=60)
    args = p.parse_args(argv)
    import numpy as np
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    from embedlab.search import build_index
    from embedlab.serve.app import create_app
    from embedlab.serve.vectorset import VectorSet
    from embedlab.vectors import KeyedVectors

    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader", "--window-size=1280,800"):
        opts.add_argument(arg)
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    print(f"load average {os.getloadavg()[0]:.1f}")
    for n in [int(v) for v in args.points.split(",")]:
        rng = np.random.default_rng(0)
        kv = KeyedVectors([f"p{i}" for i in range(n)], rng.normal(size=(n, 8)).astype(np.float32))
        app = create_app([VectorSet("points", kv, build_index(kv, "exact", recall_queries=0))])
        server, url = _serve(app)
        driver = webdriver.Chrome(options=opts, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
        driver.set_script_timeout(300)
        try:
            start = time.perf_counter()
            driver.get(url + "/")
            WebDriverWait(driver, 600).until(
                lambda d: d.find_element("id", "status").get_attribute("data-state") == "ready")
            ready = time.perf_counter() - start
            st = driver.find_element("id", "status")
            load_ms, draw_ms = int(st.get_attribute("data-load-ms")), int(st.get_attribute("data-draw-ms"))
            result = driver.execute_async_script(FRAMES_JS, args.frames)
            frames = np.array(result["times"])
            print(f"{n:>9,} points: data {load_ms} ms, WebGL draw {draw_ms} ms (page ready {ready:.1f} s); "
                  f"zoom/pan frames median {np.median(frames):.1f} ms, p95 {np.quantile(frames, 0.95):.1f} ms "
                  f"({1000 / np.median(frames):.0f} fps); hover {result['hover_ms']:.1f} ms", flush=True)
        finally:
            driver.quit()
            server.should_exit = True


if __name__ == "__main__":
    main()
