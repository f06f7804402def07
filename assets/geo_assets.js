/* plotly.js fetches a world topology for every geo subplot that holds a choropleth, even when the
   regions come from our own GeoJSON and no base layer is shown (its check looks at the trace's
   locationmode, which is "geojson-id"). The cockpit draws no base layer, so the topology is the
   empty stub also served from assets/topojson/; handing it to plotly here saves a request on every
   map's first paint, which otherwise waits behind whatever the server is doing. */
(function () {
    "use strict";
    var empty = {type: "Topology", objects: {}, arcs: []};
    var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    assets.topojson = assets.topojson || {};
    ["world_110m", "world_50m"].forEach(function (name) {
        if (assets.topojson[name] === undefined) { assets.topojson[name] = empty; }
    });
})();
