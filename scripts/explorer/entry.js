// Bundled by scripts/build_explorer_js.sh into src/embedlab/serve/static/vendor/regl-scatterplot.js
import createScatterplot from 'regl-scatterplot';
window.createScatterplot = createScatterplot;
