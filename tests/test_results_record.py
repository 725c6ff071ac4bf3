"""``record(...)`` as a cell's last line puts nothing on the reader's page."""

from __future__ import annotations

from IPython.core.formatters import DisplayFormatter

from lhs_reports.results import record


def test_a_record_is_a_plain_dict_that_ipython_does_not_echo_under_the_cell():
    published = record("referrals", 9582, unit="count", label="Referrals")
    assert published == {"name": "referrals", "value": 9582, "unit": "count",
                         "label": "Referrals"}
    formatter = DisplayFormatter()  # IPython's, without starting a shell
    # What IPython would write as the cell's result: nothing for a record, as for None ...
    assert formatter.format(published) == ({}, {})
    # ... while the same dict, as a plain dict, would be printed onto the page.
    assert formatter.format(dict(published))[0]["text/plain"]
