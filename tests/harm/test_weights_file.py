"""The weights file's rules, pure: what a weights CSV may hold, how each bad line is named, and that a written
set reads back exactly."""

import pytest

from bot.errors import InvalidRequest
from bot.harm.records import CodeWeight
from bot.harm.weights_file import MAX_CODES, code_order, read_weights_csv, weight_text, write_weights_csv


def problems(text: str) -> str:
    with pytest.raises(InvalidRequest) as raised:
        read_weights_csv(text, "w.csv")
    return str(raised.value)


def test_header_names_match_ignoring_case_spaces_underscores_and_hyphens():
    weights = read_weights_csv(" Offence Code ,WEIGHT,Description\n8q ,1.5,Stalking\n", "w.csv")
    assert weights == [CodeWeight("8Q", 1.5, "Stalking")]
    assert read_weights_csv("offence-code,weight\n8L,2\n", "w.csv") == [CodeWeight("8L", 2.0, None)]


def test_a_code_is_stored_as_occurrences_hold_it_trimmed_single_spaced_upper_case():
    assert read_weights_csv("offence_code,weight\n  ab  12 ,1\n", "w.csv")[0].offence_code == "AB 12"


@pytest.mark.parametrize(
    ("cell", "weight"),
    [("12", 12.0), ("0", 0.0), ("0.5", 0.5), (".5", 0.5), ("7.", 7.0), ("+3", 3.0), ("1.5e3", 1500.0), ("-0", 0.0)],
)
def test_plain_decimal_weights_are_read(cell, weight):
    assert read_weights_csv(f"offence_code,weight\n8L,{cell}\n", "w.csv")[0].weight == weight


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("high", "line 2: the weight of 8L, “high”, is not a number"),
        ("-2", "line 2: the weight of 8L, -2, is negative: weights are 0 or more"),
        ('"1,234"', "line 2: the weight of 8L, “1,234”, has a comma: write numbers without thousands separators"),
        ("nan", "line 2: the weight of 8L, “nan”, is not a number"),
        ("inf", "line 2: the weight of 8L, “inf”, is not a number"),
        ("1e400", "line 2: the weight of 8L, 1e400, is too large a number"),
        ("1_000", "line 2: the weight of 8L, “1_000”, is not a number"),
        ("12%", "line 2: the weight of 8L, “12%”, is not a number"),
        ("", "line 2: no weight for 8L"),
    ],
)
def test_a_weight_that_is_not_a_plain_number_of_0_or_more_is_refused_naming_its_line(cell, problem):
    assert problem in problems(f"offence_code,weight\n8L,{cell}\n")


def test_codes_that_differ_only_by_case_or_spaces_are_duplicates_and_every_line_is_named():
    text = problems("offence_code,weight\n8q,1\n9A,2\n 8Q ,3\n8q,4\n")
    assert "w.csv was not loaded (nothing changed): 1 problem." in text
    assert "lines 2, 4 and 5: the same offence code, 8Q (written “ 8Q ” and “8q”): a code has one weight" in text


def test_a_line_with_more_cells_than_the_header_is_refused():
    assert "line 2: 3 cells where the header has 2" in problems("offence_code,weight\n8L,1,234\n")


def test_a_line_without_a_code_or_with_a_code_too_long_is_refused():
    text = problems(f"offence_code,weight\n,1\n{'X' * 33},1\n")
    assert "line 2: no offence code" in text
    assert "line 3: the offence code “XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX…” is longer than 32 characters" in text


def test_a_missing_an_unknown_or_a_repeated_column_is_refused():
    assert "has no weight column" in problems("offence_code,description\n8L,Harassment\n")
    assert "has a column “severity”, which is not one it can have" in problems("offence_code,weight,severity\n")
    assert "has two weight columns" in problems("offence_code,weight,Weight\n")


def test_a_file_of_no_weights_is_refused():
    assert "w.csv holds no weights, only its header" in problems("offence_code,weight\n\n,\n")
    assert "w.csv has no header row" in problems("")


def test_bad_lines_are_named_in_file_order_ten_at_most_then_how_many_more():
    text = problems("offence_code,weight\n" + "".join(f"C{n},x\n" for n in range(14)))
    assert "14 problems." in text
    assert "line 2: the weight of C0" in text and "line 11: the weight of C9" in text
    assert "line 12:" not in text and "and 4 more" in text


def test_lines_are_the_files_own_even_after_a_description_over_two_lines():
    text = problems('offence_code,weight,description\n8L,1,"Harassment,\nof all kinds"\n8Q,x,Stalking\n')
    assert "line 4: the weight of 8Q" in text


def test_an_open_quote_stops_the_load_naming_where_its_row_starts():
    assert "the row starting on line 3 has quotes" in problems('offence_code,weight\n8L,1\n8Q,"2\n')


def test_more_weights_than_any_index_has_is_refused():
    text = "offence_code,weight\n" + "".join(f"C{n},1\n" for n in range(MAX_CODES + 1))
    assert "more than 100,000 lines of weights" in problems(text)


def test_a_written_set_reads_back_exactly():
    weights = [
        CodeWeight("8L", 0.1, "Harassment, “with quotes” and — dashes"),
        CodeWeight("9A", 1 / 3, None),
        CodeWeight("19C", 1e-7, "Rape"),
        CodeWeight("105A", 12345678.125, ""),
        CodeWeight("106", 0.0, None),
    ]
    back = read_weights_csv(write_weights_csv(weights), "w.csv")
    assert [(w.offence_code, w.weight, w.description or None) for w in back] == [
        (w.offence_code, w.weight, w.description or None) for w in weights
    ]


def test_weights_are_written_as_plain_decimals():
    assert [weight_text(w) for w in (12.0, 0.5, 1e-5, 2.5e21, 0.0)] == [
        "12",
        "0.5",
        "0.00001",
        "2500000000000000000000",
        "0",
    ]


def test_codes_are_listed_with_their_numbers_in_order():
    codes = ["105A", "8L", "19C", "9A", "8Q", "NC-WELFARE", "58A"]
    assert sorted(codes, key=code_order) == ["8L", "8Q", "9A", "19C", "58A", "105A", "NC-WELFARE"]
