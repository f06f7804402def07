#!/bin/sh
# Refreshes assets/vendor/regenerator-runtime.js: regenerator-runtime's runtime.js, byte for byte,
# at the version package-lock.json pins (npm checks its integrity hash). The cockpit loads it in
# place of Babel's polyfill (cockpit/browser_deps.py says why). Needs node and npm (a package
# registry, no other network); the file is committed, so neither `make run` nor `make test` does.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
cp node_modules/regenerator-runtime/runtime.js ../../assets/vendor/regenerator-runtime.js
