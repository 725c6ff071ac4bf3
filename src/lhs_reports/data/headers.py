"""Column headers as a spreadsheet or warehouse writes them, matched to the data dictionary.

An extract's header is often the dictionary's name in another case or spacing (``Trust_Code``,
`` month ``, ``Occupied Bed Days``): read it as the dictionary column when exactly one header
does so. A header that already matches exactly always wins, and a header two columns could
claim is left as it is, so the usual "missing column" message names what is still needed.
"""

from __future__ import annotations

import re

import pandas as pd

from lhs_reports.data.dictionary import Table


def header_key(name: object) -> str:
    """A header as compared: trimmed, lower case, spaces and hyphens as underscores.

    Examples
    --------
    >>> header_key(" Occupied Bed-Days ")
    'occupied_bed_days'
    """
    return re.sub(r"[\s\-]+", "_", str(name).strip()).lower()


def normalise_headers(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``frame`` with headers renamed to the dictionary's names where unambiguous (a new frame
    when any is renamed; the input is unchanged).

    Examples
    --------
    >>> from lhs_reports.data.dictionary import TABLES
    >>> frame = pd.DataFrame(columns=["Trust_Code", " Trust Name ", "Region", "notes"])
    >>> list(normalise_headers(frame, TABLES["trusts"]).columns)
    ['trust_code', 'trust_name', 'region', 'notes']
    """
    wanted = {header_key(name): name for name in table.column_names}
    present = set(map(str, frame.columns))
    claims: dict[str, list[object]] = {}
    for header in frame.columns:
        target = wanted.get(header_key(header))
        if target is not None and str(header) != target and target not in present:
            claims.setdefault(target, []).append(header)
    renames = {headers[0]: target for target, headers in claims.items() if len(headers) == 1}
    return frame.rename(columns=renames) if renames else frame
