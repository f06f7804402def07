/* In-page navigation of the big screen (layouts/screen.py, callbacks/screen.py).
 *
 * A URL change on the screen — a dcc.Link (breadcrumb, 返回上级, theme, ticker alarms), a kiosk
 * playlist step (canvas.js) or the browser's back/forward — would make Dash's page router rebuild
 * the whole page and refill every tile, map included: three round trips before the new map shows.
 * Instead this hands the new URL to the screen's `navigate` callback (through the `screen-nav`
 * store), which answers with the new view, map and header in one. Dash's Location components are
 * told nothing (the event stops here), so the router stays put; leaving the screen (another path)
 * is not intercepted and the router renders that page as usual.
 *
 * The reverse direction, `syncUrl`, puts a view navigated to by a click (drill, search, indicator)
 * into the address bar and history, and switches the theme class. Loaded by Dash from assets/, so
 * the content security policy needs no inline script. Loaded before Dash mounts its Location
 * components, so these listeners run first.
 */
(function () {
  "use strict";
  const onScreen = () => document.getElementById("playlist-data") !== null;  // only the screen has it
  let seq = 0;

  function intercept(event) {
    const dc = window.dash_clientside;
    if (window.location.pathname !== "/" || !onScreen() || !dc || !dc.set_props) return;
    event.stopImmediatePropagation();
    seq += 1;  // a new value each time, so the same URL twice (back, forward) still navigates
    dc.set_props("screen-nav", { data: { search: window.location.search, seq: seq } });
  }
  window.addEventListener("popstate", intercept);
  window.addEventListener("_dashprivate_pushstate", intercept);

  function syncUrl(url, view) {
    if (url && typeof url.path === "string" && url.path !== window.location.pathname) {
      // Another page (an incident marker opens /emergency): Dash's router renders it, as a link would.
      window.history.pushState({}, "", url.path + (url.search || ""));
      window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
      return window.dash_clientside.no_update;
    }
    if (url && url.push && typeof url.search === "string" && url.search !== window.location.search) {
      window.history.pushState({}, "", window.location.pathname + url.search);
    }
    const viewport = document.querySelector(".viewport");
    if (viewport && view && view.theme) {
      viewport.classList.toggle("theme-dark", view.theme !== "light");
      viewport.classList.toggle("theme-light", view.theme === "light");
    }
    return window.dash_clientside.no_update;
  }

  /* plotly.js (1.4 MB compressed) is only asked for once the map is rendered, after Dash has booted
     and the page layout arrived; fetching it in parallel with those takes it off the first paint.
     A preload only downloads: dcc.Graph still loads and runs the script itself, once. */
  function preloadPlotly() {
    let config = {};
    try { config = JSON.parse(document.getElementById("_dash-config").textContent); } catch (err) { return; }
    if (window.location.pathname !== "/" || !config.serve_locally || window.Plotly) return;
    const link = document.createElement("link");
    link.rel = "preload";
    link.as = "script";
    link.href = (config.requests_pathname_prefix || "/") + "_dash-component-suites/plotly/package_data/plotly.min.js";
    document.head.appendChild(link);
  }
  preloadPlotly();

  /* The value once the browser is idle (after the map has painted): for work the first paint
     doesn't need, like indexing the search box's options. */
  function whenIdle(value) {
    return new Promise((resolve) => {
      const done = () => resolve(value);
      if (window.requestIdleCallback) window.requestIdleCallback(done, { timeout: 3000 });
      else window.setTimeout(done, 500);
    });
  }

  /* The view, handed to the tiles once the map shows a drawn choropleth (or after MAP_WAIT_MS, for a
     map that draws none). On a first load the tiles' answer used to arrive while plotly was still
     drawing the map, and rendering them first held the map back by about 100 ms. On a drill the
     map is drawn already and the tiles follow at once. Timers, not animation frames: a wall's
     hidden tab must still get its tiles. */
  const MAP_WAIT_MS = 1500;
  function mapDrawn() {
    const gd = document.querySelector("#screen-map .js-plotly-plot");
    return Boolean(gd && gd._fullLayout && gd.querySelector("path.choroplethlocation, canvas"));
  }
  function afterMap(view) {
    const started = Date.now();
    return new Promise((resolve) => {
      (function check() {
        if (mapDrawn() || Date.now() - started > MAP_WAIT_MS) resolve(view);
        else window.setTimeout(check, 16);
      })();
    });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.screen = Object.assign({}, window.dash_clientside.screen,
                                                { syncUrl: syncUrl, whenIdle: whenIdle, afterMap: afterMap });
})();
