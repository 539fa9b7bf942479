"""The viewer's first-scene time on a local server, in headless Chromium.

    .venv/bin/python services/virtual-store/benchmarks/viewer_first_scene.py [--runs 5] [--panorama NAME]

The service starts on SQLite in a temporary folder behind a local HTTP server; a real panorama
(../shared/data/panoramas) is uploaded and processed, put in a published store, and the public
viewer page is opened ``--runs`` times, each in a fresh browser context (empty cache). Reported per
run, from the start of navigation (``performance.now()`` in the page): ``dom_ms`` (the page's DOM
ready), ``loaded_ms`` (Pannellum's ``load`` event and at least the six faces' first tiles in: the
first scene on screen, what a visitor sees), the tiles fetched until then and when the last of
them arrived; then the median and the worst. Goal: first scene
visible in ≤ 2 s on a local server.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "panoramas"

MEASURE = r"""() => new Promise((resolve) => {
  const tiles = () => performance.getEntriesByType("resource").filter((e) => /\/files\/\d+\//.test(e.name));
  const done = () => {
    const got = tiles();
    resolve({loaded_ms: performance.now(), dom_ms: performance.timing.domContentLoadedEventEnd -
             performance.timing.navigationStart, tiles: got.length,
             last_tile_ms: Math.max(0, ...got.map((e) => e.responseEnd))});
  };
  // Pannellum's load event, and the first level's tiles in (multires draws what has arrived).
  const shown = () => window.vsViewer && window.vsViewer.isLoaded() && tiles().length >= 6;
  const wait = () => (shown() ? done() : requestAnimationFrame(wait));
  wait();
})"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--panorama", default="pannellum-examplepano-4096x2048.jpg")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from smartdist.testing.browser import CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, live_server
    from smartdist.testing.platform import service_under_test
    from smartdist_virtual_store.app import DEFINITION

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'vs.db'}"
        with service_under_test(DEFINITION, url, None, Path(tmp) / "data") as svc, live_server(svc.client.app) as base:
            h = svc.headers(svc.new_tenant(), ("clerk",))
            data = (DATA / args.panorama).read_bytes()
            pid = svc.client.post("/api/v1/panoramas", headers=h, files={"file": (args.panorama, data)}).json()[
                "panorama_id"
            ]
            while svc.client.get(f"/api/v1/panoramas/{pid}", headers=h).json()["status"] == "processing":
                time.sleep(0.1)
            store = svc.client.post("/api/v1/stores", headers=h, json={"name": "benchmark"}).json()
            svc.client.post(f"/api/v1/stores/{store['id']}/scenes", headers=h, json={"panorama_id": pid, "name": "1"})
            assert svc.client.post(f"/api/v1/stores/{store['id']}/publish", headers=h).status_code == 200
            runs: list[dict[str, Any]] = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM_EXECUTABLE), headless=True, args=CHROMIUM_ARGS
                )
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 1280, "height": 720})
                    page = context.new_page()
                    page.goto(f"{base}/stores/{store['id']}", wait_until="commit")
                    runs.append(page.evaluate(MEASURE))
                    context.close()
                browser.close()
    loaded = [r["loaded_ms"] for r in runs]
    print(json.dumps({"panorama": args.panorama, "runs": [{k: round(v) for k, v in r.items()} for r in runs]}))
    print(
        json.dumps(
            {"first_scene_ms_median": round(statistics.median(loaded)), "first_scene_ms_max": round(max(loaded))}
        )
    )


if __name__ == "__main__":
    main()
