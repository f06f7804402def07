"""The region tree in SQL, once: a region's subtree and every region's ancestors, at any depth.

The province → city → county tree is three levels today, but nothing here counts them: both are
recursive over ``region.parent_adcode``, so a four-level tree (townships) or a municipality with
districts straight under it needs no change. The region table holds a province's few hundred rows,
so the recursion costs nothing beside the feed tables it filters.
"""

from __future__ import annotations

# Region $r and all its descendants, as a subquery: ``x.adcode IN {SUBTREE}``.
SUBTREE = """(WITH RECURSIVE sub(adcode) AS (
                 SELECT adcode FROM region WHERE adcode = $r
                 UNION ALL SELECT g.adcode FROM region g JOIN sub ON g.parent_adcode = sub.adcode)
             SELECT adcode FROM sub)"""

# Every (adcode, anc) pair where anc is the region itself or one of its ancestors, as a relation.
LINEAGE = """(WITH RECURSIVE up(adcode, anc) AS (
                 SELECT adcode, adcode FROM region
                 UNION ALL SELECT up.adcode, g.parent_adcode FROM up JOIN region g ON g.adcode = up.anc
                           WHERE g.parent_adcode IS NOT NULL)
             SELECT adcode, anc FROM up)"""
