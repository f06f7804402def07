#!/bin/sh
# Vendors AG Grid's own Simplified Chinese locale (AG_GRID_LOCALE_CN) for the version dash-ag-grid
# ships, into cockpit/vendor/ag-grid-locale-zh-cn.json: the grids run offline, so the locale is
# carried with the code rather than fetched. Needs npm and node (a package registry); run it again
# when dash-ag-grid moves to a new AG Grid version.
set -eu
version="${1:-$(.venv/bin/python -c 'import dash_ag_grid; print(dash_ag_grid.__version__)')}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@ag-grid-community/locale@$version" >/dev/null && tar xzf ./*.tgz)
node -e '
const [dir, version, out] = process.argv.slice(1);
const locale = require(dir + "/package/dist/package/main.cjs.js").AG_GRID_LOCALE_CN;
const sorted = Object.fromEntries(Object.keys(locale).sort().map((k) => [k, locale[k]]));
const doc = {source: `@ag-grid-community/locale ${version}, AG_GRID_LOCALE_CN (MIT License, AG GRID LTD)`, locale: sorted};
require("fs").writeFileSync(out, JSON.stringify(doc, null, 1) + "\n");
' "$work" "$version" cockpit/vendor/ag-grid-locale-zh-cn.json
echo "cockpit/vendor/ag-grid-locale-zh-cn.json: AG Grid $version"
