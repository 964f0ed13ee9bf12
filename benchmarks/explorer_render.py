"""The explorer in headless Chromium (SwiftShader WebGL): draw time and zoom/pan frame times.

Usage::

    python benchmarks/explorer_render.py [--points 1000,100000,1000000] [--frames 60]

For each size, serves that many random 8-d vectors with the real app on 127.0.0.1, loads the
page, and reports: data transfer + decode (ms), the WebGL draw (ms, regl-scatterplot's ``draw``
promise, including its spatial index), then zooms and pans programmatically for ``--frames``
animation frames and reports the median and 95th-percentile frame interval (``requestAnimationFrame``;
16.7 ms = 60 fps), and the hover hit time (``getScreenPosition`` + ``hover``). Headless Chromium
renders WebGL on the CPU (SwiftShader), so a GPU browser is faster; the machine's load is printed.

The explorer's renderer moves its last full drawing while only the camera moves and draws every
point again once the camera rests (``static/explorer.js``, ``createMapRenderer``). So each size
prints three rows: zoom/pan as a user sees it (with the frames that drew every point counted, and
"sharp after": from the last frame of the motion to the first frame after every point was drawn
again), hovering a different point in each frame, and zoom/pan with every point drawn in every
frame (``motionCache = false``: the cost of a full drawing, what the renderer pays once per rest).

The floor (``--floor``, on by default): the same number of points on a canvas of the map's size,
drawn by a minimal raw WebGL program (one vertex attribute, a constant colour, alpha blending, no
antialiasing, no textures) through the same zoom/pan path, in the same browser. It is what
software rendering costs on this machine whatever library draws the points; the explorer's frame
time with every point drawn in every frame, over the floor's, is the library's share.
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


# One zoom/pan path for both drawings: ``draw(x, y, distance)`` once per animation frame, then
# ``finish(frame intervals in ms, the first two dropped)``.
_PATH_JS = """
function runFrames(frames, draw, finish) {
  const times = [];
  let i = 0, last = performance.now();
  function step() {
    const now = performance.now();
    times.push(now - last);
    last = now;
    const t = i / frames;
    draw(0.3 * Math.cos(6 * t), 0.3 * Math.sin(6 * t), 0.4 + 0.5 * Math.abs(Math.cos(3 * t)));
    if (++i < frames) { requestAnimationFrame(step); } else { finish(times.slice(2)); }
  }
  requestAnimationFrame(step);
}
"""

FRAMES_JS = _PATH_JS + """
const done = arguments[arguments.length - 1];
const frames = arguments[0], cache = arguments[1];
const view = window.embedlabExplorer.views.a, renderer = view.plot.renderer;
renderer.motionCache = cache;
const before = Object.assign({}, renderer.stats);
runFrames(frames, (x, y, d) => view.plot.zoomToLocation([x, y], d), (times) => {
  const last = performance.now();
  // reading a pixel waits until the full drawing is on the map's canvas (WebGL runs behind JS)
  renderer.settled().then(() => { document.getElementById('canvas-a').getContext('2d').getImageData(0, 0, 1, 1); })
  .then(() => requestAnimationFrame(() => {
    const sharp = performance.now() - last;
    const full = renderer.stats.full - before.full;
    const t0 = performance.now();
    const pos = view.plot.getScreenPosition(12345 % view.n);
    view.plot.hover(12345 % view.n);
    done({times: times, hover_ms: performance.now() - t0, pos: pos, sharp_ms: sharp, full: full});
  }));
});
"""

# Hover a different point in each frame, the camera still.
HOVER_JS = _PATH_JS + """
const done = arguments[arguments.length - 1];
const view = window.embedlabExplorer.views.a;
view.plot.renderer.motionCache = true;
let k = 0;
runFrames(arguments[0], () => view.plot.hover((7919 * ++k) % view.n), (times) => done({times: times}));
"""

FLOOR_JS = _PATH_JS + """
const done = arguments[arguments.length - 1];
const n = arguments[0], frames = arguments[1], w = arguments[2], h = arguments[3];
document.body.innerHTML = '';
const canvas = document.createElement('canvas');
canvas.width = w; canvas.height = h;
document.body.appendChild(canvas);
const gl = canvas.getContext('webgl', {antialias: false});
function shader(type, src) { const s = gl.createShader(type); gl.shaderSource(s, src); gl.compileShader(s); return s; }
const prog = gl.createProgram();
gl.attachShader(prog, shader(gl.VERTEX_SHADER,
  'attribute vec2 p; uniform vec3 cam; void main() { gl_Position = vec4((p - cam.xy) / cam.z, 0.0, 1.0); gl_PointSize = 2.5; }'));
gl.attachShader(prog, shader(gl.FRAGMENT_SHADER,
  'precision mediump float; void main() { gl_FragColor = vec4(0.2, 0.4, 0.8, 0.85); }'));
gl.linkProgram(prog);
gl.useProgram(prog);
let seed = 1;
const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
const xy = new Float32Array(2 * n);
for (let i = 0; i < 2 * n; i++) { xy[i] = 1.6 * rand() - 0.8; }
gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
const loc = gl.getAttribLocation(prog, 'p');
gl.enableVertexAttribArray(loc);
gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
const cam = gl.getUniformLocation(prog, 'cam');
gl.enable(gl.BLEND);
gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
runFrames(frames, (x, y, d) => {
  gl.clearColor(1, 1, 1, 1);
  gl.clear(gl.COLOR_BUFFER_BIT);
  gl.uniform3f(cam, x, y, d);
  gl.drawArrays(gl.POINTS, 0, n);
}, (times) => done({times: times}));
"""


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--points", default="1000,100000,1000000")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--floor", action=argparse.BooleanOptionalAction, default=True,
                   help="also time a minimal raw WebGL program drawing as many points (the software-rendering floor)")
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
            result = driver.execute_async_script(FRAMES_JS, args.frames, True)
            frames = np.array(result["times"])
            print(f"{n:>9,} points: data {load_ms} ms, WebGL draw {draw_ms} ms (page ready {ready:.1f} s); "
                  f"zoom/pan frames median {np.median(frames):.1f} ms, p95 {np.quantile(frames, 0.95):.1f} ms "
                  f"({1000 / np.median(frames):.0f} fps; {result['full']} of {args.frames} frames drew every "
                  f"point; sharp {result['sharp_ms']:.0f} ms after the last); hover {result['hover_ms']:.1f} ms",
                  flush=True)
            hover = np.array(driver.execute_async_script(HOVER_JS, args.frames)["times"])
            print(f"{'':>9}  hover a new point each frame: frames median {np.median(hover):.1f} ms, "
                  f"p95 {np.quantile(hover, 0.95):.1f} ms", flush=True)
            every = np.array(driver.execute_async_script(FRAMES_JS, args.frames, False)["times"])
            print(f"{'':>9}  zoom/pan drawing every point in every frame: frames median {np.median(every):.1f} ms, "
                  f"p95 {np.quantile(every, 0.95):.1f} ms", flush=True)
            if args.floor:
                size = driver.execute_script(
                    "const c = document.getElementById('canvas-a'); return [c.width, c.height];")
                floor = np.array(driver.execute_async_script(FLOOR_JS, n, args.frames, *size)["times"])
                print(f"{'':>9}  floor (raw WebGL, {size[0]} x {size[1]} canvas): frames median "
                      f"{np.median(floor):.1f} ms, p95 {np.quantile(floor, 0.95):.1f} ms; every-point frames / floor "
                      f"{np.median(every) / np.median(floor):.2f}x", flush=True)
        finally:
            driver.quit()
            server.should_exit = True


if __name__ == "__main__":
    main()
