"""Panorama processing time and memory through the API: POST /api/v1/panoramas (202) to ready.

    .venv/bin/python services/virtual-store/benchmarks/panorama_processing.py [--sizes 4000 8000 8192]

Each size runs in a fresh process (peak memory is per process): the service starts on SQLite in a
temporary folder, a real panorama (../shared/data) scaled to the size is uploaded, and the script
reports the time the upload took to answer (its checks include one full decode), the time from 202
to ``ready`` (wall clock, and the CPU seconds the process spent: the figure a quiet machine
shows, as the job is one thread), the files written, and the process RSS growth over the run (peak minus before the
upload, sampled every 10 ms). Goal for 8192x4096: 202 -> ready <= 5 s, RSS growth <= 512 MiB.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SOURCE = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "panoramas" / "aframe-puydesancy-4096x2048.jpg"
)


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    def __init__(self) -> None:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def panorama_jpeg(width: int) -> bytes:
    from PIL import Image

    with Image.open(SOURCE) as im:
        big = im.convert("RGB").resize((width, width // 2), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def run_one(width: int) -> dict[str, Any]:
    from smartdist.testing.platform import service_under_test
    from smartdist_virtual_store.app import DEFINITION

    data = panorama_jpeg(width)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'vs.db'}"
        with service_under_test(DEFINITION, url, None, Path(tmp) / "data") as svc:
            h = svc.headers(svc.new_tenant(), ("clerk",))
            before = rss_bytes()
            with PeakRss() as peak:
                t0 = time.perf_counter()
                r = svc.client.post("/api/v1/panoramas", headers=h, files={"file": ("p.jpg", data, "image/jpeg")})
                t_accept = time.perf_counter()
                cpu_accept = time.process_time()
                assert r.status_code == 202, r.text
                pid = r.json()["panorama_id"]
                while (body := svc.client.get(f"/api/v1/panoramas/{pid}", headers=h).json())["status"] == "processing":
                    time.sleep(0.1)  # a page polls about this often; faster polling costs CPU here
                t_ready = time.perf_counter()
                cpu_ready = time.process_time()
            assert body["status"] == "ready", body
            job = svc.client.get(f"/api/v1/jobs/{body['job_id']}", headers=h).json()
            return {
                "size": f"{width}x{width // 2}",
                "upload_mb": round(len(data) / 1e6, 1),
                "accept_s": round(t_accept - t0, 2),
                "ready_after_202_s": round(t_ready - t_accept, 2),
                # CPU seconds the process spent meanwhile: the wall time on a machine to itself.
                "ready_after_202_cpu_s": round(cpu_ready - cpu_accept, 2),
                "files": job["result"]["files"],
                "cube_face_px": body["multires"]["cubeResolution"],
                "rss_growth_mib": round((peak.peak - before) / 2**20, 1),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 8000, 8192], help="widths (height = width / 2)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    for width in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(width)], capture_output=True, text=True, check=True
        )
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
