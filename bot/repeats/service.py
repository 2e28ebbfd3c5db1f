"""Repeat contact: the people and places that keep coming back (docs/domain.md, "Repeat contact").

A reference (a pseudonymous person or location ID) is on a strand's list for a period when it is linked
to at least `min` distinct occurrences of the strand (or its sub-strands) in that period. Lists are
personal data: only analysts, supervisors and admins see them, only with a stated reason, and every
list shown or refused is written to the audit log in the same transaction as the query.

A list is ranked by occurrences (`rank=count`) or by the harm each reference contributed (`rank=harm`: the
weights of its occurrences' offence codes, summed), and may be cut to its first `top`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from bot.admin.access import LIST_READERS, authorise
from bot.audit.log import Actor, record
from bot.domain import clock
from bot.domain.catalogue import Catalogue, CatalogueEntry, named_area
from bot.domain.harm import HARM_DECIMALS, Unweighted, WeightSet, weigh
from bot.domain.measures import MEASURES, Measure
from bot.domain.periods import PERIOD_EXAMPLES, Period, Window, calendar_months, iso_date, repeat_period
from bot.domain.stats import Comparison, compare
from bot.errors import AmbiguousStrand, InvalidRequest, NoHarmWeights, UnknownStrand
from bot.imports.mapping import PERSON_ROLES
from bot.repeats.request import RepeatRequest
from bot.repeats.rules import RepeatRule, checked_min, checked_top, rule_for
from bot.settings import Settings
from bot.store.access import stored_repeat_rules
from bot.store.audit import audit_entry
from bot.store.catalogue import load_areas, load_catalogue
from bot.store.counts import window_code_counts
from bot.store.db import Database, Session
from bot.store.harm import current_weight_set_id, weight_set
from bot.store.repeats import RepeatScope, harm_ranking, other_strands, repeat_rows, repeat_totals

REASON_LENGTH = (8, 500)
TREND_MONTHS = 24
# A strand, a period, a few options and a reason of a sentence or two; anything longer is a paste gone wrong.
MAX_REPEATS_COMMAND_LENGTH = 1000
REFERENCE_KINDS = ("person", "location")


@dataclass(frozen=True)
class RepeatQuery:
    """A checked request: everything needed to run it again and get the same list."""

    strand: str
    strand_name: str
    strands: tuple[str, ...]  # the strand and its sub-strands
    period: Period
    min_occurrences: int
    by: str
    role: str | None
    area: CatalogueEntry | None = None  # None: the whole force
    areas: tuple[str, ...] | None = None  # the area and its sub-areas: the only places counted
    rank: Measure = "count"  # the most occurrences first, or the most harm
    top: int | None = None  # only the first N; None: everyone meeting the rule
    weight_set: int | None = None  # with rank=harm, the id of the weights it is weighed with

    def scope(self, window: Window, settings: Settings) -> RepeatScope:
        start, end = window.utc_bounds(settings.timezone)
        return RepeatScope(self.strands, start, end, self.by, self.role, self.min_occurrences, self.areas)

    def parameters(self) -> dict:
        """The query as recorded in the audit log (and read back by the next-page button)."""
        period = self.period
        return {
            "strand": self.strand,
            "strands": list(self.strands),
            "period": period.text,
            "label": period.label,
            "previous_label": period.previous_label,
            "start": period.window.start.isoformat(),
            "end": period.window.end.isoformat(),
            "previous_start": period.previous.start.isoformat(),
            "previous_end": period.previous.end.isoformat(),
            "complete": period.complete,
            "min": self.min_occurrences,
            "by": self.by,
            "role": self.role,
            # Which place was asked about, for the data-protection officer; and every area counted, so a
            # later page counts the same places even if the catalogue has changed since.
            "area": None if self.area is None else self.area.slug,
            "areas": None if self.areas is None else list(self.areas),
            "rank": self.rank,
            "top": self.top,
            # The set as it was when the list was first shown: a later page weighs with it again.
            "weight_set": self.weight_set,
        }

    @classmethod
    def from_parameters(cls, parameters: dict, strand_name: str, area: CatalogueEntry | None) -> RepeatQuery:
        day = date.fromisoformat
        period = Period(
            parameters["period"],
            parameters["label"],
            Window(day(parameters["start"]), day(parameters["end"])),
            Window(day(parameters["previous_start"]), day(parameters["previous_end"])),
            parameters["previous_label"],
            parameters["complete"],
        )
        return cls(
            parameters["strand"],
            strand_name,
            tuple(parameters["strands"]),
            period,
            parameters["min"],
            parameters["by"],
            parameters["role"],
            area,
            None if parameters.get("areas") is None else tuple(parameters["areas"]),  # lists before areas had none
            parameters.get("rank", "count"),  # and lists before harm had no rank
            parameters.get("top"),
            parameters.get("weight_set"),
        )


@dataclass(frozen=True)
class RepeatEntry:
    ref: str
    occurrences: int
    first: date  # local dates, within the period
    last: date
    other_strands: tuple[str, ...]  # other strands the reference appears in during the period (any role)
    harm: float | None = None  # in a list ranked by harm: the weights of its occurrences, summed


@dataclass(frozen=True)
class ListHarm:
    """What a list ranked by harm stands on: the weights, the harm its references account for between them
    (each occurrence once, however many of them it links), the strand's harm in the same period and place
    (the sum over all its distinct occurrences), and their occurrences that no weight covers."""

    weights: WeightSet
    listed: float
    strand: float
    unweighted: Unweighted

    @property
    def share(self) -> float | None:
        """The part of the strand's harm the list accounts for; None if the strand's occurrences weigh nothing."""
        return self.listed / self.strand if self.strand else None

    def share_of(self, harm: float) -> float | None:
        return harm / self.strand if self.strand else None


@dataclass(frozen=True)
class RepeatList:
    """Who meets the rule, one page of them in detail, and how the count moved against the previous period.

    `people` counts references of either kind (people or places, as `query.by` says); `listed` is how many
    of them the list holds (the first `query.top`, or all)."""

    query: RepeatQuery
    people: int
    occurrences: int
    change: Comparison  # people on the list now against the previous period
    page: int
    pages: int
    entries: tuple[RepeatEntry, ...]  # this page's
    first_rank: int  # the position of entries[0] in the whole list, from 1
    list_id: int  # the audit row of the list as first shown; every page refers to it
    listed: int
    harm: ListHarm | None = None  # ranked by harm

    @property
    def mean_occurrences(self) -> float | None:
        return self.occurrences / self.people if self.people else None


@dataclass(frozen=True)
class TrendMonth:
    month: date  # its first day
    people: int
    occurrences: int

    @property
    def mean_occurrences(self) -> float | None:
        return self.occurrences / self.people if self.people else None


@dataclass(frozen=True)
class RepeatTrend:
    query: RepeatQuery  # its period is the last month of the trend
    months: tuple[TrendMonth, ...]

    def typical_range(self, last_months: int = 12) -> tuple[int, int]:
        """The middle half of the monthly counts over the last months (quartiles, rounded): "14 to 16 a month"."""
        counts = [m.people for m in self.months[-last_months:]]
        low, high = np.percentile(counts, [25, 75])
        return round(low), round(high)

    def mean_occurrences(self, last_months: int = 12) -> float | None:
        """Occurrences per person on the list, over the last months together."""
        recent = self.months[-last_months:]
        people = sum(m.people for m in recent)
        return sum(m.occurrences for m in recent) / people if people else None


def repeat_list(
    database: Database, settings: Settings, request: RepeatRequest, actor: Actor, page_size: int | None = None
) -> RepeatList:
    """The first page of a strand's list (all of it when `page_size` is None), recorded in the audit log.

    Refused (and recorded) unless the actor may read lists; nothing is shown without a reason."""
    authorise(database, settings, actor, LIST_READERS, "repeats.list", request.command)
    with database.session() as session:
        catalogue = load_catalogue(session)
        query = checked_query(session, catalogue, settings, request)
        reason = checked_reason(request.reason)
        return _listed(session, settings, query, actor, request.command, reason, 1, page_size)


def repeat_list_page(
    database: Database, settings: Settings, list_id: int, page: int, actor: Actor, page_size: int
) -> RepeatList:
    """Another page of a list shown earlier (recorded in audit row `list_id`), for the same person only."""
    command = f"(page {page} of the list in audit row {list_id})"
    authorise(database, settings, actor, LIST_READERS, "repeats.page", command)
    with database.session() as session:
        shown = audit_entry(session, list_id)
        if shown is None or shown.actor != actor.user or shown.action != "repeats.list" or not shown.parameters:
            raise InvalidRequest("That list has expired; ask for it again with `/repeats`.")
        parameters = json.loads(shown.parameters)
        catalogue = load_catalogue(session)
        area = None if parameters.get("area") is None else load_areas(session).get(parameters["area"])
        query = RepeatQuery.from_parameters(parameters, catalogue.get(parameters["strand"]).name, area)
        return _listed(session, settings, query, actor, shown.command, shown.reason, page, page_size, list_id)


def repeat_trend(database: Database, settings: Settings, request: RepeatRequest, actor: Actor) -> RepeatTrend:
    """People (or places) on the list each calendar month for the last 24 complete months.

    Counts only, no references: a reason is recorded if given but not required."""
    authorise(database, settings, actor, LIST_READERS, "repeats.trend", request.command)
    if request.period and request.period != "last-month":
        raise InvalidRequest("A trend is always the last 24 complete months; leave the period out.")
    if request.rank is not None or request.top is not None:
        raise InvalidRequest(
            "A trend counts the people on each month's list; rank= and top= order and cut one list, so leave them out."
        )
    with database.session() as session:
        catalogue = load_catalogue(session)
        query = checked_query(session, catalogue, settings, replace(request, period="last-month"))
        reason = checked_reason(request.reason) if request.reason else None
        months = calendar_months(query.period.window.start, TREND_MONTHS)
        totals = repeat_totals(session, {month.start.isoformat(): query.scope(month, settings) for month in months})
        trend = tuple(TrendMonth(m.start, *totals[m.start.isoformat()]) for m in months)
        record(
            session,
            actor,
            "repeats.trend",
            "shown",
            request.command,
            {**query.parameters(), "months": TREND_MONTHS},
            reason,
        )
    return RepeatTrend(query, trend)


def checked_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    low, high = REASON_LENGTH
    if not reason:
        raise InvalidRequest(
            "Repeat-contact lists are personal data, so each one needs a reason on record: say what the list is "
            'for, e.g. reason:"MARAC preparation, 14 Nov" in Slack, or --reason at the command line. '
            "Nothing has been shown."
        )
    if len(reason) < low:
        raise InvalidRequest(
            f"“{reason}” is too short to justify seeing personal data (at least {low} characters); say what the "
            "list is for, "
            "e.g. MARAC preparation, 14 Nov."
        )
    if len(reason) > high:
        raise InvalidRequest(
            f"That reason is {len(reason):,} characters; keep it to {high} (a sentence or two), e.g. "
            "MARAC preparation, 14 Nov."
        )
    return reason


def stored_rules(session: Session) -> dict[str, RepeatRule]:
    return {
        scope: RepeatRule(row.min_occurrences, row.period, scope, row.changed_by)
        for scope, row in stored_repeat_rules(session).items()
    }


def checked_query(session: Session, catalogue: Catalogue, settings: Settings, request: RepeatRequest) -> RepeatQuery:
    # The reason has its own limit (checked_reason), with its own message.
    length = len(request.command) - len(request.reason or "")
    if length > MAX_REPEATS_COMMAND_LENGTH:
        raise InvalidRequest(
            f"That is {length:,} characters besides the reason; a list request is a strand, a period and a few "
            "options. See `/repeats help`."
        )
    if request.unknown:
        raise InvalidRequest(
            f"“{request.unknown[0]}” is not an option; the options are min=, by=, role=, area=, rank=, top= and "
            'reason:"…". '
            "See `/repeats help`."
        )
    if not request.strand:
        raise InvalidRequest("Which strand? e.g. `/repeats mental-health`; `/strand list` shows them all.")
    strand = _strand(catalogue, request.strand)
    rule = rule_for(strand.slug, catalogue, stored_rules(session))
    by = ("person" if request.by is None else request.by).lower()
    if by not in REFERENCE_KINDS:
        raise InvalidRequest(f"by={request.by} is not known; use by=person or by=location.")
    role = None if request.role is None or request.role.lower() == "any" else request.role.lower()
    if role is not None:
        if by == "location":
            raise InvalidRequest("role= applies to people; places have no role. Leave it out with by=location.")
        if role not in PERSON_ROLES:
            raise InvalidRequest(
                f"role={request.role} is not known; use one of {', '.join(PERSON_ROLES)}, or role=any."
            )
    area, areas = named_area(load_areas(session), request.area)
    rank = "count" if request.rank is None else request.rank.lower()
    if rank not in MEASURES:
        raise InvalidRequest(
            f"rank={request.rank} is not known; use rank=count (the most occurrences first) or rank=harm (the most "
            "harm first)."
        )
    set_in_use = None
    if rank == "harm":
        set_in_use = current_weight_set_id(session)
        if set_in_use is None:
            raise NoHarmWeights()
    today = clock.today(settings.timezone)
    return RepeatQuery(
        strand=strand.slug,
        strand_name=strand.name,
        strands=tuple(catalogue.descendants(strand.slug)),
        period=repeat_period(
            request.period or rule.period, today, None if request.as_of is None else iso_date(request.as_of)
        ),
        min_occurrences=checked_min(
            rule.min_occurrences if request.min_occurrences is None else request.min_occurrences
        ),
        by=by,
        role=role,
        area=area,
        areas=areas,
        rank=rank,
        top=None if request.top is None else checked_top(request.top),
        weight_set=set_in_use,
    )


def _strand(catalogue: Catalogue, text: str):
    """The strand named, or a message about the words after a strand's name that mean nothing here."""
    try:
        return catalogue.resolve(text)
    except (UnknownStrand, AmbiguousStrand):
        words = text.split()
        for cut in range(len(words) - 1, 0, -1):
            try:
                found = catalogue.resolve(" ".join(words[:cut]))
            except (UnknownStrand, AmbiguousStrand):
                continue
            raise InvalidRequest(
                f"`{found.slug}` is a strand, but “{' '.join(words[cut:])}” is not a period or option strandbot "
                f"knows: give one period, {PERIOD_EXAMPLES}, and options as min=3, by=location, role=victim, "
                "area=north, rank=harm, top=20."
            ) from None
        raise


def _listed(
    session: Session,
    settings: Settings,
    query: RepeatQuery,
    actor: Actor,
    command: str,
    reason: str | None,
    page: int,
    page_size: int | None,
    list_id: int | None = None,
) -> RepeatList:
    """Run the query, record what is shown (a first page, or page `page` of list `list_id`), return it."""
    scope, before = query.scope(query.period.window, settings), query.scope(query.period.previous, settings)
    weights, harm = None, None
    if query.rank == "harm":
        weights = None if query.weight_set is None else weight_set(session, query.weight_set)
        if weights is None:
            raise InvalidRequest("That list's harm weights are no longer on record; ask for it again with `/repeats`.")
        ranking = harm_ranking(session, scope, before, query.weight_set, query.top)
        rows, people, occurrences = ranking.rows, ranking.references, ranking.occurrences
        previous = ranking.previous_references
        harm = _list_harm(session, settings, query, ranking.codes, weights)
    else:
        everyone = repeat_rows(session, scope)
        rows, people, occurrences = everyone[: query.top], len(everyone), sum(r.occurrences for r in everyone)
        previous = repeat_totals(session, {"previous": before})["previous"][0]
    pages = max(1, -(-len(rows) // page_size)) if page_size else 1
    page = min(max(page, 1), pages)
    first = (page - 1) * page_size if page_size else 0
    shown = rows[first : first + page_size] if page_size else rows
    others = other_strands(session, [r.ref for r in shown], scope)
    tz = settings.timezone
    entries = tuple(
        RepeatEntry(
            r.ref,
            r.occurrences,
            r.first.astimezone(tz).date(),
            r.last.astimezone(tz).date(),
            tuple(others.get(r.ref, ())),
            r.harm,
        )
        for r in shown
    )
    parameters = {**query.parameters(), "page": page, "people": people}
    if weights is not None:
        parameters["weights"] = weights.name
    if list_id is not None:
        parameters["list"] = list_id
    action = "repeats.list" if list_id is None else "repeats.page"
    disclosed = [(query.by, e.ref) for e in entries]  # who was seen, in the same transaction: no row, no list
    entry = record(session, actor, action, "shown", command, parameters, reason, len(entries), disclosed)
    return RepeatList(
        query,
        people,
        occurrences,
        compare(people, previous),
        page,
        pages,
        entries,
        first + 1,
        list_id or entry.id,
        len(rows),
        harm,
    )


def _list_harm(
    session: Session, settings: Settings, query: RepeatQuery, codes: dict[str, int], weights: WeightSet
) -> ListHarm:
    """The harm of the listed references' occurrences (`codes`: each occurrence once, by offence code) against
    the strand's in the same period and place, weighed as the dashboard weighs it."""
    listed = sum(n * weights.weights[code] for code, n in codes.items() if code in weights.weights)
    by_code = window_code_counts(
        session, {"period": query.period.window}, settings.timezone, [query.strand], query.areas
    )
    strand = weigh(by_code, weights, ["period"]).harm
    strand_harm = float(strand.at[query.strand, "period"]) if query.strand in strand.index else 0.0
    return ListHarm(weights, round(listed, HARM_DECIMALS), strand_harm, Unweighted.of(codes, weights))
