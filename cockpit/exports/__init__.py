"""Exports of what a desk sees: tables (CSV/XLSX with a header block), charts (PNG/SVG/PDF with a
footer), the PDF machinery shared with briefings, and grid export jobs.

Files are written under ``Settings.exports_path()`` — ``COCKPIT_EXPORTS_DIR`` or
``<data_dir>/cache/exports`` — never into the source tree.
"""
