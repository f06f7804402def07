"""Figure builders: pure functions from query results to plotly figures."""
