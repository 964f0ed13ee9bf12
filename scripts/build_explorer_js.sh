#!/usr/bin/env bash
# Rebuild the explorer's vendored WebGL library from npm:
#   src/embedlab/serve/static/vendor/regl-scatterplot.js  (regl-scatterplot + regl + deps, one IIFE)
#   src/embedlab/serve/static/vendor/LICENSES.txt         (their licences)
# Needs node + npm (Debian: apt-get install -y nodejs npm). Versions are pinned in
# scripts/explorer/package.json (and package-lock.json). The package never loads JS from a CDN.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../src/embedlab/serve/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/explorer/package.json" "$here/explorer/entry.js" "$work/"
[ -f "$here/explorer/package-lock.json" ] && cp "$here/explorer/package-lock.json" "$work/"
cd "$work"
npm install --no-audit --no-fund --foreground-scripts >/dev/null
[ -f "$here/explorer/package-lock.json" ] || cp package-lock.json "$here/explorer/"
mkdir -p "$out"
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2019 \
  --legal-comments=none --outfile="$out/regl-scatterplot.js"
{
  echo "Bundled into regl-scatterplot.js by scripts/build_explorer_js.sh from npm:"
  for pkg in $(node -e "const l=require('./package-lock.json');for(const p of Object.keys(l.packages)){if(p&&!p.includes('esbuild'))console.log(p)}"); do
    v=$(node -p "require('./$pkg/package.json').version"); lic=$(node -p "require('./$pkg/package.json').license||'see package'")
    echo "  ${pkg#node_modules/} $v ($lic)"
  done
  echo
  for pkg in $(node -e "const l=require('./package-lock.json');for(const p of Object.keys(l.packages)){if(p&&!p.includes('esbuild'))console.log(p)}"); do
    f=$(ls "$pkg" | grep -i -m1 -E '^licen[cs]e' || true)
    if [ -n "$f" ]; then echo "==== ${pkg#node_modules/} ===="; cat "$pkg/$f"; echo; fi
  done
} > "$out/LICENSES.txt"
echo "wrote $out/regl-scatterplot.js ($(wc -c < "$out/regl-scatterplot.js") bytes)"
