#!/usr/bin/env python3
"""Opens URL in headless Chromium (Debian chromium + chromium-driver, driven by selenium) and checks that every
TEXT appears in the rendered page. Exit 0 when all are there, 1 when some are missing, 2 when the browser fails.

usage: browser_check.py URL TEXT...   (env SCREENSHOT=path.png also saves a phone-sized screenshot)
"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    url, wanted = argv[0], argv[1:]
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=390,844", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    # The Debian driver: selenium must not look for (or download) one of its own.
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception as e:  # noqa: BLE001 - report any start-up failure the same way
        print(f"browser did not start: {e}", file=sys.stderr)
        return 2
    try:
        driver.set_page_load_timeout(30)
        driver.get(url)
        body = driver.find_element(By.TAG_NAME, "body").text
        lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        print(f"title: {driver.title}")
        print(f"lang: {lang}")
        shot = os.environ.get("SCREENSHOT")
        if shot:
            driver.save_screenshot(shot)
        missing = [t for t in wanted if t not in body]
        for t in wanted:
            print(("found: " if t not in missing else "MISSING: ") + t)
        return 1 if missing else 0
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
