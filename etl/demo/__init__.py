"""Deterministic demo feeds that look like what Shanxi's systems really export.

``generate_demo`` writes eleven files in the formats the feed catalogue is written against (GB18030
CSV from Excel, XLSX with a title row, wide CSV with a BOM, a JSON API dump, a GBK export …),
plus ``MANIFEST.json`` that lists row counts and every deliberately planted bad row, so the ETL
tests can check that exactly those rows end in quarantine. Same inputs give byte-identical files.

The package, from the bottom up: ``spec`` (``DemoSpec``, file names, bad-row reasons), ``regions``
(``RegionBook``: the region names the feeds write), ``rates`` (reported rates counted from rows),
``files`` (planted bad rows, CSV and XLSX writers), ``indicators`` (indicator values and targets),
``kit`` (vocabularies, weights, calendars shared by the event generators), ``hotline`` (12345
tickets), ``events`` (incidents, warnings, inspections, 13710 tasks), ``regulation`` (互联网+监管
catalogue claims, the 失信 list), ``build`` (``generate_demo``) and ``live`` (the tickets a served
demo adds as the day goes). A module imports only those before it.
"""

from etl.demo.build import generate_demo
from etl.demo.regions import RegionBook
from etl.demo.spec import FILE_NAMES, MANIFEST_NAME, REASONS, DemoSpec

__all__ = ["FILE_NAMES", "MANIFEST_NAME", "REASONS", "DemoSpec", "RegionBook", "generate_demo"]
