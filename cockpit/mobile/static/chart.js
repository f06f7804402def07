/* One chart, full screen (/m/chart): the figure is fetched as JSON and drawn by the cockpit's own
 * plotly.js, the only page of the phone view that loads it. Every value is written at its point. */
(function () {
  "use strict";
  var body = document.body;
  var holder = document.getElementById("m-chart");
  var notice = document.getElementById("m-offline");
  function offline(on) { if (notice) notice.hidden = !on; }
  window.addEventListener("offline", function () { offline(true); });
  window.addEventListener("online", function () { offline(false); });
  var retry = document.getElementById("m-retry");
  if (retry) retry.addEventListener("click", function () { location.reload(); });

  fetch(body.getAttribute("data-figure-url"), { credentials: "same-origin" })
    .then(function (answer) {
      if (!answer.ok) throw new Error(String(answer.status));
      return answer.json();
    })
    .then(function (figure) {
      holder.textContent = "";
      return window.Plotly.newPlot(holder, figure.data, figure.layout,
        { displayModeBar: false, responsive: true, locale: "zh-CN", scrollZoom: false });
    })
    .catch(function () { offline(true); });
})();
