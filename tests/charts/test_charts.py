"""The chart service over a real database (SQLite and PostgreSQL), the images it draws, and
`strandbot chart`: monthly series, day-and-hour counts in local time, and strands with nothing to draw."""

from __future__ import annotations

import io
from datetime import date, datetime

import numpy as np
import pytest
from conftest import LONDON, local, store
from PIL import Image
from sqlalchemy import text

from bot.catalogues import update_catalogue
from bot.charts.draw import render_chart
from bot.charts.request import ChartRequest
from bot.charts.service import HeatmapView, TrendView, chart_view
from bot.domain.catalogue import AREAS, CatalogueEntry
from bot.errors import InvalidRequest, UnknownArea, UnknownStrand

AS_OF = date(2026, 11, 20)


def monthly_rows(slug: str, counts: dict[str, int], day: int = 10) -> list[tuple]:
    return [(slug, local(f"{month}-{day:02d}")) for month, n in counts.items() for _ in range(n)]


def test_trend_counts_complete_local_months_with_sub_strands_and_a_year_earlier(database, settings):
    store(
        database,
        monthly_rows("rape", {"2025-09": 3, "2026-09": 4, "2026-10": 5})
        + monthly_rows("other-sexual-offences", {"2026-10": 2})
        # 23:30 on 31 October in London is 31 October locally; the 30 November is the month in progress.
        + [("sexual-offences", local("2026-10-31", "23:30")), ("rape", local("2026-11-15"))]
        + [("hate-crime", local("2024-01-02"))],  # the data begin in January 2024
    )
    view = chart_view(database, settings, ChartRequest("trend", "rasso", "24m", AS_OF))
    assert isinstance(view, TrendView)
    assert view.strand.sub_strands == ("Rape", "Other sexual offences")
    assert (str(view.months.index[0]), str(view.months.index[-1])) == ("2024-11", "2026-10")
    assert view.months.iloc[-1] == 5 + 2 + 1
    assert view.months["2026-09"] == 4
    assert view.year_earlier["2026-09"] == 3
    assert view.months.sum() == 3 + 4 + 8
    # Before the first complete month of data the counts are unknown, not zero.
    assert np.isnan(view.year_earlier["2024-11"]) and np.isnan(view.year_earlier["2025-01"])
    assert view.year_earlier["2025-02"] == 0


def test_heatmap_counts_by_local_day_and_hour(database, settings):
    store(
        database,
        [
            ("rape", datetime(2026, 7, 2, 19, 30, tzinfo=LONDON)),  # Thursday 19:30 BST
            ("rape", datetime(2026, 7, 2, 19, 59, tzinfo=LONDON)),
            ("other-sexual-offences", datetime(2026, 1, 4, 2, 15, tzinfo=LONDON)),  # Sunday 02:15 GMT
            ("rape", datetime(2026, 7, 5, 0, 30, tzinfo=LONDON)),  # Sunday 00:30 BST is Saturday 23:30 UTC
            ("hate-crime", datetime(2026, 7, 2, 19, 30, tzinfo=LONDON)),  # another strand
            ("rape", datetime(2025, 11, 20, 12, 0, tzinfo=LONDON)),  # the day before the 12 months
        ],
    )
    view = chart_view(database, settings, ChartRequest("heatmap", "sexual offences", None, AS_OF))
    assert isinstance(view, HeatmapView)
    assert view.period.label == "12 months to 20 Nov 2026"
    assert view.counts.loc["Thursday", 19] == 2
    assert view.counts.loc["Sunday", 2] == 1
    assert view.counts.loc["Sunday", 0] == 1
    assert view.counts.to_numpy().sum() == 4


def test_heatmap_takes_a_month(database, settings):
    store(database, [("rape", local("2025-10-09", "21:10")), ("rape", local("2025-11-01", "21:10"))])
    view = chart_view(database, settings, ChartRequest("heatmap", "rape", "2025-10", AS_OF))
    assert view.period.label == "October 2025"
    assert view.counts.loc["Thursday", 21] == 1
    assert view.counts.to_numpy().sum() == 1


def test_the_summary_and_the_occurrences_give_the_same_months(database, settings):
    store(
        database,
        # From 1 August, so August is a complete month of data; 23:59 on 31 October is still October.
        monthly_rows("hate-crime", {"2026-08": 3, "2026-09": 1}, day=1)
        + [("hate-crime", local("2026-10-31", "23:59"))],
    )
    with_summary = chart_view(database, settings, ChartRequest("trend", "hate-crime", "12m", AS_OF)).months
    with database.session() as session:  # as if the summary were for another zone: counted the slow way
        session.execute(text("UPDATE daily_counts_zone SET time_zone = 'UTC'"))
    counted = chart_view(database, settings, ChartRequest("trend", "hate-crime", "12m", AS_OF)).months
    assert with_summary.equals(counted)
    assert with_summary.iloc[-3:].tolist() == [3, 1, 1]


@pytest.mark.parametrize(
    ("request_", "error", "words"),
    [
        (ChartRequest("trend", "hate-crime", "7q", AS_OF), InvalidRequest, "give months or years from 12m to 10y"),
        (ChartRequest("trend", "hate-crime", "11m", AS_OF), InvalidRequest, "e.g. `24m`, `36m` or `5y`"),
        (ChartRequest("forecast", "hate-crime", "years=9", AS_OF), InvalidRequest, "N from 1 to 5"),
        (ChartRequest("heatmap", "hate-crime", "fortnight", AS_OF), InvalidRequest, "is not a period"),
        (ChartRequest("heatmap", "hate-crime", "2027-01", AS_OF), InvalidRequest, "is in the future"),
        (ChartRequest("trend", "hat crim", None, date(2099, 1, 1)), InvalidRequest, "is in the future"),
        (ChartRequest("forecast", "hate crme", None, AS_OF), UnknownStrand, "Did you mean `hate-crime`?"),
    ],
)
def test_bad_chart_requests_say_how_to_fix_them(database, settings, request_, error, words):
    with pytest.raises(error, match=None) as raised:
        chart_view(database, settings, request_)
    assert words in str(raised.value)


SECTORS = [
    CatalogueEntry("north", "North Sector", None, ("N",)),
    CatalogueEntry("north-1", "North Ward 1", "north", ("N01",)),
    CatalogueEntry("north-2", "North Ward 2", "north", ("N02",)),
    CatalogueEntry("south", "South Sector", None, ("S",)),
]


def test_a_chart_of_an_area_counts_that_area_and_the_areas_within_it(database, settings):
    update_catalogue(database, settings, SECTORS, AREAS)
    store(
        database,
        [("hate-crime", local("2026-09-01"))]  # the data begin on 1 September: October is complete
        + [("hate-race", local("2026-10-05", "20:30"), (), "north-1")] * 3
        + [(("hate-race", "hate-religion"), local("2026-10-06", "20:30"), (), "north-2")] * 2  # one hate crime each
        + [("hate-crime", local("2026-10-07", "20:30"), (), "north")]
        + [("hate-crime", local("2026-10-08", "09:30"), (), "south")] * 4
        + [("hate-crime", local("2026-10-09", "09:30"))] * 5  # no area: the force's only
        + [("domestic-abuse", local("2026-10-05", "20:30"), (), "north-1")] * 7,  # another strand
    )
    trend = chart_view(database, settings, ChartRequest("trend", "hate crime", "12m", AS_OF, "North Sector"))
    assert trend.months["2026-10"] == 3 + 2 + 1
    assert trend.strand.label == "Hate crime in North Sector"
    assert trend.strand.areas == ("north", "north-1", "north-2")
    ward = chart_view(database, settings, ChartRequest("heatmap", "hate-crime", "2026-10", AS_OF, "N02"))
    assert ward.counts.to_numpy().sum() == 2 and ward.counts.loc["Tuesday", 20] == 2
    force = chart_view(database, settings, ChartRequest("trend", "hate crime", "12m", AS_OF))
    assert force.months["2026-10"] == 3 + 2 + 1 + 4 + 5
    chart = render_chart(trend)
    # The data begin on 1 September: the months asked for before it are left out, and the title says so.
    assert chart.title == "Hate crime in North Sector: occurrences a month, Sep 2026 – Oct 2026"
    assert chart.filename == "hate-crime-north-trend-12m-2026-11-20.png"
    assert chart.summary[0].startswith("Oct 2026: 6")


def test_a_chart_of_an_unknown_area_suggests_the_closest(database, settings):
    update_catalogue(database, settings, SECTORS, AREAS)
    with pytest.raises(UnknownArea) as raised:
        chart_view(database, settings, ChartRequest("trend", "hate crime", None, AS_OF, "nroth"))
    assert str(raised.value).startswith("No area is called “nroth”. Did you mean `north`")


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # reads every pixel: a truncated or corrupt file fails here
    return image


@pytest.mark.parametrize("kind", ["trend", "heatmap", "forecast"])
def test_a_strand_with_no_occurrences_is_drawn_and_says_so(database, settings, kind, tmp_path):
    store(
        database,
        monthly_rows("hate-crime", {f"{y}-{m:02d}": 20 for y in (2023, 2024, 2025, 2026) for m in range(1, 13)}),
    )
    chart = render_chart(chart_view(database, settings, ChartRequest(kind, "FGM", None, AS_OF)))
    image = decoded(chart.png)
    assert image.format == "PNG" and image.width >= 1000
    (tmp_path / chart.filename).write_bytes(chart.png)  # kept with the test's files, to look at
    option = {"trend": "24m", "heatmap": "12m", "forecast": "2y"}[kind]
    assert chart.filename == f"fgm-{kind}-{option}-2026-11-20.png"
    assert chart.title.startswith("FGM: ")
    expected = {
        "trend": "No forecast. Not enough data to forecast: there were no occurrences in the last 24 months.",
        "heatmap": "0 occurrences in 12 months to 20 Nov 2026",
        "forecast": "Not enough data to forecast: there were no occurrences in the last 24 months.",
    }[kind]
    assert expected in chart.summary
    assert chart.alt_text.startswith(("Line chart", "Heat map")) and chart.title in chart.alt_text
    assert len(chart.alt_text) <= 1000


def test_a_forecast_chart_of_a_seasonal_strand_names_the_best_method(database, settings):
    pattern = [40, 42, 45, 50, 55, 60, 58, 54, 50, 46, 43, 41]  # November to October
    months = [f"{y}-{m:02d}" for y in range(2020, 2027) for m in range(1, 13)]
    counts = {month: pattern[(int(month[5:]) - 11) % 12] for month in months if "2020-11" <= month <= "2026-10"}
    store(database, monthly_rows("hate-crime", counts))
    chart = render_chart(chart_view(database, settings, ChartRequest("forecast", "hate crime", "years=1", AS_OF)))
    decoded(chart.png)
    best = next(line for line in chart.summary if "★ best in back-test" in line)
    assert best.startswith("Seasonal (Holt-Winters) ★ best in back-test: 41 in Oct 2027 (95% range 41–41)")
    assert "FY 2026/27 projected 584" in best  # Apr-Oct 2026 counted (352), Nov-Mar forecast (232)


def test_strandbot_chart_writes_a_png_and_prints_what_it_shows(run, database, tmp_path):
    store(database, monthly_rows("hate-crime", {"2026-09": 3, "2026-10": 4}))
    out = tmp_path / "hate.png"
    result = run("chart", "hate crime", "--kind", "heatmap", "--as-of", "2026-11-20", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {out} (")
    assert "7 occurrences in 12 months to 20 Nov 2026" in result.output
    assert decoded(out.read_bytes()).format == "PNG"


def test_strandbot_chart_draws_one_area(run, database, settings, tmp_path):
    update_catalogue(database, settings, [CatalogueEntry("north", "North"), CatalogueEntry("south", "South")], AREAS)
    store(
        database,
        [(row[0], row[1], (), "north") for row in monthly_rows("hate-crime", {"2026-09": 3, "2026-10": 4})]
        + [(row[0], row[1], (), "south") for row in monthly_rows("hate-crime", {"2026-10": 9})],
    )
    out = tmp_path / "north.png"
    result = run(
        "chart", "hate crime", "--kind", "heatmap", "--as-of", "2026-11-20", "--area", "North", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "7 occurrences in 12 months to 20 Nov 2026" in result.output  # not the south's 9
    assert "North" in result.output
    unknown = run("chart", "hate crime", "--area", "Nrth", "--out", str(out))
    assert unknown.exit_code == 1 and "No area is called “Nrth”" in unknown.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--kind", "trend", "--years", "2"], "--years is for --kind forecast"),
        (["--kind", "forecast", "--period", "12m"], "a forecast takes --years"),
        (["--out", "/no/such/directory/x.png"], "Can't write /no/such/directory/x.png"),
        (["--kind", "pie"], "'pie' is not one of 'trend', 'heatmap', 'forecast'"),
    ],
)
def test_strandbot_chart_refuses_what_it_cannot_do_in_one_line(run, arguments, message):
    result = run("chart", "hate-crime", *arguments)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_strandbot_ask_keeps_the_uploaded_chart_as_a_file(run, database, tmp_path):
    store(database, monthly_rows("hate-crime", {"2026-09": 3, "2026-10": 4}))
    result = run("ask", "/strand hate crime heatmap 2026-11-20")
    assert result.exit_code == 0, result.output
    assert "Hate crime: occurrences by day and hour, 12 months to 20 Nov 2026" in result.output
    assert "(The image is saved as hate-crime-heatmap-12m-2026-11-20.png.)" in result.output
    assert decoded((tmp_path / "hate-crime-heatmap-12m-2026-11-20.png").read_bytes()).format == "PNG"
