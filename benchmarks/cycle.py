"""How close the opportunities cycle comes to the HTTP floor, and how its cost grows.

For each size N: a sandbox market on loopback (in this process) with N open competitions of
`--windows` service windows, each with its own qualifying Flex Asset, and `--latency-ms` of
injected latency on every market request. Against a fresh market each time, two clients run in
their own processes (so neither shares this process's interpreter lock with the market):

- the floor: a bare httpx script making the minimum requests a correct cycle needs (token, the
  opportunities pages; per competition: the competition, its asset, our ballots listing, the POST
  of a valid ballot), `--concurrency` competitions at a time;
- the daemon: one opportunities cycle (`Daemon.opportunities()`) on a fresh SQLite database,
  with BIDDAEMON_PICLO__MAX_CONCURRENT_READS = `--concurrency`.

Each client runs `--repeat` times per size, alternately, and the fastest run of each counts (the
least disturbed by whatever else the machine is doing; the spread is printed). Printed: both
times, their ratio, the per-competition slope between the smallest and largest
size, the market calls per competition each made (from the sandbox's request log) and the
daemon process's peak memory (ru_maxrss) before and after the cycle.

    python benchmarks/cycle.py --sizes 50,200 --latency-ms 20
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from biddaemon.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    FaultSpec,
    SandboxConfig,
    SandboxServer,
)
from biddaemon.sandbox.defaults import DEFAULT_PROVIDER_ID

TARGET = 1.3  # the bound on the daemon's time and slope, as multiples of the floor's
GUIDE_PRICE = "20.00"
CAPACITY = "1.000"


def scenario(competitions: int, windows: int, now: datetime) -> dict[str, Any]:
    """N availability competitions, each with its own battery inside its own tiny region."""
    found: list[dict[str, Any]] = []
    assets: list[dict[str, Any]] = []
    for index in range(competitions):
        latitude = 51.0 + index * 0.01
        longitude = -1.0
        found.append(
            {
                "id": f"bench{index:04d}",
                "reference": f"BENCH-{index:04d}",
                "name": f"Benchmark competition {index}",
                "operator_name": "SP Energy Networks",
                "type": "availability",
                "need_direction": "deficit",
                "competition_open": _stamp(now - timedelta(days=1)),
                "competition_close": _stamp(now + timedelta(days=10)),
                "availability_guide_price": GUIDE_PRICE,
                "service_periods": [
                    {
                        "id": f"p{index:04d}",
                        "name": "Winter",
                        "start_date": (now + timedelta(days=60)).date().isoformat(),
                        "end_date": (now + timedelta(days=150)).date().isoformat(),
                        "service_windows": [_window(index, w) for w in range(windows)],
                    }
                ],
                "area": {
                    "regions": [
                        {
                            "south": f"{latitude - 0.004:.3f}",
                            "north": f"{latitude + 0.004:.3f}",
                            "west": f"{longitude - 0.004:.3f}",
                            "east": f"{longitude + 0.004:.3f}",
                        }
                    ]
                },
            }
        )
        assets.append(
            {
                "id": f"asset{index:04d}",
                "ref": f"BAT-{index:04d}",
                "name": f"Benchmark battery {index}",
                "status": "operational",
                "asset_category": "storage",
                "asset_type": "battery",
                "voltage_level": "11.00",
                "country_code": "GB",
                "latitude": f"{latitude:.3f}",
                "longitude": f"{longitude:.3f}",
                "connection_status": "energised",
                "active_export_capacity": "2.000",
                "active_import_capacity": "2.000",
                "max_runtime": "02:00:00",
            }
        )
    return {"competitions": found, "assets": assets, "planned_assets": []}


def _window(competition: int, index: int) -> dict[str, Any]:
    start = (index * 60) % (24 * 60)  # hourly windows; more than 24 wrap onto other days
    days = [["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(index // 24) % 7]]
    end = start + 60
    return {
        "id": f"w{competition:04d}x{index:03d}",
        "name": f"Window {index}",
        "start_time": f"{start // 60:02d}:{start % 60:02d}",
        "end_time": "23:59" if end >= 24 * 60 else f"{end // 60:02d}:{end % 60:02d}",
        "days": days if index >= 24 else ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "bank_holidays": "included",
        "capacity_required": CAPACITY,
    }


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def market(competitions: int, windows: int, latency: float) -> Iterator[SandboxServer]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.json"
        path.write_text(json.dumps(scenario(competitions, windows, datetime.now(UTC))))
        faults = (FaultSpec(kind="latency", seconds=latency),) if latency > 0 else ()
        config = SandboxConfig(
            scenario=path, speed=1.0, faults=faults, token_lifetime_seconds=24 * 3600
        )
        with SandboxServer(config) as server:
            yield server


def run_client(role: str, server: SandboxServer, concurrency: int) -> dict[str, Any]:
    """Run one client in its own process; its JSON answer plus the calls the market saw."""
    server.traffic.clear()
    command = [sys.executable, __file__, "--role", role, "--url", server.base_url]
    command += ["--concurrency", str(concurrency)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{role} failed:\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    answer["calls"] = len(server.traffic.records())
    return answer


# -- the floor ------------------------------------------------------------------------------


def floor(url: str, concurrency: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency + 2)
    with httpx.Client(base_url=url, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        answer = client.post(
            "/authtoken/v1/", json={"client_id": DEFAULT_CLIENT_ID, "api_key": DEFAULT_API_KEY}
        )
        client.headers["Authorization"] = f"Bearer {answer.raise_for_status().json()['token']}"
        opportunities = _all(client, "/bidding-opportunities/v1/")

        def one(opportunity: dict[str, Any]) -> int:
            competition_id = opportunity["competition_id"]
            competition = client.get(f"/competitions/v1/{competition_id}/").raise_for_status()
            flex = opportunity["assets"]["flex"]
            for asset_id in flex:
                client.get(f"/assets/v1/{asset_id}/").raise_for_status()
            _all(client, f"/bids/v1/competitions/{competition_id}/ballots/")
            windows = [
                w["id"] for p in competition.json()["service_periods"] for w in p["service_windows"]
            ]
            body = {
                "competition_id": competition_id,
                "assets": {"flex": flex, "planned": []},
                "bids": [
                    {
                        "service_window_id": window,
                        "capacity": CAPACITY,
                        "rates": [{"type": "availability", "value": GUIDE_PRICE}],
                    }
                    for window in windows
                ],
            }
            posted = client.post(f"/bids/v1/competitions/{competition_id}/ballots/", json=body)
            if posted.status_code != 201:
                raise SystemExit(f"floor ballot refused: {posted.status_code} {posted.text}")
            return 1

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            submitted = sum(pool.map(one, opportunities))
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "submitted": submitted, "competitions": len(opportunities)}


def _all(client: httpx.Client, path: str) -> list[Any]:
    items: list[Any] = []
    url: str | None = path
    while url is not None:
        body = client.get(url).raise_for_status().json()
        if isinstance(body, list):
            return items + body
        items.extend(body["results"])
        url = body.get("next")
    return items


# -- the daemon -----------------------------------------------------------------------------


def daemon(url: str, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            {
                "BIDDAEMON_PICLO__BASE_URL": url,
                "BIDDAEMON_PICLO__CLIENT_ID": DEFAULT_CLIENT_ID,
                "BIDDAEMON_PICLO__API_KEY": DEFAULT_API_KEY,
                "BIDDAEMON_PICLO__PROVIDER_ID": DEFAULT_PROVIDER_ID,
                "BIDDAEMON_PICLO__MAX_CONCURRENT_READS": str(concurrency),
                "BIDDAEMON_DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "BIDDAEMON_LOG_LEVEL": "WARNING",
            }
        )
        from biddaemon.daemon.service import Daemon
        from biddaemon.logs import configure_logging
        from biddaemon.settings import load_settings
        from biddaemon.store import migrate
        from biddaemon.store.database import make_engine

        settings = load_settings()
        configure_logging(level="WARNING", fmt="json")
        engine = make_engine(settings.effective_database_url)
        migrate.upgrade(engine)
        the_daemon = Daemon(settings, engine)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu_started = time.perf_counter(), time.process_time()
        report = the_daemon.opportunities()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        the_daemon.close()
        engine.dispose()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "submitted": report.get("submitted"),
        "skipped": len(report.get("skipped") or {}),
        "refused": len(report.get("refused") or {}),
        "competitions": report.get("opportunities"),
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
    }


# -- the comparison -------------------------------------------------------------------------


def _spread(runs: list[dict[str, Any]]) -> str:
    seconds = sorted(run["seconds"] for run in runs)
    return f"{seconds[0]:.2f}-{seconds[-1]:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200", help="competition counts, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--windows", type=int, default=24, help="service windows per competition")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each client per size; the fastest counts"
    )
    parser.add_argument("--role", choices=("floor", "daemon"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role is not None:
        run = floor if args.role == "floor" else daemon
        print(json.dumps(run(args.url, args.concurrency)))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"opportunities cycle vs HTTP floor: {args.windows} windows per competition, "
        f"{args.latency_ms:g} ms latency per request, concurrency {args.concurrency}"
    )
    rows: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for size in sizes:
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "daemon": []}
        for _ in range(args.repeat):  # alternately, so both meet the same machine
            for role in ("floor", "daemon"):
                with market(size, args.windows, args.latency_ms / 1000) as server:
                    runs[role].append(run_client(role, server, args.concurrency))
        bare, ours = (min(runs[role], key=lambda run: run["seconds"]) for role in runs)
        if args.repeat > 1:
            print(
                f"  {size:5d} competitions, {args.repeat} runs each: floor "
                f"{_spread(runs['floor'])}, daemon {_spread(runs['daemon'])}"
            )
        rows[size] = (bare, ours)
        if ours["submitted"] != size or bare["submitted"] != size:
            print(
                f"  warning: {size} competitions, floor sent {bare['submitted']}, "
                f"daemon {ours['submitted']} (skipped {ours['skipped']}, "
                f"refused {ours['refused']})"
            )
        print(
            f"  {size:5d} competitions: floor {bare['seconds']:7.2f} s, daemon "
            f"{ours['seconds']:7.2f} s (CPU {ours['cpu_seconds']:.2f} s), ratio "
            f"{ours['seconds'] / bare['seconds']:5.2f}; "
            f"calls per competition floor {bare['calls'] / size:.2f}, daemon "
            f"{ours['calls'] / size:.2f}; daemon peak RSS {ours['rss_before_kb'] / 1024:.0f} MiB "
            f"before the cycle, {ours['rss_after_kb'] / 1024:.0f} MiB after"
        )
    if len(sizes) >= 2:
        low, high = min(sizes), max(sizes)
        bare_slope = (rows[high][0]["seconds"] - rows[low][0]["seconds"]) / (high - low)
        our_slope = (rows[high][1]["seconds"] - rows[low][1]["seconds"]) / (high - low)
        ratio = our_slope / bare_slope if bare_slope > 0 else float("nan")
        print(
            f"  per additional competition ({low} -> {high}): floor {bare_slope * 1000:.1f} ms, "
            f"daemon {our_slope * 1000:.1f} ms, ratio {ratio:.2f}"
        )
        ratios = {size: rows[size][1]["seconds"] / rows[size][0]["seconds"] for size in sizes}
        checks = {
            f"daemon <= {TARGET}x the floor at {high}": ratios[high] <= TARGET,
            f"slope <= {TARGET}x the floor's": ratio <= TARGET,
            f"ratio at {high} no worse than at {low}": ratios[high] <= ratios[low],
            "calls per competition <= the floor's": all(
                ours["calls"] <= bare["calls"] for bare, ours in rows.values()
            ),
        }
        for name, ok in checks.items():
            print(f"  {'met' if ok else 'NOT met'}: {name}")


if __name__ == "__main__":
    main()
