"""Figure builders: pure functions from query results to plotly figures."""

from pathlib import Path

# The cockpit's own plotly.js (tools/plotly_bundle: the traces the product draws, the zh-CN locale):
# what the browser runs (cockpit.app serves it where dash-renderer asks for plotly's) and what the
# chart exporter's browser loads (cockpit.exports.charts).
PLOTLY_JS = Path(__file__).resolve().parents[1] / "vendor" / "plotly-cockpit.min.js"
