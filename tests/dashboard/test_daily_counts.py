"""The daily counts summary: the dashboard's numbers stay exact however the occurrences change."""

import json
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import LONDON, local, settings_for, store, utc
from sqlalchemy import delete, select, update

from bot.dashboard.service import strand_report
from bot.domain.periods import Window
from bot.store.counts import daily_counts_zone, window_counts
from bot.store.models import DailyCount, DailyCountsZone, MonthlyCount, Strand

HEADER = "occurrence_id,occurred_at,strand,category,person_ref,person_role,location_ref"


def csv_file(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def counts(database, windows: dict[str, Window], tz: ZoneInfo = LONDON) -> dict:
    with database.session() as session:
        return window_counts(session, windows, tz).to_dict(orient="index")


def fytd(run, strand: str, as_of: str, **env) -> tuple[int, int]:
    """(current, previous) financial year to date, as `strandbot stats --format json` reports them."""
    result = run("stats", strand, "--as-of", as_of, "--format", "json", **env)
    figures = json.loads(result.output)["strands"][0]["fytd"]
    return figures["current"], figures["previous"]


def summary(database) -> dict[tuple[str, str], int]:
    """The daily counts as stored: {(strand slug, local day): occurrences}; checking on the way that the
    monthly counts are their sums, month by month."""
    with database.session() as session:
        rows = session.execute(select(Strand.slug, DailyCount.day, DailyCount.occurrences).join(Strand)).all()
        months = session.execute(select(Strand.slug, MonthlyCount.month, MonthlyCount.occurrences).join(Strand)).all()
    daily = {(slug, day.isoformat()): n for slug, day, n in rows}
    summed: Counter = Counter()
    for (slug, day), n in daily.items():
        summed[slug, day[:7]] += n
    assert {(slug, month.isoformat()[:7]): n for slug, month, n in months} == summed
    return daily


def forget_summary(database) -> None:
    with database.session() as session:
        session.execute(delete(DailyCount))
        session.execute(update(DailyCountsZone).values(time_zone=""))


def test_days_are_local_days_across_the_clock_changes(database):
    store(
        database,
        [
            ("hate-crime", utc("2026-03-28T23:59")),  # 23:59 GMT, Saturday 28 March
            ("hate-crime", utc("2026-03-29T00:30")),  # 00:30 GMT on the night the clocks go forward
            ("hate-crime", utc("2026-03-29T23:30")),  # 00:30 BST on Monday 30 March
            ("hate-crime", utc("2025-10-25T23:30")),  # 00:30 BST on Sunday 26 October
            ("domestic-abuse", local("2026-03-29", "12:00")),
        ],
    )
    windows = {
        "sat": Window(date(2026, 3, 28), date(2026, 3, 28)),
        "sun": Window(date(2026, 3, 29), date(2026, 3, 29)),
        "mon": Window(date(2026, 3, 30), date(2026, 3, 30)),
        "autumn": Window(date(2025, 10, 26), date(2025, 10, 26)),
    }
    assert counts(database, windows) == {
        "domestic-abuse": {"sat": 0, "sun": 1, "mon": 0, "autumn": 0},
        "hate-crime": {"sat": 1, "sun": 1, "mon": 1, "autumn": 1},
    }


def test_the_summary_and_the_occurrences_agree_on_summer_days(database):
    # 00:00 and 23:59 BST are 23:00 and 22:59 UTC the day before: UTC days would file both under June.
    store(database, [("mental-health", local("2026-07-01", "00:00")), ("mental-health", local("2026-06-30", "23:59"))])
    windows = {"june": Window(date(2026, 6, 1), date(2026, 6, 30)), "july": Window(date(2026, 7, 1), date(2026, 7, 31))}
    summed = counts(database, windows)
    assert summary(database) == {("mental-health", "2026-06-30"): 1, ("mental-health", "2026-07-01"): 1}
    forget_summary(database)
    assert counts(database, windows) == summed == {"mental-health": {"june": 1, "july": 1}}


def test_the_dashboard_reads_whole_months_from_the_monthly_summary_and_other_days_from_the_daily(database, settings):
    store(database, [("hate-crime", local("2026-04-10")), ("hate-crime", local("2026-05-01"))])
    with database.session() as session:
        session.execute(update(DailyCount).values(occurrences=7))
        session.execute(update(MonthlyCount).values(occurrences=100))
    # Financial year to date on 15 May: the whole of April, then 1 to 15 May.
    assert strand_report(database, settings, "hate-crime", date(2026, 5, 15)).strand.fytd.current == 100 + 7


def test_a_corrected_time_moves_the_count_to_its_new_day(run, database, tmp_path):
    run(
        "import",
        str(csv_file(tmp_path / "a.csv", "H1,2026-06-01 10:00,hate-crime,,,,", "H2,2026-05-01,hate-crime,,,,")),
    )
    assert fytd(run, "hate-crime", "2026-06-30") == (2, 0)
    run("import", str(csv_file(tmp_path / "b.csv", "H1,2025-06-01 10:00,hate-crime,,,,")))
    assert fytd(run, "hate-crime", "2026-06-30") == (1, 1)
    assert summary(database) == {("hate-crime", "2025-06-01"): 1, ("hate-crime", "2026-05-01"): 1}


def test_a_correction_near_summer_midnight_recounts_only_the_days_it_touches(run, database, tmp_path):
    run("import", str(csv_file(tmp_path / "a.csv", "A,2026-06-01 00:30,DA,,,,", "B,2026-06-03 12:00,DA,,,,")))
    run("import", str(csv_file(tmp_path / "b.csv", "A,2026-06-02 00:30,DA,,,,")))
    assert summary(database) == {("domestic-abuse", "2026-06-02"): 1, ("domestic-abuse", "2026-06-03"): 1}


def test_a_dry_run_leaves_the_counts_as_they_were(run, database, tmp_path):
    run("import", str(csv_file(tmp_path / "a.csv", "A,2026-06-01,DA,,,,")))
    run("import", str(csv_file(tmp_path / "b.csv", "A,2025-06-01,DA,,,,", "B,2026-06-02,DA,,,,")), "--dry-run")
    assert summary(database) == {("domestic-abuse", "2026-06-01"): 1}


def test_a_corrected_strand_moves_the_count_to_its_new_strand(run, database, tmp_path):
    run("import", str(csv_file(tmp_path / "a.csv", "X1,2026-06-01,hate-crime,,,,")))
    run("import", str(csv_file(tmp_path / "b.csv", "X1,2026-06-01,stalking,,,,")))
    assert fytd(run, "hate-crime", "2026-06-30") == (0, 0)
    assert fytd(run, "stalking-harassment", "2026-06-30") == (1, 0)
    assert summary(database) == {("stalking-harassment", "2026-06-01"): 1}


def test_purged_occurrences_leave_the_counts(run, database, tmp_path):
    run(
        "import",
        str(csv_file(tmp_path / "a.csv", "O1,2019-05-02,DA,,,,", "O2,2019-12-31 23:30,DA,,,,", "N1,2020-01-01,DA,,,,")),
    )
    run("purge", "--before", "2020-01-01", "--occurrences", "--yes", "--i-understand")  # 2 of 3
    result = json.loads(run("stats", "domestic-abuse", "--as-of", "2020-03-31", "--format", "json").output)
    assert result["strands"][0]["fytd"]["current"] == 1
    assert summary(database) == {("domestic-abuse", "2020-01-01"): 1}


def test_db_upgrade_builds_a_missing_summary_once(run, database):
    store(database, [("rape", local("2026-05-01"))])
    forget_summary(database)
    first = run("db", "upgrade")
    assert "Counted occurrences per strand and day (Europe/London)" in first.output
    assert summary(database) == {("rape", "2026-05-01"): 1, ("sexual-offences", "2026-05-01"): 1}
    assert "Counted" not in run("db", "upgrade").output
    with database.session() as session:
        session.execute(update(DailyCount).values(occurrences=7))
    assert "Counted" in run("db", "upgrade", "--recount").output
    assert summary(database) == {("rape", "2026-05-01"): 1, ("sexual-offences", "2026-05-01"): 1}
    assert fytd(run, "rape", "2026-06-30") == (1, 0)


def test_another_time_zone_counts_its_own_days_before_and_after_the_summary_is_rebuilt(run, database, database_url):
    # 03:30 UTC on 1 April is 1 April in London but 31 March, last financial year, in Toronto.
    store(database, [("hate-crime", utc("2026-04-01T03:30"))])
    toronto = {"STRANDBOT_TIMEZONE": "America/Toronto"}
    assert fytd(run, "hate-crime", "2026-04-30") == (1, 0)
    assert fytd(run, "hate-crime", "2026-04-30", **toronto) == (0, 0)
    assert "Counted occurrences per strand and day (America/Toronto)" in run("db", "upgrade", **toronto).output
    with database.session() as session:
        assert daily_counts_zone(session) == "America/Toronto"
    assert fytd(run, "hate-crime", "2026-04-30", **toronto) == (0, 0)
    assert fytd(run, "hate-crime", "2026-03-31", **toronto) == (1, 0)
    # London now counts from the occurrences, and still gets its own answer.
    report = strand_report(database, settings_for(database_url), "hate crime", date(2026, 4, 30))
    assert report.strand.fytd.current == 1
