"""Reading a CSV export: its size, hash, encoding and header in one pass, then its rows a block at a time.

Rows are parsed in columns by pyarrow (several times faster than Python's csv module, and no Python
object per cell). Row numbers stay the spreadsheet's (the header is row 1, a cell may hold line breaks,
blank rows count) because record boundaries are found here first, by quote parity over the bytes, and only
quoting both parsers read alike goes to pyarrow: anything else (a quote inside a cell that does not open
it, a bare carriage return, a record past the cell limit, a quote never closed, an encoding that is not
ASCII-compatible) is read from that record to the end by the csv module, exactly as before.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from bot.errors import InvalidRequest

CHUNK_ROWS = 50_000  # rows per chunk on the csv module's path
BLOCK_BYTES = 4 * 1024 * 1024  # bytes per chunk on pyarrow's path (about 45,000 rows): memory stays flat at any size
SNIFF_BYTES = 64 * 1024
# Records systems export free-text narratives far longer than the csv module's default 131,072-character
# cell limit. A cell past this much larger one is not a narrative but a quote left open, swallowing rows.
MAX_CELL_CHARACTERS = 16 * 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARACTERS)
# Encodings in which a quote, comma, CR and LF byte is always that character, so records can be found in the
# bytes; the codecs' own names (codecs.lookup).
BYTE_SCANNABLE = {"utf-8", "utf-8-sig", "cp1252", "iso8859-1"}
# A UTF-8 encoded character beyond ASCII: in a file that is not UTF-8 it means two encodings were mixed.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
QUOTE, COMMA, CR, LF = b'"'[0], b","[0], b"\r"[0], b"\n"[0]
TRUNCATED = "the file ends in the middle of this row (was it cut short while it was written or copied?)"
MORE_CELLS = "the row has more cells than the header (is a comma missing its quotes?)"


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    encoding: str
    header: list[str]


def inspect_file(path: Path, encoding: str | None) -> FileFacts:
    """Size, hash, encoding and header, in one pass over the bytes; refuses files that are not CSV text, and
    files whose text mixes UTF-8 with another encoding (unless `encoding` says how to read them)."""
    if not path.exists():
        raise InvalidRequest(f"No file at {path}.")
    if path.is_dir():
        raise InvalidRequest(f"{path} is a folder; give the CSV file inside it.")
    digest, size, decoder = hashlib.sha256(), 0, codecs.getincrementaldecoder("utf-8")()
    first_utf8 = not_utf8 = None  # (byte, line) of the first UTF-8 character beyond ASCII, of the first non-UTF-8 byte
    lines = 0
    chosen = codecs.getincrementaldecoder(encoding)() if encoding else None
    try:
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
            if b"\x00" in head:
                raise InvalidRequest(f"{path} is not a CSV text file (it holds binary data); export it as CSV.")
            block = head
            while block:
                if chosen:
                    chosen.decode(block)
                else:
                    if first_utf8 is None and not block.isascii() and (found := UTF8_SEQUENCE.search(block)):
                        first_utf8 = (size + found.start(), lines + block.count(b"\n", 0, found.start()) + 1)
                    if not_utf8 is None:
                        try:
                            decoder.decode(block)
                        except UnicodeDecodeError as error:
                            at = max(error.start, 0)
                            not_utf8 = (size + at, lines + block.count(b"\n", 0, at) + 1)
                digest.update(block)
                size += len(block)
                lines += block.count(b"\n")
                block = raw.read(1 << 20)
            if chosen:
                chosen.decode(b"", final=True)
            elif not_utf8 is None:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:  # the file ends part-way through a character
                    not_utf8 = (size - 1, lines + 1)
    except UnicodeDecodeError as error:
        raise InvalidRequest(f"{path} is not valid {encoding} text ({error.reason} at byte {error.start:,}).") from None
    except OSError as error:
        raise InvalidRequest(f"Can't read {path}: {error.strerror}.") from None
    if size == 0:
        raise InvalidRequest(f"{path} is empty (0 bytes): nothing to load.")
    if not encoding and not_utf8 and first_utf8:
        raise InvalidRequest(
            f"{path} mixes two encodings: line {first_utf8[1]:,} is UTF-8 but line {not_utf8[1]:,} is not "
            f"(byte {not_utf8[0]:,}), so some of its text would be garbled; nothing was loaded. Re-save the export "
            "as CSV UTF-8, or set [source] encoding in a mapping to read all of it as one encoding."
        )
    if not encoding:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8" if not not_utf8 else "cp1252"
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        header = next(csv.reader(text), [])
    header = [h.strip() for h in header]
    if not any(header):
        raise InvalidRequest(f"{path} has no header row: the first line should name the columns.")
    return FileFacts(size, digest.hexdigest(), encoding, header)


def read_chunks(
    path: Path, facts: FileFacts, progress: Callable[[int], None] | None
) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
    """(row numbers, rows as strings) a chunk at a time; blank rows skipped, short rows padded.

    Row numbers are the spreadsheet's: the header is row 1. Column "" holds a problem the reader found with
    a row ("" if none): more cells than the header, or a last row the file ends in the middle of.
    Refuses, at the end, a file that changed while it was read: what was read is not what was inspected."""
    with path.open("rb") as file:
        source = _HashedFile(file)
        reader = _Reader(path, facts, source, progress)
        if codecs.lookup(facts.encoding).name in BYTE_SCANNABLE:
            yield from reader.in_columns()
        else:
            yield from reader.with_csv_module(b"")
        if source.read(1):
            source.read_all()
    if source.size != facts.size or source.digest.hexdigest() != facts.sha256:
        raise InvalidRequest(
            f"{path} changed while it was being read (it was {facts.size:,} bytes, then {source.size:,}): nothing "
            "was loaded. Load it again once whatever writes it has finished."
        )
    if progress:
        progress(facts.size)


class _HashedFile:
    """A binary file's bytes, hashed and counted as they are read."""

    def __init__(self, file):
        self.file, self.digest, self.size = file, hashlib.sha256(), 0
        self.last = b""  # the last byte read

    def read(self, n: int) -> bytes:
        data = self.file.read(n)
        if data:
            self.digest.update(data)
            self.size += len(data)
            self.last = data[-1:]
        return data

    def read_all(self) -> None:
        while self.read(1 << 20):
            pass


class _Resumed(io.RawIOBase):
    """The bytes from where reading in columns stopped: those already read but not parsed, then the rest."""

    def __init__(self, head: bytes, rest: _HashedFile):
        self.head, self.rest = memoryview(head), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class _Records:
    """Complete records found at the start of a block of bytes."""

    ends: np.ndarray  # offset just past each record (its line break included)
    cells: np.ndarray  # cells in each record (0 for an empty line)
    lines: int  # line breaks in the records, those inside cells too


class _Reader:
    def __init__(self, path: Path, facts: FileFacts, source: _HashedFile, progress):
        self.path, self.facts, self.source, self.progress = path, facts, source, progress
        self.width = len(facts.header)
        self.columns = [*facts.header, ""]
        self.row = 1  # the number of the next record (the header is 1)
        self.line = 1  # the line it starts on
        self.consumed = 0  # bytes of the file parsed so far
        self.codec = codecs.lookup(facts.encoding).name

    def in_columns(self) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
        pending, at_end = b"", False
        while not at_end or pending:
            if not at_end:
                block = self.source.read(BLOCK_BYTES)
                at_end = not block
                if (
                    self.consumed == 0
                    and not pending
                    and self.codec == "utf-8-sig"
                    and block.startswith(codecs.BOM_UTF8)
                ):
                    block, self.consumed = block[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
                pending += block
            records = _records(pending, at_end)
            if records is None:  # quoting only the csv module reads exactly: it reads the rest
                yield from self.with_csv_module(pending)
                return
            if not len(records.ends):
                if len(pending) > MAX_CELL_CHARACTERS + BLOCK_BYTES:
                    yield from self.with_csv_module(pending)  # it names the cell too long
                    return
                continue  # a record longer than the block: read on
            used = int(records.ends[-1])
            piece, pending = pending[:used], pending[used:]
            if self.row == 1:  # the header, read already by inspect_file
                header_end = int(records.ends[0])
                header_lines = _lines(piece[:header_end])
                piece = piece[header_end:]
                records = _Records(records.ends[1:] - header_end, records.cells[1:], records.lines - header_lines)
                self.row, self.line, self.consumed = 2, 1 + header_lines, self.consumed + header_end
            chunk = self.chunk(piece, records, truncated=at_end and not pending and not piece.endswith(b"\n"))
            self.row += len(records.ends)
            self.line += records.lines
            self.consumed += len(piece)
            if chunk is not None:
                yield chunk
            if self.progress:
                self.progress(self.consumed)

    def chunk(self, piece: bytes, records: _Records, truncated: bool) -> tuple[np.ndarray, pd.DataFrame] | None:
        """The rows of `piece` (whole records) as strings, with their row numbers; `truncated`: the file ends
        in its last record, without a line break."""
        if not len(records.ends):
            return None
        starts = np.concatenate([[0], records.ends[:-1]]).astype(np.int64)
        empty = records.cells == 0
        regular = (records.cells == self.width) & ~empty
        odd = np.flatnonzero((records.cells != self.width) & ~empty)
        cut_short = len(records.ends) - 1 if truncated and records.cells[-1] < self.width else None
        text = piece if self.codec == "utf-8" or self.codec == "utf-8-sig" else self.transcoded(piece)
        names = [f"c{i}" for i in range(self.width)]
        table = pa_csv.read_csv(
            io.BytesIO(text),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=len(text) + 1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda row: "skip"),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
        numbers = self.row + np.flatnonzero(regular)
        if table.num_rows != len(numbers):  # the parsers disagree: the csv module's reading is the one kept
            return self.exactly(piece, starts, records.ends, np.flatnonzero(~empty), cut_short)
        kept = ~_blank(table)
        frame = table.filter(pa.array(kept)).to_pandas() if not kept.all() else table.to_pandas()
        numbers = numbers[kept]
        frame.columns = self.facts.header
        frame[""] = ""
        if len(odd):
            odd_numbers, odd_frame = self.exactly(piece, starts, records.ends, odd, cut_short) or (
                np.array([], int),
                None,
            )
            if odd_frame is not None:
                numbers = np.concatenate([numbers, odd_numbers])
                order = np.argsort(numbers, kind="stable")
                frame = pd.concat([frame, odd_frame], ignore_index=True).iloc[order]
                numbers = numbers[order]
        if not len(frame):
            return None
        return numbers, frame.reset_index(drop=True)

    def fitted(self, cells: list[str], problem: str) -> list[str]:
        """A row cut or padded to the header's width, and its problem: more cells, or `problem`."""
        if len(cells) > self.width:
            extra = "|".join(c for c in cells[self.width :] if c.strip())
            return [*cells[: self.width], MORE_CELLS if extra else problem]
        return [*cells, *[""] * (self.width - len(cells)), problem]

    def cells_of(self, record: bytes) -> list[str]:
        return next(csv.reader(io.StringIO(record.decode(self.codec), newline=""), strict=True), [])

    def exactly(self, piece, starts, ends, which, cut_short) -> tuple[np.ndarray, pd.DataFrame] | None:
        """Records `which` of `piece` read by the csv module, blank ones left out; `cut_short`: the record the
        file ends in the middle of, if any."""
        rows, numbers = [], []
        for k in which.tolist():
            cells = self.cells_of(piece[int(starts[k]) : int(ends[k])])
            if "".join(cells).strip():
                rows.append(self.fitted(cells, TRUNCATED if k == cut_short else ""))
                numbers.append(self.row + k)
        if not rows:
            return None
        return np.asarray(numbers), pd.DataFrame(rows, columns=self.columns, dtype="str")

    def transcoded(self, piece: bytes) -> bytes:
        try:
            return piece.decode(self.codec).encode("utf-8")
        except UnicodeDecodeError as error:
            at = self.consumed + error.start
            line = self.line + piece.count(b"\n", 0, error.start)
            raise InvalidRequest(
                f"{self.path} is not valid {self.facts.encoding} text ({error.reason} at byte {at:,}, line {line:,}); "
                "set [source] encoding in a mapping, or re-save the file as CSV UTF-8."
            ) from None

    def with_csv_module(self, pending: bytes) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
        """The rest of the file through the csv module, from the record at `pending`'s start."""
        encoding = "utf-8" if self.codec == "utf-8-sig" and self.consumed else self.facts.encoding
        stream = io.BufferedReader(_Resumed(pending, self.source))
        with io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict") as text:
            # strict: a quote still open at the end of the file is an error, not rows silently swallowed into a cell.
            reader = csv.reader(text, strict=True)
            if self.row == 1:
                next(reader, None)
                self.row = 2
            lines: list[int] = []
            rows: list[list[str]] = []
            last: list[str] = []  # the file's last row, if kept
            for row in self._rows(reader):
                number = self.row
                self.row += 1
                last = row
                if not "".join(row).strip():  # one join, not a strip per cell: this runs for every row
                    last = []
                    continue
                lines.append(number)
                rows.append(self.fitted(row, ""))
                if len(rows) == CHUNK_ROWS:
                    yield np.asarray(lines), pd.DataFrame(rows, columns=self.columns, dtype="str")
                    if self.progress:
                        self.progress(self.source.size)
                    lines, rows = [], []
            if rows:
                if last and len(last) < self.width and not self.source.last.endswith((b"\n", b"\r")):
                    rows[-1][-1] = TRUNCATED
                yield np.asarray(lines), pd.DataFrame(rows, columns=self.columns, dtype="str")

    def _rows(self, reader) -> Iterator[list[str]]:
        """The reader's rows. A row the csv module cannot read stops the load, naming the line it starts on: an
        open quote would otherwise carry the rows after it into one cell."""
        while True:
            starts_on = self.line + reader.line_num
            try:
                yield next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    problem = f"has a cell longer than {MAX_CELL_CHARACTERS:,} characters (is a quote left open?)"
                elif "unexpected end of data" in str(error):
                    problem = "opens a quote that is never closed, so every line after it would be one cell"
                else:
                    problem = f"has quotes the CSV format does not allow ({error})"
                raise InvalidRequest(
                    f"{self.path}: the row starting on line {starts_on:,} {problem}. Fix it and load the file again; "
                    "nothing was loaded."
                ) from None


def _records(data: bytes, final: bool) -> _Records | None:
    """The complete records at the start of `data` (which starts at a record's start), or None if its quoting
    is not one pyarrow and the csv module read alike. At the end of the file (`final`) the last record may
    lack its line break."""
    a = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(a == QUOTE)
    newlines = np.flatnonzero(a == LF)
    outside = (np.searchsorted(quotes, newlines) % 2) == 0  # an even number of quotes before it: not in a cell
    ends = newlines[outside] + 1
    if final and len(a) and (not len(ends) or ends[-1] != len(a)):
        if len(quotes) % 2:
            return None  # a quote never closed: the csv module says where
        ends = np.append(ends, len(a))
    used = int(ends[-1]) if len(ends) else 0
    quotes = quotes[quotes < used]
    opening, closing = quotes[0::2], quotes[1::2]
    before = a[np.maximum(opening - 1, 0)]
    if not np.all((opening == 0) | (before == COMMA) | (before == LF) | (before == QUOTE)):
        return None  # a quote inside a cell that does not open it: each parser reads it its own way
    after = a[np.minimum(closing + 1, len(a) - 1)]
    if not np.all((closing + 1 == len(a)) | (after == COMMA) | (after == CR) | (after == LF) | (after == QUOTE)):
        return None  # text after a closing quote: the csv module refuses it, naming the line
    returns = np.flatnonzero(a[:used] == CR)
    bare = (np.searchsorted(quotes, returns) % 2 == 0) & (
        (returns + 1 == len(a)) | (a[np.minimum(returns + 1, len(a) - 1)] != LF)
    )
    if bare.any():
        return None  # a carriage return alone ends a row for both parsers, but not for the count here
    starts = np.concatenate([[0], ends[:-1]])
    if len(ends) and int((ends - starts).max()) > MAX_CELL_CHARACTERS:
        return None
    commas = np.flatnonzero(a[:used] == COMMA)
    commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    cells = np.bincount(np.searchsorted(ends, commas, side="right"), minlength=len(ends))[: len(ends)] + 1
    empty = (
        (ends - starts)
        - (a[np.maximum(ends - 1, 0)] == LF)
        - ((ends - starts >= 2) & (a[np.maximum(ends - 2, 0)] == CR))
    )
    cells = np.where(empty == 0, 0, cells)
    return _Records(ends, cells, _lines(data[:used]))


def _lines(data: bytes) -> int:
    """Lines in `data` as the csv module counts them: a carriage return alone ends one too."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _blank(table: pa.Table) -> np.ndarray:
    """Rows whose cells are all blank (an Excel row of empty cells, a line of commas): skipped, still numbered."""
    joined = pc.binary_join_element_wise(*table.columns, "")
    return pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(joined)), 0).to_numpy(zero_copy_only=False)
