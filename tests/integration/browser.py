"""Headless Chromium (Debian's chromium + chromium-driver) driven by selenium."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,900",
)


def find_chromium() -> tuple[str, str] | None:
    """(browser, driver) paths, or None when they are not installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None and Path("/usr/bin/chromium").exists():
        browser = "/usr/bin/chromium"
    return (browser, driver) if browser and driver else None


@contextmanager
def chromium(window: tuple[int, int] = (1400, 900)) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    assert found, "chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
    browser, driver_path = found
    profile = tempfile.mkdtemp(prefix="fw-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={window[0]},{window[1]}")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
