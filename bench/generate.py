"""A force's records export at any scale: N synthetic occurrences as a canonical CSV for `strandbot import`.

    python -m bench.generate --occurrences 1000000 --out scale-1m.csv [--seed 42] [--end 2026-11-20]

The shape follows what a force sees (docs/domain.md):
- strands in a force's proportions: domestic abuse about a third of vulnerability demand, then mental
  health, missing children, adults at risk, hate crime; harmful practices and modern slavery rare;
- from 1 April 2019 (FY 2019/20, the pre-COVID baseline) to yesterday: a dip in 2020/21, then about 4%
  more each year;
- seasons (summer and Christmas peaks for domestic abuse, a summer peak for hate crime) and times of
  day in local time: most demand in the afternoon and evening, more at weekends; sexual offences
  peak on Thursday evenings and in the early hours of Friday to Sunday;
- one to three people per occurrence (one CSV row each), most of them seen once, a fifth drawn from
  each strand's pool of frequent contacts (a few very frequent), and places skewed so a few recur often.

Times are written without an offset, so the import reads them as local time (`STRANDBOT_TIMEZONE`).
Deterministic for a seed. Memory stays flat: occurrences are made and written a million at a time.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

FIRST_DAY = date(2019, 4, 1)
CHUNK = 1_000_000
HEADER = ["occurrence_id", "occurred_at", "strand", "category", "person_ref", "person_role", "location_ref"]

# Share of occurrences per strand (own occurrences; parents hold a few of their own), and which
# time profile each follows.
STRANDS: dict[str, tuple[float, str]] = {
    "domestic-abuse": (30, "domestic"),
    "mental-health": (15, "default"),
    "missing-children": (8, "default"),
    "adult-at-risk": (7, "default"),
    "child-at-risk": (6, "default"),
    "hate-crime": (6, "default"),
    "stalking-harassment": (6, "domestic"),
    "child-abuse": (4, "default"),
    "other-sexual-offences": (3.5, "nightlife"),
    "rape": (2.5, "nightlife"),
    "attempted-suicides": (2.5, "default"),
    "suicides": (0.4, "default"),
    "cse": (1.5, "default"),
    "child-protection": (0.5, "default"),
    "sexual-offences": (0.3, "nightlife"),
    "mappa": (1.5, "default"),
    "prevent": (0.6, "default"),
    "modern-slavery": (0.6, "default"),
    "harmful-practices": (0.05, "default"),
    "hbv": (0.25, "default"),
    "forced-marriage": (0.1, "default"),
    "fgm": (0.05, "default"),
}
ROLES = {
    "mental-health": (["subject"], [1.0]),
    "missing-children": (["subject", "other"], [0.9, 0.1]),
    "suicides": (["subject", "witness"], [0.8, 0.2]),
    "attempted-suicides": (["subject", "witness"], [0.8, 0.2]),
}
CRIME_ROLES = (["victim", "offender", "witness", "other"], [0.5, 0.38, 0.08, 0.04])

# Relative demand by month (January first), per profile.
MONTHS = {
    "default": [0.95, 0.9, 0.97, 0.98, 1.03, 1.05, 1.08, 1.06, 1.0, 1.0, 0.97, 0.95],
    "domestic": [1.05, 0.9, 0.95, 0.96, 1.02, 1.06, 1.1, 1.08, 0.98, 0.97, 0.95, 1.12],
    "nightlife": [0.9, 0.9, 0.95, 0.98, 1.05, 1.08, 1.1, 1.08, 1.02, 1.0, 0.98, 1.04],
}
# Relative demand by hour of day (00-23) and day of week (Monday first), per profile.
HOURS = {
    "default": [4, 3, 2, 1.5, 1, 1, 1.5, 3, 5, 6, 6.5, 7, 7, 7, 7.5, 8, 8.5, 9, 9, 8.5, 8, 7, 6, 5],
    "domestic": [5, 4, 3, 2, 1.5, 1, 1, 2, 3, 4, 4.5, 5, 5.5, 5.5, 6, 6.5, 7, 8, 9, 9.5, 9.5, 9, 8, 6.5],
    "nightlife": [9, 10, 9, 7, 4, 2, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4, 4, 4.5, 5, 5.5, 6, 7, 8, 9, 10, 10],
}
WEEKDAYS = {
    "default": [1.0, 1.0, 1.0, 1.0, 1.05, 1.0, 0.95],
    "domestic": [0.95, 0.9, 0.9, 0.92, 1.0, 1.2, 1.25],
    "nightlife": [0.8, 0.8, 0.85, 1.15, 1.1, 1.3, 1.2],
}
NIGHTS_OUT = {(3, h) for h in range(18, 24)} | {(d, h) for d in (4, 5, 6) for h in range(0, 5)}
NIGHT_OUT_LIFT = 1.8  # Thursday evenings, and the early hours of Friday to Sunday


def year_factor(day: date) -> float:
    """Growth of about 4% a year from the baseline, with COVID's dip in FY 2020/21."""
    fy = day.year if day.month >= 4 else day.year - 1
    return 0.85 if fy == 2020 else 1.04 ** (fy - 2019)


def hour_cdfs(first: date, last: date) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """Every local hour from `first` to `last`, and per profile the cumulative chance of each."""
    hours = pd.date_range(
        datetime.combine(first, datetime.min.time()), periods=((last - first).days + 1) * 24, freq="h"
    )
    day_weight = np.array([year_factor(d) for d in hours.date])
    cdfs = {}
    for profile in HOURS:
        weight = (
            day_weight
            * np.take(MONTHS[profile], hours.month - 1)
            * np.take(WEEKDAYS[profile], hours.day_of_week)
            * np.take(HOURS[profile], hours.hour)
        )
        if profile == "nightlife":
            night_out = [(d, h) in NIGHTS_OUT for d, h in zip(hours.day_of_week, hours.hour, strict=True)]
            weight *= np.where(night_out, NIGHT_OUT_LIFT, 1)
        cdf = np.cumsum(weight)
        cdfs[profile] = cdf / cdf[-1]
    return hours, cdfs


def occurrence_rows(first_id: int, count: int, total: int, hours, cdfs, rng: np.random.Generator) -> pd.DataFrame:
    """CSV rows for occurrences first_id .. first_id + count - 1 (one row per linked person)."""
    slugs = list(STRANDS)
    shares = np.array([STRANDS[s][0] for s in slugs])
    strand = rng.choice(len(slugs), size=count, p=shares / shares.sum())
    when = np.empty(count, dtype="datetime64[s]")
    for profile, cdf in cdfs.items():
        mine = np.flatnonzero(np.isin(strand, [i for i, s in enumerate(slugs) if STRANDS[s][1] == profile]))
        picked = np.minimum(np.searchsorted(cdf, rng.random(mine.size)), cdf.size - 1)
        when[mine] = hours.values[picked].astype("datetime64[s]") + rng.integers(0, 3600, mine.size)
    people = 1 + (rng.random(count) < 0.25) + (rng.random(count) < 0.05)
    occurrence = np.repeat(np.arange(first_id, first_id + count), people)
    row_strand = np.repeat(strand, people)
    rows = occurrence.size
    frequent = rng.random(rows) < 0.2
    # Most people appear once or twice in years; a strand's frequent contacts are a small, skewed pool.
    pool = max(50, total // 400)
    person = np.where(
        frequent,
        np.char.add(
            np.char.add("F", np.array(slugs)[row_strand]),
            np.char.add("-", (pool * rng.random(rows) ** 2).astype(int).astype(str)),
        ),
        np.char.add("P", rng.integers(0, max(1000, total), rows).astype(str)),
    )
    role = np.empty(rows, dtype=object)
    for index, slug in enumerate(slugs):
        mine = row_strand == index
        choices, weights = ROLES.get(slug, CRIME_ROLES)
        role[mine] = rng.choice(choices, size=int(mine.sum()), p=weights)
    places = max(1000, total // 10)
    location = np.repeat((places * rng.random(count) ** 2).astype(int), people)
    return pd.DataFrame(
        {
            "occurrence_id": np.char.add("OCC", occurrence.astype(str)),
            "occurred_at": pd.to_datetime(np.repeat(when, people)).strftime("%Y-%m-%d %H:%M:%S"),
            "strand": np.array(slugs)[row_strand],
            "category": "",
            "person_ref": person,
            "person_role": role,
            "location_ref": np.char.add("L", location.astype(str)),
        },
        columns=HEADER,
    )


def write_export(path: Path, occurrences: int, seed: int = 42, last_day: date | None = None) -> int:
    """Write `occurrences` synthetic occurrences to `path`; returns the number of CSV rows written."""
    last_day = last_day or date.today() - timedelta(days=1)
    hours, cdfs = hour_cdfs(FIRST_DAY, last_day)
    rng = np.random.default_rng(seed)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        for first in range(1, occurrences + 1, CHUNK):
            count = min(CHUNK, occurrences - first + 1)
            frame = occurrence_rows(first, count, occurrences, hours, cdfs, rng)
            frame.to_csv(out, header=False, index=False)
            written += len(frame)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--occurrences", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end", type=date.fromisoformat, help="last day (default: yesterday)")
    args = parser.parse_args()
    started = time.monotonic()
    rows = write_export(args.out, args.occurrences, args.seed, args.end)
    print(f"{args.occurrences:,} occurrences ({rows:,} rows) in {args.out} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
