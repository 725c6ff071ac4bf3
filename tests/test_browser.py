"""The rendered demo site in a real headless Chromium (Debian's chromium + chromium-driver)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator

import pytest

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV

from .helpers import make_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="Debian packages chromium and chromium-driver are not installed"),
]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    root = make_project(tmp_path_factory.mktemp("browser"), 2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        assert main(["--project", str(root), "build", "--renderer", "builtin"]) == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(root / "outputs" / "_site"))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_a_reader_can_navigate_from_home_to_a_trust_report_and_see_its_charts(site_url, browser):
    from selenium.webdriver.common.by import By

    browser.get(site_url)
    assert "Learning health system reports" in browser.title
    assert "SYNTHETIC" in browser.find_element(By.CLASS_NAME, "lhs-synthetic-banner").text
    browser.find_element(By.LINK_TEXT, "Mental health needs assessment").click()
    browser.find_element(By.PARTIAL_LINK_TEXT, "Eastvale").click()
    assert browser.current_url.endswith("needs_assessment/SYN02.html")
    images = browser.find_elements(By.CSS_SELECTOR, "figure.lhs-figure img")
    # Pyramid, trend, rates by deprivation and by ethnic group, peer funnel.
    assert len(images) == 5
    assert any(image.get_attribute("alt").startswith("Funnel plot") for image in images)
    for image in images:
        assert browser.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 300", image)
        assert image.get_attribute("alt")
    tables = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "table.lhs-table")]
    assert any("Rate per 100,000" in text for text in tables)
    assert any("Deprivation quintile" in text for text in tables)


def test_every_navigation_link_resolves(site_url, browser):
    from selenium.webdriver.common.by import By

    browser.get(site_url + "needs_assessment/SYN01.html")
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "nav a")]
    assert len(hrefs) >= 3
    for href in hrefs:
        browser.get(href)
        assert "404" not in browser.title and "not found" not in browser.page_source.lower()


@pytest.mark.parametrize("page", ["index.html", "crisis_flow/SYN01.html",
                                  "case_studies/precept2.html"])
def test_each_page_shows_one_synthetic_banner_in_a_landmark_and_its_favicon(site_url, browser,
                                                                            page):
    from selenium.webdriver.common.by import By

    browser.get(site_url + page)
    shown = [e for e in browser.find_elements(By.CSS_SELECTOR, ".lhs-synthetic-banner, "
                                              ".lhs-synthetic") if e.is_displayed()]
    assert len(shown) == 1 and "SYNTHETIC" in shown[0].text
    # In a landmark (a named section is a region), as axe's `region` rule asks.
    assert browser.execute_script(
        "return arguments[0].closest('main, header, footer, nav, aside, section[aria-label]')"
        " !== null", shown[0])
    icon = browser.find_element(By.CSS_SELECTOR, "link[rel='icon']").get_attribute("href")
    assert browser.execute_script(
        "const r = new XMLHttpRequest(); r.open('GET', arguments[0], false); r.send(null);"
        "return r.status === 200 && r.responseText.includes('<svg');", icon)


def test_every_footer_links_the_accessibility_statement(site_url, browser):
    from selenium.webdriver.common.by import By

    for page in ("index.html", "needs_assessment/SYN02.html", "methods/spc.html"):
        browser.get(site_url + page)
        browser.find_element(By.CSS_SELECTOR, "footer").find_element(
            By.LINK_TEXT, "Accessibility statement").click()
        assert browser.current_url == site_url + "accessibility.html"
        assert browser.find_element(By.TAG_NAME, "h1").text == "Accessibility statement"
def test_the_flow_pages_show_icons_a_screen_reader_names_and_a_key(site_url, browser):
    from selenium.webdriver.common.by import By

    browser.get(site_url + "flow_variation/all-trusts.html")
    icons = browser.find_elements(By.CSS_SELECTOR, "table.lhs-table svg.lhs-mdc-icon")
    assert icons
    for icon in icons:
        assert icon.accessible_name and icon.accessible_name == icon.get_attribute("aria-label")
        assert icon.size["width"] >= 20  # drawn, sized in em with the text
    cells = browser.find_elements(By.CSS_SELECTOR, "td.lhs-mdc-cell")
    backgrounds = {cell.value_of_css_property("background-color") for cell in cells}
    assert len(backgrounds) >= 1 and "rgba(0, 0, 0, 0)" not in backgrounds
    assert len(browser.find_elements(By.CSS_SELECTOR, ".lhs-mdc-key")) == 1
    browser.get(site_url + "crisis_flow/SYN01.html")
    summary = browser.find_element(By.CSS_SELECTOR, "table.lhs-table")
    assert "Common cause" in summary.text or "Improvement" in summary.text
    # Beside their words, icons are hidden from screen readers: the words are read once.
    assert all(icon.get_attribute("aria-hidden") == "true"
               for icon in summary.find_elements(By.CSS_SELECTOR, "svg.lhs-mdc-icon"))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".lhs-mdc-key")) == 1
