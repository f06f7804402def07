// The wall's clock (a clientside callback: no server round trip every minute). Lives here rather
// than as an inline string because the content security policy allows no inline script.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  cockpit: Object.assign({}, (window.dash_clientside || {}).cockpit, {
    clock: function () {
      const d = new Date();
      const p = (x) => String(x).padStart(2, "0");
      return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${p(d.getHours())}:${p(d.getMinutes())}`;
    },
  }),
});
