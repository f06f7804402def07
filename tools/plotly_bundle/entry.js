// The cockpit's plotly.js: the core (with scatter) and only the traces the product draws, plus the
// zh-CN locale. A trace type missing here draws nothing: add it here and rebuild (build.sh).
var Plotly = require('plotly.js/lib/core');
Plotly.register([
  require('plotly.js/lib/bar'),
  require('plotly.js/lib/choropleth'),
  require('plotly.js/lib/scattergeo'),
  require('plotly.js/lib/locales/zh-cn'),
]);
module.exports = Plotly;
