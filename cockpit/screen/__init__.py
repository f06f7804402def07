"""The big screen ("一屏知全省", the page at /): everything it shows, found together.

- ``view``: the screen's state from its URL (region, indicator, period), validated, and where a
  click, a search or an indicator pick leads.
- ``queries``: the named queries behind its tiles (the query layer's screen domain).
- ``tiles``: the tiles' building blocks (KPI cards, pillar roll-up, trend, emergency, pulse).
- ``render``: one render function per tile and the map, from a view and the services.

layouts/screen.py lays the page out and callbacks/screen.py wires these to it.
"""
