"""The import formats, as a registry: how a load is recognised as each, how its Mapping (where each
canonical field comes from) is built, and how its file is inspected and read in chunks.

`import_file` takes the first format that claims the load (so the fallback, the canonical CSV, is last).
A new format (a spreadsheet, another records system's export) is one entry: something that claims it, a
Mapping for its columns, and a reader yielding (row numbers, rows as strings) a chunk at a time, so the
checks, staging, merge and rejects file are the same for every format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bot.domain.catalogue import Catalogue
from bot.imports.csv_reader import FileFacts, inspect_file, read_chunks
from bot.imports.mapping import Mapping, canonical_mapping, load_mapping


@dataclass(frozen=True)
class ImportFormat:
    """claims(mapping_path): whether a load given this mapping file (or none) is in this format.
    mapping(mapping_path, header, catalogue): where each canonical field comes from.
    inspect(path, encoding): size, hash, encoding and header; read(path, facts, progress): the chunks."""

    name: str
    description: str
    claims: Callable[[Path | None], bool]
    mapping: Callable[[Path | None, list[str], Catalogue], Mapping]
    inspect: Callable[[Path, str | None], FileFacts] = inspect_file
    read: Callable[[Path, FileFacts, Callable[[int], None] | None], Iterator[tuple[np.ndarray, pd.DataFrame]]] = (
        read_chunks
    )


def _mapped(mapping_path: Path | None, header: list[str], catalogue: Catalogue) -> Mapping:
    assert mapping_path is not None
    return load_mapping(mapping_path, header, catalogue)


IMPORT_FORMATS: dict[str, ImportFormat] = {
    f.name: f
    for f in (
        ImportFormat(
            name="mapped",
            description="any CSV export, its columns described in a TOML mapping (--mapping)",
            claims=lambda mapping_path: mapping_path is not None,
            mapping=_mapped,
        ),
        ImportFormat(
            name="canonical",
            description="a CSV with strandbot's own column names",
            claims=lambda mapping_path: True,
            mapping=lambda mapping_path, header, catalogue: canonical_mapping(header),
        ),
    )
}


def import_format(mapping_path: Path | None) -> ImportFormat:
    """The format of a load given `mapping_path` (or none): the first that claims it."""
    return next(f for f in IMPORT_FORMATS.values() if f.claims(mapping_path))
