"""Import mappings: how a records-system export's columns become strandbot's canonical occurrence fields.

A mapping is a TOML file (see examples/mappings/). It is checked whole against the export's header and
the strand catalogue before any row is read; each problem names the mapping's line.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.catalogue import Catalogue
from bot.errors import AmbiguousStrand, InvalidRequest, UnknownStrand

REQUIRED_COLUMNS = ("occurrence_id", "occurred_at", "strand")
OPTIONAL_COLUMNS = ("category", "offence_code", "area", "person_ref", "person_role", "location_ref")
CANONICAL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
PERSON_ROLES = ("victim", "offender", "subject", "witness", "other")
SECTIONS = ("source", "columns", "formats", "values", "strand")
DEFAULT_SOURCE = "records"
# What becomes of a row no rule, strand cell or default puts in any strand: by default it is out of scope
# (a nightly export holds every theft and burglary too), counted but not written to the rejects file.
UNMATCHED = ("out-of-scope", "reject")
SOURCE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class StrandRule:
    column: str  # a canonical name or an export header
    pattern: re.Pattern[str]
    strand: str  # slug


@dataclass(frozen=True)
class Mapping:
    """Where each canonical field comes from: an export column, or a constant."""

    source: str = DEFAULT_SOURCE
    timezone: ZoneInfo | None = None  # None: the force's STRANDBOT_TIMEZONE
    encoding: str | None = None  # None: detect UTF-8, UTF-8 with BOM, Windows-1252
    columns: dict[str, str] = field(default_factory=dict)  # canonical → export header
    formats: dict[str, str] = field(default_factory=dict)  # canonical → strptime format
    values: dict[str, str] = field(default_factory=dict)  # canonical → constant
    default_strand: str | None = None
    rules: tuple[StrandRule, ...] = ()
    reject_unmatched: bool = False  # [strand] unmatched = "reject"
    ignored: tuple[str, ...] = ()  # a canonical file's columns that are none of strandbot's, named in the summary

    def with_source(self, source: str | None) -> Mapping:
        if source is None:
            return self
        if not SOURCE_NAME.match(source):
            raise InvalidRequest(f"--source “{source[:40]}” should be 1 to 100 letters, digits, '.', '_' or '-'.")
        return dataclasses.replace(self, source=source)


def canonical_mapping(header: list[str]) -> Mapping:
    """The mapping of a canonical CSV: columns named as strandbot names them (any case, stray spaces)."""
    present = {name.strip().lower(): name for name in header}
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise InvalidRequest(
            f"The file has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''} "
            f"(its header is: {', '.join(h.strip() for h in header[:12])}{'…' if len(header) > 12 else ''}). "
            "A canonical file needs occurrence_id, occurred_at and strand; for any other export, describe "
            "its columns in a mapping file and pass --mapping (see examples/mappings/)."
        )
    unknown = [name for name in present if name not in CANONICAL_COLUMNS and name]
    absent = [c for c in CANONICAL_COLUMNS if c not in present]
    misspelt = {name: close[0] for name in unknown if (close := difflib.get_close_matches(name, absent, 1, 0.7))}
    if misspelt:
        # A misspelt column would load without what it holds (every person link, say), and say nothing.
        raise InvalidRequest(
            "The file's header has "
            + ", ".join(f"{present[name].strip()} (did you mean {column}?)" for name, column in misspelt.items())
            + f"; a canonical file's columns are {', '.join(CANONICAL_COLUMNS)}. Rename the column, or describe "
            "the export in a mapping file and pass --mapping (see examples/mappings/). Nothing was loaded."
        )
    return Mapping(
        columns={c: present[c] for c in CANONICAL_COLUMNS if c in present},
        ignored=tuple(present[name].strip() for name in unknown),
    )


def load_mapping(path: Path, header: list[str], catalogue: Catalogue) -> Mapping:
    """Read and check a mapping file against the export's `header`; InvalidRequest names each bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRequest(f"No mapping file at {path}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRequest(f"Can't read the mapping file {path}: {error}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidRequest(f"{path} is not valid TOML: {error}.") from None
    return MappingChecker(path, text, header, catalogue).check(data)


class MappingChecker:
    """Builds a Mapping, collecting every problem with the line it is on."""

    def __init__(self, path: Path, text: str, header: list[str], catalogue: Catalogue):
        self.path, self.lines, self.catalogue = path, text.splitlines(), catalogue
        self.header = {h.strip(): h for h in header}
        self.problems: list[str] = []

    def check(self, data: dict) -> Mapping:
        for section in data:
            if section not in SECTIONS:
                self.problem(section, None, f"unknown section [{section}]; expected {', '.join(SECTIONS)}")
        source = self.table(data, "source")
        columns = self.string_table(data, "columns")
        formats = self.string_table(data, "formats")
        values = self.string_table(data, "values")
        for table, entries in (("columns", columns), ("formats", formats), ("values", values)):
            for name in entries:
                if name not in CANONICAL_COLUMNS:
                    self.problem(table, name, f"`{name}` is not a canonical column ({', '.join(CANONICAL_COLUMNS)})")
        for name, export_column in columns.items():
            if export_column.strip() not in self.header:
                self.problem(
                    "columns", name, f"the export has no column “{export_column}”{self.closest(export_column)}"
                )
        for name, fmt in formats.items():
            self.check_format(name, fmt)
        if (role := values.get("person_role")) and role.lower() not in PERSON_ROLES:
            self.problem("values", "person_role", f"person_role “{role}” is not one of {', '.join(PERSON_ROLES)}")
        strand = self.table(data, "strand")
        default = self.strand_slug(strand.get("default"), "strand", "default") if "default" in strand else None
        rules = self.rules(strand.get("rules", []), columns)
        unmatched = strand.get("unmatched", UNMATCHED[0])
        if unmatched not in UNMATCHED:
            self.problem("strand", "unmatched", f"unmatched should be {' or '.join(f'“{u}”' for u in UNMATCHED)}")
        for required in REQUIRED_COLUMNS:
            if required == "strand" and (strand.get("rules") or "default" in strand):
                continue
            if required not in columns and required not in values:
                self.problem("columns", None, f"nothing gives `{required}`: map it under [columns]")
        name = str(source.get("name") or DEFAULT_SOURCE)
        if not SOURCE_NAME.match(name):
            self.problem("source", "name", "the source name should be 1 to 100 letters, digits, '.', '_' or '-'")
        mapping = Mapping(
            source=name,
            timezone=self.zone(source.get("timezone")),
            encoding=self.encoding(source.get("encoding")),
            columns={k: v.strip() for k, v in columns.items()},
            formats=formats,
            values=values,
            default_strand=default,
            rules=rules,
            reject_unmatched=unmatched == "reject",
        )
        if self.problems:
            raise InvalidRequest(f"The mapping {self.path} has problems:\n" + "\n".join(self.problems))
        return mapping

    def table(self, data: dict, name: str) -> dict:
        value = data.get(name, {})
        if not isinstance(value, dict):
            self.problem(name, None, f"`{name}` should be a table, [{name}]")
            return {}
        return value

    def string_table(self, data: dict, name: str) -> dict[str, str]:
        table = self.table(data, name)
        for key, value in table.items():
            if not isinstance(value, str):
                self.problem(name, key, f"`{key}` should be a quoted string")
        return {k: v for k, v in table.items() if isinstance(v, str)}

    def check_format(self, name: str, fmt: str) -> None:
        if name != "occurred_at":
            self.problem("formats", name, "only occurred_at takes a format")
            return
        try:
            datetime.strptime(datetime(2024, 11, 5, 13, 45, 30).strftime(fmt), fmt)
        except ValueError as error:
            self.problem("formats", name, f"“{fmt}” is not a strptime format ({error})")

    def rules(self, rules: object, columns: dict[str, str]) -> tuple[StrandRule, ...]:
        if not isinstance(rules, list):
            self.problem("strand", "rules", "rules should be [[strand.rules]] tables")
            return ()
        built = []
        for index, rule in enumerate(rules):
            where = ("strand.rules", index)
            column, pattern = str(rule.get("column", "")), rule.get("pattern")
            if column not in CANONICAL_COLUMNS and column.strip() not in self.header:
                self.problem(where, "column", f"rule column “{column}” is neither canonical nor in the export")
            elif column in CANONICAL_COLUMNS and column not in columns:
                self.problem(where, "column", f"rule column `{column}` is not mapped under [columns]")
            slug = self.strand_slug(rule.get("strand"), where, "strand")
            try:
                compiled = re.compile(str(pattern))
            except re.error as error:
                self.problem(where, "pattern", f"pattern “{pattern}” is not a regular expression ({error})")
                continue
            if pattern is None:
                self.problem(where, None, "a rule needs a pattern")
            elif slug:
                built.append(StrandRule(column.strip(), compiled, slug))
        return tuple(built)

    def strand_slug(self, name: object, table, key: str) -> str | None:
        try:
            return self.catalogue.resolve(str(name or "")).slug
        except (UnknownStrand, AmbiguousStrand) as error:
            self.problem(table, key, str(error))
            return None

    def zone(self, name: object) -> ZoneInfo | None:
        if name is None:
            return None
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem("source", "timezone", f"“{name}” is not a time zone (e.g. Europe/London)")
            return None

    def encoding(self, name: object) -> str | None:
        if name is None:
            return None
        try:
            return codecs.lookup(str(name)).name
        except LookupError:
            self.problem("source", "encoding", f"“{name}” is not an encoding (e.g. utf-8, cp1252)")
            return None

    def closest(self, name: str) -> str:
        near = difflib.get_close_matches(name.strip(), list(self.header), n=1, cutoff=0.6)
        return f"; did you mean “{near[0]}”?" if near else ""

    def problem(self, table, key: str | None, message: str) -> None:
        line = self.line_of(table, key)
        self.problems.append(f"  line {line}: {message}" if line else f"  {message}")

    def line_of(self, table, key: str | None) -> int | None:
        """The line where `key` is set in `table` ("columns", or ("strand.rules", n) for the n-th rule)."""
        name, index = table if isinstance(table, tuple) else (table, None)
        current, seen = None, -1
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                current = stripped.strip("[] ").split("]")[0].strip()
                if current == name and stripped.startswith("[["):
                    seen += 1
                if current == name and key is None and (index is None or seen == index):
                    return number
                continue
            in_place = current == name and (index is None or seen == index) and key is not None
            if in_place and re.match(rf'^\s*"?{re.escape(key)}"?\s*=', line):
                return number
        return None
