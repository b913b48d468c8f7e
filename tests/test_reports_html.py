"""report.html opened in a real headless browser (Debian's chromium, driven by Playwright).

What a person sees is what is checked: no script error, the operation x check matrix with
a cell per pair, every deviation visible with its curl line, response, schema location and
seed, filters that work, an untrusted response body shown as text, and no request leaving
the file. Without /usr/bin/chromium (CI installs it in .ci/run) the browser test is skipped.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pinecone_conformance.core.findings import Finding, FindingStore
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports import write_reports
from pinecone_conformance.reports.facts import matrix
from pinecone_conformance.reports.grouping import group

FIXTURE = Path(__file__).parent / "data" / "reports" / "run"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class LinkCollector(HTMLParser):
    """Every attribute of the page that could load or point somewhere (what a browser would follow)."""

    ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction", "background", "ping"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value or "") for name, value in attrs if name in self.ATTRIBUTES]

    @classmethod
    def of(cls, text: str) -> list[tuple[str, str, str]]:
        parser = cls()
        parser.feed(text)
        return parser.found


def load_fixture() -> tuple[list[Finding], RunRecord]:
    return FindingStore(FIXTURE / "findings").all(), RunRecord.load(FIXTURE)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    findings, record = load_fixture()
    return write_reports(tmp_path_factory.mktemp("html"), findings, record)["report.html"]


def test_self_contained_no_external_reference(report):
    text = report.read_text()
    references = LinkCollector.of(text)
    assert references, "the matrix links to its deviations"
    assert all(value.startswith("#") for _, _, value in references), f"a reference leaves the page: {references}"
    assert {tag for tag, _, _ in references} == {"a"}  # no img, link, iframe, form...
    assert "url(" not in text and "@import" not in text
    assert "Content-Security-Policy" in text and "default-src 'none'" in html.unescape(text)
    assert text.count("<script>") == 1  # ours; the untrusted body's script tag is escaped
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in text


def test_every_group_has_a_section(report):
    findings, _ = load_fixture()
    text = report.read_text()
    for g in group(findings):
        assert f'id="g-{g.fingerprint}"' in text


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
def test_report_renders_in_headless_chromium(report):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
    findings, record = load_fixture()
    groups = group(findings)
    expected = matrix(record, groups)
    page_errors: list[str] = []
    console_errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")

            assert page_errors == [] and console_errors == []
            assert requests == [report.as_uri()], f"the page loaded more than itself: {requests}"
            assert page.evaluate("window.__pwned") is None, "an untrusted response body ran as script"
            assert page.locator("#verdict").inner_text() == "FAIL"
            assert page.locator('.tile[data-tile="error"] .value').inner_text() == "5"

            # the matrix: visible, one row per operation, one cell per operation x check
            table = page.locator("#matrix")
            assert table.is_visible()
            assert page.locator("#matrix tbody tr").count() == len(expected.rows)
            assert page.locator("#matrix td.cell").count() == len(expected.rows) * len(expected.columns)
            for (row, column), result in expected.cells.items():
                cell = page.locator(f'#matrix td[data-operation="{row}"][data-check="{column}"]')
                assert cell.is_visible() and cell.get_attribute("data-result") == result
            failing = page.locator('#matrix td[data-operation="describe_index"][data-check="response_schema_conformance"]')
            colour = failing.evaluate("el => getComputedStyle(el).backgroundColor")
            passing = page.locator('#matrix td[data-operation="list_indexes"][data-check="status_code_conformance"]')
            assert colour != passing.evaluate("el => getComputedStyle(el).backgroundColor")

            # coverage of statuses and links
            assert page.locator("#status-coverage").is_visible()
            assert page.locator("#status-coverage tbody tr").count() == len(record.operations)
            assert page.locator("#link-coverage tbody tr").count() == len(record.links)

            # every deviation visible, with what it takes to reproduce it
            sections = page.locator("section.finding")
            assert sections.count() == len(groups)
            for g in groups:
                section = page.locator(f"#g-{g.fingerprint}")
                assert section.is_visible()
                text = section.inner_text()
                assert g.message in text and g.check in text
                if g.representative.request:
                    assert section.locator("pre.request").inner_text() == g.representative.request
                if g.representative.response:
                    assert section.locator("pre.response").inner_text() == g.representative.response
                if g.location:
                    assert g.location in text
                assert "1234" in text  # the seed
            hostile = page.locator("section.finding[data-operation='list_indexes'] pre.response")
            assert "<script>window.__pwned = 1</script>" in hostile.inner_text()

            # filters: severity and operation hide and show deviations
            page.locator("input[name=severity][value=error]").uncheck()
            assert page.locator("section.finding:visible").count() == 3
            assert page.locator("#shown-count").inner_text() == "3"
            page.locator("input[name=severity][value=error]").check()
            page.locator("#filter-operation").select_option("describe_index")
            assert page.locator("section.finding:visible").count() == 1
            page.locator("#filter-operation").select_option("")
            page.locator("#filter-text").fill("Retry-After")
            assert page.locator("section.finding:visible").count() == 1
            page.locator("#filter-text").fill("")
            assert page.locator("section.finding:visible").count() == len(groups)
            assert page_errors == [] and console_errors == []
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
def test_empty_report_renders(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
    path = write_reports(tmp_path, [], RunRecord(spec_version="2026-04", exit_code=0))["report.html"]
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri())
            assert page.locator("#verdict").inner_text() == "PASS"
            assert "No deviation found." in page.locator("#deviations").inner_text()
            assert errors == []
        finally:
            browser.close()
