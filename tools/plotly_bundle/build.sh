#!/bin/sh
# Rebuilds cockpit/vendor/plotly-cockpit.min.js from entry.js with the exact versions in
# package-lock.json (plotly.js must be the version the installed plotly package ships:
# tests/test_plotly_bundle.py checks). Needs node and npm (a package registry, no other network).
# The bundle is committed: neither `make run` nor `make test` needs node. build.mjs holds esbuild's
# options and the one source change made at bundling (see there).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build.mjs
