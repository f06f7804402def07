/* The wall's first paint, sooner. Dash asks for the page's layout (/_dash-layout, which holds the
 * page and its map: cockpit/page_container.py) and its callback graph (/_dash-dependencies) only once
 * its renderer has booted, after ~130 ms of script evaluation; the network and the server then kept
 * the map waiting another ~50 ms. Both are asked for here instead, first thing in the head, while the
 * scripts load and run, and the renderer's own first request for each is answered from these.
 * Loaded by cockpit/app.py's INDEX right after phone_view.js; not on a phone being sent to /m. */
(function () {
  "use strict";
  if (!window.fetch || window.cockpitPhoneRedirect) return;
  var own = document.currentScript && document.currentScript.getAttribute("src");
  var prefix = own ? own.replace(/assets\/early_layout\.js.*$/, "") : "/";
  var early = {};
  window.cockpitEarlyServed = []; // what the renderer was handed from here (the browser tests read it)
  ["_dash-layout", "_dash-dependencies"].forEach(function (name) {
    early[prefix + name] = window.fetch(prefix + name, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  });
  var fetch = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var path = url.indexOf(location.origin) === 0 ? url.slice(location.origin.length) : url;
    var method = (init && init.method) || "GET";
    var answer = method === "GET" ? early[path] : undefined;
    if (!answer) return fetch.apply(this, arguments);
    delete early[path]; // once: a later request (a reload of the layout) goes to the server
    window.cockpitEarlyServed.push(path);
    var self = this, args = arguments;
    return answer.catch(function () { return fetch.apply(self, args); });
  };
})();
