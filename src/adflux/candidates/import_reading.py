"""Reading a candidate file a batch at a time: CSV (any delimiter of ',', ';', tab; a UTF-8 BOM;
Windows or Unix line ends; quoted cells) or Parquet (pyarrow's ``iter_batches``).

A batch is raw cells as text, by column, with each row's place in the file: validation turns
them into values (``import_validation``). Nothing here holds more than one batch, so a file of a
million rows is read in the memory of one batch.

Rows are numbered as a person finds them: in a CSV the header is line 1 and a row's number is the
line it starts on; in a Parquet file the first row is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, Literal, Union

from adflux.errors import ValidationFailed
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Choices, Message

if TYPE_CHECKING:
    import pyarrow as pa

FileFormat = Literal["csv", "parquet"]
FORMATS: tuple[FileFormat, ...] = ("csv", "parquet")

# Columns a row must have (marketing_consent most of all: consent is never assumed).
REQUIRED_COLUMNS = (
    "full_name",
    "email",
    "age",
    "city",
    "department",
    "education_level",
    "area",
    "remote_preference",
    "marketing_consent",
)
# Columns a file may leave out: a candidate updated by such a file keeps what is stored.
OPTIONAL_COLUMNS = (
    "external_ref",
    "phone",
    "years_experience",
    "desired_salary_cop",
    "languages",
    "skills",
    "last_active_at",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# A cell may hold this many characters (the csv module's default, 128 KiB, would stop the file).
FIELD_LIMIT = 1 << 20
# The first bytes looked at to decide the encoding and the delimiter.
_PROBE_BYTES = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_PARQUET_MAGIC = b"PAR1"


class FileRefused(ValidationFailed):
    """The whole file is refused before any row is written: the reason names the field."""


@dataclass(frozen=True)
class RowError:
    line: int  # CSV: the line the row starts on (header = 1); Parquet: the row number
    field: str  # the column at fault, or "row" when the row as a whole could not be read
    reason: Message  # stored in the report as its JSON, read in the reader's language


# A column of raw cells: a list of texts (None: missing in Parquet), or an Arrow string array.
Cells = Union[list[str | None], "pa.StringArray"]


@dataclass
class RawBatch:
    """Up to one batch of rows as read: cells by column, as text."""

    lines: list[int]
    columns: dict[str, Cells]
    refused: list[RowError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)


def cell_list(cells: Cells) -> list[str | None]:
    """A column's cells as a Python list, whichever way it was read."""
    return cells if isinstance(cells, list) else cells.to_pylist()


@dataclass(frozen=True)
class Header:
    columns: tuple[str, ...]  # the known columns the file has, in KNOWN_COLUMNS order
    ignored: tuple[str, ...]  # columns of the file that AdFlux does not know (not read)
    delimiter: str | None  # CSV only


def detect_format(filename: str | None, head: bytes) -> FileFormat:
    """Parquet by its magic bytes, otherwise CSV (the name only breaks no tie)."""
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    return "csv"


def check_header(names: Sequence[str], *, delimiter: str | None = None) -> Header:
    """The file's columns against the known ones; FileRefused naming what is missing."""
    cleaned = [_column_name(name) for name in names]
    seen: set[str] = set()
    # A known column twice is ambiguous; an unknown one is ignored anyway.
    repeated = sorted(
        {n for n in cleaned if (n in seen or seen.add(n)) and n in KNOWN_COLUMNS}  # type: ignore[func-returns-value]
    )
    if repeated:
        raise FileRefused(
            "the file's header repeats a column",
            fields={
                name: [N_("this column appears more than once in the header")] for name in repeated
            },
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        reasons = {name: [N_("the file has no such column; it is required")] for name in missing}
        if "marketing_consent" in missing:
            reasons["marketing_consent"] = [
                N_(
                    "the file has no marketing_consent column: consent is never assumed, so the"
                    " file is refused (add the column with sí/no, true/false or 1/0 per row)"
                )
            ]
        raise FileRefused(
            "the file lacks the required column(s) %(columns)s",
            fields=reasons,
            columns=Choices(None, missing),
        )
    return Header(
        columns=tuple(name for name in KNOWN_COLUMNS if name in seen),
        ignored=tuple(name for name in cleaned if name not in KNOWN_COLUMNS and name),
        delimiter=delimiter,
    )


def _column_name(raw: str) -> str:
    # Spreadsheets add spaces and capitals to headers: "Marketing_Consent " is the column.
    return raw.strip().lower()


# --------------------------------------------------------------------------- CSV


class CsvRows:
    """A CSV file's rows in batches; the header is checked when this is built."""

    def __init__(self, stream: IO[bytes], *, batch_rows: int):
        self._batch_rows = batch_rows
        head = stream.read(_PROBE_BYTES)
        buffered = io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 20)
        if not head.strip():
            raise FileRefused("the file is empty", fields={"file": [N_("the file is empty")]})
        _check_utf8(head)
        # surrogateescape: a later line that is not UTF-8 becomes that row's error, not a crash.
        self._text = io.TextIOWrapper(
            buffered,
            encoding="utf-8-sig",
            errors="surrogateescape",
            newline="",
        )
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
        first = self._text.readline()
        delimiter = _sniff_delimiter(first)
        # Not strict: a stray quote inside a cell ('5" pantalla') is kept as text, as spreadsheets
        # read it; a row it leaves with the wrong number of cells is refused by its count.
        self._reader = csv.reader(_chain(first, self._text), delimiter=delimiter)
        try:
            names = next(self._reader)
        except csv.Error as exc:
            raise FileRefused(
                "the header line cannot be read as CSV: %(detail)s",
                fields={"file": [N_("cannot be read as CSV: %(detail)s")]},
                detail=str(exc),
            ) from None
        self.header = check_header(names, delimiter=delimiter)
        # Where each known column sits in a row.
        self._positions = [
            (name, [_column_name(n) for n in names].index(name)) for name in self.header.columns
        ]
        self._width = len(names)
        self.rows_read = 0

    def batches(self) -> Iterator[RawBatch]:
        reader = self._reader
        while True:
            before = reader.line_num
            try:
                # islice: the rows of a batch are split by the csv module's C loop, not one by one.
                rows = list(islice(reader, self._batch_rows))
            except csv.Error as exc:
                # Only a cell beyond FIELD_LIMIT gets here (the reader is not strict): the lines
                # read for this batch are reported, and reading goes on after them.
                now = reader.line_num
                self.rows_read += 1
                yield RawBatch(
                    [],
                    {},
                    [
                        RowError(
                            before + 1,
                            "row",
                            Message(
                                "lines %(first)s-%(last)s not read: %(error)s",
                                first=before + 1,
                                last=now,
                                error=str(exc),
                            ),
                        )
                    ],
                )
                continue
            if not rows:
                return
            yield self._batch(rows, _line_numbers(rows, before, reader.line_num))

    def _batch(self, rows: list[list[str]], lines: list[int]) -> RawBatch:
        width = self._width
        refused: list[RowError] = []
        if any(len(row) != width for row in rows):
            good: list[list[str]] = []
            good_lines: list[int] = []
            for row, line in zip(rows, lines, strict=True):
                if len(row) == width:
                    good.append(row)
                    good_lines.append(line)
                elif row and (len(row) > 1 or row[0].strip()):  # blank lines are skipped
                    refused.append(
                        RowError(
                            line,
                            "row",
                            Message(
                                "%(cells)s cells where the header has %(columns)s columns "
                                "(delimiter %(delimiter)s)",
                                cells=len(row),
                                columns=width,
                                delimiter=repr(self.header.delimiter),
                            ),
                        )
                    )
            rows, lines = good, good_lines
        self.rows_read += len(rows) + len(refused)
        # Raw text: validation strips it (once per distinct value where it can).
        return RawBatch(lines, self._columns(rows), refused)

    def _columns(self, rows: list[list[str]]) -> dict[str, Cells]:
        """The rows' cells by column, as Arrow arrays: one conversion of every cell in C, then a
        strided take per column (a transposition in Python took as long as parsing)."""
        import numpy as np
        import pyarrow as pa

        width = self._width
        try:
            flat = pa.array(rows, pa.list_(pa.string())).flatten()
        except UnicodeEncodeError:
            # A line that was not UTF-8 (its bytes are lone surrogates, which Arrow refuses):
            # this batch as lists; validation reports that line.
            cells = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
            return {name: list(cells[i]) for name, i in self._positions}
        # Every row has `width` cells here, so the strides line up.
        count = len(rows)
        return {
            name: flat.take(pa.array(np.arange(i, count * width, width)))
            for name, i in self._positions
        }


def _line_numbers(rows: list[list[str]], before: int, after: int) -> list[int]:
    """The line each row starts on, given the reader's line count before and after the rows."""
    if after - before == len(rows):  # one line per row: the usual case, and a cheap one
        return list(range(before + 1, after + 1))
    lines = []
    line = before + 1
    for row in rows:
        lines.append(line)
        line += 1 + sum(_line_breaks(cell) for cell in row)
    return lines


def _line_breaks(cell: str) -> int:
    if "\n" not in cell and "\r" not in cell:
        return 0
    return cell.count("\n") + cell.count("\r") - cell.count("\r\n")


class _Prefixed(io.RawIOBase):
    """The bytes already read to probe the file, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _check_utf8(head: bytes) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the probe's end is not an error
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "the file is not UTF-8 text (in a spreadsheet, save it as 'CSV UTF-8')",
            fields={"file": [N_("byte %(position)s: not UTF-8")]},
            position=exc.start,
        ) from None


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most, outside quotes (',' when it has none)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


# --------------------------------------------------------------------------- Parquet


class ParquetRows:
    """A Parquet file's rows in batches (the file must be seekable: the index is at its end)."""

    def __init__(self, stream: IO[bytes], *, batch_rows: int):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._batch_rows = batch_rows
        try:
            self._file = pq.ParquetFile(stream)
        except (pa.ArrowException, OSError) as exc:
            raise FileRefused(
                "the file is not a readable Parquet file",
                fields={"file": [N_("not a Parquet file: %(detail)s")]},
                detail=str(exc),
            ) from None
        names = self._file.schema_arrow.names
        self.header = check_header(names)
        self._names = {_column_name(n): n for n in names}
        self.rows_read = 0

    def batches(self) -> Iterator[RawBatch]:
        import pyarrow as pa

        wanted = [self._names[name] for name in self.header.columns]
        first = 1
        batches = self._file.iter_batches(batch_size=self._batch_rows, columns=wanted)
        while True:
            try:
                record_batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                # A damaged row group: the rows before it stay imported, the rest is reported.
                total = self._file.metadata.num_rows
                reason = Message(
                    "rows %(first)s-%(last)s could not be read from the file: %(error)s",
                    first=first,
                    last=total,
                    error=str(exc)[:400],
                )
                self.rows_read += 1
                yield RawBatch([], {}, [RowError(first, "row", reason)])
                return
            if record_batch is None:
                return
            count = record_batch.num_rows
            columns = {
                name: _parquet_cells(record_batch.column(i))
                for i, name in enumerate(self.header.columns)
            }
            self.rows_read += count
            yield RawBatch(list(range(first, first + count)), columns)
            first += count


def _parquet_cells(array: object) -> list[str | None]:
    """A Parquet column as the text a CSV cell would hold (booleans true/false, lists joined
    with '|', timestamps ISO 8601), so both formats are validated by the same rules."""
    import pyarrow as pa

    assert isinstance(array, pa.Array)
    kind = array.type
    values = array.to_pylist()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return [None if v is None else "|".join(str(item) for item in v) for v in values]
    if pa.types.is_boolean(kind):
        return [None if v is None else ("true" if v else "false") for v in values]
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return [None if v is None else v.isoformat() for v in values]
    if pa.types.is_floating(kind):
        return [None if v is None or v != v else repr(v) for v in values]
    return [None if v is None else str(v) for v in values]


def open_rows(
    stream: IO[bytes], *, file_format: FileFormat, batch_rows: int
) -> CsvRows | ParquetRows:
    """A reader of the file's rows; raises FileRefused when the file cannot be imported at all."""
    if file_format == "parquet":
        return ParquetRows(stream, batch_rows=batch_rows)
    return CsvRows(stream, batch_rows=batch_rows)
