/* A stand-in for dash_ag_grid.AgGrid (cockpit/lazy_grid.py): the grid's 1.3 MB library is fetched
 * when a page first renders a grid, not run by every page before the wall's map. The stand-in stays
 * the component Dash renders; once the library has run, the real grid renders inside it with the
 * same props. Dash's renderer waits for it before applying a callback's answer to a grid
 * (_dashprivate_isLazyComponentReady, as for its own lazy components). */
(function () {
  "use strict";
  var own = document.currentScript;
  var src = own && own.getAttribute("data-bundle");
  if (!src) return;
  var stand = {};
  var real = null;
  var loading = null;

  function load() {
    if (real) return Promise.resolve(real);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = src;
        tag.async = true;
        tag.onload = function () {
          var lib = window.dash_ag_grid;
          window.dash_ag_grid = stand; // the renderer keeps resolving the stand-in
          if (!lib || lib === stand || !lib.AgGrid) {
            loading = null;
            reject(new Error("dash_ag_grid did not define AgGrid"));
            return;
          }
          real = lib;
          Object.keys(lib).forEach(function (key) {
            if (key !== "AgGrid") stand[key] = lib[key]; // getApi, getApiAsync for clientside code
          });
          ["dashPersistence", "defaultProps", "propTypes"].forEach(function (key) {
            if (lib.AgGrid[key] !== undefined) AgGrid[key] = lib.AgGrid[key];
          });
          resolve(lib);
        };
        tag.onerror = function () {
          loading = null; // the next grid asks again
          reject(new Error("dash_ag_grid could not be fetched"));
        };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  function AgGrid(props) {
    var React = window.React;
    var state = React.useState(real ? "ready" : "loading");
    React.useEffect(function () {
      if (real) return undefined;
      var live = true;
      load().then(
        function () { if (live) state[1]("ready"); },
        function () { if (live) state[1]("failed"); }
      );
      return function () { live = false; };
    }, []);
    if (real) return React.createElement(real.AgGrid, props);
    return React.createElement(
      "div",
      { id: props.id, className: "cockpit-grid-pending " + (props.className || ""), style: props.style },
      state[0] === "failed" ? "表格组件加载失败，请刷新页面" : "表格加载中…"
    );
  }
  Object.defineProperty(AgGrid, "_dashprivate_isLazyComponentReady", {
    get: function () { return real ? true : load(); },
  });
  stand.AgGrid = AgGrid;
  window.dash_ag_grid = stand;
})();
