"""The position matrix as CSV: one row per point, one column per party, for spreadsheets.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) are written
with a leading apostrophe, so a party's text can never execute in the reader's spreadsheet.
"""

from __future__ import annotations

import csv
import io

from inwriting.domain.matrix import Matrix

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def matrix_csv(m: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["version", "eid", "point", *map(_safe, m.columns), "contested", "unanswered"])
    for row in m.rows:
        writer.writerow(
            [
                _safe(row.version),
                row.eid,
                _safe(row.label),
                *(c.state for c in row.cells),
                "yes" if row.contested else "",
                row.unanswered,
            ]
        )
    return buffer.getvalue()
