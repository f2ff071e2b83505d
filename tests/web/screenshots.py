"""`make screenshots`: the four dashboard pages, as README.md shows them, from a fresh demo.

Runs the demo (a fixed seed, so the same market every time) on a new database, serves the
pages over it on a free loopback port, and saves a full-page screenshot of each from headless
Chromium into `--out` (docs/ by default), failing if a page logs a console error.

    python -m tests.web.screenshots [--out docs] [--seconds 20]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from biddaemon.demo import run_demo
from biddaemon.logs import configure_logging
from biddaemon.settings import load_settings
from biddaemon.store.database import make_engine
from biddaemon.web.serve import open_dashboard
from tests.web.conftest import console_errors, screenshot, start_browser

PAGES = {"overview": "", "competitions": "competitions", "commitments": "commitments"}
PAGES["results"] = "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--speed", type=float, default=60_000)
    args = parser.parse_args()
    configure_logging(level="ERROR", fmt="console")
    database = Path(tempfile.mkdtemp(prefix="biddaemon-shots-")) / "demo.db"
    run_demo(seconds=args.seconds, speed=args.speed, seed=1, database=database, progress=print)
    settings = load_settings(database_url=f"sqlite:///{database}")
    engine = make_engine(settings.effective_database_url)
    server = open_dashboard(settings, engine, "127.0.0.1", 0)
    browser = start_browser()
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, path in PAGES.items():
            browser.get(server.url + path)
            errors = console_errors(browser)
            if errors:
                raise SystemExit(f"{name}: console errors {errors}")
            print(screenshot(browser, args.out, f"dashboard-{name}", most=1400))
    finally:
        browser.quit()
        server.stop()
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
