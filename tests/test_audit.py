"""The site audit finds identifiers and unsuppressed small counts, and nothing else."""

from __future__ import annotations

import pytest

from lhs_reports.audit import audit_page, audit_site, is_nhs_number
from lhs_reports.errors import AuditError

TABLE = ('<table class="dataframe lhs-table"><thead><tr><th>Measure</th><th>Count</th>'
         "<th>IMD quintile</th></tr></thead><tbody><tr><td>Admissions</td><td>{count}</td>"
         "<td>3</td></tr></tbody></table>")


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "4010232137"])
def test_valid_nhs_numbers_are_found(number):
    # 9434765919 is the NHS Data Dictionary's example; 4010232137 a valid check-digit test value.
    assert audit_page(f"<p>Patient {number} seen</p>", "p.html")


@pytest.mark.parametrize("text", ["9434765918", "12345", "2025-03-01", "01234567890"])
def test_numbers_failing_the_check_digit_are_not_identifiers(text):
    assert not audit_page(f"<p>{text}</p>", "p.html")


def test_nhs_number_check_digit_of_ten_is_invalid():
    # Weighted sum 10*0+...: any 9 digits whose check would be 10 never form a valid number.
    assert not is_nhs_number("0000000010")


def test_digits_inside_attributes_and_images_are_not_text():
    assert not audit_page('<img src="data:image/png;base64,9434765919" alt="x">', "p.html")


@pytest.mark.parametrize("count", ["1", "7"])
def test_a_small_count_in_a_published_table_is_a_finding(count):
    findings = audit_page(TABLE.format(count=count), "p.html")
    assert [f.problem for f in findings] == ["unsuppressed small count in column 'Count'"]


@pytest.mark.parametrize("count", ["*", "0", "10", "8.0", "1,235"])
def test_suppressed_or_rounded_values_and_label_columns_pass(count):
    assert not audit_page(TABLE.format(count=count), "p.html")


def test_audit_site_raises_with_the_page_and_writes_nothing(tmp_path):
    (tmp_path / "ok.html").write_text("<p>fine</p>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.html").write_text(TABLE.format(count="3"))
    with pytest.raises(AuditError, match="sub/bad.html"):
        audit_site(tmp_path)


def test_a_clean_site_passes(tmp_path):
    (tmp_path / "ok.html").write_text(TABLE.format(count="*"))
    assert audit_site(tmp_path) == []
