/* embedlab explorer: a WebGL map of vectors (regl-scatterplot, vendored) + neighbour search.
 *
 * Served by `embedlab serve` (data from the JSON/binary API, with the bearer token if one is
 * needed) or exported by `embedlab explore -o DIR` (data in data.js, neighbours computed here).
 * Deep links: #set=NAME&key=K, #pair=A,B, #analogy=A,B,C, #token=T (the fragment never reaches
 * the server's logs).
 */
(function () {
  'use strict';

  var PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
    '#9c755f', '#bab0ac', '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#17becf'];
  var STATIC = window.EMBEDLAB_STATIC || null;
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.hash.slice(1));
  var token = params.get('token') || sessionStorage.getItem('embedlab-token') || '';
  if (params.get('token')) {  // stored for this tab; removed from the address bar (and its history entry)
    sessionStorage.setItem('embedlab-token', token);
    params.delete('token');
    history.replaceState(null, '', location.pathname + location.search + (params.toString() ? '#' + params.toString() : ''));
  }
  var views = {};     // 'a' / 'b' -> {name, keys, index, plot, n}
  var sets = [];

  function status(text, state) {
    var el = $('status');
    el.textContent = text;
    el.dataset.state = state || 'ok';
  }

  function fail(err) {
    console.warn(err);
    status(String(err && err.message ? err.message : err), 'error');
  }

  // ------------------------------------------------------------------ data access
  function api(path, kind) {
    var headers = token ? { Authorization: 'Bearer ' + token } : {};
    return fetch(path, { headers: headers }).then(function (resp) {
      if (resp.status === 401) {
        $('token-box').hidden = false;
        throw new Error(token ? 'the token was not accepted: enter the right one' : 'this service needs a token: enter it');
      }
      if (!resp.ok) {
        return resp.json().then(function (body) { var e = new Error(body.error || resp.statusText); e.body = body; throw e; });
      }
      if (kind === 'bin') { return resp.arrayBuffer(); }
      if (kind === 'text') { return resp.text(); }
      return resp.json();
    });
  }

  function b64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function staticSet(name) { return STATIC.sets.filter(function (s) { return s.name === name; })[0]; }

  function staticVectors(name) {
    var s = staticSet(name);
    if (!s._vec) { s._vec = new Float32Array(b64(s.vectors)); s._index = new Map(s.keys.map(function (x, i) { return [x, i]; })); }
    return s;
  }

  function staticRow(s, name, key) {
    var row = s._index.get(key);
    if (row === undefined) { throw new Error("key '" + key + "' is not in set '" + name + "'"); }
    return row;
  }

  // the k rows of highest dot product with q (rows in `skip` left out), by brute force
  function staticTop(s, q, k, skip) {
    var d = s.dim, v = s._vec, n = s.keys.length, best = [];
    for (var i = 0; i < n; i++) {
      if (skip.indexOf(i) >= 0) { continue; }
      var dot = 0;
      for (var j = 0; j < d; j++) { dot += q[j] * v[i * d + j]; }
      if (best.length < k || dot > best[best.length - 1][0]) {
        best.push([dot, i]);
        best.sort(function (x, y) { return y[0] - x[0]; });
        if (best.length > k) { best.pop(); }
      }
    }
    return best.map(function (b) { return { key: s.keys[b[1]], score: b[0] }; });
  }

  var source = STATIC ? {
    sets: function () { return Promise.resolve({ sets: STATIC.sets.map(function (s) { return { name: s.name, keys: s.keys.length, labels: !!s.colors.label }; }) }); },
    keys: function (name) { return Promise.resolve(staticSet(name).keys); },
    map: function (name) { return Promise.resolve(new Float32Array(b64(staticSet(name).map))); },
    colors: function (name, by) {
      var c = staticSet(name).colors[by];
      if (!c) { return Promise.reject(new Error('no ' + by + ' colours in this export')); }
      return Promise.resolve({ cats: new Uint8Array(b64(c.values)), names: c.names });
    },
    neighbors: function (name, key, k) {
      var s = staticVectors(name), row = staticRow(s, name, key);
      return Promise.resolve({ key: key, set: name, neighbors: staticTop(s, s._vec.subarray(row * s.dim, (row + 1) * s.dim), k, [row]) });
    },
    similarity: function (name, a, b) {
      try {
        var s = staticVectors(name), ra = staticRow(s, name, a), rb = staticRow(s, name, b), dot = 0;
        for (var j = 0; j < s.dim; j++) { dot += s._vec[ra * s.dim + j] * s._vec[rb * s.dim + j]; }
        return Promise.resolve({ a: a, b: b, set: name, similarity: dot });
      } catch (e) { return Promise.reject(e); }
    },
    analogy: function (name, a, b, c, k) {  // b - a + c over the unit vectors (3CosAdd), as the service
      try {
        var s = staticVectors(name), rows = [a, b, c].map(function (w) { return staticRow(s, name, w); });
        var d = s.dim, q = new Float32Array(d);
        for (var j = 0; j < d; j++) { q[j] = s._vec[rows[1] * d + j] - s._vec[rows[0] * d + j] + s._vec[rows[2] * d + j]; }
        return Promise.resolve({ a: a, b: b, c: c, set: name, neighbors: staticTop(s, q, k, rows) });
      } catch (e) { return Promise.reject(e); }
    },
    csv: function (name) {
      var s = staticSet(name), xy = new Float32Array(b64(s.map)), lines = ['key,x,y'];
      for (var i = 0; i < s.keys.length; i++) { lines.push('"' + s.keys[i].replace(/"/g, '""') + '",' + xy[2 * i] + ',' + xy[2 * i + 1]); }
      return URL.createObjectURL(new Blob([lines.join('\n')], { type: 'text/csv' }));
    }
  } : {
    sets: function () { return api('sets'); },
    keys: function (name) { return api('keys?set=' + encodeURIComponent(name), 'text').then(function (t) { return t.split('\n'); }); },
    map: function (name, method) { return api('map?set=' + encodeURIComponent(name) + '&method=' + method, 'bin').then(function (b) { return new Float32Array(b); }); },
    colors: function (name, by) {
      var q = 'set=' + encodeURIComponent(name) + '&by=' + by;
      return Promise.all([api('colors?' + q, 'bin'), api('legend?' + q)]).then(function (r) { return { cats: new Uint8Array(r[0]), names: r[1].categories }; });
    },
    neighbors: function (name, key, k) { return api('neighbors?set=' + encodeURIComponent(name) + '&k=' + k + '&key=' + encodeURIComponent(key)); },
    similarity: function (name, a, b) {
      return api('similarity?set=' + encodeURIComponent(name) + '&a=' + encodeURIComponent(a) + '&b=' + encodeURIComponent(b));
    },
    analogy: function (name, a, b, c, k) {
      return api('analogy?set=' + encodeURIComponent(name) + '&k=' + k + '&a=' + encodeURIComponent(a) + '&b=' +
        encodeURIComponent(b) + '&c=' + encodeURIComponent(c));
    },
    csv: function (name, method) { return 'map.csv?set=' + encodeURIComponent(name) + '&method=' + method; }
  };

  // ------------------------------------------------------------------ the renderer
  /* A renderer for regl-scatterplot (the interface of its createRenderer) made for large maps in
   * browsers without a GPU, where WebGL runs on the CPU and every point drawn costs:
   * - it draws straight into an 8-bit WebGL canvas the size of the map, without antialiasing (the
   *   library's own draws into a float framebuffer the size of the window, then a full-screen pass);
   * - while only the camera moves, it shows the last full drawing moved and scaled (one image copy
   *   per frame) and draws every point again once the camera has rested SETTLE_MS, or after
   *   uninterrupted motion of MAX_STALE_MS or 8 full drawings' time, whichever is longer (so at
   *   most about one frame in nine draws every point however slow that is);
   * - hover is a ring drawn over that picture, not a redraw of every point.
   * Anything else (new points, colours, sizes, selection, lasso, size of the map) draws everything.
   * `stats` counts the three kinds of frame (and times the last full drawing, fullMs); `settled()`
   * resolves once the picture is sharp again;
   * `motionCache = false` draws every point in every frame (what a GPU browser can afford).
   */
  var SETTLE_MS = 120, MAX_STALE_MS = 1000;

  function viewAffine(m) { return [m[0], m[4], m[12], m[1], m[5], m[13]]; }  // camera view -> 2-D affine

  function affineMul(a, b) {
    return [a[0] * b[0] + a[1] * b[3], a[0] * b[1] + a[1] * b[4], a[0] * b[2] + a[1] * b[5] + a[2],
      a[3] * b[0] + a[4] * b[3], a[3] * b[1] + a[4] * b[4], a[3] * b[2] + a[4] * b[5] + a[5]];
  }

  function affineInv(a) {
    var det = a[0] * a[4] - a[1] * a[3];
    return [a[4] / det, -a[1] / det, (a[1] * a[5] - a[4] * a[2]) / det,
      -a[3] / det, a[0] / det, (a[3] * a[2] - a[0] * a[5]) / det];
  }

  function sameArray(a, b) {
    if (a === b) { return true; }
    if (!a || !b || a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function createMapRenderer() {
    var glCanvas = document.createElement('canvas');
    // The first getContext fixes the attributes createRegl asks for again: no antialiasing (four
    // times the fragments in software WebGL); the drawing buffer is kept, as the library needs.
    glCanvas.getContext('webgl', { antialias: false, preserveDrawingBuffer: true });
    var regl = window.createScatterplotRegl(glCanvas);
    var supported = ['OES_texture_float', 'OES_element_index_uint', 'WEBGL_color_buffer_float', 'EXT_float_blend']
      .every(function (ext) { return regl.hasExtension(ext); });
    var frameFns = new Set();
    var frame = regl.frame(function () { frameFns.forEach(function (fn) { fn(); }); });
    var plot = null, shown = null, version = 0, lasso = false, forceFull = false;
    var settleTimer = null, motionSince = 0, waiting = [], destroyed = false;
    var stats = { full: 0, moved: 0, still: 0, fullMs: 0 };

    function state() {
      return { view: plot.get('cameraView').slice(), points: plot.get('points'), selected: plot.get('selectedPoints'),
        version: version };
    }

    function ring(ctx) {
      var i = plot.get('hoveredPoint');
      if (!(i >= 0)) { return; }
      var pos = plot.getScreenPosition(i);
      if (!pos) { return; }
      var dpr = window.devicePixelRatio || 1, size = plot.get('pointSize');
      var r = (Math.max(typeof size === 'number' ? size : 3, 3) / 2 + 3) * dpr;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.lineWidth = 3 * dpr;
      ctx.strokeStyle = 'rgba(255,255,255,0.9)';
      ctx.beginPath(); ctx.arc(pos[0] * dpr, pos[1] * dpr, r, 0, 2 * Math.PI); ctx.stroke();
      ctx.lineWidth = 1.5 * dpr;
      ctx.strokeStyle = '#111';
      ctx.stroke();
    }

    // The last full drawing (still in glCanvas) on the map, moved from its camera to `view`.
    function showMoved(target, view) {
      var ctx = target.getContext('2d'), w = target.width, h = target.height;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
      if (view) {
        var screen = [h / 2, 0, w / 2, 0, -h / 2, h / 2];  // view space -> canvas pixels
        var m = affineMul(affineMul(screen, viewAffine(view)), affineMul(affineInv(viewAffine(shown.view)), affineInv(screen)));
        ctx.setTransform(m[0], m[3], m[1], m[4], m[2], m[5]);
      }
      ctx.drawImage(glCanvas, 0, 0);
      ring(ctx);
    }

    function settleSoon() {
      clearTimeout(settleTimer);
      settleTimer = setTimeout(function () {
        settleTimer = null;
        forceFull = true;
        if (plot && !destroyed) { plot.redraw(); }
      }, SETTLE_MS);
    }

    function full(draw, target) {
      var t0 = performance.now();
      if (glCanvas.width !== target.width || glCanvas.height !== target.height) {
        glCanvas.width = target.width;
        glCanvas.height = target.height;
        regl.poll();
      }
      regl.clear({ color: [0, 0, 0, 0], depth: 1 });
      draw();
      shown = plot ? state() : null;
      forceFull = false;
      motionSince = 0;
      clearTimeout(settleTimer);
      settleTimer = null;
      showMoved(target, null);
      stats.full++;
      requestAnimationFrame(function () { stats.fullMs = performance.now() - t0; });  // once drawn
      waiting.splice(0).forEach(function (resolve) { resolve(stats); });
    }

    // Whether the last full drawing can stand for this frame: only the camera or the hover changed.
    function reusable(target, now) {
      return api.motionCache && shown && !forceFull && !lasso && glCanvas.width === target.width &&
        glCanvas.height === target.height && now.version === shown.version && now.points === shown.points &&
        sameArray(now.selected, shown.selected);
    }

    function render(draw, target) {
      var now = plot ? state() : null, t = performance.now();
      if (!now || !reusable(target, now)) {
        full(draw, target);
      } else if (sameArray(now.view, shown.view)) {
        showMoved(target, null);  // only the hover changed
        stats.still++;
      } else if (motionSince && t - motionSince > Math.max(MAX_STALE_MS, 8 * stats.fullMs)) {
        full(draw, target);  // moving for a while: draw every point once
      } else {
        motionSince = motionSince || t;
        showMoved(target, now.view);
        stats.moved++;
        settleSoon();
      }
    }

    var api = {
      motionCache: true,
      get canvas() { return glCanvas; },
      get regl() { return regl; },
      get gamma() { return 1; },
      set gamma(value) { /* no gamma pass: colours are drawn as given */ },
      get isSupported() { return supported; },
      get isDestroyed() { return destroyed; },
      stats: stats,
      render: render,
      resize: function (width, height) {
        glCanvas.width = Math.max(1, Math.floor(width * window.devicePixelRatio));
        glCanvas.height = Math.max(1, Math.floor(height * window.devicePixelRatio));
      },
      refresh: function () { regl.poll(); },
      onFrame: function (fn) { frameFns.add(fn); return function () { frameFns.delete(fn); }; },
      // Follow a plot: changes made through these methods draw every point on the next frame.
      attach: function (p) {
        plot = p;
        ['set', 'draw', 'clear', 'filter', 'unfilter', 'select', 'deselect'].forEach(function (name) {
          var original = p[name];
          p[name] = function () { version++; return original.apply(p, arguments); };
        });
        p.subscribe('lassoStart', function () { lasso = true; });
        p.subscribe('lassoEnd', function () { lasso = false; version++; p.redraw(); });
      },
      settled: function () {
        return new Promise(function (resolve) {
          if (settleTimer === null && !forceFull) { resolve(stats); } else { waiting.push(resolve); }
        });
      },
      destroy: function () {
        destroyed = true;
        clearTimeout(settleTimer);
        frame.cancel();
        regl.destroy();
      }
    };
    return api;
  }

  // ------------------------------------------------------------------ the maps
  function makePlot(side) {
    var canvas = $('canvas-' + side);
    var renderer = createMapRenderer();
    var plot = window.createScatterplot({  // 'auto': the plot follows the canvas's size when the page changes
      renderer: renderer, canvas: canvas, width: 'auto', height: 'auto',
      pointSize: 3, backgroundColor: [1, 1, 1, 1], pointColor: PALETTE, colorBy: 'valueA',
      pointColorActive: [0.1, 0.1, 0.1, 1], pointSizeSelected: 3, pointOutlineWidth: 2,
      pointColorHover: [0, 0, 0, 0],  // the renderer rings the hovered point instead of drawing all again
      lassoOnLongPress: false
    });
    renderer.attach(plot);
    plot.renderer = renderer;
    plot.subscribe('pointOver', function (i) {
      var v = views[side];
      var tip = $('tooltip');
      tip.textContent = v.keys[i];
      tip.hidden = false;
      tip.dataset.key = v.keys[i];
    });
    plot.subscribe('pointOut', function () { $('tooltip').hidden = true; });
    plot.subscribe('select', function (ev) {
      if (ev.points.length === 1 && !views[side].programmatic) { selectKey(views[side].keys[ev.points[0]], side); }
    });
    return plot;
  }

  document.addEventListener('mousemove', function (ev) {
    var tip = $('tooltip');
    tip.style.left = (ev.clientX + 12) + 'px';
    tip.style.top = (ev.clientY + 12) + 'px';
  });

  function loadView(side, name) {
    var method = $('method').value, by = $('color-by').value;
    var t0 = performance.now();
    // say what the page is waiting for (a UMAP map can take minutes to compute the first time)
    var pending = ['the keys', method === 'umap' ? 'the UMAP map (computing it can take minutes)' : 'the PCA map',
      'the colours'];
    function waiting() {
      var left = pending.filter(Boolean);
      if (left.length) { status('loading ' + name + ': waiting for ' + left.join(', ') + '...', 'loading'); }
    }
    function got(i) { return function (value) { pending[i] = null; waiting(); return value; }; }
    waiting();
    return Promise.all([source.keys(name).then(got(0)), source.map(name, method).then(got(1)),
      source.colors(name, by).then(function (c) { c.by = by; return c; }).catch(function (e) {
        $('color-by').value = 'frequency';  // said in the legend, not dropped without a word
        return source.colors(name, 'frequency').then(function (c) {
          c.by = 'frequency';
          c.note = 'no ' + by + ' colours: ' + (e && e.message ? e.message : e) + '; coloured by frequency';
          return c;
        });
      }).then(got(2))]).then(function (r) {
      var keys = r[0], xy = r[1], colors = r[2], n = keys.length;
      var t1 = performance.now();
      var x = new Float32Array(n), y = new Float32Array(n), z = new Float32Array(n);
      for (var i = 0; i < n; i++) { x[i] = xy[2 * i]; y[i] = xy[2 * i + 1]; z[i] = colors.cats[i]; }
      var view = views[side];
      if (!view) { view = views[side] = { plot: makePlot(side) }; }
      view.name = name;
      view.keys = keys;
      view.n = n;
      view.plot.set({ pointSize: n > 200000 ? 1.5 : n > 20000 ? 2.5 : 5, opacity: n > 200000 ? 0.6 : 0.85 });
      view.plot.clear();
      var t1b = performance.now();
      return view.plot.draw({ x: x, y: y, valueA: z }, { zDataType: 'categorical' }).then(function () {
        return fitView(view.plot, x, y);
      }).then(function () {
        var t2 = performance.now();
        view.index = new Map();  // key -> row, after drawing (1M keys take a while)
        for (var j = 0; j < n; j++) { view.index.set(keys[j], j); }
        $('caption-' + side).textContent = name + ' (' + n.toLocaleString() + ' points)';
        var st = $('status');
        st.dataset.points = String(n);
        st.dataset.loadMs = String(Math.round(t1 - t0));
        st.dataset.drawMs = String(Math.round(t2 - t1b));
        st.dataset.prepareMs = String(Math.round(t1b - t1));
        status(n.toLocaleString() + ' points drawn in ' + Math.round(t2 - t1b) + ' ms (data ' + Math.round(t1 - t0) +
          ' ms, arrays ' + Math.round(t1b - t1) + ' ms)', 'ready');
        if (side === 'a') { legend(colors.names, colors.by, colors.note); }
        return view;
      });
    });
  }

  // The first view shows every point with a margin, whatever the map's size and shape.
  function fitView(plot, x, y) {
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (var i = 0; i < x.length; i++) {
      if (x[i] < x0) { x0 = x[i]; } if (x[i] > x1) { x1 = x[i]; }
      if (y[i] < y0) { y0 = y[i]; } if (y[i] > y1) { y1 = y[i]; }
    }
    if (!(x1 >= x0)) { return Promise.resolve(); }
    var w = Math.max(x1 - x0, 1e-3), h = Math.max(y1 - y0, 1e-3);
    return plot.zoomToArea({ x: x0 - 0.04 * w, y: y0 - 0.04 * h, width: 1.08 * w, height: 1.08 * h });
  }

  var LEGEND_TITLES = { frequency: 'frequency rank (1 = the most frequent key)', cluster: 'k-means clusters',
    label: 'labels' };

  function legend(names, by, note) {
    var el = $('legend');
    el.innerHTML = '';
    if (note) {
      var p = document.createElement('p');
      p.className = 'note';
      p.id = 'legend-note';
      p.textContent = note;
      el.appendChild(p);
    }
    if (by && LEGEND_TITLES[by]) {
      var title = document.createElement('b');
      title.textContent = LEGEND_TITLES[by];
      el.appendChild(title);
    }
    names.forEach(function (name, i) {
      var row = document.createElement('div');
      var dot = document.createElement('i');
      dot.style.background = PALETTE[i % PALETTE.length];
      row.appendChild(dot);
      row.appendChild(document.createTextNode(name));
      el.appendChild(row);
    });
  }

  // ------------------------------------------------------------------ selection and neighbours
  function highlight(side, keysToShow, focus) {
    var view = views[side];
    if (!view) { return; }
    var rows = keysToShow.map(function (k) { return view.index.get(k); }).filter(function (r) { return r !== undefined; });
    view.programmatic = true;
    view.plot.select(rows, { preventEvent: true });
    view.programmatic = false;
    if (focus && rows.length) { view.plot.zoomToPoints(rows, { transition: true, padding: 0.6 }); }
  }

  function fillList(el, result, other) {
    el.innerHTML = '';
    var shared = new Set(other ? other.neighbors.map(function (n) { return n.key; }) : []);
    result.neighbors.forEach(function (n) {
      var li = document.createElement('li');
      li.textContent = n.key;
      var score = document.createElement('span');
      score.textContent = n.score.toFixed(3);
      li.appendChild(score);
      li.dataset.key = n.key;
      if (shared.has(n.key)) { li.className = 'shared'; }
      li.addEventListener('click', function () { selectKey(n.key); });
      el.appendChild(li);
    });
  }

  function selectKey(key, fromSide) {
    key = String(key).trim();
    if (!key || !views.a) { return Promise.resolve(); }
    $('search').value = key;
    $('selected').textContent = key;
    $('overlap').textContent = '';
    var k = 10;
    var jobs = [source.neighbors(views.a.name, key, k)];
    if (views.b) { jobs.push(source.neighbors(views.b.name, key, k).catch(function (e) { return { error: e.message, neighbors: [] }; })); }
    return Promise.all(jobs).then(function (r) {
      fillList($('neighbors-a'), r[0], r[1]);
      highlight('a', [key].concat(r[0].neighbors.map(function (n) { return n.key; })), fromSide !== 'a');
      if (views.b) {
        fillList($('neighbors-b'), r[1], r[0]);
        highlight('b', [key].concat(r[1].neighbors.map(function (n) { return n.key; })), fromSide !== 'b');
        var a = new Set(r[0].neighbors.map(function (n) { return n.key; }));
        var both = r[1].neighbors.filter(function (n) { return a.has(n.key); }).length;
        $('overlap').textContent = r[1].error ? r[1].error : 'neighbour overlap@' + k + ': ' + (both / k).toFixed(2) +
          ' (' + views.a.name + ' vs ' + views.b.name + ')';
        $('overlap').dataset.overlap = String(both / k);
      } else { $('neighbors-b').innerHTML = ''; }
      status(key + ': ' + r[0].neighbors.length + ' neighbours', 'ready');
    }).catch(function (e) {
      $('neighbors-a').innerHTML = '';
      var hint = e.body && e.body.suggestions && e.body.suggestions.length ? ' (did you mean ' + e.body.suggestions.join(', ') + '?)' : '';
      status(e.message.split(';')[0] + hint, 'error');
    });
  }

  function clearLists() {  // a new heading never stands over the previous key's neighbours
    $('neighbors-a').innerHTML = '';
    $('neighbors-b').innerHTML = '';
    $('overlap').textContent = '';
    delete $('overlap').dataset.overlap;
    delete $('overlap').dataset.similarity;
  }

  function applyHash() {
    var h = new URLSearchParams(location.hash.slice(1));
    if (!views.a) { return; }
    if (h.get('pair')) {
      var pair = h.get('pair').split(',').map(function (x) { return x.trim(); });
      clearLists();
      $('selected').textContent = pair.join(' / ');
      if (pair.length !== 2) { status('#pair= takes two keys: #pair=king,queen', 'error'); return; }
      highlight('a', pair, true);
      source.similarity(views.a.name, pair[0], pair[1]).then(function (r) {
        $('overlap').textContent = 'cosine similarity of ' + pair[0] + ' and ' + pair[1] + ': ' + r.similarity.toFixed(3);
        $('overlap').dataset.similarity = String(r.similarity);
        status(pair.join(' / ') + ': similarity ' + r.similarity.toFixed(3), 'ready');
      }).catch(function (e) { status(e.message.split(';')[0], 'error'); });
      return;
    }
    if (h.get('analogy')) {
      var w = h.get('analogy').split(',').map(function (x) { return x.trim(); });
      clearLists();
      $('selected').textContent = w.join(' : ');
      if (w.length !== 3) { status('#analogy= takes three keys: #analogy=man,king,woman', 'error'); return; }
      source.analogy(views.a.name, w[0], w[1], w[2], 10).then(function (r) {
        $('selected').textContent = w[0] + ' : ' + w[1] + ' :: ' + w[2] + ' : ?';
        fillList($('neighbors-a'), r);
        highlight('a', w.concat(r.neighbors.map(function (n) { return n.key; })), true);
        status(w[0] + ' : ' + w[1] + ' :: ' + w[2] + ' : ' + (r.neighbors.length ? r.neighbors[0].key : '?'), 'ready');
      }).catch(function (e) { status(e.message.split(';')[0], 'error'); });
      return;
    }
    if (h.get('key')) { selectKey(h.get('key')); }
  }

  function refreshExport() {
    if (!views.a) { return; }
    var href = source.csv(views.a.name, $('method').value);
    var link = $('export');
    link.href = href;
    link.setAttribute('download', views.a.name + '-' + $('method').value + '.csv');
    if (token && !STATIC) {  // a plain link cannot send the token: fetch, then save
      link.onclick = function (ev) {
        ev.preventDefault();
        api(href, 'text').then(function (text) {
          var a = document.createElement('a');
          a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
          a.download = link.getAttribute('download');
          a.click();
        }).catch(fail);
      };
    }
  }

  // ------------------------------------------------------------------ start
  function start() {
    source.sets().then(function (info) {
      sets = info.sets;
      var selA = $('set-a'), selB = $('set-b');
      sets.forEach(function (s) {
        selA.add(new Option(s.name + ' (' + s.keys.toLocaleString() + ')', s.name));
        selB.add(new Option(s.name, s.name));
      });
      if (params.get('set')) { selA.value = params.get('set'); }
      if (params.get('beside')) { selB.value = params.get('beside'); }
      if (STATIC) { $('method').disabled = true; }
      if (!sets.some(function (s) { return s.labels; })) {  // say why it cannot be chosen
        var opt = $('color-by').querySelector('option[value="label"]');
        opt.disabled = true;
        opt.textContent = STATIC ? 'label (none in this export)' : 'label (start serve with --labels FILE)';
      }
      return reload();
    }).then(applyHash).catch(fail);
  }

  function reload() {
    var jobs = [loadView('a', $('set-a').value)];
    var b = $('set-b').value;
    $('map-b').hidden = !b;
    if (b) {
      jobs.push(loadView('b', b));
    } else if (views.b) {
      views.b.plot.destroy();
      views.b.plot.renderer.destroy();  // a renderer passed in is the caller's to destroy
      delete views.b;
    }
    return Promise.all(jobs).then(function () {
      refreshExport();
      if ($('search').value) { return selectKey($('search').value); }
    }).catch(fail);
  }

  $('search-form').addEventListener('submit', function (ev) { ev.preventDefault(); selectKey($('search').value); });
  $('token-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    token = $('token').value;
    sessionStorage.setItem('embedlab-token', token);
    $('token-box').hidden = true;
    start();
  });
  ['set-a', 'set-b', 'color-by', 'method'].forEach(function (id) { $(id).addEventListener('change', reload); });
  window.addEventListener('hashchange', applyHash);
  window.embedlabExplorer = { views: views, selectKey: selectKey };
  start();
}());
