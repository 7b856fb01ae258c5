"""A program officer in a real headless browser (Debian's chromium, driven by playwright): opens the
page, is sent to the Airflow login form, signs in, comes back, downloads a file, and the page is
saved as a screenshot. Then the same page inside the Airflow UI, from its Browse menu entry.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import PASSWORDS, PREFIX

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser

    from tests.web.conftest import WebStack

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make setup` installs Debian's chromium (scripts/install.sh; on a "
            "venv already installed run scripts/install.sh, or `apt-get install -y chromium` as root). "
            "Never `playwright install`: it downloads browsers from the internet."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def test_an_officer_signs_in_through_airflow_and_downloads_a_file(
    web_stack: WebStack, browser: Browser, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    spec = web_stack.store.files["june_csv"]
    before = len(web_stack.downloads())
    context = browser.new_context(accept_downloads=True, base_url=web_stack.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        # Anonymous: refused, with a way to the Airflow login form.
        response = page.goto(f"{PREFIX}/")
        assert response is not None
        assert response.status == 401
        page.get_by_role("link", name="Sign in to Airflow").click()
        page.wait_for_url(re.compile(r"/auth/login"))
        page.get_by_label("Username").fill("carol")
        page.get_by_label("Password").fill(PASSWORDS["carol"])
        page.get_by_role("button", name="Sign in").click()
        # The login form sets the `_token` cookie and comes back to the page.
        page.wait_for_url(re.compile(rf"{PREFIX}/$"))
        expect(page.get_by_role("heading", name="Compliance packages")).to_be_visible()
        expect(page.get_by_text("signed in as carol")).to_be_visible()
        june = page.locator("#p-202606-v001")
        expect(june.get_by_text("superseded by v002")).to_be_visible()

        with page.expect_download() as download_info:
            june.get_by_role("link", name=spec.name).click()
        download = download_info.value
        assert download.suggested_filename == spec.name
        saved = tmp_path / "downloaded" / download.suggested_filename
        download.save_as(saved)
        assert saved.read_bytes() == spec.content

        screenshot = tmp_path / "download_page.png"
        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.exists()
        assert screenshot.stat().st_size > 0
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        context.close()

    rows = web_stack.downloads()
    assert len(rows) == before + 1
    last = rows[-1]
    assert (last["username"], last["file_name"], last["sha256"]) == ("carol", spec.name, spec.sha256)


def test_the_page_opens_inside_the_airflow_ui(web_stack: WebStack, browser: Browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(base_url=web_stack.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"/auth/login?next={web_stack.base_url}/plugin/compliance-packages")
        page.get_by_label("Username").fill("carol")
        page.get_by_label("Password").fill(PASSWORDS["carol"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/plugin/compliance-packages$"))
        frame = page.frame_locator("iframe")
        expect(frame.get_by_role("heading", name="Compliance packages")).to_be_visible()
        expect(frame.locator("#p-202608-v001")).to_be_visible()
        screenshot = tmp_path / "inside_airflow_ui.png"
        page.screenshot(path=str(screenshot))
        assert screenshot.stat().st_size > 0
    finally:
        context.close()
