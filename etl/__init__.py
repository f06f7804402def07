"""ETL: feed catalogue, sources and loaders for the cockpit warehouse."""
