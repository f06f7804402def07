"""The big screen ("一屏知全省", the page at /): everything it shows, found together.

- ``view``: the screen's state from its URL (region, indicator, period), validated, and where a
  click, a search or an indicator pick leads.
- ``tiles``: the tiles' building blocks (KPI cards, pillar roll-up, trend, emergency, pulse).
- ``render``: one render function per tile and the map, from a view and the services.

Its named queries are the query layer's screen domain (cockpit/warehouse/screen_queries.py,
``services.queries.screen``); layouts/screen.py lays the page out and callbacks/screen.py wires
these to it.
"""
