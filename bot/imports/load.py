"""Loading a records-system CSV export: read in chunks, check every row, stage, merge set-based.

Nothing is silently dropped: every row is either loaded or written, with its row number and the
reason, to `<name>.rejects.csv` beside the input. Re-loading a file changes nothing; a corrected row
(same source and ID) updates its occurrence. Memory stays flat: the file is read a chunk at a time.
"""

from __future__ import annotations

import csv
import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from bot.domain.catalogue import Catalogue
from bot.errors import AmbiguousStrand, InvalidRequest, UnknownStrand
from bot.imports.formats import import_format
from bot.imports.mapping import CANONICAL_COLUMNS, PERSON_ROLES, Mapping
from bot.imports.records import ImportRecord
from bot.settings import Settings
from bot.store.catalogue import load_catalogue, strand_id_map
from bot.store.db import Database
from bot.store.occurrences import earlier_load, end_staging, merge_staged, record_import, stage_rows, start_staging

MAX_ID_LENGTH = MAX_REF_LENGTH = 100
MAX_CATEGORY_LENGTH = 500
EARLIEST_YEAR = 1900
# UK day-first layouts tried, in order, when a date is not ISO 8601 and the mapping gives no format.
DAY_FIRST_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y")
HAS_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class ImportSummary:
    file: Path
    source: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    person_links: int
    location_links: int
    rejected: int
    rejects_file: Path | None
    sample_reasons: tuple[str, ...]
    committed: bool
    dry_run: bool
    same_as_earlier: tuple[datetime, str] | None  # when and by whom the same file went into the same source

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        if self.committed:
            counts = f"{self.inserted:,} occurrences inserted, {self.updated:,} updated, {self.unchanged:,} unchanged"
        else:  # nothing was written: say what the load would have done, not what it did
            counts = (
                f"would insert {self.inserted:,} occurrences, update {self.updated:,}, "
                f"leave {self.unchanged:,} unchanged"
            )
        text = (
            f"{self.rows_read:,} rows read: {counts}; {self.person_links:,} person and "
            f"{self.location_links:,} location links; {self.rejected:,} rows rejected"
        )
        if self.rejects_file:
            text += f" (see {self.rejects_file})"
        if self.dry_run:
            text += ". Dry run: nothing was written"
        elif not self.committed:
            text += ". --strict: nothing was committed"
        return text + "."


class _RollBack(Exception):
    """Raised inside the import transaction to undo it (dry run, or --strict with rejects)."""


def import_file(
    database: Database,
    settings: Settings,
    path: Path,
    imported_by: str,
    mapping_path: Path | None = None,
    source: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Load `path` into the database; see the module docstring. `progress` is told bytes read so far."""
    started = datetime.now(UTC)
    with database.session() as session:
        catalogue = load_catalogue(session)
        strand_ids = strand_id_map(session)
    form = import_format(mapping_path)
    peek = form.inspect(path, None)
    mapping = form.mapping(mapping_path, peek.header, catalogue).with_source(source)
    facts = form.inspect(path, mapping.encoding) if mapping.encoding else peek
    checker = RowChecker(mapping, catalogue, strand_ids, mapping.timezone or settings.timezone)
    rejects_path = path.with_name(path.stem + ".rejects.csv")
    summary: ImportSummary | None = None
    try:
        with database.session() as session, _Rejects(rejects_path, facts.header, enabled=not dry_run) as rejects:
            earlier = earlier_load(session, facts.sha256, mapping.source)
            same = (earlier.finished_at, earlier.imported_by) if earlier else None
            start_staging(session)
            rows_read = 0
            for lines, frame in form.read(path, facts, progress):
                good, bad = checker.check(lines, frame)
                rows_read += len(frame)
                rejects.write(bad)
                stage_rows(session, good)
            counts = merge_staged(session, mapping.source, settings.timezone)
            end_staging(session)
            commit = not dry_run and not (strict and rejects.count)
            summary = ImportSummary(
                file=path,
                source=mapping.source,
                rows_read=rows_read,
                **dataclasses.asdict(counts),
                rejected=rejects.count,
                rejects_file=rejects_path if rejects.count and not dry_run else None,
                sample_reasons=tuple(rejects.samples),
                committed=commit,
                dry_run=dry_run,
                same_as_earlier=same,
            )
            if not commit:
                raise _RollBack()
            record_import(
                session,
                ImportRecord(
                    source=mapping.source,
                    file_name=str(path.resolve())[-500:],
                    file_sha256=facts.sha256,
                    imported_by=imported_by[:100],
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    rows_read=rows_read,
                    **dataclasses.asdict(counts),
                    rejected=rejects.count,
                ),
            )
    except _RollBack:
        pass
    except UnicodeDecodeError as error:
        raise InvalidRequest(
            f"{path} is not valid {facts.encoding} text ({error.reason} at byte {error.start:,} of a chunk); "
            "set [source] encoding in a mapping, or re-save the file as CSV UTF-8."
        ) from None
    assert summary is not None
    return summary


class RowChecker:
    """Turns a chunk of export rows into staged tuples and (row number, row, reason) rejects."""

    def __init__(self, mapping: Mapping, catalogue: Catalogue, strand_ids: dict[str, int], tz):
        self.mapping, self.catalogue, self.strand_ids, self.tz = mapping, catalogue, strand_ids, tz
        self._resolved: dict[str, tuple[str | None, str]] = {}

    def canonical(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=frame.index)
        for name in CANONICAL_COLUMNS:
            if name in self.mapping.columns:
                out[name] = frame[self.mapping.columns[name]].astype(str).str.strip()
            else:
                out[name] = self.mapping.values.get(name, "")
        return out

    def check(self, lines: list[int], frame: pd.DataFrame) -> tuple[list[tuple], list[tuple[int, list[str], str]]]:
        data = self.canonical(frame)
        reason = pd.Series("", index=frame.index, dtype=object)

        def reject(mask: pd.Series, why) -> None:
            fresh = mask & (reason == "")
            if fresh.any():
                reason[fresh] = why(data[fresh]) if callable(why) else why

        reject(frame[""] != "", lambda d: "the row has more cells than the header (is a comma missing its quotes?)")
        reject(data.occurrence_id == "", "missing occurrence_id")
        reject(data.occurrence_id.str.len() > MAX_ID_LENGTH, f"occurrence_id longer than {MAX_ID_LENGTH} characters")
        when = self.times(data.occurred_at)
        reject(data.occurred_at == "", "missing occurred_at")
        reject(when.isna(), lambda d: d.occurred_at.map(self.date_problem))
        now = pd.Timestamp.now(tz=UTC)
        reject(when > now, lambda d: d.occurred_at.map(lambda v: f"occurred_at “{v}” is in the future"))
        reject(when < pd.Timestamp(f"{EARLIEST_YEAR}-01-01", tz=UTC), f"occurred_at is before {EARLIEST_YEAR}")
        slugs, strand_problems = self.strands(frame, data)
        reject(strand_problems != "", lambda d: strand_problems[d.index])
        role = data.person_role.str.lower()
        role = role.where((role != "") | (data.person_ref == ""), "other")
        reject(
            (data.person_ref != "") & ~role.isin(PERSON_ROLES),
            lambda d: d.person_role.map(lambda v: f"person_role “{v}” is not one of {', '.join(PERSON_ROLES)}"),
        )
        for name, limit in (
            ("person_ref", MAX_REF_LENGTH),
            ("location_ref", MAX_REF_LENGTH),
            ("category", MAX_CATEGORY_LENGTH),
        ):
            reject(data[name].str.len() > limit, f"{name} longer than {limit} characters")

        ok = reason == ""
        line_numbers = np.asarray(lines)
        rejected = np.flatnonzero(~ok.to_numpy())
        original = frame.iloc[rejected, :-1].to_numpy().tolist()
        bad = [(int(line_numbers[i]), row, reason.iloc[i]) for i, row in zip(rejected, original, strict=True)]
        good_index = np.flatnonzero(ok.to_numpy())
        if not len(good_index):
            return [], bad

        def kept(column: pd.Series) -> list:
            values = column.iloc[good_index].tolist()
            return [v if v != "" else None for v in values]  # an empty cell is "not given"

        person_refs = kept(data.person_ref)
        good = zip(
            line_numbers[good_index].tolist(),
            data.occurrence_id.iloc[good_index].tolist(),
            when.iloc[good_index].dt.to_pydatetime().tolist(),
            slugs.iloc[good_index].map(self.strand_ids).tolist(),
            kept(data.category),
            person_refs,
            [r if p is not None else None for r, p in zip(role.iloc[good_index].tolist(), person_refs, strict=True)],
            kept(data.location_ref),
            strict=True,
        )
        return list(good), bad

    def times(self, values: pd.Series) -> pd.Series:
        """Parse to UTC: the mapping's format, else ISO 8601, else UK day-first; no offset means local time.

        Local times in the spring-forward gap move on by the gap (01:30 → 02:30 BST); times in the
        autumn overlap are read as the first of the two."""
        result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
        fmt = self.mapping.formats.get("occurred_at")
        with_offset = (
            values.str.contains(HAS_OFFSET, regex=True) if fmt is None else pd.Series("%z" in fmt, index=values.index)
        )
        if with_offset.any():
            parsed = pd.to_datetime(values[with_offset], format=fmt or "ISO8601", errors="coerce", utc=True)
            result[with_offset] = parsed
        local = values[~with_offset]
        if len(local):
            naive = pd.to_datetime(local, format=fmt or "ISO8601", errors="coerce")
            if fmt is None:
                for layout in DAY_FIRST_FORMATS:
                    missing = naive.isna()
                    if not missing.any():
                        break
                    naive[missing] = pd.to_datetime(local[missing], format=layout, errors="coerce")
            naive = naive.astype("datetime64[us]")
            aware = naive.dt.tz_localize(
                self.tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent=pd.Timedelta(hours=1)
            )
            result[~with_offset] = aware.dt.tz_convert(UTC)
        return result

    def date_problem(self, value: str) -> str:
        if not value:
            return "missing occurred_at"
        expected = (
            self.mapping.formats.get("occurred_at")
            or "ISO 8601 (2024-06-30 or 2024-06-30T14:05) or day-first 30/06/2024 14:05"
        )
        return f"occurred_at “{value[:60]}” is not a date; expected {expected}"

    def strands(self, frame: pd.DataFrame, data: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Each row's strand slug (rules first, then the strand column, then the default) and any problem."""
        slugs = pd.Series(None, index=frame.index, dtype=object)
        for rule in self.mapping.rules:
            column = data[rule.column] if rule.column in data else frame[rule.column].astype(str)
            with warnings.catch_warnings():  # pandas warns about capture groups, which rules may well use
                warnings.simplefilter("ignore", UserWarning)
                hit = slugs.isna() & column.str.contains(rule.pattern, regex=True, na=False)
            slugs[hit] = rule.strand
        problems = pd.Series("", index=frame.index, dtype=object)
        named = slugs.isna() & (data.strand != "")
        if named.any():
            resolved = data.strand[named].map(self.resolve)
            slugs[named] = resolved.map(lambda r: r[0])
            problems[named] = resolved.map(lambda r: r[1])
        unnamed = slugs.isna() & (problems == "")
        if self.mapping.default_strand:
            slugs[unnamed] = self.mapping.default_strand
        elif "strand" in self.mapping.columns:
            problems[unnamed] = "no strand: the strand column is empty and no rule matched"
        else:
            problems[unnamed] = "no strand: no rule matched and the mapping has no default strand"
        return slugs, problems

    def resolve(self, text: str) -> tuple[str | None, str]:
        if text not in self._resolved:
            try:
                self._resolved[text] = (self.catalogue.resolve(text).slug, "")
            except (UnknownStrand, AmbiguousStrand) as error:
                # Not the default strand: a misspelt name should be fixed, not counted somewhere else.
                self._resolved[text] = (None, f"strand: {error}")
        return self._resolved[text]


class _Rejects:
    """`<name>.rejects.csv`: each rejected row as it was, with its row number and the reason."""

    SAMPLES = 5

    def __init__(self, path: Path, header: list[str], enabled: bool):
        self.path, self.header, self.enabled = path, header, enabled
        self.count, self.samples = 0, []
        self._file = None
        self._writer = None

    def __enter__(self) -> _Rejects:
        return self

    def write(self, rejected: list[tuple[int, list[str], str]]) -> None:
        for line, row, reason in rejected:
            self.count += 1
            if len(self.samples) < self.SAMPLES:
                self.samples.append(f"row {line}: {reason}")
            if not self.enabled:
                continue
            if self._writer is None:
                # UTF-8 with a byte-order mark: Excel opens it with the right characters.
                self._file = self.path.open("w", encoding="utf-8-sig", newline="")
                self._writer = csv.writer(self._file)
                self._writer.writerow(["row", "reason", *self.header])
            self._writer.writerow([line, reason, *row])

    def __exit__(self, *exc) -> None:
        if self._file:
            self._file.close()
        elif self.enabled and self.path.exists():
            self.path.unlink()  # an old rejects file would describe a load that is no longer the latest
