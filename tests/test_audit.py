"""The site audit reads the whole site (text, tables, attributes, charts, downloads) and finds
identifiers, postcodes, dates of birth and unsuppressed small counts, and nothing else."""

from __future__ import annotations

import base64
import json

import pandas as pd
import pytest

from lhs_reports.audit import audit_file, audit_page, audit_site, is_nhs_number, scan_site
from lhs_reports.audit.tables import column_kind
from lhs_reports.cli import main
from lhs_reports.disclosure import MHMDS_2014
from lhs_reports.errors import AuditError
from lhs_reports.notebook import table_html

from .helpers import make_project

# 9434765919 is the NHS Data Dictionary's example; 4010232137 another valid check digit.
VALID = "9434765919"
SPACINGS = ["9434765919", "943 476 5919", "943-476-5919"]

LHS_TABLE = ('<table class="dataframe lhs-table"><thead><tr><th>Measure</th><th>Count</th>'
             "<th>IMD quintile</th></tr></thead><tbody><tr><td>Admissions</td><td>{count}</td>"
             "<td>3</td></tr></tbody></table>")


def rules(findings):
    return [f.rule for f in findings]


def svg(text: str) -> str:
    """A small SVG chart as matplotlib writes it with text kept as text."""
    return ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><defs><style>'
            "text{font-family:sans-serif}</style></defs><g><path d='M 0 0 L 1 1'/>"
            f'<text x="1" y="2" style="font-size:10px">{text}</text></g></svg>')


def data_uri(document: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(document.encode()).decode()


# -- identifiers -------------------------------------------------------------------------------

@pytest.mark.parametrize("number", SPACINGS + ["401 023 2137"])
@pytest.mark.parametrize("where", [
    "<p>Patient {} seen</p>",
    "<p>Patient <strong>{}</strong> seen</p>",
    '<img src="chart.png" alt="Scores for patient {}">',
    '<abbr title="Patient {}">P</abbr>',
    '<nav aria-label="Record {}"></nav>',
    '<div aria-description="Record {}"></div>',
    '<input placeholder="e.g. {}">',
    '<input value="{}">',
    '<meta name="description" content="Patient {}">',
    '<svg><text x="1">Patient {}</text></svg>',
    '<svg><title>Patient {}</title></svg>',
    '<table><tr><th>Patient</th></tr><tr><td>{}</td></tr></table>',
    '<script type="application/json">{{"id": "{}"}}</script>',
])
def test_a_valid_nhs_number_is_found_wherever_a_reader_sees_it(number, where):
    assert rules(audit_page(where.format(number), "p.html")) == ["NHS-number-like identifier"]


@pytest.mark.parametrize("number", SPACINGS)
def test_an_nhs_number_in_the_text_of_a_base64_svg_chart_is_found_and_located(number):
    page = (f'<figure><img src="{data_uri(svg("2024"))}" alt="Trend"></figure>'
            f'<figure><img src="{data_uri(svg(f"Scores for patient {number}"))}" '
            'alt="Scores"></figure>')
    [finding] = audit_page(page, "trust/SYN01.html")
    assert (finding.page, finding.location) == ("trust/SYN01.html", "svg text in image 2")
    assert finding.rule == "NHS-number-like identifier"


def test_svg_titles_descriptions_tspans_and_glyph_comments_are_read():
    for inner in (f"<title>{VALID}</title>", f"<desc>{VALID}</desc>",
                  "<text><tspan>943</tspan><tspan>476</tspan><tspan>5919</tspan></text>",
                  f"<!-- Patient {VALID} -->"):
        page = f'<img src="{data_uri("<svg>" + inner + "</svg>")}" alt="chart">'
        assert rules(audit_page(page, "p.html")) == ["NHS-number-like identifier"], inner


def test_a_percent_encoded_svg_image_is_read_too():
    page = '<img src="data:image/svg+xml;utf8,%3Csvg%3E%3Ctext%3E943 476 5919%3C/text%3E" alt="">'
    assert rules(audit_page(page, "p.html")) == ["NHS-number-like identifier"]


def test_an_identifier_is_masked_in_the_finding_so_logs_never_repeat_it():
    [finding] = audit_page(f"<p>{VALID}</p>", "p.html")
    assert VALID not in str(finding) and finding.text == "943xxxxxxx"


def test_an_identifier_in_a_header_or_a_file_name_is_found_and_masked_in_the_location(tmp_path):
    transposed = pd.DataFrame({"943 476 5919": [40, 3]}, index=["Score", "Admissions"])
    findings = audit_page(transposed.to_html(), "p.html")
    assert rules(findings) == ["NHS-number-like identifier", "unsuppressed small count"]
    assert findings[1].location == "table 1, row 2, column '943 xxx xxxx'"
    (tmp_path / "index.html").write_text("<p>fine</p>")
    (tmp_path / "patients").mkdir()
    (tmp_path / "patients" / f"{VALID}.html").write_text("<p>fine</p>")
    [finding] = scan_site(tmp_path).findings
    assert (finding.page, finding.location) == ("patients/943xxxxxxx.html", "file name")


@pytest.mark.parametrize("text", ["9434765918", "943 476 5918", "12345", "2025-03-01",
                                  "01234567890", "0.9434765919", "ab9434765919",
                                  "0113 496 0000"])
def test_numbers_that_are_not_nhs_numbers_are_not_identifiers(text):
    assert not audit_page(f"<p>{text}</p>", "p.html")


def test_nhs_number_check_digit_of_ten_is_invalid():
    # 000000006: weighted sum 6 x 2 = 12, 11 - 12 % 11 = 10: no number starting so is valid.
    assert not any(is_nhs_number(f"000000006{d}") for d in "0123456789")
    assert is_nhs_number(VALID) and is_nhs_number("4010232137")


def test_a_png_image_is_not_decoded_and_its_alt_text_is_read():
    assert not audit_page(f'<img src="data:image/png;base64,{VALID}" alt="x">', "p.html")
    assert audit_page(f'<img src="data:image/png;base64,AAAA" alt="{VALID}">', "p.html")


def test_javascript_code_and_css_are_not_read():
    page = f"<script>var seed = {VALID};</script><style>.x{{width:{VALID}px}}</style>"
    assert not audit_page(page, "p.html")


@pytest.mark.parametrize("text", ["Seen at LS1 4AP", "SW1A 1AA", "postcode M1 1AE.", "EC1A1BB"])
def test_a_full_postcode_is_found(text):
    assert rules(audit_page(f"<p>{text}</p>", "p.html")) == ["full UK postcode"]


@pytest.mark.parametrize("text", ["Leeds (LS1) and LS1 area", "Ward B12", "ls1 4ap",
                                  "SYN01", "E38000001"])
def test_a_postcode_district_or_a_code_is_not_a_postcode(text):
    assert not audit_page(f"<p>{text}</p>", "p.html")


@pytest.mark.parametrize("text", ["DOB 01/02/1980", "DOB: 1-2-1980", "D.O.B. 01.02.1980",
                                  "date of birth 1 February 1980", "born 1980-02-01",
                                  "01/02/1980 (DOB)", "Date of Birth: 3rd March 1975"])
def test_a_date_next_to_a_word_naming_a_birth_is_found(text):
    assert rules(audit_page(f"<p>Jane Smith, {text}</p>", "p.html")) == ["date of birth"]


def test_a_date_in_a_date_of_birth_column_is_found():
    page = "<table><tr><th>Name</th><th>Date of birth</th></tr><tr><td>A</td><td>01/02/1980</td>"
    [finding] = audit_page(page + "</tr></table>", "p.html")
    assert (finding.rule, finding.location) == ("date of birth",
                                                "table 1, row 1, column 'Date of birth'")


@pytest.mark.parametrize("text", ["Data refreshed 01/02/1980", "Period 2024-03-01 to 2025-02-28",
                                  "Dobson interval 01/02/2020", "DOB 32/13/1980"])
def test_a_date_without_a_word_naming_a_birth_is_not_a_date_of_birth(text):
    assert not audit_page(f"<p>{text}</p>", "p.html")


# -- small counts in tables --------------------------------------------------------------------

def pandas_table(count) -> str:
    """pandas' default markup (``dataframe`` class, the index as ``<th>``), as a notebook's
    ``display(frame)`` publishes it."""
    return pd.DataFrame({"Ward": ["Oak", "Elm"], "Patients detained": [count, 40]}).to_html()


@pytest.mark.parametrize("count", ["3", "3.0", "3.00", "3 (1.8 %)", "3 (1.8%)", "1", "7"])
def test_a_small_count_in_an_unclassed_pandas_table_is_found_and_located(count):
    [finding] = audit_page(pandas_table(count), "p.html")
    assert finding.rule == "unsuppressed small count"
    assert finding.location == "table 1, row 1, column 'Patients detained'"
    assert finding.text == count


@pytest.mark.parametrize("count", ["3", "3.0", "3 (1.8 %)"])
def test_a_small_count_in_an_lhs_table_is_found(count):
    findings = audit_page(LHS_TABLE.format(count=count), "p.html")
    assert [(f.rule, f.location) for f in findings] == [
        ("unsuppressed small count", "table 1, row 1, column 'Count'")]


def test_a_float_count_column_published_as_3_0_is_found():
    # One missing value makes the column float64; pandas then writes the count as 3.0.
    frame = pd.DataFrame({"Ward": ["Oak", "Elm"], "Patients detained": [3, None]})
    [finding] = audit_page(frame.to_html(classes="lhs-table"), "p.html")
    assert (finding.text, finding.location) == ("3.0",
                                                "table 1, row 1, column 'Patients detained'")


def test_tables_without_a_class_and_quarto_tables_are_read():
    plain = "<table><tr><th>Ward</th><th>Patients</th></tr><tr><td>Oak</td><td>3</td></tr></table>"
    quarto = ('<table class="table"><thead><tr class="header"><th>Ward</th><th>Patients</th>'
              '</tr></thead><tbody><tr class="odd"><td>Oak</td><td>5</td></tr></tbody></table>')
    assert rules(audit_page(plain, "p.html")) == ["unsuppressed small count"]
    assert rules(audit_page(quarto, "p.html")) == ["unsuppressed small count"]


def test_the_second_table_and_later_rows_are_located():
    page = pandas_table(40) + pd.DataFrame({"Patients": [50, 60, 4]}).to_html()
    [finding] = audit_page(page, "p.html")
    assert finding.location == "table 2, row 3, column 'Patients'"


def test_headers_spanning_columns_and_rows_keep_cells_in_their_columns():
    page = ('<table><thead><tr><th rowspan="2">Ward</th><th colspan="2">Patients</th></tr>'
            "<tr><th>Detained</th><th>Informal</th></tr></thead><tbody>"
            '<tr><th rowspan="2">Oak</th><td>40</td><td>50</td></tr>'
            "<tr><td>45</td><td>6</td></tr></tbody></table>")
    [finding] = audit_page(page, "p.html")
    assert finding.location == "table 1, row 2, column 'Patients Informal'"


@pytest.mark.parametrize("count", ["*", "0", "8", "10", "115", "8.0", "1,235", "2.5", "–", ""])
def test_suppressed_zero_rounded_and_fractional_values_pass(count):
    assert not audit_page(pandas_table(count), "p.html")
    assert not audit_page(LHS_TABLE.format(count=count), "p.html")


@pytest.mark.parametrize("header", ["IMD quintile", "Deprivation decile", "Rank", "Year",
                                    "Month", "Age band", "Ethnic group", "Trust code",
                                    "Priority", "Mean score", "Order", "Number of trusts",
                                    "Agree (%)", "Rate per 100,000", "Standardised ratio",
                                    "95% CI"])
def test_small_whole_numbers_in_label_and_statistic_columns_are_not_counts(header):
    page = pd.DataFrame({"Area": ["A", "B"], header: [3, 5]}).to_html(index=False)
    assert not audit_page(page, "p.html")


@pytest.mark.parametrize("header", ["Patients detained", "Admissions this month",
                                    "Events in the year", "Patients with a score of 1",
                                    "Disorder admissions", ""])
def test_a_header_naming_something_counted_is_a_count_column(header):
    assert column_kind(header) == "count"


def test_index_labels_and_a_prose_column_are_not_counts():
    # The pandas index (0, 1, ...) is a row label; a methods table's "Run length: 7" sits in a
    # column of words.
    assert not audit_page(pd.DataFrame({"Patients": [40, 45, 50]}).to_html(), "p.html")
    prose = pd.DataFrame({"Choice": ["Screening", "Two in three", "Run length"],
                          "Default": ["on", "not counted", "7"]})
    assert not audit_page(prose.to_html(index=False), "p.html")


def test_a_row_labelled_as_a_rank_is_not_a_count():
    frame = pd.DataFrame({"SYN01": [3, 40]}, index=["Rank", "Patients"])
    assert not audit_page(frame.to_html(), "p.html")


def test_the_threshold_comes_from_the_disclosure_rule():
    zero = pandas_table("0")
    assert not audit_page(zero, "p.html")
    assert rules(audit_page(zero, "p.html", rule=MHMDS_2014)) == ["unsuppressed small count"]
    assert not audit_page(pandas_table("6"), "p.html", rule=MHMDS_2014)


# -- counts recoverable from percentages --------------------------------------------------------

def share_table(respondents, agree) -> str:
    return pd.DataFrame({"Priority area": ["Culture"], "Respondents": [respondents],
                         "Agree (%)": [agree], "All organisations (%)": [5.0]}).to_html(
        index=False)


@pytest.mark.parametrize(("respondents", "agree"), [
    ("170", "1.8"), ("115", "1.8%"), ("75", "3.9"), ("55", "12.7"), ("1,000", "0.3"),
    ("400", "0.1")])
def test_a_percentage_of_a_published_denominator_that_gives_a_small_count_is_found(
        respondents, agree):
    [finding] = audit_page(share_table(respondents, agree), "p.html")
    assert finding.rule == "small count recoverable from a percentage"
    assert finding.location == "table 1, row 1, column 'Agree (%)'"


@pytest.mark.parametrize(("respondents", "agree"), [
    ("115", "8.7"),  # 10 of 115: a rounded numerator over a rounded denominator
    ("115", "7.0"),  # 8.05: eight people
    ("75", "0.0"), ("*", "*"), ("75", "*"), ("75", "–"), ("40", "50.0")])
def test_percentages_that_give_back_zero_or_eight_and_over_pass(respondents, agree):
    assert not audit_page(share_table(respondents, agree), "p.html")


def test_a_comparator_percentage_is_not_read_against_this_rows_denominator():
    # "All organisations (%)" = 5.0 of 75 would be 4: it is a share of everyone, not of 75.
    assert not audit_page(share_table("75", "50.0"), "p.html")


# -- downloads and the whole site ---------------------------------------------------------------

def test_a_csv_download_is_read_as_a_table_with_line_numbers():
    text = f"Ward,Patients,NHS number\nOak,40,{VALID}\nElm,45,\nAsh,3,\n"
    findings = audit_file(text, "downloads/wards.csv")
    assert [(f.location, f.rule) for f in findings] == [
        ("wards.csv line 2, column 'NHS number'", "NHS-number-like identifier"),
        ("wards.csv line 4, column 'Patients'", "unsuppressed small count")]


def test_a_json_file_is_read_value_by_value_and_records_as_a_table():
    document = {"pages": [{"title": "Oak", "text": "Patient 943 476 5919"},
                          {"title": "Elm", "text": "fine"}],
                "wards": [{"ward": "Oak", "patients": 3}, {"ward": "Elm", "patients": 40}]}
    findings = audit_file(json.dumps(document), "search.json")
    assert [(f.location, f.rule) for f in findings] == [
        ("search.json pages[0].text", "NHS-number-like identifier"),
        ("search.json wards[0].patients", "unsuppressed small count")]


def test_feeds_text_files_and_svg_files_are_read():
    feed = ('<?xml version="1.0"?><feed><entry><title>New</title><content type="html">'
            "&lt;p&gt;Seen at LS1 4AP&lt;/p&gt;</content></entry></feed>")
    assert rules(audit_file(feed, "feed.atom")) == ["full UK postcode"]
    assert [f.location for f in audit_file("ok\nDOB 01/02/1980\n", "notes.txt")] == [
        "notes.txt line 2"]
    assert [f.location for f in audit_file(svg(VALID), "charts/a.svg")] == ["svg text in a.svg"]
    markdown = "| Ward | Patients |\n|---|---|\n| Oak | 40 |\n| Elm | 3 |\n"
    assert [f.location for f in audit_file(markdown, "README.md")] == [
        "README.md line 4, column 'Patients'"]


def test_a_download_embedded_in_a_link_as_a_data_uri_is_read_as_its_file():
    csv = base64.b64encode(b"Ward,Patients\nOak,3\nElm,40\n").decode()
    page = f'<a href="data:text/csv;base64,{csv}" download="wards.csv">Download</a>'
    [finding] = audit_page(page, "p.html")
    assert finding.location == "a href download 1.csv line 2, column 'Patients'"


def test_the_site_audit_reads_downloads_skips_libraries_and_lists_unreadable_files(tmp_path):
    (tmp_path / "index.html").write_text("<p>fine</p>")
    (tmp_path / "site_libs" / "quarto").mkdir(parents=True)
    (tmp_path / "site_libs" / "quarto" / "quarto.js").write_text(f"var k = {VALID};")
    (tmp_path / "site_libs" / "bootstrap.css").write_text(f".x{{width:{VALID}px}}")
    (tmp_path / "figure.png").write_bytes(b"\x89PNG")
    (tmp_path / "search.js").write_text(f'var index = ["Patient {VALID}"];')
    (tmp_path / "data.csv").write_text("Ward,Patients\nOak,40\n")
    audit = scan_site(tmp_path)
    assert (audit.pages, audit.files, audit.unread) == (1, 2, ("figure.png",))
    assert [(f.page, f.location) for f in audit.findings] == [("search.js", "search.js line 1")]


def test_audit_site_raises_naming_the_page_location_rule_and_count(tmp_path):
    (tmp_path / "ok.html").write_text("<p>fine</p>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.html").write_text(LHS_TABLE.format(count="3") + f"<p>{VALID}</p>")
    with pytest.raises(AuditError) as raised:
        audit_site(tmp_path)
    message = str(raised.value)
    assert "2 findings in 1 file" in message
    assert "sub/bad.html: table 1, row 1, column 'Count': unsuppressed small count" in message
    assert "sub/bad.html: text: NHS-number-like identifier" in message
    assert VALID not in message


def test_the_error_lists_the_first_five_findings_and_says_how_many_more(tmp_path):
    (tmp_path / "index.html").write_text("".join(f"<p>{VALID}</p>" for _ in range(8)))
    with pytest.raises(AuditError, match=r"(?s)8 findings.*\.\.\. and 3 more"):
        audit_site(tmp_path)


def test_a_clean_site_passes(tmp_path):
    (tmp_path / "ok.html").write_text(LHS_TABLE.format(count="*"))
    assert audit_site(tmp_path) == []


# -- the command --------------------------------------------------------------------------------

def test_cli_audit_of_a_clean_site_says_ok_and_exits_0(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<p>fine</p>")
    (tmp_path / "data.csv").write_text("Ward,Patients\nOak,40\n")
    assert main(["audit", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "OK: 1 pages and 1 files audited, no findings"


def test_cli_audit_lists_findings_one_a_line_and_exits_2_without_a_traceback(tmp_path, capsys):
    (tmp_path / "index.html").write_text(pandas_table("3") + f"<p>{VALID}</p>")
    assert main(["audit", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "index.html: table 1, row 1, column 'Patients detained': unsuppressed small count ('3')",
        "index.html: text: NHS-number-like identifier ('943xxxxxxx')"]
    assert "2 findings" in err and "Traceback" not in err


def test_cli_audit_defaults_to_the_projects_site_and_stops_when_there_is_none(tmp_path, capsys):
    root = make_project(tmp_path / "project", 1)
    assert main(["--project", str(root), "audit"]) == 2
    err = capsys.readouterr().err
    assert "no site folder" in err and "outputs/_site" in err and "Traceback" not in err
    site = root / "outputs" / "_site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<p>fine</p>")
    assert main(["--project", str(root), "audit"]) == 0


# -- the demo site ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.notebook
def test_the_demo_site_passes_its_own_audit(demo_two_trusts):
    status, printed = demo_two_trusts.status, demo_two_trusts.printed
    if status not in (0, 2) or (status == 2 and "disclosure audit" not in printed):
        pytest.fail(f"the demo build failed for another reason (exit {status}):\n{printed}")
    assert status == 0, printed
    assert scan_site(demo_two_trusts.site).findings == ()


def test_show_table_publishes_a_float_count_column_under_control():
    frame = pd.DataFrame({"Ward": ["Oak", "Elm"], "Patients detained": [3, None]})
    assert audit_page(table_html(frame), "p.html") == []
