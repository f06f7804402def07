// The wall's clock (a clientside callback: no server round trip every minute). Lives here rather
// than as an inline string because the content security policy allows no inline script.
// It shows the cockpit's zone (data-zone on the clock, COCKPIT_TIMEZONE: Beijing by default),
// never the zone of the browser that happens to drive the wall.
(function () {
  const formats = {};
  function format(zone) {
    if (!formats[zone]) {
      formats[zone] = new Intl.DateTimeFormat("zh-CN", {
        timeZone: zone, year: "numeric", month: "numeric", day: "numeric",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      });
    }
    return formats[zone];
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    cockpit: Object.assign({}, (window.dash_clientside || {}).cockpit, {
      clock: function () {
        const el = document.getElementById("screen-clock");
        const zone = (el && el.dataset.zone) || "Asia/Shanghai";
        const parts = {};
        for (const p of format(zone).formatToParts(new Date())) parts[p.type] = p.value;
        return `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}`;
      },
    }),
  });
})();
