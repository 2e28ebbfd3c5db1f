"""Charts drawn once per version of the data: the same strand, area, kind, option, as-of date and data give
the same image, so it is kept in the database (`bot.store.chart_cache`) and every worker and replica hands it
out again in milliseconds. Forecasts are cached on their own, by the months they are fitted to
(`bot.charts.service.forecasts`), so a trend and a forecast of one strand share one back-test.

A chart's key holds everything that decides what it shows: the kind and its option, the as-of date, the
strand and area as the catalogue names them now (a rename draws anew), the time zone and financial year,
the charts' code and matplotlib's version, and the data's version. Every import, purge or recount counts a
new data version in the same transaction as its changes, so no chart drawn before one is shown after it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from bot.charts.draw import Chart, render_chart
from bot.charts.request import ChartRequest
from bot.charts.service import VIEWS, ChartAsked, ChartStrand, chart_strand, checked
from bot.settings import Settings
from bot.store import chart_cache
from bot.store.db import Database

# The code that decides what a chart shows: a change to any of it draws every chart anew.
_CODE_FILES = ("draw.py", "forecast.py", "kinds.py", "service.py")
_CODE_DIGEST = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes() for name in _CODE_FILES)).hexdigest()


def cached_chart(database: Database, settings: Settings, request: ChartRequest) -> tuple[Chart, ChartRequest]:
    """The chart `request` asks for, and the request as drawn (the strand's and area's slugs and the as-of date
    filled in): from the cache if this version of the data has drawn it, else drawn and kept.

    Raises UnknownStrand, UnknownArea, InvalidRequest… with the user's fix in the message."""
    asked = checked(settings, request)
    with database.session() as session:
        # The version first: data read after it is as new or newer, so an entry is never older than its key.
        version = chart_cache.data_version(session)
        strand = chart_strand(session, request.strand, request.area)
        key = _key(settings, asked, strand, version)
        found = chart_cache.cached(session, key)
    drawn_as = dataclasses.replace(
        request, strand=strand.slug, as_of=asked.as_of, area=None if strand.area is None else strand.area.slug
    )
    if found is not None:
        body, png = found
        words = json.loads(body)
        chart = Chart(words["filename"], words["title"], png or b"", words["alt_text"], tuple(words["summary"]))
        return chart, drawn_as
    chart = render_chart(VIEWS[asked.kind](database, settings, strand, asked.option, asked.as_of))
    words = {"filename": chart.filename, "title": chart.title, "alt_text": chart.alt_text, "summary": chart.summary}
    with database.session() as session:
        chart_cache.keep(session, key, "image", json.dumps(words), chart.png, version)
    return chart, drawn_as


def _key(settings: Settings, asked: ChartAsked, strand: ChartStrand, version: int) -> str:
    import matplotlib

    stated = [
        _CODE_DIGEST,
        matplotlib.__version__,
        asked.kind,
        repr(asked.option),
        asked.as_of.isoformat(),
        repr(strand),
        settings.timezone.key,
        settings.fy_start_month,
        version,
    ]
    return "image:" + hashlib.sha256(json.dumps(stated).encode()).hexdigest()[:58]
