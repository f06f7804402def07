"""Kits the cockpit's pages are built from; a page module (layouts/<page>.py, callbacks/<page>.py)
holds only its own page.

- ``panels``: panel cards, KPI cards, tables, figure styling and the one safe-render wrapper every
  panel callback goes through (a failing panel shows its own error, never takes the page down).
- ``event_page``: the view, header, filters and callback wiring of the event desk pages
  (/emergency, /regulation, /hotline).
- ``plan_page``: the view and formats of the plan pages (/targets, /evaluation, /supervision).
- ``grid``: the AG Grid theme and its Chinese texts.
"""
