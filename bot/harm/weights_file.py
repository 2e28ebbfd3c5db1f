"""The weights file: a CSV of `offence_code,weight[,description]`, checked whole, and written back in the same
form (an exported set loads back identical). Pure: text in, weights or one error naming every bad line out.

Decisions (the README's "Harm" section says the same):
- Header names match ignoring case, spaces, underscores and hyphens (`Offence Code` is `offence_code`); any
  other column is refused rather than ignored, so a misnamed column cannot go unnoticed.
- Codes are matched as `bot.domain.harm.offence_code` writes them (trimmed, inner spaces made one, upper
  case), so "8q" and "8Q " are one code, and two lines giving it are refused as duplicates.
- A weight is a plain decimal number, 0 or more: `12`, `0.5`, `1.5e3`. A comma is refused, not guessed at:
  "1,234" is a thousand and more in one locale and one and a bit in another.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from decimal import Decimal

from bot.domain.harm import OFFENCE_CODE_LENGTH, offence_code
from bot.errors import InvalidRequest
from bot.harm.records import CodeWeight

WEIGHT_COLUMNS = ("offence_code", "weight", "description")
REQUIRED_COLUMNS = ("offence_code", "weight")
# The schema's column size (bot/store/models.py), checked here so every database refuses the same files.
MAX_DESCRIPTION_LENGTH = 500
# Published indices weigh a few hundred offence codes; a file with far more is not a weights file.
MAX_CODES = 100_000
MAX_PROBLEMS_SHOWN = 10
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def read_weights_csv(text: str, file_label: str) -> list[CodeWeight]:
    """The weights in a weights file's text, in code order; raises InvalidRequest naming each bad line (the
    first few, then how many more) if any line is bad, so a file loads whole or not at all."""
    reader = csv.reader(io.StringIO(text), strict=True)
    problems: list[tuple[int, str, str]] = []  # (line, where, what is wrong)
    weights: list[CodeWeight] = []
    lines_of: dict[str, list[tuple[int, str]]] = {}  # each code's lines, and the code as written there
    next_line, rows = 1, 0
    try:
        header = next(reader, [])
        columns = _columns(header, file_label)
        next_line = reader.line_num + 1
        for row in reader:
            line, next_line = next_line, reader.line_num + 1  # a quoted cell may run over several lines
            if not "".join(row).strip():
                continue
            rows += 1
            if rows > MAX_CODES:
                raise InvalidRequest(
                    f"{file_label} has more than {MAX_CODES:,} lines of weights; published indices weigh a few "
                    "hundred offence codes. Is it the right file? Nothing was loaded."
                )
            code, weight, problem = _row(row, columns, len(header))
            if code is not None:
                lines_of.setdefault(code, []).append((line, row[columns["offence_code"]]))
            if problem:
                problems.append((line, f"line {line}", problem))
            elif weight is not None:
                weights.append(weight)
    except csv.Error as error:
        raise InvalidRequest(
            f"{file_label}: the row starting on line {next_line:,} has quotes the CSV format does not allow "
            f"({error}); is a quote left open? Nothing was loaded."
        ) from None
    problems += [_duplicate(code, lines) for code, lines in lines_of.items() if len(lines) > 1]
    if problems:
        raise InvalidRequest(_problems_text(file_label, sorted(problems)))
    if not weights:
        raise InvalidRequest(f"{file_label} holds no weights, only its header: nothing was loaded.")
    return sorted(weights, key=lambda w: code_order(w.offence_code))


def write_weights_csv(weights: Iterable[CodeWeight]) -> str:
    """A weights file that `read_weights_csv` reads back to the same weights."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(WEIGHT_COLUMNS)
    for weight in weights:
        writer.writerow([weight.offence_code, weight_text(weight.weight), weight.description or ""])
    return out.getvalue()


def weight_text(weight: float) -> str:
    """A weight as plain decimal digits, no more than it needs to read back exactly ('12', '0.5', '0.00001')."""
    return format(Decimal(repr(weight)).normalize(), "f")


def code_order(code: str) -> list:
    """Codes in the order people list them: numbers by value, so 8L, 9A, 19C, 105A (not 105A, 19C, 8L, 9A)."""
    return [int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", code))]


def _columns(header: list[str], file_label: str) -> dict[str, int]:
    """Where each column is; raises InvalidRequest for a missing, unknown or repeated one."""
    expected = "a weights file has the columns offence_code, weight and (if wanted) description"
    if not any(cell.strip() for cell in header):
        raise InvalidRequest(f"{file_label} has no header row: {expected}, named on its first line.")
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = next((c for c in WEIGHT_COLUMNS if _loose(c) == _loose(cell)), None)
        if name is None:
            raise InvalidRequest(
                f"{file_label} has a column “{cell.strip()}”, which is not one it can have: {expected}."
            )
        if name in columns:
            raise InvalidRequest(f"{file_label} has two {name} columns: {expected}, each once.")
        columns[name] = position
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InvalidRequest(
            f"{file_label} has no {' or '.join(missing)} column (its header: {', '.join(header)}); {expected}."
        )
    return columns


def _loose(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name.casefold())


def _row(row: list[str], columns: dict[str, int], width: int) -> tuple[str | None, CodeWeight | None, str | None]:
    """One line's code (None if it has none), and its weight or what is wrong with it."""
    cells = {name: row[position].strip() if position < len(row) else "" for name, position in columns.items()}
    code = offence_code(cells["offence_code"])
    if len(row) > width:
        return (
            code,
            None,
            (f"{len(row)} cells where the header has {width} (a comma in a number or a description without quotes?)"),
        )
    if code is None:
        return None, None, "no offence code"
    if len(code) > OFFENCE_CODE_LENGTH:
        return code, None, f"the offence code “{code[:40]}…” is longer than {OFFENCE_CODE_LENGTH} characters"
    weight, problem = _weight(cells["weight"], code)
    if problem:
        return code, None, problem
    description = cells.get("description") or None
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        return code, None, f"the description of {code} is longer than {MAX_DESCRIPTION_LENGTH} characters"
    return code, CodeWeight(code, weight, description), None


def _weight(text: str, code: str) -> tuple[float, str | None]:
    if not text:
        return 0.0, f"no weight for {code}"
    if "," in text:
        return 0.0, (
            f"the weight of {code}, “{text}”, has a comma: write numbers without thousands separators, with a "
            "point for decimals (1234.5)"
        )
    if not NUMBER.fullmatch(text):
        return 0.0, f"the weight of {code}, “{text}”, is not a number"
    weight = float(text) + 0.0  # + 0.0: "-0" is 0
    if weight < 0:
        return 0.0, f"the weight of {code}, {text}, is negative: weights are 0 or more"
    if not math.isfinite(weight):
        return 0.0, f"the weight of {code}, {text}, is too large a number"
    return weight, None


def _duplicate(code: str, lines: list[tuple[int, str]]) -> tuple[int, str, str]:
    numbers = [str(line) for line, _ in lines]
    where = "lines " + ", ".join(numbers[:-1]) + " and " + numbers[-1]
    as_written = sorted({written for _, written in lines})
    spelled = f" (written {' and '.join(f'“{w}”' for w in as_written)})" if len(as_written) > 1 else ""
    return lines[0][0], where, f"the same offence code, {code}{spelled}: a code has one weight"


def _problems_text(file_label: str, problems: list[tuple[int, str, str]]) -> str:
    shown = [f"  {where}: {problem}" for _, where, problem in problems[:MAX_PROBLEMS_SHOWN]]
    more = len(problems) - MAX_PROBLEMS_SHOWN
    if more > 0:
        shown.append(f"  and {more:,} more")
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{file_label} was not loaded (nothing changed): {len(problems):,} {noun}.\n" + "\n".join(shown)
