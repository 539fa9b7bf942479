"""Reading merchant CSV exports: encoding detection and chunked records with row numbers.

Taiwanese POS and ERP exports arrive as UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8") or Big5
(Excel's default "CSV" on a zh-TW Windows); the bytes decide, never the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

SNIFF_BYTES = 256 * 1024
# cp950 is the Big5 that Windows actually writes (a superset of plain Big5 for what shops use);
# Big5-HKSCS catches the rest.
FALLBACK_ENCODINGS = ("cp950", "big5hkscs")
# No merchant export comes near these (a POS row of 14 fields is under 1 KB even with long Chinese
# names); a line past them is refused before any parser sees it: a 200 KB row of 100k empty
# columns cost the parsers 56 s and 413 MB.
MAX_LINE_BYTES = 8 * 1024
MAX_FIELDS = 64
SCAN_BLOCK = 4 * 1024 * 1024
NEWLINE, COMMA = ord("\n"), ord(",")


class CsvUnreadableError(ValueError):
    """The bytes are not a CSV we can read (neither UTF-8 nor Big5, broken quoting, or far too wide).

    ``row`` names the data row (1-based, header excluded) when one row is to blame.
    """

    def __init__(
        self, message: str, row: int | None = None, code: str = "forecast.file.unreadable", **params: object
    ) -> None:
        super().__init__(message)
        self.row = row
        self.code = code  # catalog key problem.<code> / error.<code>, formatted with ``params``
        self.params = params


class CsvTooWideError(CsvUnreadableError):
    """A line far longer or with far more fields than the format has."""


def _shape_problem(line: int, message: str, code: str, **params: object) -> CsvTooWideError:
    if line == 0:
        return CsvTooWideError(f"the header line {message}", None, f"{code}_header", **params)
    return CsvTooWideError(f"data row {line} {message}", line, code, line=line, **params)


def check_line_shape(stream: BinaryIO, max_line_bytes: int = MAX_LINE_BYTES, max_fields: int = MAX_FIELDS) -> None:
    """Raise ``CsvTooWideError`` naming the first line longer than ``max_line_bytes`` or with more
    than ``max_fields`` fields; the stream is left where it was.

    Vectorised over blocks of bytes (line feeds and commas found by numpy), well under a second
    for a million-row export. Lines are split at line feeds and fields at every comma: a quoted
    line break or comma inside a field (rare in exports, and far from these bounds) would count.
    """
    start = stream.tell()
    lines_before = 0
    carry = b""
    try:
        while True:
            block = stream.read(SCAN_BLOCK)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            if cut == 0 and block:
                if len(data) <= max_line_bytes:
                    carry = data
                    continue
                cut = len(data)  # one line already too long: look at it now
            complete, carry = data[:cut], data[cut:]
            codes = np.frombuffer(complete, dtype=np.uint8)
            ends = np.flatnonzero(codes == NEWLINE)
            if len(ends) == 0 or ends[-1] != len(codes) - 1:
                ends = np.append(ends, len(codes))  # the last line of the file has no line feed
            starts = np.concatenate(([0], ends[:-1] + 1))
            commas = np.flatnonzero(codes == COMMA)
            fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
            long_lines = np.flatnonzero(ends - starts > max_line_bytes)
            wide_lines = np.flatnonzero(fields > max_fields)
            if len(long_lines) and (not len(wide_lines) or long_lines[0] <= wide_lines[0]):
                raise _shape_problem(
                    lines_before + int(long_lines[0]),
                    f"is longer than {max_line_bytes} bytes; this is not a merchant export",
                    "forecast.file.line_too_long",
                    limit=max_line_bytes,
                )
            if len(wide_lines):
                raise _shape_problem(
                    lines_before + int(wide_lines[0]),
                    f"has more than {max_fields} fields; this is not a merchant export",
                    "forecast.file.too_many_fields",
                    limit=max_fields,
                )
            lines_before += len(ends)
            if not block:
                return
    finally:
        stream.seek(start)


@dataclass(frozen=True)
class RowError:
    """One problem with one data row (``row`` is 1-based, header excluded)."""

    row: int | None
    column: str | None
    message: str  # English; people read ``error.<code>`` of the catalog formatted with ``params``
    code: str | None = None
    params: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "code": self.code,
            "params": self.params,
        }


def detect_encoding(sample: bytes) -> str:
    """'utf-8-sig', 'utf-8' or a Big5 codec, decided from the first bytes of the file."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", *FALLBACK_ENCODINGS):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # final=False: the sample may end in the middle of a multi-byte character.
            decoder.decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise CsvUnreadableError("file is neither UTF-8 nor Big5 text", code="forecast.file.encoding")


def _seekable(source: BinaryIO) -> BinaryIO:
    if source.seekable():
        return source
    return io.BytesIO(source.read())


def read_header(source: BinaryIO) -> tuple[BinaryIO, str, list[str]]:
    """(seekable stream at its start, encoding, header fields) without consuming the stream."""
    stream = _seekable(source)
    check_line_shape(stream)
    start = stream.tell()
    sample = stream.read(SNIFF_BYTES)
    stream.seek(start)
    encoding = detect_encoding(sample)
    first_line = sample.split(b"\n", 1)[0]
    try:
        text = first_line.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CsvUnreadableError(
            f"cannot decode the header as {encoding}", code="forecast.file.header_encoding", encoding=encoding
        ) from exc
    header = next(csv.reader([text.rstrip("\r")]), [])
    return stream, encoding, [name.strip().lstrip("\ufeff") for name in header]


@dataclass
class CsvRecords:
    """An open CSV: its header, its detected encoding and an iterator of record chunks."""

    encoding: str
    header: list[str]
    chunks: Iterator[list[tuple[int, list[str]]]]


def open_csv(
    source: BinaryIO,
    chunk_rows: int = 100_000,
    on_bytes_read: Callable[[int], None] | None = None,
) -> CsvRecords:
    """Open a CSV byte stream; chunks hold (data_row, fields) with data_row 1-based."""
    stream = _seekable(source)
    check_line_shape(stream)
    start = stream.tell()
    encoding = detect_encoding(stream.read(SNIFF_BYTES))
    stream.seek(start)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except UnicodeDecodeError as exc:
        raise CsvUnreadableError(
            f"cannot decode the header as {encoding}", code="forecast.file.header_encoding", encoding=encoding
        ) from exc
    header = [name.strip().lstrip("\ufeff") for name in header]

    def chunks() -> Iterator[list[tuple[int, list[str]]]]:
        chunk: list[tuple[int, list[str]]] = []
        data_row = 0
        try:
            for fields in reader:
                data_row += 1
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # a blank line (often the last one) is not a row
                chunk.append((data_row, fields))
                if len(chunk) >= chunk_rows:
                    yield chunk
                    chunk = []
                    if on_bytes_read is not None:
                        on_bytes_read(stream.tell() - start)
        except UnicodeDecodeError as exc:
            raise CsvUnreadableError(
                f"data row {data_row + 1} is not valid {encoding} text",
                data_row + 1,
                "forecast.file.row_encoding",
                line=data_row + 1,
                encoding=encoding,
            ) from exc
        except csv.Error as exc:
            raise CsvUnreadableError(
                f"data row {data_row + 1}: {exc}", data_row + 1, "forecast.file.row_unreadable", line=data_row + 1
            ) from exc
        if chunk:
            yield chunk
        if on_bytes_read is not None:
            on_bytes_read(stream.tell() - start)

    return CsvRecords(encoding=encoding, header=header, chunks=chunks())
