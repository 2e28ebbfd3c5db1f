"""The harm weights service: load a weights file as a new set (the one in use from then on), and read the sets
on record, for `strandbot harm load`, `export` and `show` and for the demo.

Every set ever loaded stays on record, with who loaded it, when and from which file; the newest is the one
every harm figure uses and names. Nothing is recomputed on a load: harm is weighed as it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import InvalidRequest
from bot.harm.records import CodeWeight, WeightSetRecord
from bot.harm.weights_file import code_order, read_weights_csv
from bot.imports.csv_reader import inspect_file
from bot.store.db import Database
from bot.store.harm import add_weight_set, stored_weights, weight_sets

# The schema's column size (bot/store/models.py).
MAX_NAME_LENGTH = 200
# A weights file of MAX_CODES lines with the longest descriptions is about 55 MB; past this it is another file.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class LoadedWeights:
    """What a load did: the set now in use, how many sets were on record before, and whether it was already
    the set in use (same name, same weights), so that nothing was stored."""

    weight_set: WeightSetRecord
    earlier_sets: int
    unchanged: bool


@dataclass(frozen=True)
class WeightsOnRecord:
    """One set and its weights (in code order), beside every set on record, newest (the one in use) first."""

    weight_set: WeightSetRecord
    weights: tuple[CodeWeight, ...]
    sets: tuple[WeightSetRecord, ...]

    @property
    def in_use(self) -> bool:
        return self.weight_set.id == self.sets[0].id


def load_weights_file(database: Database, path: Path, name: str | None, loaded_by: str) -> LoadedWeights:
    """Check a weights file whole, then store it as the set in use, named `name` (default: the file's name
    without its extension). Raises InvalidRequest, naming every bad line, and stores nothing if any is bad."""
    if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidRequest(
            f"{path} is {path.stat().st_size / 1024 / 1024:,.0f} MB; a weights file is a few kilobytes (at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB). Is it the right file? Nothing was loaded."
        )
    facts = inspect_file(path, None)  # missing, a folder, binary, empty; its encoding and hash
    try:
        text = path.read_text(encoding=facts.encoding)
    except UnicodeDecodeError as error:
        raise InvalidRequest(
            f"{path} is neither UTF-8 nor Windows-1252 text (byte {error.object[error.start]:#04x} at "
            f"{error.start:,}); save it from Excel as “CSV UTF-8”. Nothing was loaded."
        ) from None
    weights = read_weights_csv(text, path.name)
    set_name = checked_name(path.stem if name is None else name)
    return adopt_weights(database, weights, set_name, str(path.resolve())[-500:], facts.sha256, loaded_by)


def checked_name(name: str) -> str:
    """A set's name as stored: trimmed, not empty, within the schema's size."""
    name = name.strip()
    if not name:
        raise InvalidRequest('A weight set needs a name, e.g. --name "ONS CSS 2016". Nothing was loaded.')
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidRequest(
            f"The set's name is {len(name)} characters; at most {MAX_NAME_LENGTH}. Nothing was loaded."
        )
    return name


def adopt_weights(
    database: Database, weights: list[CodeWeight], name: str, file_name: str, file_sha256: str, loaded_by: str
) -> LoadedWeights:
    """Store checked weights as a new set in use, unless the set in use already has this name and exactly
    these weights (then nothing changes). The sets before it stay on record."""
    with database.session() as session:
        earlier = weight_sets(session)
        if earlier and earlier[0].name == name and _same(stored_weights(session, earlier[0].id), weights):
            return LoadedWeights(earlier[0], len(earlier) - 1, unchanged=True)
        record = add_weight_set(session, name, file_name, file_sha256, loaded_by, datetime.now(UTC), weights)
        return LoadedWeights(record, len(earlier), unchanged=False)


def weights_on_record(database: Database, set_id: int | None = None) -> WeightsOnRecord | None:
    """Set `set_id` (default: the one in use) with its weights, and every set on record; None if no set was
    ever loaded. Raises InvalidRequest for a set that does not exist."""
    with database.session() as session:
        sets = weight_sets(session)
        if not sets:
            return None
        chosen = sets[0] if set_id is None else next((s for s in sets if s.id == set_id), None)
        if chosen is None:
            numbers = ", ".join(str(s.id) for s in reversed(sets))
            raise InvalidRequest(f"There is no weight set {set_id}; the sets on record are {numbers}.")
        weights = sorted(stored_weights(session, chosen.id), key=lambda w: code_order(w.offence_code))
    return WeightsOnRecord(chosen, tuple(weights), tuple(sets))


def _same(stored: list[CodeWeight], loaded: list[CodeWeight]) -> bool:
    return {w.offence_code: w for w in stored} == {w.offence_code: w for w in loaded}
