"""Reading a CSV export: its size, hash, encoding and header in one pass, then its rows a chunk at a time."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bot.errors import InvalidRequest

CHUNK_ROWS = 50_000
SNIFF_BYTES = 64 * 1024
# Records systems export free-text narratives far longer than the csv module's default 131,072-character
# cell limit. A cell past this much larger one is not a narrative but a quote left open, swallowing rows.
MAX_CELL_CHARACTERS = 16 * 1024 * 1024
csv.field_size_limit(MAX_CELL_CHARACTERS)


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    encoding: str
    header: list[str]


def inspect_file(path: Path, encoding: str | None) -> FileFacts:
    """Size, hash, encoding and header, in one pass over the bytes; refuses files that are not CSV text."""
    if not path.exists():
        raise InvalidRequest(f"No file at {path}.")
    if path.is_dir():
        raise InvalidRequest(f"{path} is a folder; give the CSV file inside it.")
    digest, size, utf8_ok, decoder = hashlib.sha256(), 0, True, codecs.getincrementaldecoder("utf-8")()
    chosen = codecs.getincrementaldecoder(encoding)() if encoding else None
    try:
        with path.open("rb") as raw:
            head = raw.read(SNIFF_BYTES)
            if b"\x00" in head:
                raise InvalidRequest(f"{path} is not a CSV text file (it holds binary data); export it as CSV.")
            block = head
            while block:
                digest.update(block)
                size += len(block)
                if chosen:
                    chosen.decode(block)
                elif utf8_ok:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        utf8_ok = False
                block = raw.read(1 << 20)
            if chosen:
                chosen.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise InvalidRequest(f"{path} is not valid {encoding} text ({error.reason} at byte {error.start:,}).") from None
    except OSError as error:
        raise InvalidRequest(f"Can't read {path}: {error.strerror}.") from None
    if size == 0:
        raise InvalidRequest(f"{path} is empty (0 bytes): nothing to load.")
    if not encoding:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8" if utf8_ok else "cp1252"
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        header = next(csv.reader(text), [])
    header = [h.strip() for h in header]
    if not any(header):
        raise InvalidRequest(f"{path} has no header row: the first line should name the columns.")
    return FileFacts(size, digest.hexdigest(), encoding, header)


def read_chunks(
    path: Path, facts: FileFacts, progress: Callable[[int], None] | None
) -> Iterator[tuple[list[int], pd.DataFrame]]:
    """(row numbers, rows as strings) a chunk at a time; blank rows skipped, short rows padded.

    Row numbers are the spreadsheet's: the header is row 1. A row with more cells than the header
    comes back with its extra cells in a column named "" so the checker can reject it."""
    width = len(facts.header)
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=facts.encoding, newline="", errors="strict") as text:
        # strict: a quote still open at the end of the file is an error, not rows silently swallowed into a cell.
        reader = csv.reader(text, strict=True)
        next(reader, None)
        lines: list[int] = []
        rows: list[list[str]] = []
        row_number = 1
        for row in _rows(reader, path):
            row_number += 1
            if not "".join(row).strip():  # one join, not a strip per cell: this runs for every row
                continue
            if len(row) < width:
                row = row + [""] * (width - len(row))
            extra = ""
            if len(row) > width:
                extra = "|".join(c for c in row[width:] if c.strip())
                row = row[:width]
            lines.append(row_number)
            rows.append(row + [extra])
            if len(rows) == CHUNK_ROWS:
                yield lines, pd.DataFrame(rows, columns=[*facts.header, ""], dtype=object)
                if progress:
                    progress(raw.tell())
                lines, rows = [], []
        if rows:
            yield lines, pd.DataFrame(rows, columns=[*facts.header, ""], dtype=object)
        if progress:
            progress(facts.size)


def _rows(reader, path: Path) -> Iterator[list[str]]:
    """The reader's rows. A row the csv module cannot read stops the load, naming the line it starts on: an
    open quote would otherwise carry the rows after it into one cell."""
    while True:
        starts_on = reader.line_num + 1
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
                f"{path}: the row starting on line {starts_on:,} {problem}. Fix it and load the file again; "
                "nothing was loaded."
            ) from None
