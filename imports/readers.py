"""Spreadsheets read row by row, whatever their size: CSV through the csv module, XLSX through
openpyxl's read-only mode, so that memory stays flat with the file's length.

The type is told by the content (customers.kernel.files' rule: never by the name or by what the
browser claims): an XLSX is a ZIP package with a workbook part; a CSV is text in UTF-8, with or
without the byte-order mark Excel writes ("CSV UTF-8"), Vietnamese diacritics and all.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
# Read to check the encoding and to find the delimiter without loading the file.
CHUNK = 1024 * 1024
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"


@dataclass(frozen=True)
class Row:
    line: int  # the line (CSV) or the row number (XLSX) staff see in their spreadsheet program
    values: tuple[Any, ...]


def sniff(upload: IO[bytes]) -> str:
    """CSV or XLSX, or a ValidationError that says what the file is and what to do."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except zipfile.BadZipFile:
            names = set()
        finally:
            upload.seek(0)
        if "xl/workbook.xml" in names:
            return XLSX
        raise ValidationError(
            _("This file is a ZIP archive, not an Excel workbook: upload a .xlsx or .csv file."),
            code="file_type",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(
            _(
                "This is an old Excel file (.xls): open it in Excel and save it as “Excel "
                "Workbook (.xlsx)” or “CSV UTF-8”."
            ),
            code="file_type",
        )
    if not head.strip() or b"\x00" in head or head.startswith(b"%PDF"):
        raise ValidationError(
            _("This is not a spreadsheet: upload a .xlsx or .csv file."), code="file_type"
        )
    _check_utf8(upload)
    return CSV


def _check_utf8(upload: IO[bytes]) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        while chunk := upload.read(CHUNK):
            text = decoder.decode(chunk)
            line += text.count("\n")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ValidationError(
            _(
                "The file is not in UTF-8 (around line %(line)s): in Excel, choose “Save as” → "
                "“CSV UTF-8 (comma delimited)”, so that Vietnamese letters are kept."
            ),
            code="encoding",
            params={"line": line + error.object[: error.start].count(b"\n")},
        ) from error
    finally:
        upload.seek(0)


def _text(upload: IO[bytes]) -> io.TextIOWrapper:
    upload.seek(0)
    return io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = sample.splitlines()[0] if sample else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    delimiter = max(counts, key=lambda key: counts[key])
    if counts[delimiter] == 0:
        delimiter = ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def rows(upload: IO[bytes], file_type: str) -> Iterator[Row]:
    """Every row, the header first, with its line number; blank rows are skipped."""
    if file_type == XLSX:
        yield from _xlsx_rows(upload)
        return
    text = _text(upload)
    try:
        sample = text.read(SNIFF_BYTES)
        text.seek(0)
        reader = csv.reader(text, _dialect(sample))
        line = 1
        for values in reader:
            if any(value.strip() for value in values):
                yield Row(line, tuple(values))
            line = reader.line_num + 1  # a quoted value may span lines: the next row starts here
    except csv.Error as error:
        raise ValidationError(
            _("The file cannot be read as CSV near line %(line)s."),
            code="csv",
            params={"line": line},
        ) from error
    finally:
        text.detach()


def _xlsx_rows(upload: IO[bytes]) -> Iterator[Row]:
    from openpyxl import load_workbook

    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged package
        raise ValidationError(
            _("This Excel file cannot be opened: save it again in Excel as .xlsx."),
            code="xlsx",
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(_cell_text(value) for value in values):
                yield Row(number, tuple(values))
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_text(value: Any) -> str:
    """A cell as text: an Excel number 912853984.0 is "912853984", nothing is ""."""
    return _cell_text(value)


def header_and_count(upload: IO[bytes], file_type: str) -> tuple[list[str], int]:
    """The header's names and how many rows follow it (read once through, nothing kept)."""
    header: list[str] | None = None
    count = 0
    for row in rows(upload, file_type):
        if header is None:
            header = [cell_text(value) for value in row.values]
            continue
        count += 1
    upload.seek(0)
    if not header or not any(header):
        raise ValidationError(_("The file is empty."), code="empty")
    return header, count
