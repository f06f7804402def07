#!/bin/sh
# Rebuilds cockpit/vendor/plotly-cockpit.min.js from entry.js with the exact versions in
# package-lock.json (plotly.js must be the version the installed plotly package ships:
# tests/test_plotly_bundle.py checks). Needs node and npm (a package registry, no other network).
# The bundle is committed: neither `make run` nor `make test` needs node.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
# maplibre's CSS is only for map traces, which the bundle leaves out; `global` is what browserify
# (plotly's own build) provides as window.
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --loader:.css=empty --legal-comments=none --define:global=window \
  --banner:js="/* plotly.js $(node -p "require('plotly.js/package.json').version") (MIT, Plotly, Inc.): core, bar, choropleth, scattergeo, locale zh-CN — tools/plotly_bundle */" \
  --outfile=../../cockpit/vendor/plotly-cockpit.min.js
