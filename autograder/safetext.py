"""Student text made inert for spreadsheets and terminals.

Student ids and names come from LMS folder and file names, reasons quote file names: any of it
may be hostile. :func:`spreadsheet_cell` is what every CSV the grader writes passes its cells
through (OWASP's advice on CSV injection: a cell a spreadsheet would evaluate as a formula gets
a leading apostrophe; numbers stay numbers), :func:`spreadsheet_text` undoes it for the files
the grader reads back, and :func:`terminal_text` is what the command line prints student text
through (control characters shown escaped, never acted on).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line imports this module: pandas only where tables are
    import pandas as pd

#: First characters that make a spreadsheet evaluate a cell (or, tab and CR, hide one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: C0 and C1 controls, DEL, and the Unicode bidirectional overrides and isolates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _evaluated(text: str) -> bool:
    """Whether ``text`` needs an apostrophe: not a number, and a formula character first once
    any leading apostrophes are skipped (so that :func:`spreadsheet_text` is exact)."""
    return text.lstrip("'").startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def spreadsheet_cell(value: Any) -> Any:
    """``value`` for a CSV cell: text a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``,
    tab or CR first) gets a leading apostrophe; numbers, and text such as ``-1.5``, do not."""
    return "'" + value if isinstance(value, str) and _evaluated(value) else value


def spreadsheet_text(text: str) -> str:
    """The text :func:`spreadsheet_cell` was given, from the cell it wrote (lossless)."""
    return text[1:] if text.startswith("'") and _evaluated(text) else text


def write_csv_table(table: pd.DataFrame, path: Path) -> Path:
    """Write ``table`` (header included) to ``path`` with every cell through
    :func:`spreadsheet_cell`; return ``path``."""
    safe = table.map(spreadsheet_cell)
    safe.columns = [spreadsheet_cell(str(c)) for c in table.columns]
    safe.to_csv(path, index=False)
    return path


def write_csv_rows(path: Path, fields: list[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``rows`` under the header ``fields`` to ``path`` with every cell through
    :func:`spreadsheet_cell`; return ``path``."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[spreadsheet_cell(c) for c in fields])
        writer.writeheader()
        for row in rows:
            writer.writerow({spreadsheet_cell(k): spreadsheet_cell(v) for k, v in row.items()})
    return path


def terminal_text(value: Any, lines: bool = False) -> str:
    """``value`` as text for a terminal: each control character (ANSI escapes, ``\\r``,
    newlines unless ``lines``, C1 controls, bidi overrides) shown as ``\\x1b`` or ``\\u202e``,
    never acted on."""
    if lines:
        return "\n".join(terminal_text(line) for line in str(value).split("\n"))
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                        else f"\\u{ord(m[0]):04x}", str(value))
