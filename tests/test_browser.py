"""The rendered demo site in a real headless Chromium (Debian's chromium + chromium-driver).

One build and one browser session for the module. Every page of the site (every ``.html`` file
it has, whichever parts of the site wrote them) is opened once at 320 CSS pixels wide and
checked there: axe-core's WCAG rules, console errors, requests leaving this machine, sideways
scrolling. Links and downloads are fetched from the local server.

The tools: Debian's ``chromium`` and ``chromium-driver`` and axe-core from the npm registry
(``npm ci --prefix tests/browser``; ``make test`` runs it). Without them these tests skip,
saying what is missing, except under ``.ci/run`` (``LHS_REQUIRE_BROWSER=1``), where a missing
tool fails them: CI must never pass by skipping the browser.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from pypdf import PdfReader

from lhs_reports.cli import main
from lhs_reports.data.locations import PROJECT_ENV
from lhs_reports.site.history import HISTORY_ENV

from .handmade import flow_history_project, write_flow_months
from .helpers import make_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
#: Set by .ci/run: a missing browser tool fails the tests instead of skipping them.
REQUIRE_BROWSER = os.environ.get("LHS_REQUIRE_BROWSER") == "1"
#: axe-core impacts that fail a page (minor ones are reported by axe but tolerated).
FAILING_IMPACTS = frozenset({"moderate", "serious", "critical"})
#: The narrowest width WCAG 2.2 reflow (1.4.10) asks content to fit without scrolling.
REFLOW_WIDTH = 320
#: Seconds any wait for the page may last: generous, since the machine may be busy.
WAIT = 60

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def missing_tool(reason: str) -> None:
    """Skip, saying what is missing, or fail under ``LHS_REQUIRE_BROWSER=1``."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (LHS_REQUIRE_BROWSER=1: the browser tests must run)")
    pytest.skip(reason)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # a line per request would bury the test output


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def build(root: Path, renderer: str, copy_to: Path) -> Path:
    """Build the project with ``renderer`` and keep a copy of its site at ``copy_to``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PROJECT_ENV, str(root))
        assert main(["--project", str(root), "build", "--renderer", renderer]) == 0
    shutil.copytree(root / "outputs" / "_site", copy_to)
    return copy_to


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory) -> Path:
    """A project of its own (the Quarto check builds it again), two demo trusts."""
    return make_project(tmp_path_factory.mktemp("browser"), 2)


@pytest.fixture(scope="module")
def built_site(demo_two_trusts, tmp_path_factory) -> Path:
    assert demo_two_trusts.status == 0, demo_two_trusts.printed
    return Path(shutil.copytree(demo_two_trusts.site, tmp_path_factory.mktemp("sites") / "builtin"))


@pytest.fixture(scope="module")
def site_url(built_site) -> Iterator[str]:
    server, url = serve(built_site)
    try:
        yield url
    finally:
        server.shutdown()


def pages_of(site: Path) -> list[str]:
    """Every page ``site`` has, relative to it: whatever wrote them, all are checked."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert "index.html" in pages and len(pages) > 10
    return pages


@pytest.fixture(scope="module")
def every_page(built_site) -> list[str]:
    return pages_of(built_site)


def start_browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM and CHROMEDRIVER):
        missing_tool("Debian packages chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-default-browser-check",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # The console, and every request the page makes (DevTools Network events).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_browser(tmp_path_factory.mktemp("chrome-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        missing_tool("axe-core is not installed: run `npm ci --prefix tests/browser` "
                     "(Debian package npm)")
    return AXE.read_text(encoding="utf-8")


@dataclass
class PageCheck:
    """What one page showed in the browser at 320 px."""

    violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    scroll_width: int = 0
    inner_width: int = 0


#: Runs axe-core on the whole page; the callback gets each failing rule, impact and targets.
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  result => done(result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))),
  error => done([{id: "axe-error", impact: "critical", help: String(error), targets: []}]));
"""


def foreign_requests(performance_log: list[dict]) -> list[str]:
    """URLs of requests, in a DevTools performance log, to anywhere but this machine.

    Examples
    --------
    >>> def sent(url):
    ...     return {"message": json.dumps({"message": {"method": "Network.requestWillBeSent",
    ...                                                "params": {"request": {"url": url}}}})}
    >>> foreign_requests([sent("http://127.0.0.1:8000/a.html"), sent("data:image/png;base64,"),
    ...                   sent("https://fonts.example.org/x.woff2")])
    ['https://fonts.example.org/x.woff2']
    """
    found = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message.get("method") not in ("Network.requestWillBeSent",
                                         "Network.webSocketCreated"):
            continue
        params = message.get("params", {})
        url = params.get("request", {}).get("url") or params.get("url", "")
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "chrome", "devtools", ""):
            continue
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            found.append(url)
    return found


def check_pages(driver, base_url: str, pages: list[str], axe: str | None
                ) -> dict[str, PageCheck]:
    """Open each page at 320 px and record what :class:`PageCheck` holds (axe-core's
    findings only when given its source)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": REFLOW_WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    driver.get_log("browser"), driver.get_log("performance")  # start from empty logs
    checks = {}
    for page in pages:
        driver.get(base_url + page)
        WebDriverWait(driver, WAIT).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        check = PageCheck()
        if axe is not None:
            driver.execute_script(axe)
            check.violations = [
                f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}"
                for v in driver.execute_async_script(RUN_AXE)
                if v["impact"] in FAILING_IMPACTS]
        check.scroll_width, check.inner_width = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        check.console_errors = [entry["message"] for entry in driver.get_log("browser")
                                if entry["level"] == "SEVERE"]
        check.foreign_requests = foreign_requests(driver.get_log("performance"))
        checks[page] = check
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return checks


@pytest.fixture(scope="module")
def page_checks(browser, site_url, every_page) -> dict[str, PageCheck]:
    # One visit a page for every check; axe-core, when missing, fails or skips its test alone.
    axe = AXE.read_text(encoding="utf-8") if AXE.is_file() else None
    return check_pages(browser, site_url, every_page, axe)


def failures(checks: dict[str, PageCheck]) -> dict[str, dict[str, object]]:
    """What each page failed, of every check."""
    found: dict[str, dict[str, object]] = {}
    for page, check in checks.items():
        failed = {"axe": check.violations, "console errors": check.console_errors,
                  "requests to other hosts": check.foreign_requests,
                  "scroll width": check.scroll_width * (check.scroll_width > check.inner_width)}
        if any(failed.values()):
            found[page] = {name: value for name, value in failed.items() if value}
    return found


def test_every_page_has_no_moderate_serious_or_critical_axe_violation(page_checks, axe_source):
    failing = {page: check.violations for page, check in page_checks.items()
               if check.violations}
    assert not failing, json.dumps(failing, indent=1)


def test_no_page_logs_a_console_error(page_checks):
    failing = {page: check.console_errors for page, check in page_checks.items()
               if check.console_errors}
    assert not failing, json.dumps(failing, indent=1)


def test_no_page_requests_anything_from_another_host(page_checks):
    failing = {page: check.foreign_requests for page, check in page_checks.items()
               if check.foreign_requests}
    assert not failing, json.dumps(failing, indent=1)


def test_no_page_scrolls_sideways_at_320_css_pixels(page_checks):
    assert {check.inner_width for check in page_checks.values()} == {REFLOW_WIDTH}
    failing = {page: check.scroll_width for page, check in page_checks.items()
               if check.scroll_width > check.inner_width}
    assert not failing, f"pages wider than {REFLOW_WIDTH} px: {failing}"


class _Links(HTMLParser):
    """Every address a page links or loads (``href``, ``src``) and every ``id`` it has."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name):
                self.addresses.append(str(values[name]))


def read_links(text: str) -> _Links:
    parser = _Links()
    parser.feed(text)
    return parser


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_internal_link_and_download_resolves(built_site, site_url, every_page):
    """Every ``href`` and ``src`` on every page: the file is served (HTTP 200), and an
    ``#anchor`` names an element of the page it points to."""
    pages = {page: read_links((built_site / page).read_text(encoding="utf-8"))
             for page in every_page}
    status: dict[str, int] = {}
    broken = []
    for page, links in pages.items():
        for address in links.addresses:
            target = urlsplit(urljoin(site_url + page, address))
            if target.scheme in ("data", "mailto", "tel", "javascript"):
                continue
            assert f"{target.scheme}://{target.netloc}/" == site_url, \
                f"{page} links another host: {address}"
            url = target._replace(fragment="", query="").geturl()
            if url not in status:
                status[url] = fetch_status(url)
            if status[url] != 200:
                broken.append(f"{page}: {address} (HTTP {status[url]})")
                continue
            if target.fragment:
                linked = unquote(target.path).lstrip("/") or "index.html"
                if linked.endswith("/"):
                    linked += "index.html"
                ids = pages[linked].ids if linked in pages else None
                if ids is not None and unquote(target.fragment) not in ids:
                    broken.append(f"{page}: {address} (no such anchor)")
    assert len(status) > len(every_page)  # pages, styles, downloads: all were fetched
    assert not broken, "\n".join(broken)


def test_search_finds_a_trust_by_name_and_opens_its_page(site_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site_url + "index.html")
    browser.find_element(By.CSS_SELECTOR, "nav").find_element(By.LINK_TEXT, "Search").click()
    assert browser.current_url == site_url + "search.html"
    box = WebDriverWait(browser, WAIT).until(ready.element_to_be_clickable(
        (By.CSS_SELECTOR, "#lhs-search input[type='text']")))
    assert box.accessible_name  # Pagefind's box is named for screen readers
    box.send_keys("Eastvale", Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: any(
        "SYN02" in (link.get_attribute("href") or "")
        for link in d.find_elements(By.CSS_SELECTOR, "#lhs-search a")))
    results = [link for link in browser.find_elements(By.CSS_SELECTOR, "#lhs-search a")
               if "SYN02" in (link.get_attribute("href") or "")]
    # Results are named by page and organisation (the page's document title).
    assert any("Eastvale" in link.text for link in results)
    # Northshire (SYN01) is not Eastvale: the search finds that trust, not every page.
    assert not any("SYN01" in (link.get_attribute("href") or "")
                   for link in browser.find_elements(By.CSS_SELECTOR, "#lhs-search a"))
    results[0].click()
    WebDriverWait(browser, WAIT).until(ready.url_contains("SYN02"))
    assert "Eastvale" in browser.find_element(By.TAG_NAME, "h1").text


def test_a_search_address_carries_its_query(site_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site_url + "search.html?q=Northshire")
    WebDriverWait(browser, WAIT).until(lambda d: any(
        "SYN01" in (link.get_attribute("href") or "")
        for link in d.find_elements(By.CSS_SELECTOR, "#lhs-search a")))


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


def test_a_wide_table_scrolls_in_its_own_named_region_a_keyboard_can_reach(site_url, browser):
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": REFLOW_WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    try:
        browser.get(site_url + "lhs_priorities/SYN01.html")
        regions = browser.find_elements(By.CSS_SELECTOR, ".lhs-table-region")
        wide = [r for r in regions if browser.execute_script(
            "return arguments[0].scrollWidth > arguments[0].clientWidth", r)]
        assert wide  # the table is wider than the screen, and only its region scrolls
        names = [r.accessible_name for r in regions]
        assert all(names) and len(set(names)) == len(names)
        assert all(r.get_attribute("tabindex") == "0" for r in wide)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


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


def organisation_pages(site: Path) -> list[str]:
    pages = sorted(f"trusts/{p.name}" for p in (site / "trusts").glob("*.html")
                   if p.name != "index.html")
    assert pages
    return pages


def test_each_trust_s_page_shows_icons_with_text_equivalents_and_opens_its_board_pack(
        site_url, browser, built_site):
    from selenium.webdriver.common.by import By

    for page in organisation_pages(built_site):
        browser.get(site_url + page)
        name = browser.find_element(By.TAG_NAME, "h1").text
        icons = browser.find_elements(By.CSS_SELECTOR, "main svg.lhs-mdc-icon")
        assert icons, page
        for icon in icons:
            # Named itself, or hidden beside the words a screen reader reads instead.
            label = icon.get_attribute("aria-label")
            if icon.get_attribute("aria-hidden") == "true":
                words = browser.execute_script(
                    "return arguments[0].closest('td, li').textContent.trim()", icon)
                assert words, f"{page}: an icon with no words beside it"
            else:
                assert label and icon.accessible_name == label, page
        assert len(browser.find_elements(By.CSS_SELECTOR, ".lhs-mdc-key")) == 1, page
        pack = browser.find_element(By.PARTIAL_LINK_TEXT, "board pack").get_attribute("href")
        with urllib.request.urlopen(pack) as response:
            pdf = response.read()
        first_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert name in " ".join(first_page.split()), page


@pytest.fixture(scope="module")
def changed_site(tmp_path_factory) -> Iterator[str]:
    """A site built twice: the second time one trust's data show a new special cause."""
    root = flow_history_project(tmp_path_factory.mktemp("changes"))
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(HISTORY_ENV, raising=False)
        build(root, "builtin", tmp_path_factory.mktemp("first") / "site")
        write_flow_months(root, shift=-40)
        site = build(root, "builtin", tmp_path_factory.mktemp("second") / "site")
    server, url = serve(site)
    try:
        yield url
    finally:
        server.shutdown()


def test_what_s_new_lists_a_change_after_a_second_build_on_changed_data(changed_site, browser):
    from selenium.webdriver.common.by import By

    browser.get(changed_site)
    browser.find_element(By.CSS_SELECTOR, "nav").find_element(By.LINK_TEXT,
                                                              "What's new").click()
    main_text = browser.find_element(By.TAG_NAME, "main").text
    assert "Southmoor NHS Trust (RW5)" in main_text
    change = browser.find_element(By.PARTIAL_LINK_TEXT, "Crisis and acute flow: Southmoor")
    item = browser.execute_script("return arguments[0].closest('li').textContent", change)
    assert "special cause concern" in item
    change.click()
    assert browser.current_url.endswith("crisis_flow/RW5.html")
    assert "Southmoor" in browser.find_element(By.TAG_NAME, "h1").text
    # The trust's own page says it too.
    browser.get(changed_site + "trusts/RW5.html")
    assert "special cause concern" in browser.find_element(By.TAG_NAME, "main").text


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="the quarto CLI is not on PATH")
def test_the_quarto_site_passes_the_same_checks_on_every_page(demo_project, tmp_path_factory,
                                                             browser, axe_source):
    """The Quarto site of the same demo: axe-core, console, other hosts and 320 px reflow on
    every page."""
    site = build(demo_project, "quarto", tmp_path_factory.mktemp("sites") / "quarto")
    server, url = serve(site)
    try:
        checks = check_pages(browser, url, pages_of(site), axe_source)
    finally:
        server.shutdown()
    assert not failures(checks), json.dumps(failures(checks), indent=1)
