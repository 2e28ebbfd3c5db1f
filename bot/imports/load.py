"""Loading a records-system CSV export: read in chunks, check every row, stage, merge set-based.

Nothing is silently dropped: every row is loaded, counted as out of scope (no strand claims it: the
thefts in an export of everything), or written, with its row number and the reason, to
`<name>.rejects.csv` beside the input. An occurrence is linked to every strand that claims it.
Re-loading a file changes nothing; a corrected row (same source and ID) updates its occurrence.
Memory stays flat: the file is read a chunk at a time.
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

from bot.domain.catalogue import LABEL_SEPARATOR, MAX_LABEL_LENGTH, Catalogue, CatalogueEntry, normalise, slug_for
from bot.domain.harm import OFFENCE_CODE_LENGTH
from bot.errors import AmbiguousStrand, DatabaseUnavailable, InvalidRequest, LoadInterrupted, UnknownStrand
from bot.imports.formats import import_format
from bot.imports.mapping import CANONICAL_COLUMNS, PERSON_ROLES, Mapping
from bot.imports.records import ImportRecord
from bot.settings import Settings
from bot.store.catalogue import add_areas, area_id_map, load_areas, load_catalogue, strand_id_map
from bot.store.db import Database
from bot.store.home import mark_homes_stale
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
    out_of_scope: int
    areas_added: int
    rejects_file: Path | None
    sample_reasons: tuple[str, ...]
    committed: bool
    dry_run: bool
    same_as_earlier: tuple[datetime, str] | None  # when and by whom the same file went into the same source
    ignored_columns: tuple[str, ...] = ()

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        if self.committed:
            counts = (
                f"{_counted(self.inserted, 'occurrence')} inserted, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged"
            )
        else:  # nothing was written: say what the load would have done, not what it did
            counts = (
                f"would insert {_counted(self.inserted, 'occurrence')}, update {self.updated:,}, "
                f"leave {self.unchanged:,} unchanged"
            )
        text = (
            f"{_counted(self.rows_read, 'row')} read: {counts}; {self.person_links:,} person and "
            f"{_counted(self.location_links, 'location link')}; {self.out_of_scope:,} out of scope; "
            f"{_counted(self.rejected, 'row')} rejected"
        )
        if self.areas_added:
            verb = "added" if self.committed else "would add"
            text += f"; {verb} {_counted(self.areas_added, 'new area')}"
        if self.rejects_file:
            text += f" (see {self.rejects_file})"
        if self.ignored_columns:
            noun = "column" if len(self.ignored_columns) == 1 else "columns"
            text += f"; ignored the {noun} {', '.join(self.ignored_columns)} (not one strandbot reads)"
        if self.dry_run:
            text += ". Dry run: nothing was written"
        elif not self.committed:
            text += ". --strict: nothing was committed"
        return text + "."


def _counted(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


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
        areas = load_areas(session)
    form = import_format(mapping_path)
    peek = form.inspect(path, None)
    mapping = form.mapping(mapping_path, peek.header, catalogue).with_source(source)
    facts = form.inspect(path, mapping.encoding) if mapping.encoding else peek
    rejects_path = path.with_name(path.stem + ".rejects.csv")
    summary: ImportSummary | None = None
    try:
        with database.session() as session, _Rejects(rejects_path, facts.header, enabled=not dry_run) as rejects:
            earlier = earlier_load(session, facts.sha256, mapping.source)
            same = (earlier.finished_at, earlier.imported_by) if earlier else None
            places = AreaResolver(areas, area_id_map(session), lambda entries: add_areas(session, entries))
            checker = RowChecker(mapping, catalogue, strand_ids, mapping.timezone or settings.timezone, places)
            start_staging(session)
            rows_read = out_of_scope = 0
            for lines, frame in form.read(path, facts, progress):
                checked = checker.check(lines, frame)
                rows_read += len(frame)
                out_of_scope += checked.out_of_scope
                rejects.write(checked.rejects)
                stage_rows(session, checked.rows, checked.strands)
            counts = merge_staged(session, mapping.source, settings.timezone)
            end_staging(session)
            commit = not dry_run and not (strict and rejects.count)
            # What the load did, as the summary line reports it and the imports table keeps it.
            tallies = {
                "rows_read": rows_read,
                **dataclasses.asdict(counts),
                "rejected": rejects.count,
                "out_of_scope": out_of_scope,
                "areas_added": places.added,
            }
            summary = ImportSummary(
                file=path,
                source=mapping.source,
                **tallies,
                rejects_file=rejects_path if rejects.count and not dry_run else None,
                sample_reasons=tuple(rejects.samples),
                committed=commit,
                dry_run=dry_run,
                same_as_earlier=same,
                ignored_columns=mapping.ignored,
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
                    **tallies,
                ),
            )
            mark_homes_stale(session)  # new figures: `strandbot serve` publishes App Home tabs again
    except _RollBack:
        pass
    except DatabaseUnavailable as error:
        raise LoadInterrupted(str(path), error.detail) from error
    except UnicodeDecodeError as error:
        raise InvalidRequest(
            f"{path} is not valid {facts.encoding} text ({error.reason} at byte {error.start:,} of a chunk); "
            "set [source] encoding in a mapping, or re-save the file as CSV UTF-8."
        ) from None
    assert summary is not None
    return summary


@dataclass(frozen=True)
class CheckedChunk:
    rows: pd.DataFrame  # staged rows: STAGED_COLUMNS, None where a cell was empty
    strands: pd.DataFrame  # source_id, strand_id: each staged row's strands
    rejects: list[tuple[int, list[str], str]]  # (row number, row as read, reason)
    out_of_scope: int


class AreaResolver:
    """Each area value in an export to an area ID: a known area's slug, name or alias (exactly, ignoring
    case and punctuation: a prefix of one place's name is another place), else a new top-level area named
    as written, added to the catalogue in the import's own transaction."""

    def __init__(
        self, catalogue: Catalogue, ids: dict[str, int], add: Callable[[list[CatalogueEntry]], dict[str, int]]
    ):
        self.catalogue, self.ids, self.add = catalogue, ids, add
        self.added = 0
        self._found: dict[str, tuple[int | None, str]] = {}  # value → (area ID, problem)
        self._new: dict[str, str] = {}  # normalised label → slug, for areas this load added

    def resolve(self, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Area IDs (None where the cell is empty) and problems ("" if none) for a column of values."""
        unseen = [v for v in values.unique().tolist() if v not in self._found]
        new: dict[str, CatalogueEntry] = {}
        pending: dict[str, str] = {}  # value → the slug of the new area it names
        for value in unseen:
            found = self._lookup(value, new)
            if isinstance(found, str):
                pending[value] = found
            else:
                self._found[value] = found
        if new:
            self.ids.update(self.add(list(new.values())))
            self.added += len(new)
        for value, slug in pending.items():
            self._found[value] = (self.ids[slug], "")
        found = [self._found[v] for v in values.tolist()]
        return (
            pd.Series([f[0] for f in found], index=values.index, dtype=object),
            pd.Series([f[1] for f in found], index=values.index, dtype=object),
        )

    def _lookup(self, value: str, new: dict[str, CatalogueEntry]) -> tuple[int | None, str] | str:
        """(area ID or None, problem), or the slug of a new area this value names (added by the caller)."""
        if not value:
            return None, ""
        if len(value) > MAX_LABEL_LENGTH:
            return None, f"area longer than {MAX_LABEL_LENGTH} characters"
        known = self.catalogue.exactly(value)
        slug = known.slug if known else self._new.get(normalise(value)) or slug_for(value)
        if not slug:
            return None, f"area “{value[:60]}” has no letters or digits to name it by"
        if slug in self.ids:
            return self.ids[slug], ""
        if slug not in new:
            new[slug] = CatalogueEntry(slug, value)
            self._new[normalise(value)] = slug
        return slug


class RowChecker:
    """Turns a chunk of export rows into staged rows and strands, rejects, and a count of rows out of scope."""

    def __init__(self, mapping: Mapping, catalogue: Catalogue, strand_ids: dict[str, int], tz, areas: AreaResolver):
        self.mapping, self.catalogue, self.strand_ids, self.tz, self.areas = mapping, catalogue, strand_ids, tz, areas
        self.slugs = [s.slug for s in catalogue]
        # The canonical columns a row's strands come from: its strand cell, and those rules look at.
        self.scope_columns = tuple(
            dict.fromkeys(["strand", *(r.column for r in mapping.rules if r.column in CANONICAL_COLUMNS)])
        )
        self._column = {slug: i for i, slug in enumerate(self.slugs)}
        self._cells: dict[str, tuple[tuple[int, ...], str]] = {}  # strand cell → (catalogue positions, problem)

    def canonical(self, frame: pd.DataFrame, names: tuple[str, ...] = CANONICAL_COLUMNS) -> pd.DataFrame:
        out = pd.DataFrame(index=frame.index)
        for name in names:
            if name in self.mapping.columns:
                out[name] = frame[self.mapping.columns[name]].astype(str).str.strip()
            else:
                out[name] = self.mapping.values.get(name, "")
        return out

    def check(self, lines: list[int], frame: pd.DataFrame) -> CheckedChunk:
        # Only what decides a row's strands first: most rows of an export of everything go no further.
        membership, strand_problems = self.strands(frame, self.canonical(frame, self.scope_columns))
        # A strand cell naming an unknown strand is a problem to fix, never "out of scope"; nor is a row
        # with more cells than the header, whose cells may have slid out of their columns.
        in_scope = membership.any(axis=1) | (strand_problems != "").to_numpy() | (frame[""] != "").to_numpy()
        out_of_scope = 0
        if not self.mapping.reject_unmatched and not in_scope.all():
            # Out of scope is not an error: those rows go before any other check (most of a nightly export).
            out_of_scope = int((~in_scope).sum())
            frame, membership = frame[in_scope], membership[in_scope]
            strand_problems, lines = strand_problems[in_scope], np.asarray(lines)[in_scope]
        data = self.canonical(frame)
        reason = pd.Series("", index=frame.index, dtype=object)

        def reject(mask: pd.Series, why) -> None:
            fresh = mask & (reason == "")
            if fresh.any():
                reason[fresh] = why(data[fresh]) if callable(why) else why

        reject(frame[""] != "", lambda d: frame.loc[d.index, ""])  # what the reader found: a cell too many…
        if self.mapping.reject_unmatched:
            reject(pd.Series(~in_scope, index=frame.index), "no strand: no rule matched and the strand cell is empty")
        reject(data.occurrence_id == "", "missing occurrence_id")
        reject(data.occurrence_id.str.len() > MAX_ID_LENGTH, f"occurrence_id longer than {MAX_ID_LENGTH} characters")
        when = self.times(data.occurred_at)
        reject(data.occurred_at == "", "missing occurred_at")
        reject(when.isna(), lambda d: d.occurred_at.map(self.date_problem))
        now = pd.Timestamp.now(tz=UTC)
        reject(when > now, lambda d: d.occurred_at.map(lambda v: f"occurred_at “{v}” is in the future"))
        reject(when < pd.Timestamp(f"{EARLIEST_YEAR}-01-01", tz=UTC), f"occurred_at is before {EARLIEST_YEAR}")
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
        # Codes match weights ignoring case and spacing (bot.domain.harm.offence_code, vectorised).
        codes = data.offence_code.str.replace(r"\s+", " ", regex=True).str.upper()  # cells are trimmed already
        reject(codes.str.len() > OFFENCE_CODE_LENGTH, f"offence_code longer than {OFFENCE_CODE_LENGTH} characters")
        checkable = (reason == "").to_numpy()
        area_ids, area_problems = self.areas.resolve(data.area[checkable]) if checkable.any() else (None, None)
        if area_problems is not None:
            reject(area_problems.reindex(frame.index, fill_value="") != "", lambda d: area_problems[d.index])

        ok = (reason == "").to_numpy()
        line_numbers = np.asarray(lines)
        rejected = np.flatnonzero(~ok)
        original = frame.iloc[rejected, :-1].astype(object).to_numpy().tolist()
        bad = [(int(line_numbers[i]), row, reason.iloc[i]) for i, row in zip(rejected, original, strict=True)]
        good_index = np.flatnonzero(ok)

        def kept(column: pd.Series) -> np.ndarray:
            values = column.iloc[good_index].to_numpy(dtype=object, copy=True)
            values[values == ""] = None  # an empty cell is "not given"
            return values

        person_refs = kept(data.person_ref)
        roles = role.iloc[good_index].to_numpy(dtype=object, copy=True)
        roles[pd.isna(person_refs)] = None  # a role without a person is not a link
        source_ids = data.occurrence_id.iloc[good_index].to_numpy(dtype=object)
        areas = area_ids.reindex(frame.index[good_index]) if len(good_index) else pd.Series([], dtype=object)
        rows = pd.DataFrame(
            {
                "line": line_numbers[good_index],
                "source_id": source_ids,
                "occurred_at": when.iloc[good_index].array,
                "area_id": pd.array(areas.to_numpy(dtype=object), dtype="Int64"),
                "category": kept(data.category),
                "offence_code": kept(codes),
                "person_ref": person_refs,
                "person_role": roles,
                "location_ref": kept(data.location_ref),
            }
        )
        positions, strand_positions = np.nonzero(membership[good_index])
        strand_ids = np.array([self.strand_ids[slug] for slug in self.slugs], dtype=np.int64)
        strands = pd.DataFrame({"source_id": source_ids[positions], "strand_id": strand_ids[strand_positions]})
        return CheckedChunk(rows, strands, bad, out_of_scope)

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

    def strands(self, frame: pd.DataFrame, data: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
        """Which strands each row belongs to (a row × catalogue-position matrix: every matching rule, every
        strand its strand cell names, else the default strand) and any problem with its strand cell."""
        membership = np.zeros((len(frame), len(self.slugs)), dtype=bool)
        for rule in self.mapping.rules:
            column = data[rule.column] if rule.column in data else frame[rule.column].astype(str)
            with warnings.catch_warnings():  # pandas warns about capture groups, which rules may well use
                warnings.simplefilter("ignore", UserWarning)
                hit = column.str.contains(rule.pattern, regex=True, na=False)
            membership[hit.to_numpy(), self._column[rule.strand]] = True
        problems = pd.Series("", index=frame.index, dtype=object)
        named = (data.strand != "").to_numpy()
        if named.any():
            codes, cells = pd.factorize(data.strand[named])
            found = [self.cell_strands(cell) for cell in cells.tolist()]
            # One row per distinct cell, then each row takes its cell's: linear in rows, however many cells.
            by_cell = np.zeros((len(cells), len(self.slugs)), dtype=bool)
            for k, (positions, _) in enumerate(found):
                by_cell[k, list(positions)] = True
            membership[named] |= by_cell[codes]
            problems[named] = np.array([problem for _, problem in found], dtype=object)[codes]
        if self.mapping.default_strand:
            membership[~membership.any(axis=1), self._column[self.mapping.default_strand]] = True
        return membership, problems

    def cell_strands(self, cell: str) -> tuple[tuple[int, ...], str]:
        """The catalogue positions of the strands a strand cell names (`rape;DA`: parts split on ';', empty
        parts ignored, each matched as loosely as /strand matches), or a problem naming an unknown part."""
        if cell not in self._cells:
            self._cells[cell] = self._parsed_cell(cell)
        return self._cells[cell]

    def _parsed_cell(self, cell: str) -> tuple[tuple[int, ...], str]:
        positions: list[int] = []
        for part in (p.strip() for p in cell.split(LABEL_SEPARATOR)):
            if not part:
                continue
            try:
                positions.append(self._column[self.catalogue.resolve(part).slug])
            except (UnknownStrand, AmbiguousStrand) as error:
                # Not the default strand: a misspelt name should be fixed, not counted somewhere else.
                return (), f"strand: {error}"
        return tuple(dict.fromkeys(positions)), ""


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
