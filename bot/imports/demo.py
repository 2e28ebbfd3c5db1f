"""Realistic synthetic occurrences for trying strandbot without a force's data.

The shape follows docs/domain.md: a small force's few thousand vulnerability occurrences a year, seasonality,
COVID's dip in spring 2020, the June 2023 domestic-abuse counting change (about -7%), time-of-day
patterns (sexual offences peaking on Thursday evenings and Friday-to-Sunday early hours), repeat
victims, offenders and places, and mental-health frequent contacts (about 15 people a month with three
or more occurrences, averaging about 4.2 each). Strands overlap as flags do: a third of rapes and of
stalking are domestic, every hate crime carries one or more of its five motivations. Occurrences fall in
a small force's areas (3 sectors of 4 wards, some busier than others). Crimes carry Home Office offence
codes in a mix per strand (a hate crime motivated by race or religion as the aggravated offence); non-crime
incidents (concerns for welfare, missing children, PPNs…) carry none, as in a force's export, so harm leaves
them unweighted and says how many. The harm weights the demo loads are illustrative: round numbers on a
made-up scale, from no published index. Reproducible: the same seed gives the same data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.domain.comparisons import dashboard_windows
from bot.errors import InvalidRequest
from bot.harm.records import CodeWeight
from bot.harm.weights import LoadedWeights, adopt_weights, weights_on_record
from bot.harm.weights_file import code_order, write_weights_csv
from bot.settings import Settings
from bot.store.catalogue import load_areas, save_catalogue
from bot.store.db import Database
from bot.store.occurrences import NewOccurrence, other_sources_count, replace_source

DEMO_SOURCE = "demo"


# The Home Office offence codes the demo's crimes carry, each with an illustrative weight: round numbers on a
# made-up scale, taken from no published index. `strandbot demo` loads them; examples/harm/illustrative-weights.csv
# is the same set as a weights file.
DEMO_OFFENCES: dict[str, tuple[str, float]] = {
    "3B": ("Threats to kill", 30),
    "8K": ("Poisoning or female genital mutilation", 80),
    "8L": ("Harassment", 5),
    "8M": ("Racially or religiously aggravated harassment", 8),
    "8N": ("Assault with injury", 20),
    "8P": ("Racially or religiously aggravated assault with injury", 30),
    "8Q": ("Stalking", 20),
    "8U": ("Controlling or coercive behaviour", 20),
    "9A": ("Public fear, alarm or distress", 2),
    "9B": ("Racially or religiously aggravated public fear, alarm or distress", 3),
    "11A": ("Cruelty to children/young persons", 30),
    "17A": ("Sexual assault on a male aged 13 and over", 40),
    "19C": ("Rape of a female aged 16 and over", 100),
    "19D": ("Rape of a female child under 16", 100),
    "19F": ("Rape of a male aged 16 and over", 100),
    "20A": ("Sexual assault on a female aged 13 and over", 40),
    "58A": ("Criminal damage to a dwelling", 3),
    "58E": ("Racially or religiously aggravated criminal damage to a dwelling", 5),
    "71": ("Abuse of children through sexual exploitation", 60),
    "88E": ("Exposure and voyeurism", 5),
    "105A": ("Assault without injury", 5),
    "105B": ("Racially or religiously aggravated assault without injury", 8),
    "106": ("Modern slavery", 80),
}
DEMO_WEIGHTS_NAME = "Illustrative weights (not a published index)"
DEMO_WEIGHTS_FILE = "examples/harm/illustrative-weights.csv, as built into strandbot demo"
ILLUSTRATIVE = "illustrative only, not from any published index"
# A hate crime motivated by race or religion is recorded as the racially or religiously aggravated offence.
AGGRAVATED = {"9A": "9B", "8L": "8M", "105A": "105B", "8N": "8P", "58A": "58E"}
AGGRAVATING_MOTIVATIONS = {"hate-race", "hate-religion"}


@dataclass(frozen=True)
class Offence:
    """What one kind of a strand's occurrences is: a crime with its code, or a non-crime incident (a concern for
    welfare, a missing child, a PPN), which carries no offence code, as in a force's export, and which no harm
    index weighs. `tickets` is its share of the strand's occurrences."""

    category: str
    code: str | None
    tickets: int


def crime(code: str, tickets: int = 1) -> Offence:
    return Offence(DEMO_OFFENCES[code][0], code, tickets)


def incident(category: str, tickets: int = 1) -> Offence:
    return Offence(category, None, tickets)


@dataclass(frozen=True)
class StrandShape:
    annual: float  # occurrences a year at the start of the series
    growth: float = 0.0  # yearly change in volume, e.g. 0.08 for 8% a year
    roles: tuple[str, ...] = ("victim",)  # people linked to each occurrence
    repeat_share: float = 0.0  # share of occurrences whose victim/subject has been seen before
    covid: float = 0.8  # volume factor April to June 2020
    evening_weekend: bool = False  # sexual-offence time pattern
    offences: tuple[Offence, ...] = ()


SHAPES: dict[str, StrandShape] = {
    "adult-at-risk": StrandShape(450, 0.03, ("subject",), 0.2, offences=(incident("Adult at risk PPN"),)),
    "child-at-risk": StrandShape(550, 0.02, ("subject",), 0.15, 0.7, offences=(incident("Child at risk PPN"),)),
    "domestic-abuse": StrandShape(
        1500,
        0.03,
        ("victim", "offender"),
        0.3,
        1.12,
        offences=(
            crime("105A", 6),
            crime("8N", 5),
            crime("8L", 3),
            crime("8U", 2),
            crime("58A", 2),
            crime("3B"),
            crime("9A"),
        ),
    ),
    "hate-crime": StrandShape(
        210,
        0.05,
        ("victim", "offender"),
        0.1,
        offences=(crime("9A", 10), crime("105A", 4), crime("8L", 3), crime("58A", 2), crime("8N")),
    ),
    "mappa": StrandShape(35, 0.0, ("offender",), 0.3, 1.0, offences=(incident("MAPPA nominal review"),)),
    "mental-health": StrandShape(
        500,
        0.03,
        ("subject",),
        0.0,
        1.15,
        offences=(incident("Concern for welfare", 3), incident("Section 136 detention")),
    ),
    "modern-slavery": StrandShape(22, 0.08, ("victim", "offender"), offences=(crime("106"),)),
    "prevent": StrandShape(9, 0.0, ("subject",), offences=(incident("Prevent referral"),)),
    "stalking-harassment": StrandShape(
        320, 0.12, ("victim", "offender"), 0.25, offences=(crime("8Q", 2), crime("8L", 3))
    ),
    "child-protection": StrandShape(10, 0.0, ("victim",), offences=(incident("Child protection concern"),)),
    "child-abuse": StrandShape(150, 0.02, ("victim", "offender"), 0.1, 0.75, offences=(crime("11A"),)),
    "cse": StrandShape(40, 0.04, ("victim", "offender"), 0.2, offences=(crime("71"),)),
    "missing-children": StrandShape(260, -0.03, ("subject",), 0.45, 0.6, offences=(incident("Missing child"),)),
    "fgm": StrandShape(2, 0.0, offences=(crime("8K"),)),
    # Most forced-marriage reports are concerns for someone at risk (a protection order), not a crime yet.
    "forced-marriage": StrandShape(3, 0.0, offences=(incident("Forced marriage concern"),)),
    # One kind only: a strand of one kind takes no draw for it, and a draw more would change every later draw
    # of a seed's data, and so the figures the README quotes.
    "hbv": StrandShape(7, 0.02, ("victim", "offender"), offences=(crime("8U"),)),
    "rape": StrandShape(
        105, 0.06, ("victim", "offender"), 0.05, 0.8, True, (crime("19C", 8), crime("19D"), crime("19F"))
    ),
    "other-sexual-offences": StrandShape(
        210, 0.04, ("victim", "offender"), 0.05, 0.75, True, (crime("20A", 6), crime("17A"), crime("88E", 3))
    ),
    "suicides": StrandShape(14, 0.0, ("subject",), offences=(incident("Sudden death - suicide"),)),
    "attempted-suicides": StrandShape(80, 0.02, ("subject",), 0.2, offences=(incident("Attempted suicide"),)),
}

# Other strands an occurrence of a strand also belongs to, each with its chance: flags overlap.
OVERLAPS: dict[str, tuple[tuple[str, float], ...]] = {
    "rape": (("domestic-abuse", 0.35),),
    "other-sexual-offences": (("domestic-abuse", 0.2),),
    "stalking-harassment": (("domestic-abuse", 0.35),),
    "child-abuse": (("domestic-abuse", 0.15),),
    "attempted-suicides": (("mental-health", 0.4),),
    "adult-at-risk": (("mental-health", 0.25),),
}
# Hate crime's motivations, by the share of hate crimes that carry each (England and Wales: most are
# racially motivated; about one in ten carries more than one motivation).
MOTIVATIONS = (
    ("hate-race", 0.70),
    ("hate-sexual-orientation", 0.17),
    ("hate-religion", 0.09),
    ("hate-disability", 0.08),
    ("hate-transgender", 0.04),
)
SECOND_MOTIVATION = 0.1

# A small force: three sectors of four wards each, with the codes exports carry as aliases; in display
# order, so an exported catalogue loads back unchanged.
DEMO_AREAS = tuple(
    entry
    for sector in ("north", "central", "south")
    for entry in (
        CatalogueEntry(sector, f"{sector.title()} Sector", None, (sector[0].upper(),)),
        *(
            CatalogueEntry(f"{sector}-{n}", f"{sector.title()} Ward {n}", sector, (f"{sector[0].upper()}{n:02d}",))
            for n in range(1, 5)
        ),
    )
)
WARDS = tuple(a.slug for a in DEMO_AREAS if a.parent)
# How busy each ward is: the town centre wards most of all.
WARD_WEIGHTS = np.array([1.0, 0.8, 0.6, 0.7, 2.2, 1.8, 1.2, 1.0, 0.9, 0.7, 1.1, 0.5])

# Mental-health frequent contact: a pool of people each financial year, each with their own monthly
# rate. With exponentially distributed rates of mean μ, P(3+ in a month) = (μ/(1+μ))³ and those people
# average 3 + μ occurrences: μ = 1.2 gives about 16 of 100 a month, averaging about 4.2.
FREQUENT_CONTACT_POOL = 100
FREQUENT_CONTACT_MEAN_MONTHLY = 1.2

SEASON = np.array([0.95, 0.9, 0.97, 1.0, 1.05, 1.08, 1.1, 1.08, 1.0, 1.0, 0.95, 0.98])  # Jan..Dec
DA_COUNTING_CHANGE = pd.Timestamp("2023-06-01")
COVID_SPRING = (pd.Timestamp("2020-04-01"), pd.Timestamp("2020-06-30"))


def _hour_weights(evening_weekend: bool) -> np.ndarray:
    """7 x 24 weights of occurrence times by weekday (Monday first) and hour."""
    hours = np.arange(24)
    base = 0.4 + np.exp(-((hours - 17) ** 2) / 30.0)  # quiet small hours, busy late afternoon and evening
    weights = np.tile(base, (7, 1))
    if evening_weekend:
        weights[3, 18:24] += 1.6  # Thursday evening
        weights[4:7, 0:5] += 1.8  # early hours of Friday, Saturday and Sunday
    return weights


@dataclass(frozen=True)
class DemoLoad:
    stored: int
    start: date
    end: date
    weights: LoadedWeights  # the illustrative set, or with `kept_own_weights` the force's set in use
    kept_own_weights: bool


def load_demo(
    database: Database, settings: Settings, end: date, loaded_by: str, seed: int = 1, force: bool = False
) -> DemoLoad:
    """Replace the demo occurrences with fresh ones covering every dashboard window as of `end`, and make the
    illustrative harm weights the set in use, unless another set is in use (then that one stays).

    Refuses (unless `force`) when the database holds occurrences from other, real sources."""
    windows = dashboard_windows(end, settings.fy_start_month, settings.baseline_fy).all().values()
    start = min(w.start for w in windows)
    with database.session() as session:
        real = other_sources_count(session, DEMO_SOURCE)
        if real and not force:
            raise InvalidRequest(
                f"This database holds {real:,} occurrences from real sources; demo data would mix into their "
                "statistics. Point DATABASE_URL at a separate database, or pass --force."
            )
        known = {a.slug for a in load_areas(session)}
        missing = [a for a in DEMO_AREAS if a.slug not in known]
        if missing:
            save_catalogue(session, missing, AREAS)
        stored = replace_source(session, DEMO_SOURCE, generate(start, end, settings.timezone, seed), settings.timezone)
    in_use = weights_on_record(database)
    if in_use is not None and in_use.weight_set.name != DEMO_WEIGHTS_NAME:
        return DemoLoad(stored, start, end, LoadedWeights(in_use.weight_set, len(in_use.sets) - 1, True), True)
    weights = demo_weights()
    text = write_weights_csv(weights)
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    loaded = adopt_weights(database, weights, DEMO_WEIGHTS_NAME, DEMO_WEIGHTS_FILE, sha256, loaded_by)
    return DemoLoad(stored, start, end, loaded, False)


def demo_weights() -> list[CodeWeight]:
    """The illustrative weights of every offence code the demo gives, as examples/harm/illustrative-weights.csv
    holds them."""
    weights = [
        CodeWeight(code, weight, f"{description}: {ILLUSTRATIVE}")
        for code, (description, weight) in DEMO_OFFENCES.items()
    ]
    return sorted(weights, key=lambda w: code_order(w.offence_code))


def generate(start: date, end: date, tz: ZoneInfo, seed: int = 1) -> Iterator[NewOccurrence]:
    """Occurrences from `start` to `end` (local dates, inclusive), reproducible for a given seed."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    years = (days - days[0]).days.to_numpy() / 365.25
    locations = _zipf_pool(rng, "L", 4000)
    serial = 0
    for slug, shape in SHAPES.items():
        rate = shape.annual / 365.25 * (1 + shape.growth) ** years * SEASON[days.month.to_numpy() - 1]
        in_covid = (days >= COVID_SPRING[0]) & (days <= COVID_SPRING[1])
        rate = np.where(in_covid, rate * shape.covid, rate)
        if slug == "domestic-abuse":
            rate = np.where(days >= DA_COUNTING_CHANGE, rate * 0.93, rate)
        weights = _hour_weights(shape.evening_weekend)
        rate = rate * weights.sum(axis=1)[days.day_of_week.to_numpy()] / weights.sum(axis=1).mean()
        when = _times(rng, np.repeat(days.to_numpy(), rng.poisson(rate)), weights, tz)
        repeat_pool = max(5, int(shape.annual * shape.repeat_share / 3))
        for moment in when:
            serial += 1
            links = []
            for role in shape.roles:
                repeat = rng.random() < shape.repeat_share
                person = f"P{slug[:3].upper()}{rng.integers(repeat_pool):05d}" if repeat else f"P{serial:07d}{role[0]}"
                links.append(("person", person, role))
            links.append(("location", str(rng.choice(locations)), "scene"))
            strands = _strands(rng, slug)
            area = _ward(rng)
            offence = _offence(rng, shape.offences, strands)
            yield NewOccurrence(
                DEMO_SOURCE, f"DEMO-{serial:07d}", moment, strands, area, offence.category, tuple(links), offence.code
            )
    yield from _frequent_contacts(rng, seed, days, tz, serial, locations)


def _strands(rng, slug: str) -> tuple[str, ...]:
    """The strands of one occurrence of `slug`: itself, any it overlaps with, and a hate crime's motivations."""
    strands = [slug] + [other for other, chance in OVERLAPS.get(slug, ()) if rng.random() < chance]
    if slug == "hate-crime":
        names, shares = zip(*MOTIVATIONS, strict=True)
        weights = np.array(shares) / sum(shares)
        count = 2 if rng.random() < SECOND_MOTIVATION else 1
        strands += [str(m) for m in rng.choice(names, size=count, replace=False, p=weights)]
    return tuple(strands)


def _offence(rng, offences: tuple[Offence, ...], strands: tuple[str, ...]) -> Offence:
    """One of a strand's kinds of occurrence, by their shares; a hate crime motivated by race or religion as
    the aggravated offence. One draw whatever the shares, so a seed's other data stays as it was."""
    ticket = int(rng.integers(sum(o.tickets for o in offences)))
    for offence in offences:
        if ticket < offence.tickets:
            break
        ticket -= offence.tickets
    if offence.code in AGGRAVATED and AGGRAVATING_MOTIVATIONS.intersection(strands):
        return crime(AGGRAVATED[offence.code])
    return offence


def _ward(rng) -> str:
    return str(WARDS[rng.choice(len(WARDS), p=WARD_WEIGHTS / WARD_WEIGHTS.sum())])


def _frequent_contacts(
    rng, seed: int, days: pd.DatetimeIndex, tz: ZoneInfo, serial: int, locations
) -> Iterator[NewOccurrence]:
    months = days.to_period("M").unique()
    weights = _hour_weights(False)
    for month in months:
        # A fresh pool each April, as people are helped off the list and others arrive.
        fy = month.year if month.month >= 4 else month.year - 1
        pool_rng = np.random.default_rng([seed, fy])
        rates = pool_rng.exponential(FREQUENT_CONTACT_MEAN_MONTHLY, FREQUENT_CONTACT_POOL)
        in_month = days[(days >= month.start_time) & (days <= month.end_time)]
        share = len(in_month) / month.days_in_month  # the first and last months may be partial
        for person, rate in enumerate(rates):
            count = rng.poisson(rate * share)
            if not count:
                continue
            for moment in _times(rng, rng.choice(in_month.to_numpy(), count), weights, tz):
                serial += 1
                yield NewOccurrence(
                    DEMO_SOURCE,
                    f"DEMO-{serial:07d}",
                    moment,
                    ("mental-health",),
                    _ward(rng),
                    "Concern for welfare",
                    (
                        ("person", f"PMHF{fy % 100:02d}{person:03d}", "subject"),
                        ("location", str(rng.choice(locations)), "scene"),
                    ),
                )


def _times(rng, day_values: np.ndarray, weights: np.ndarray, tz: ZoneInfo) -> list:
    """A local time for each day (hour by the weekday's weights), as aware UTC datetimes."""
    if len(day_values) == 0:
        return []
    local_days = pd.DatetimeIndex(day_values)
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    cumulative = probabilities.cumsum(axis=1)[local_days.day_of_week.to_numpy()]
    hours = np.minimum((cumulative < rng.random(len(local_days))[:, None]).sum(axis=1), 23)
    minutes = rng.integers(0, 60, len(local_days))
    local = local_days + pd.to_timedelta(hours, unit="h") + pd.to_timedelta(minutes, unit="m")
    # Clock changes: a time in the spring gap moves forward; an autumn repeat is read as the later hour.
    aware = local.tz_localize(tz, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="shift_forward")
    return list(aware.tz_convert("UTC").to_pydatetime())


def _zipf_pool(rng, prefix: str, size: int) -> np.ndarray:
    """References where a few recur very often: problem locations."""
    ranks = np.minimum(rng.zipf(1.6, size * 3), size)
    return np.array([f"{prefix}{rank:05d}" for rank in ranks])
