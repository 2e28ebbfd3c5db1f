"""Catalogues of strands and of areas: which exist, how they nest, and finding one from what a person typed.

Strands and areas follow the same rules (slugs, names and aliases matched loosely, parents, no loops);
`CatalogueKind` is what differs: the noun in messages and the errors raised. Pure code: catalogues are
read from the database by `bot.store.catalogue` and handed in.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.errors import (
    AmbiguousArea,
    AmbiguousName,
    AmbiguousStrand,
    InvalidRequest,
    UnknownArea,
    UnknownName,
    UnknownStrand,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CATALOGUE_COLUMNS = ("slug", "name", "parent", "aliases")
MAX_SUGGESTIONS = 3
MAX_CANDIDATES = 8
SUGGESTION_SPREAD = 0.1
# What separates several strands in one import cell; also what separates aliases in a catalogue CSV.
LABEL_SEPARATOR = ";"
# The schema's column sizes (bot/store/models.py): checked here so every database refuses the same files.
MAX_SLUG_LENGTH = 64
MAX_LABEL_LENGTH = 200
# Settings (repeat-contact rules, breach thresholds) are kept per strand, or under this scope for the force.
DEFAULT_SCOPE = "*"


def normalise(text: str) -> str:
    """The key names are matched on: case, spacing, hyphens and punctuation ignored, '&' the same as 'and'.

    'Modern Slavery & Human Trafficking' and 'modern slavery and human-trafficking'
    both become 'modernslaveryhumantrafficking'.
    """
    words = re.findall(r"[^\W_]+", text.casefold().replace("&", " and "))
    return "".join(word for word in words if word != "and")


def slug_for(text: str) -> str:
    """A slug made from a label as written: accents dropped, lower case, each run of spaces and punctuation
    one hyphen ('Brooklyn South' → 'brooklyn-south', 'Montréal-Nord' → 'montreal-nord'). A label with
    letters but none in the Latin alphabet gets a slug from its hash; "" if it has no letters or digits."""
    latin = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    slug = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:MAX_SLUG_LENGTH].rstrip("-")
    if not slug and any(c.isalnum() for c in text):
        slug = "area-" + hashlib.sha256(text.strip().casefold().encode()).hexdigest()[:10]
    return slug


@dataclass(frozen=True)
class CatalogueKind:
    """What a catalogue holds, for its messages and errors."""

    noun: str
    unknown: type[UnknownName]
    ambiguous: type[AmbiguousName]


STRANDS = CatalogueKind("strand", UnknownStrand, AmbiguousStrand)
AREAS = CatalogueKind("area", UnknownArea, AmbiguousArea)


@dataclass(frozen=True)
class CatalogueEntry:
    """One strand or area as its catalogue defines it. `line` is where a loaded file gave it, for messages."""

    slug: str
    name: str
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.slug, self.name, *self.aliases)


@dataclass(frozen=True)
class Catalogue:
    """The entries (strands or areas) in display order: each parent followed by its children."""

    entries: tuple[CatalogueEntry, ...]
    kind: CatalogueKind = STRANDS
    _by_slug: dict[str, CatalogueEntry] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, set[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, set[str]] = {}
        for strand in self.entries:
            for label in strand.labels:
                by_key.setdefault(normalise(label), set()).add(strand.slug)
        object.__setattr__(self, "_by_slug", {s.slug: s for s in self.entries})
        object.__setattr__(self, "_by_key", by_key)

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, slug: str) -> CatalogueEntry:
        return self._by_slug[slug]

    def children(self, slug: str) -> list[CatalogueEntry]:
        return [s for s in self.entries if s.parent == slug]

    def descendants(self, slug: str) -> list[str]:
        """The slug itself and every strand below it, at any depth."""
        found = [slug]
        for child in self.children(slug):
            found.extend(self.descendants(child.slug))
        return found

    def ancestry(self, slug: str) -> list[str]:
        """The slug itself, its parent, and so on up to a top-level strand."""
        chain = [slug]
        while (parent := self.get(chain[-1]).parent) is not None:
            chain.append(parent)
        return chain

    def depth(self, slug: str) -> int:
        parent = self.get(slug).parent
        return 0 if parent is None else 1 + self.depth(parent)

    def resolve(self, text: str) -> CatalogueEntry:
        """The strand a person meant by `text`, matched loosely on slug, name and aliases.

        Raises the kind's UnknownName (with the closest as suggestions) or AmbiguousName."""
        key = normalise(text)
        exact = self._by_key.get(key, set())
        if len(exact) == 1:
            return self._by_slug[next(iter(exact))]
        if len(exact) > 1:
            raise self.kind.ambiguous(text, self._ordered(exact)[:MAX_CANDIDATES])
        if not key:
            raise self.kind.unknown(text, [])
        starting = {slug for k, slugs in self._by_key.items() if len(key) >= 3 and k.startswith(key) for slug in slugs}
        if len(starting) == 1:  # "domestic", "stalk": the start of one strand's name
            return self._by_slug[starting.pop()]
        if len(starting) > 1:
            raise self.kind.ambiguous(text, self._ordered(starting)[:MAX_CANDIDATES])
        raise self.kind.unknown(text, self.suggest(key))

    def exactly(self, text: str) -> CatalogueEntry | None:
        """The entry one of whose labels `text` is (ignoring case, spacing and punctuation), or None: no
        prefixes, no guesses. For values in files, where a near miss is a different place, not a typo."""
        found = self._by_key.get(normalise(text), set())
        return self._by_slug[next(iter(found))] if len(found) == 1 else None

    def suggest(self, key: str) -> list[str]:
        """Slugs of the entries whose labels are nearest `key` (already normalised), best first."""
        scores: dict[str, float] = {}
        for label_key, slugs in self._by_key.items():
            score = difflib.SequenceMatcher(None, key, label_key).ratio()
            if len(key) >= 3 and key in label_key:
                score = max(score, 0.8)
            for slug in slugs:
                scores[slug] = max(scores.get(slug, 0.0), score)
        ranked = sorted((s for s in scores if scores[s] >= 0.6), key=lambda s: -scores[s])
        # Only those nearly as near as the nearest: "hate crme" is hate crime, not also hate-race.
        return [s for s in ranked if scores[s] >= scores[ranked[0]] - SUGGESTION_SPREAD][:MAX_SUGGESTIONS]

    def label_clashes(self) -> dict[str, set[str]]:
        """Normalised labels that would name more than one entry."""
        return {key: slugs for key, slugs in self._by_key.items() if len(slugs) > 1}

    def _ordered(self, slugs: Iterable[str]) -> list[str]:
        wanted = set(slugs)
        return [s.slug for s in self.entries if s.slug in wanted]


def in_display_order(definitions: Iterable[CatalogueEntry]) -> tuple[CatalogueEntry, ...]:
    """Parents before their sub-strands, siblings in the order given."""
    definitions = list(definitions)
    ordered: list[CatalogueEntry] = []

    def visit(parent: str | None) -> None:
        for strand in definitions:
            if strand.parent == parent:
                ordered.append(strand)
                visit(strand.slug)

    visit(None)
    return tuple(ordered)


def validate(definitions: list[CatalogueEntry], kind: CatalogueKind = STRANDS) -> Catalogue:
    """Check a whole catalogue (slugs, parents, no loops, no label naming two entries) and build it.

    Raises InvalidRequest naming every problem, and the file line of each entry that came from a file."""
    noun = kind.noun
    problems: list[str] = []
    slugs = [d.slug for d in definitions]

    def at(d: CatalogueEntry) -> str:
        return f"line {d.line}: " if d.line is not None else ""

    for duplicate in sorted({s for s in slugs if slugs.count(s) > 1}):
        lines = [str(d.line) for d in definitions if d.slug == duplicate and d.line is not None]
        where = f" (lines {', '.join(lines)})" if len(lines) > 1 else ""
        problems.append(f"{noun} `{duplicate}` is defined more than once{where}")
    for d in definitions:
        if not SLUG.match(d.slug) or len(d.slug) > MAX_SLUG_LENGTH:
            problems.append(
                f"{at(d)}`{d.slug[:80]}` is not a valid slug (lower-case letters, digits and single hyphens, "
                f"at most {MAX_SLUG_LENGTH} characters)"
            )
        if not d.name.strip():
            problems.append(f"{at(d)}{noun} `{d.slug}` has no name")
        if kind is STRANDS and any(LABEL_SEPARATOR in label for label in (d.name, *d.aliases)):
            # Imports read `rape;domestic-abuse` as two strands: a name with ';' could never be named there.
            problems.append(f"{at(d)}{noun} `{d.slug}` has a name or alias with “{LABEL_SEPARATOR}” in it")
        for label in (d.name, *d.aliases):
            if len(label) > MAX_LABEL_LENGTH:
                problems.append(f"{at(d)}{noun} `{d.slug}` has a name or alias over {MAX_LABEL_LENGTH} characters")
        if d.parent is not None and d.parent not in slugs:
            problems.append(f"{at(d)}{noun} `{d.slug}` has parent `{d.parent}`, which is not in the catalogue")
    if not problems:
        ordered = in_display_order(definitions)
        if len(ordered) < len(definitions):
            placed = {d.slug for d in ordered}
            looped = [d for d in definitions if d.slug not in placed]
            where = _lines_text(d.line for d in looped)
            problems.append(f"parents form a loop among {', '.join(sorted(d.slug for d in looped))}{where}")
    if problems:
        raise InvalidRequest(f"The {noun} catalogue has problems:\n" + "\n".join(f"• {p}" for p in problems))
    catalogue = Catalogue(ordered, kind)
    clashes = catalogue.label_clashes()
    if clashes:
        line_of = {d.slug: d.line for d in definitions}
        raise InvalidRequest(
            f"The {noun} catalogue has problems:\n"
            + "\n".join(
                f"• the label “{k}” would name {', '.join(sorted(v))}{_lines_text(line_of[s] for s in v)}"
                for k, v in sorted(clashes.items())
            )
        )
    return catalogue


def _lines_text(lines: Iterable[int | None]) -> str:
    """' (line 3)' or ' (lines 2, 5)': where in a loaded file the entries are; "" for entries not from a file."""
    found = sorted(line for line in lines if line is not None)
    if not found:
        return ""
    return f" ({'line' if len(found) == 1 else 'lines'} {', '.join(map(str, found))})"


def read_catalogue_csv(text: str) -> list[CatalogueEntry]:
    """Parse a catalogue CSV (columns slug, name, parent, aliases; aliases separated by ';')."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("slug", "name") if c not in header]
    if missing:
        raise InvalidRequest(
            f"The catalogue file has no {' or '.join(missing)} column; "
            f"expected the columns {', '.join(CATALOGUE_COLUMNS)}."
        )
    definitions = []
    for row in reader:
        if None in row:  # DictReader files extra cells under the key None
            raise InvalidRequest(
                f"Line {reader.line_num} of the catalogue file has more cells than the header "
                f"({', '.join(CATALOGUE_COLUMNS)}); put several aliases in one cell, separated by ';'."
            )
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        aliases = tuple(a.strip() for a in row.get("aliases", "").split(LABEL_SEPARATOR) if a.strip())
        definitions.append(
            CatalogueEntry(row["slug"], row["name"], row.get("parent") or None, aliases, line=reader.line_num)
        )
    return definitions


def write_catalogue_csv(catalogue: Catalogue) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CATALOGUE_COLUMNS)
    for strand in catalogue:
        writer.writerow([strand.slug, strand.name, strand.parent or "", f"{LABEL_SEPARATOR} ".join(strand.aliases)])
    return out.getvalue()


def named_area(areas: Catalogue, text: str | None) -> tuple[CatalogueEntry, tuple[str, ...]] | tuple[None, None]:
    """The area `text` names, loosely (raises UnknownArea / AmbiguousArea), and every area it counts:
    itself and those below it. (None, None) for no area: the whole force."""
    if text is None:
        return None, None
    if not text.strip():
        raise InvalidRequest("Which area? Give its name or code, e.g. `area=north`; `/strand areas` lists them.")
    area = areas.resolve(text)
    return area, tuple(areas.descendants(area.slug))


def checked_scope(catalogue: Catalogue, text: str | None, example: str, default_example: str | None = None) -> str:
    """The strand a setting is for, found loosely by name, or DEFAULT_SCOPE for `default`. `example` (and
    `default_example`, where the force-wide setting can be named) show how, when no strand is given."""
    if not text:
        default = f", or `{default_example}` for the force-wide one" if default_example else ""
        raise InvalidRequest(f"Which strand? e.g. `{example}`{default}.")
    if text.lower() in ("default", "*"):
        return DEFAULT_SCOPE
    return catalogue.resolve(text).slug


def scope_name(scope: str) -> str:
    """How replies name a setting's scope: `hate-crime`, or the force default."""
    return "The force default" if scope == DEFAULT_SCOPE else f"`{scope}`"
