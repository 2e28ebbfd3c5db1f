"""Slack's markup is read in one place, and button values are written and read back by one encoder."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import StrandCommand
from bot.domain.catalogue import Catalogue, CatalogueEntry
from bot.errors import InvalidRequest
from bot.slack.buttons import ChartValue, PageValue, StrandValue, decode, encode
from bot.slack.markup import plain_command, unescape
from bot.slack.standin import as_slack_sends


def test_mentions_become_plain_ids_and_channel_names_are_kept():
    plain = plain_command("subscribe <#C0SAFE|safeguarding> hate-crime <@U0ALEX|alex>")
    assert plain.text == "subscribe C0SAFE hate-crime U0ALEX"
    assert plain.channel_names == {"C0SAFE": "safeguarding"}


def test_text_that_only_looks_like_a_mention_is_left_as_typed():
    assert plain_command("reason <@X1> and x<@U0ALEX>").text == "reason <@X1> and x<@U0ALEX>"


def test_every_command_reads_what_was_typed_not_slacks_escaping():
    # Slack sends a typed `&` as `&amp;` and a typed `<` as `&lt;`; a real mention is markup, kept apart.
    from bot.slack.commands import parse_admin_command, parse_repeats_command, parse_strand_command

    assert parse_strand_command("hate crime in Bed &amp; Breakfast", lambda: Catalogue(())).area == "Bed & Breakfast"
    assert parse_repeats_command('hate-crime area="Bed &amp; Breakfast" reason:"a &lt;b&gt;"').area == "Bed & Breakfast"
    assert plain_command("&lt;@U0ALEX&gt; &amp; <@U0ALEX|alex>").text == "<@U0ALEX> & U0ALEX"
    assert parse_admin_command("subscribe <#C0SAFE|safe> all area=Bed &amp; Breakfast").area == "Bed & Breakfast"


def test_a_strand_with_in_in_its_name_is_that_strand_not_an_area():
    from bot.slack.commands import parse_strand_command

    def strands() -> Catalogue:
        return Catalogue((CatalogueEntry("deaths-in-custody", "Deaths in custody"), CatalogueEntry("mh", "MH")))

    assert parse_strand_command("deaths in custody", strands) == StrandCommand("strand", strand="deaths in custody")
    chart = parse_strand_command("Deaths in Custody trend", strands).chart
    assert (chart.strand, chart.area) == ("Deaths in Custody", None)
    assert parse_strand_command("deaths in custody in north", strands).area == "north"
    assert parse_strand_command("mh in custody suite", strands).area == "custody suite"


def test_unescape_gives_back_what_slack_escaped():
    typed = "<!channel> & <@U0ALEX>"
    assert as_slack_sends(typed) == "&lt;!channel&gt; &amp; &lt;@U0ALEX&gt;"
    assert unescape(as_slack_sends(typed)) == typed


@pytest.mark.parametrize(
    "value",
    [
        StrandValue("hate-crime", date(2025, 3, 31)),
        StrandValue("hate-crime", date(2025, 3, 31), "brooklyn-south"),
        ChartValue("heatmap", "hate-crime", "2024-10", date(2025, 3, 31)),
        ChartValue("trend", "hate-crime", None, date(2025, 3, 31), "north-1"),
        PageValue(7, 2),
    ],
)
def test_a_button_value_reads_back_as_written(value):
    assert decode(type(value), encode(value), "expired") == value


def test_a_button_from_before_areas_is_for_the_whole_force_and_the_whole_force_is_written_as_before():
    old = '{"strand": "hate-crime", "as_of": "2025-03-31"}'
    assert decode(StrandValue, old, "expired") == StrandValue("hate-crime", date(2025, 3, 31))
    assert encode(StrandValue("hate-crime", date(2025, 3, 31))) == old.replace(" ", "")


def test_a_value_that_cannot_be_read_is_an_expired_button():
    for text in (
        None,
        "",
        "[]",
        '{"strand": "x"}',
        '{"strand": "x", "as_of": "31/03/2025"}',
        '{"strand": "x", "as_of": "2025-03-31", "area": ["north"]}',
    ):
        with pytest.raises(InvalidRequest, match="expired"):
            decode(StrandValue, text, "That button has expired")
