/* The phone view's only script: taps on the map, the search box, the offline notice. The page works
 * without it (a tap on the map drills at once); nothing here draws a number, the server did. */
(function () {
  "use strict";
  var body = document.body;
  // The same URL on a desk: the desk view of the same region, indicator and period.
  if (window.innerWidth > 600 && Math.min(screen.width, screen.height) > 500) {
    location.replace(body.getAttribute("data-desk") || "/");
    return;
  }

  // --- the map: a first tap shows the region, a second (or the button) drills -----------------
  var info = document.getElementById("m-map-info");
  var chosen = null;
  document.addEventListener("click", function (event) {
    var region = event.target.closest ? event.target.closest("a.m-region") : null;
    if (!region || !info) return;
    if (region === chosen) return; // the second tap follows the link
    event.preventDefault();
    if (chosen) chosen.classList.remove("tapped");
    chosen = region;
    region.classList.add("tapped");
    // Drawn last among the shapes (under the names), so its outline is not hidden by a neighbour's.
    region.parentNode.insertBefore(region, region.parentNode.querySelector(".m-labels"));
    var name = region.getAttribute("data-name");
    info.textContent = "";
    var line = document.createElement("div");
    line.className = "m-info-line";
    var strong = document.createElement("strong");
    strong.textContent = name;
    line.appendChild(strong);
    line.appendChild(document.createTextNode(" " + region.getAttribute("data-shown") + " · " +
      region.getAttribute("data-status") + " · 排名 " + region.getAttribute("data-rank")));
    var drill = document.createElement("a");
    drill.className = "m-btn m-drill";
    drill.id = "m-drill";
    drill.href = region.getAttribute("href");
    drill.textContent = "进入" + name + " ›";
    info.appendChild(line);
    info.appendChild(drill);
  });

  // --- search: the wall's options, matched by the wall's rule --------------------------------
  // dcc.Dropdown's js-search (AllSubstringsIndexStrategy): lower case, split at spaces, an option
  // is found when every typed word is a substring of some word of its value, label or search text.
  var input = document.getElementById("m-search-input");
  var list = document.getElementById("m-search-results");
  var options = null;
  var loading = null;

  function load() {
    if (options || loading) return loading;
    loading = fetch(body.getAttribute("data-options"), { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.json();
      })
      .then(function (data) {
        options = data.map(function (o) {
          return { label: o.label, value: o.value,
                   words: [o.value, o.label, o.search || ""].join(" ").toLowerCase().split(/\s+/) };
        });
        loading = null;
        show();
      })
      .catch(function () {
        loading = null;
        offline(true);
      });
    return loading;
  }

  function matches(option, typed) {
    return typed.every(function (w) {
      return option.words.some(function (t) { return t.indexOf(w) >= 0; });
    });
  }

  function show() {
    if (!input || !list) return;
    var typed = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!typed.length || !options) { list.hidden = true; return; }
    var here = new URLSearchParams(location.search);
    var found = options.filter(function (o) { return matches(o, typed); }).slice(0, 8);
    found.forEach(function (o) {
      var params = new URLSearchParams();
      params.set("to", o.value);
      ["region", "indicator", "period", "theme"].forEach(function (k) {
        if (here.get(k)) params.set(k, here.get(k));
      });
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/m/go?" + params.toString();
      link.textContent = o.label;
      item.appendChild(link);
      list.appendChild(item);
    });
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "m-none";
      none.textContent = "无匹配结果";
      list.appendChild(none);
    }
    list.hidden = false;
  }

  if (input) {
    input.addEventListener("focus", load);
    input.addEventListener("input", function () { load(); show(); });
  }

  // --- the one-click briefing: start the job, follow it, open the PDF in the phone's viewer -----
  var brief = document.getElementById("m-brief");
  var briefState = document.getElementById("m-brief-state");
  function say(text) { if (briefState) briefState.textContent = text; }
  function follow(status, started) {
    fetch(status, { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (job) {
        if (job.state === "done") {
          say("简报已生成");
          brief.disabled = false;
          location.href = status + "/pdf?inline=1";
        } else if (job.state === "failed" || job.error) {
          say("生成失败：" + (job.error || "请稍后重试"));
          brief.disabled = false;
        } else {
          say("正在生成简报…（" + Math.round((Date.now() - started) / 1000) + " 秒）");
          setTimeout(function () { follow(status, started); }, 1000);
        }
      })
      .catch(function () { say("网络不可用，请重试"); brief.disabled = false; });
  }
  if (brief) {
    brief.addEventListener("click", function () {
      brief.disabled = true;
      say("正在生成简报…");
      fetch("/exports/briefing", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ region: brief.getAttribute("data-region"),
                               period: brief.getAttribute("data-period") || null, formats: "pdf" })
      })
        .then(function (answer) { return answer.json(); })
        .then(function (started) {
          if (!started.status) { say(started.error || "无法生成简报"); brief.disabled = false; return; }
          follow(started.status, Date.now());
        })
        .catch(function () { say("网络不可用，请重试"); brief.disabled = false; });
    });
  }

  // --- no network: say so, and offer to try again ----------------------------------------------
  var notice = document.getElementById("m-offline");
  function offline(on) { if (notice) notice.hidden = !on; }
  window.addEventListener("offline", function () { offline(true); });
  window.addEventListener("online", function () { offline(false); });
  if (navigator.onLine === false) offline(true);
  var retry = document.getElementById("m-retry");
  if (retry) retry.addEventListener("click", function () { location.reload(); });
})();
