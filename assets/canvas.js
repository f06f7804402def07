/* Wall support: scale the 1920×1080 design canvas to any screen, kiosk playlist, watchdog.
 *
 * URL parameters (kept across the playlist):
 *   kiosk=1          no controls, rotate screens, recover by itself
 *   interval=20      seconds per playlist step
 *   playlist=cities  province, then each city in turn (default in kiosk); "none" to stay
 *   resume=60        seconds of no interaction before a paused playlist resumes
 */
(function () {
  "use strict";
  const DESIGN_W = 1920, DESIGN_H = 1080;
  const params = new URLSearchParams(window.location.search);
  const kiosk = params.get("kiosk") === "1" || sessionStorage.getItem("cockpit.kiosk") === "1";
  if (params.get("kiosk") === "1") sessionStorage.setItem("cockpit.kiosk", "1");
  if (params.get("kiosk") === "0") sessionStorage.removeItem("cockpit.kiosk");
  const num = (name, fallback) => { const v = parseInt(params.get(name) || sessionStorage.getItem("cockpit." + name) || "", 10); return v > 0 ? v : fallback; };
  const stepSeconds = num("interval", 20);
  const resumeSeconds = num("resume", 60);
  ["interval", "resume", "playlist"].forEach((k) => { if (params.get(k)) sessionStorage.setItem("cockpit." + k, params.get(k)); });
  const playlistMode = params.get("playlist") || sessionStorage.getItem("cockpit.playlist") || (kiosk ? "cities" : "none");

  /* ---- uniform scaling: no scrollbars, no stretched text, letterbox on odd walls ---- */
  // Height is designed at 1080; the width follows the wall's aspect from 16:9 up to 48:9 (three
  // 1920×1080 panels side by side), so a spliced wall is filled by wider columns, not empty bars.
  function designWidth() {
    const aspectWidth = (window.innerWidth / window.innerHeight) * DESIGN_H;
    return Math.round(Math.min(Math.max(aspectWidth, DESIGN_W), DESIGN_W * 3));
  }
  /* The wall's centre: the map beside the ranking and trend, or above them, whichever draws it
     larger for its regions' shape (--map-aspect, set by the server; cockpit/screen/render.py
     makes the same choice for the 1920-px design). Applied through Dash, so a re-render keeps it. */
  const SIDE_WIDTH = 416, TOOLBAR = 40, BELOW = 316;  // the side column; the picker; ranking + trend row
  function arrangement(centre) {
    const aspect = parseFloat(centre.style.getPropertyValue("--map-aspect")) || 0;
    const width = centre.clientWidth, full = centre.clientHeight - TOOLBAR;
    if (!aspect || full <= BELOW) return "centre";
    const natural = aspect * full;
    const beside = Math.min((width - SIDE_WIDTH) / natural, 1);
    const above = Math.min(width / natural, (full - BELOW) / full);
    return above > beside ? "centre stacked" : "centre";
  }
  function arrange() {
    const centre = document.getElementById("screen-centre");
    const dc = window.dash_clientside;
    if (!centre || !dc || !dc.set_props) return;
    const wanted = arrangement(centre);
    if (centre.className !== wanted) dc.set_props("screen-centre", { className: wanted });
  }
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.canvas = Object.assign({}, window.dash_clientside.canvas, {
    arrange: function (_style) {
      const centre = document.getElementById("screen-centre");
      return centre ? arrangement(centre) : window.dash_clientside.no_update;
    },
  });

  let lastWidth = 0;
  function fit() {
    const canvas = document.getElementById("canvas");
    if (!canvas) return;
    const w = designWidth();
    const s = Math.min(window.innerWidth / w, window.innerHeight / DESIGN_H);
    const dx = (window.innerWidth - w * s) / 2, dy = (window.innerHeight - DESIGN_H * s) / 2;
    if (canvas.style.width !== w + "px") canvas.style.width = w + "px";
    canvas.style.transform = `translate(${dx}px, ${dy}px) scale(${s})`;
    canvas.dataset.scale = s.toFixed(4);
    canvas.dataset.width = String(w);
    // Responsive plotly graphs re-measure on window resize; the canvas changed, not the window.
    if (w !== lastWidth) { lastWidth = w; setTimeout(() => { arrange(); window.dispatchEvent(new Event("resize")); }, 0); }
    const viewport = canvas.parentElement;
    if (viewport) viewport.classList.toggle("kiosk", kiosk);
  }
  window.addEventListener("resize", fit);
  new MutationObserver(() => { if (document.getElementById("canvas")) fit(); }).observe(document.documentElement, { childList: true, subtree: true });

  /* ---- navigation the way dcc.Link does it: no page reload ---- */
  function navigate(search) {
    if (window.location.search === search) return;
    window.history.pushState({}, "", window.location.pathname + search);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  }

  /* ---- playlist: province → each city, pausing while someone interacts ---- */
  let pausedUntil = 0;
  const badge = document.createElement("div");
  badge.className = "kiosk-badge";
  function markInteraction() { pausedUntil = Date.now() + resumeSeconds * 1000; }
  // Chromium fires mousemove without movement when the page under a resting cursor re-renders
  // (every playlist step does): only a pointer that really moved counts as someone at the wall.
  let lastX = null, lastY = null;
  window.addEventListener("mousemove", (e) => {
    const moved = lastX !== null && (Math.abs(e.screenX - lastX) > 2 || Math.abs(e.screenY - lastY) > 2);
    lastX = e.screenX; lastY = e.screenY;
    if (moved) markInteraction();
  }, { passive: true });
  ["mousedown", "keydown", "touchstart", "wheel"].forEach((e) => window.addEventListener(e, markInteraction, { passive: true }));
  function playlist() {
    const data = document.getElementById("playlist-data");
    if (!data) return [];
    const province = data.dataset.province, cities = (data.dataset.cities || "").split(",").filter(Boolean);
    return [province, ...cities];
  }
  function step() {
    if (playlistMode === "none" || !document.getElementById("canvas")) return;
    if (!document.body.contains(badge)) document.body.appendChild(badge);
    const now = Date.now();
    if (now < pausedUntil) { badge.textContent = `轮播已暂停，${Math.ceil((pausedUntil - now) / 1000)} 秒后继续`; return; }
    const stops = playlist();
    if (!stops.length) return;
    const current = new URLSearchParams(window.location.search);
    const at = stops.indexOf(current.get("region") || stops[0]);
    const next = stops[(at + 1) % stops.length];
    current.set("region", next);
    badge.textContent = `轮播中 · 每 ${stepSeconds} 秒`;
    navigate("?" + current.toString());
  }
  if (playlistMode !== "none") { markInteraction(); pausedUntil = Date.now(); setInterval(step, stepSeconds * 1000); }

  /* ---- watchdog: survive server restarts and network drops, unattended for days ---- */
  let failures = 0;
  const started = Date.now();
  let banner = null;
  async function watchdog() {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 10000);
    try {
      const r = await fetch("/healthz", { cache: "no-store", signal: ctl.signal });
      if (!r.ok) throw new Error("status " + r.status);
      if (failures > 0) { window.location.reload(); return; }
      if (kiosk && Date.now() - started > 24 * 3600 * 1000) window.location.reload();  // a fresh page a day
    } catch (err) {
      failures += 1;
      if (!banner) { banner = document.createElement("div"); banner.className = "offline-banner"; document.body.appendChild(banner); }
      banner.textContent = `与服务器的连接中断，正在重连（第 ${failures} 次）… 画面数据停留在最后一次更新`;
    } finally { clearTimeout(timer); }
  }
  setInterval(watchdog, kiosk ? 15000 : 30000);
  window.cockpitWall = { fit, step, watchdog, navigate, state: () => ({ kiosk, playlistMode, stepSeconds, pausedUntil, failures }) };
})();
