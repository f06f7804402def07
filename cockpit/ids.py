"""Component ids shared by layouts and callbacks, so the two cannot drift apart."""

HOME_INDICATOR = "home-indicator"
HOME_TABLE = "home-table"
HOME_PERIOD = "home-period"
HOME_FEEDS = "home-feeds"
