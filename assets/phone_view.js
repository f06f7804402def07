/* The same URL on a phone: a narrow screen opening the wall or a region profile goes to the phone
 * view (/m) of the same region, indicator and period, before the page downloads the Dash renderer.
 * Loaded first in the head of every Dash page (cockpit/app.py INDEX) and by the sign-in page, whose
 * form it points at the phone view instead (no detour through the wall's scripts on a slow network).
 * Not for the wall's kiosk mode; not when the user chose 桌面版 (cookie cockpit_view=desk), where a
 * small 手机版 link leads back instead. Tiny and plain: it runs before everything else. */
(function () {
  "use strict";
  var PHONE_MAX = 600; // CSS px: phones in portrait; a phone in landscape is told by its short side

  // The phone view's address for a desk address (path and search), or null when it has none.
  function phoneTarget(path, search) {
    var params = new URLSearchParams(search);
    if (params.get("kiosk") === "1") return null;
    var profile = path.match(/^\/region\/(\d{6})\/?$/);
    if (path !== "/" && !profile) return null;
    if (profile) params.set("region", profile[1]);
    var keep = new URLSearchParams();
    ["region", "indicator", "period", "theme"].forEach(function (k) {
      if (params.get(k)) keep.set(k, params.get(k));
    });
    // A region profile opens the phone's profile of the same region; the wall its first screen.
    return (profile ? "/m/profile" : "/m") + (keep.toString() ? "?" + keep.toString() : "");
  }

  try {
    var narrow = window.innerWidth <= PHONE_MAX || Math.min(screen.width, screen.height) <= 500;
    var desk = document.cookie.split("; ").indexOf("cockpit_view=desk") >= 0;
    if (!narrow) return;
    if (location.pathname === "/login") {
      if (desk) return;
      document.addEventListener("DOMContentLoaded", function () {
        var next = document.querySelector('input[name="next"]');
        if (!next) return;
        var url = new URL(next.value || "/", location.origin);
        var target = phoneTarget(url.pathname, url.search);
        if (target) next.value = target;
      });
      return;
    }
    var target = phoneTarget(location.pathname, location.search);
    if (!target) return;
    if (!desk) {
      window.cockpitPhoneRedirect = true; // assets/early_layout.js: no layout for a page being left
      location.replace(target);
      return;
    }
    document.addEventListener("DOMContentLoaded", function () {
      var link = document.createElement("a");
      link.href = target;
      link.id = "phone-view-link";
      link.textContent = "手机版";
      link.setAttribute("style", "position:fixed;right:12px;bottom:12px;z-index:9999;min-height:44px;" +
        "padding:0 16px;display:flex;align-items:center;border-radius:22px;font-size:16px;" +
        "background:#1f6feb;color:#fff;text-decoration:none;box-shadow:0 2px 8px rgba(0,0,0,.4)");
      document.body.appendChild(link);
    });
  } catch (e) {
    /* a failing switch must never stop the page it runs on */
  }
})();
