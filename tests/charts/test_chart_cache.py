"""The chart cache: a chart asked again is the one drawn for the same data, and nothing drawn before an
import or purge is ever shown after it. On SQLite and PostgreSQL; the Slack test goes through Bolt with
signed requests and sees the images reach the Slack stand-in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import LONDON, local, store
from sqlalchemy import text

from bot.alerts.records import CountingBreak
from bot.charts.cache import cached_chart
from bot.charts.request import ChartRequest
from bot.charts.service import ForecastWarmer
from bot.slack.testing import DispatchedApp
from bot.store.alerts import add_counting_break
from bot.store.catalogue import load_catalogue
from bot.store.retention import purge

AS_OF = date(2026, 11, 20)
SECRET = "c0ffee4b10e8888abcd99yyyzzz85a5"


def monthly_rows(slug: str, counts: dict[str, int], day: int = 10) -> list[tuple]:
    return [(slug, local(f"{month}-{day:02d}")) for month, n in counts.items() for _ in range(n)]


# Three years of hate crime, 20 to 31 a month: enough for every method, so the forecast is a real one.
THREE_YEARS = {f"{y}-{m:02d}": 20 + (m * 7 + y) % 12 for y in (2023, 2024, 2025, 2026) for m in range(1, 13)}
THREE_YEARS = {month: n for month, n in THREE_YEARS.items() if month <= "2026-10"}


def image_rows(database) -> int:
    with database.session() as session:
        return session.execute(text("SELECT count(*) FROM chart_cache WHERE kind = 'image'")).scalar()


@pytest.mark.parametrize("kind", ["trend", "forecast", "heatmap"])
def test_a_chart_asked_again_is_the_one_drawn_for_the_same_data(database, settings, kind):
    store(database, monthly_rows("hate-crime", THREE_YEARS))
    request = ChartRequest(kind, "Hate crime", None, AS_OF)
    first, drawn = cached_chart(database, settings, request)
    assert (drawn.strand, drawn.as_of, drawn.area) == ("hate-crime", AS_OF, None)
    # Occurrences removed behind the bot's back (no writer's lock, so no new data version): drawing again
    # would show none, so the same image coming back shows it came from the cache.
    with database.session() as session:
        session.execute(text("DELETE FROM daily_counts"))
        session.execute(text("DELETE FROM occurrence_strands"))
    again, _ = cached_chart(database, settings, ChartRequest(kind, "hate crime", None, AS_OF))
    assert again == first
    assert image_rows(database) == 1


def test_an_import_is_never_answered_with_a_chart_drawn_before_it(database, settings):
    store(database, monthly_rows("hate-crime", THREE_YEARS))
    request = ChartRequest("trend", "hate-crime", "12m", AS_OF)
    before, _ = cached_chart(database, settings, request)
    assert before.summary[0].startswith(f"Oct 2026: {THREE_YEARS['2026-10']} ")
    store(database, monthly_rows("hate-crime", {**THREE_YEARS, "2026-10": 60}))  # the same source, re-exported
    after, _ = cached_chart(database, settings, request)
    assert after.summary[0].startswith("Oct 2026: 60 ")
    assert after.png != before.png
    assert image_rows(database) == 1  # the chart of the data before the import is gone


def test_a_forecast_follows_the_months_it_is_fitted_to(database, settings):
    store(database, monthly_rows("hate-crime", THREE_YEARS))
    request = ChartRequest("forecast", "hate-crime", "years=1", AS_OF)
    before, _ = cached_chart(database, settings, request)
    store(database, monthly_rows("hate-crime", {**THREE_YEARS, **{f"2026-{m:02d}": 80 for m in range(4, 11)}}))
    after, _ = cached_chart(database, settings, request)
    trend_before, trend_after = (next(line for line in chart.summary if line.startswith("Current-year trend"))
                                 for chart in (before, after))  # fmt: skip
    assert trend_before != trend_after and "fitted to Apr 2026 – Oct 2026" in trend_after


def test_a_purge_of_whole_occurrences_is_never_answered_with_a_chart_drawn_before_it(database, settings):
    store(database, monthly_rows("hate-crime", {"2026-08": 3, "2026-09": 4, "2026-10": 5}, day=1))
    request = ChartRequest("heatmap", "hate-crime", "12m", AS_OF)
    before, _ = cached_chart(database, settings, request)
    assert before.summary[0] == "12 occurrences in 12 months to 20 Nov 2026"
    with database.session() as session:
        purge(session, datetime(2026, 10, 1, tzinfo=LONDON), True, LONDON)
    after, _ = cached_chart(database, settings, request)
    assert after.summary[0] == "5 occurrences in 12 months to 20 Nov 2026"


def test_a_counting_rule_change_recorded_after_a_chart_draws_it_anew(database, settings):
    store(database, monthly_rows("hate-crime", THREE_YEARS))
    request = ChartRequest("trend", "hate-crime", "24m", AS_OF)
    before, _ = cached_chart(database, settings, request)
    with database.session() as session:  # no data changes, so the data version stays as it was
        add_counting_break(
            session, CountingBreak("hate-crime", date(2025, 6, 1), "New rules", "U0ADMIN", datetime.now(UTC))
        )
    after, _ = cached_chart(database, settings, request)
    assert "Counting rules changed 1 Jun 2025: New rules" in after.summary
    assert not any("Counting rules" in line for line in before.summary)


def strands_in(database) -> int:
    with database.session() as session:
        return len(list(load_catalogue(session)))


def forecast_rows(database) -> int:
    with database.session() as session:
        return session.execute(text("SELECT count(*) FROM chart_cache WHERE kind = 'forecast'")).scalar()


def test_forecasts_warmed_after_an_import_are_the_ones_the_first_chart_uses(database, settings):
    store(database, monthly_rows("hate-crime", THREE_YEARS))
    warm = ForecastWarmer(settings)
    assert warm(database) == strands_in(database)  # every strand of the catalogue, as of yesterday
    fitted = forecast_rows(database)
    for kind, option in (("trend", "24m"), ("forecast", "3")):  # today's charts, as people ask for them
        cached_chart(database, settings, ChartRequest(kind, "hate-crime", option, None))
    assert forecast_rows(database) == fitted  # found, not fitted again
    assert warm(database) == 0  # the same data on the same day: nothing to do
    store(database, monthly_rows("hate-crime", {**THREE_YEARS, "2026-10": 60}))
    assert warm(database) == strands_in(database)


def test_renaming_a_strand_draws_its_chart_anew(database, settings):
    store(database, monthly_rows("hate-crime", {"2026-09": 3, "2026-10": 4}))
    request = ChartRequest("heatmap", "hate-crime", None, AS_OF)
    cached_chart(database, settings, request)
    with database.session() as session:
        session.execute(text("UPDATE strands SET name = 'Hate crime and incidents' WHERE slug = 'hate-crime'"))
    renamed, _ = cached_chart(database, settings, request)
    assert renamed.title.startswith("Hate crime and incidents: ")


def test_in_slack_a_chart_asked_after_an_import_shows_the_new_figures(database_url, database, slack):
    store(database, monthly_rows("hate-crime", THREE_YEARS))
    server = DispatchedApp(database_url.render_as_string(hide_password=False), slack, SECRET)
    try:

        def uploaded() -> str:
            before = len(slack.uploads())
            status, _ = server.command(slack, "hate crime trend 12m 2026-11-20", "U0CACHE01")  # waits for the answer
            assert status == 200
            return slack.wait_for_upload("hate-crime-trend-12m-2026-11-20.png", since=before).comment

        first = uploaded()
        assert f"• Oct 2026: {THREE_YEARS['2026-10']} " in first
        assert uploaded() == first  # asked again: the same chart
        store(database, monthly_rows("hate-crime", {**THREE_YEARS, "2026-10": 60}))
        assert "• Oct 2026: 60 " in uploaded()
    finally:
        server.stop()
