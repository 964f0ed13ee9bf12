// Bundled by scripts/build_explorer_js.sh into src/embedlab/serve/static/vendor/regl-scatterplot.js
// createRegl is exposed for the explorer's own renderer (static/explorer.js, createMapRenderer).
import createScatterplot, { createRegl } from 'regl-scatterplot';
window.createScatterplot = createScatterplot;
window.createScatterplotRegl = createRegl;
