"""A real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by selenium) and a
daemon process running against the sandbox on loopback, shared by a module's browser tests.

Outside CI a missing Chromium skips the browser tests with the reason; with CI=true it fails
them, so CI cannot pass without having looked at the pages. Screenshots go to
`$DASHBOARD_SCREENSHOTS` when set, else to the test run's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = "chromedriver"
WINDOW = (1500, 900)


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the browser tests must run in CI: {reason}")
    pytest.skip(f"{reason} (apt-get install chromium chromium-driver; CI runs them)")


def chromium_paths() -> tuple[str, str] | None:
    browser = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    driver = shutil.which(DRIVER) or (
        "/usr/lib/chromium/chromedriver"
        if Path("/usr/lib/chromium/chromedriver").exists()
        else None
    )
    return (browser, driver) if browser and driver else None


def start_browser() -> WebDriver:
    """A headless Chromium that keeps the page's console messages for `console_errors`."""
    paths = chromium_paths()
    if paths is None:
        _missing("Chromium or chromedriver is not installed")
        raise AssertionError("unreachable")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
        raise AssertionError("unreachable") from None
    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=paths[1]))


def console_errors(browser: WebDriver) -> list[dict[str, Any]]:
    """The console's SEVERE entries since the last call (a failed load, a CSP refusal...)."""
    return [entry for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]


def screenshot(browser: WebDriver, folder: Path, name: str, *, most: int = 4000) -> Path:
    """The whole page (up to `most` pixels high), not only the window: the window grows to the
    page's height first."""
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(WINDOW[0], max(WINDOW[1], min(height + 40, most)))
    path = folder / f"{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(*WINDOW)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("DASHBOARD_SCREENSHOTS")
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")
