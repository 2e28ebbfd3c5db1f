"""Parsing the text after /strand."""

from datetime import date

import pytest

from bot.commands import StrandCommand, parse_strand_command
from bot.errors import InvalidRequest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", StrandCommand("all")),
        ("  all ", StrandCommand("all")),
        ("help", StrandCommand("help")),
        ("list", StrandCommand("list")),
        ("hate-crime", StrandCommand("strand", "hate-crime")),
        ("domestic abuse 2025-03-31", StrandCommand("strand", "domestic abuse", date(2025, 3, 31))),
        ("DA as of 2025-3-1", StrandCommand("strand", "DA", date(2025, 3, 1))),
        ("all 2024-06-30", StrandCommand("all", as_of=date(2024, 6, 30))),
    ],
)
def test_strand_command_text(text, expected):
    assert parse_strand_command(text) == expected


def test_an_impossible_date_says_how_to_write_one():
    with pytest.raises(InvalidRequest, match="not a real date; write it as YYYY-MM-DD"):
        parse_strand_command("hate-crime 2025-02-30")


def test_a_day_first_date_asks_for_an_unambiguous_one():
    with pytest.raises(InvalidRequest, match="YYYY-MM-DD"):
        parse_strand_command("hate crime 03/06/2025")


def test_five_thousand_characters_are_refused_with_an_example():
    with pytest.raises(InvalidRequest, match="5,000 characters.*`/strand hate-crime`"):
        parse_strand_command("x" * 5000)
