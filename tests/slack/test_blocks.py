"""Block Kit messages stay within Slack's limits and escape what people type."""

from datetime import date

import pandas as pd

from bot.domain.catalogue import Catalogue, CatalogueEntry
from bot.domain.comparisons import dashboard_windows
from bot.domain.stats import compute_dashboard
from bot.slack.ask import message_as_text
from bot.slack.blocks.dashboard import catalogue_message, dashboard_message, strand_menu
from bot.slack.blocks.message import notice_message
from bot.slack.buttons import StrandValue

SECTION_LIMIT, BLOCK_LIMIT = 3000, 50


def big_catalogue() -> Catalogue:
    parents = [
        CatalogueEntry(
            f"strand-{i}",
            f"Strand number {i} " + "x" * 150,
            None,
            tuple(f"alias {i}-{j} " + "y" * 180 for j in range(20)),
        )
        for i in range(100)
    ]
    children = [CatalogueEntry(f"sub-{i}", f"Sub-strand {i}", f"strand-{i}") for i in range(100)]
    return Catalogue(tuple(p for pair in zip(parents, children, strict=True) for p in pair))


def within_limits(blocks: list[dict]) -> bool:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    return len(blocks) <= BLOCK_LIMIT and all(len(t) <= SECTION_LIMIT for t in texts)


def test_a_200_strand_catalogue_with_long_names_fits_slack(tmp_path):
    catalogue = big_catalogue()
    windows = dashboard_windows(date(2024, 6, 30), 4, 2019)
    counts = pd.DataFrame({"current_fytd": range(200)}, index=[s.slug for s in catalogue])
    dashboard = compute_dashboard(counts, catalogue, windows, 4, 2019)
    assert within_limits(dashboard_message(dashboard).blocks)
    assert within_limits(catalogue_message(catalogue).blocks)


def test_what_people_type_is_escaped_so_it_cannot_ping_a_channel():
    message = notice_message("No strand is called “<!channel> & co”.")
    assert message.blocks[0]["text"]["text"] == "No strand is called “&lt;!channel&gt; &amp; co”."


def test_a_very_long_notice_is_cut_to_fit():
    assert within_limits(notice_message("z" * 10_000).blocks)


def test_terminal_text_drops_bold_marks_around_single_characters():
    assert message_as_text({"text": "x", "blocks": [{"type": "section", "text": {"text": "*8* to *11* a month"}}]}) == (
        "8 to 11 a month"
    )


def test_a_menu_leaves_out_a_choice_too_long_for_slack_rather_than_be_refused():
    longest = "x" * 64  # slugs may be 64 characters: a strand and an area near that make a value over 150
    menu = strand_menu(
        "One area…",
        [
            ("Short", StrandValue("hate-crime", date(2024, 6, 30), "north")),
            ("Long", StrandValue(longest, date(2024, 6, 30), longest)),
        ],
    )
    options = menu.to_dict()["elements"][0]["options"]  # to_dict checks Slack's limits
    assert [o["text"]["text"] for o in options] == ["Short"]
    assert strand_menu("None fit", [("Long", StrandValue(longest, date(2024, 6, 30), longest))]) is None
