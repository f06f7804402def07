// Bundles entry.js into cockpit/vendor/plotly-cockpit.min.js (run by build.sh after `npm ci`).
//
// One source change, made here rather than by forking plotly.js: country-iso-search builds its
// country-name index (every alias of every country, each normalised through a dozen regexps)
// when the module loads, twice — about ten of the ~22 ms plotly.js takes to evaluate, paid before
// the first map draws. The cockpit's maps locate regions by GeoJSON feature id, never by country
// name, so the index is built on the first name lookup instead. Each replacement must match
// exactly once, so a changed upstream file fails the build instead of shipping unpatched.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const plotlyVersion = JSON.parse(readFileSync("node_modules/plotly.js/package.json", "utf8")).version;

function replaceOnce(text, pattern, replacement, what) {
  const found = text.match(new RegExp(pattern.source, "g")) || [];
  if (found.length !== 1) throw new Error(`country-iso-search: expected one ${what}, found ${found.length}`);
  return text.replace(pattern, replacement);
}

const lazyCountryLookup = {
  name: "lazy-country-lookup",
  setup(b) {
    b.onLoad({ filter: /country-iso-search[\\/]dist[\\/]index\.cjs$/ }, (args) => {
      let code = readFileSync(args.path, "utf8");
      code = replaceOnce(code, /function createLookup\(records\) \{/,
        `function createLookup(records) {
  let made;
  const made_ = () => made || (made = buildLookup(records));
  return {
    lookup: (input) => made_().lookup(input),
    lookupAlpha3: (input) => made_().lookupAlpha3(input),
    get byAlpha3() { return made_().byAlpha3; },
    get byAlpha2() { return made_().byAlpha2; },
    get byM49() { return made_().byM49; },
  };
}
function buildLookup(records) {`, "createLookup");
      for (const name of ["byAlpha3", "byAlpha2", "byM49"]) {
        code = replaceOnce(code, new RegExp(`var ${name} = _default\\.${name};`), "", `${name} binding`);
        code = replaceOnce(code, new RegExp(`  ${name}: \\(\\) => ${name},`), `  ${name}: () => _default.${name},`, `${name} export`);
      }
      return { contents: code, loader: "js" };
    });
  },
};

await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: process.env.PLOTLY_BUNDLE_DEV !== "1",
  format: "iife",
  globalName: "Plotly",
  loader: { ".css": "empty" },
  legalComments: "none",
  // `global` is what browserify (plotly's own build) provides as window.
  define: { global: "window" },
  banner: { js: `/* plotly.js ${plotlyVersion} (MIT, Plotly, Inc.): core, bar, choropleth, scattergeo, locale zh-CN — tools/plotly_bundle */` },
  outfile: process.env.PLOTLY_BUNDLE_OUT || "../../cockpit/vendor/plotly-cockpit.min.js",
  plugins: [lazyCountryLookup],
});
