"""How big a buffer DuckDB's CSV reader gets for a file: the unit of its parallel work.

Split from ``loader``, which stages CSV files with it.
"""

from __future__ import annotations

from pathlib import Path

ROW_GROUP_ROWS = 122_880  # DuckDB's row group
MAX_LINE_BYTES = 2 << 20  # DuckDB's max_line_size default
SAMPLE_BYTES = 1 << 20  # read to learn a file's line length


def csv_buffer_bytes(size: int, threads: int, line_bytes: float) -> int:
    """The CSV reader's buffer for a file of ``size`` bytes, lines of ``line_bytes`` on average, read
    by ``threads`` threads.

    Each buffer is one unit of the reader's parallel work and, keeping insertion order, one batch of
    rows. Batches smaller than a row group are copied once more to be merged into full ones (1M
    hotline rows: 9.4 MB buffers 0.36 s, 11.7 MB 0.20 s), so a buffer holds a row group's lines and
    a tenth more; and the file is cut into a multiple of the thread count of equal parts, or the
    last, odd part is parsed by one core while the others wait (98 MB, 2 threads: 32 MB buffers
    0.30 s, six of 16.3 MB 0.22 s). Never below the longest line DuckDB accepts.
    """
    threads = max(1, threads)
    batch = max(1, int(ROW_GROUP_ROWS * max(line_bytes, 1.0) * 1.1))
    rounds = max(1, size // (threads * batch))
    # The slack keeps a rounding remainder from becoming a part of its own.
    return max(size // (threads * rounds) + 4096, MAX_LINE_BYTES)


def buffer_for(path: Path, threads: int) -> int:
    """The buffer for reading ``path`` with ``threads`` threads."""
    return csv_buffer_bytes(path.stat().st_size, threads, line_bytes(path))


def line_bytes(path: Path) -> float:
    """Bytes per line over the file's first megabyte (a line without its end: the whole sample)."""
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    return len(sample) / max(1, sample.count(b"\n"))
