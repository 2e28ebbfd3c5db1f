"""Finding a strand from what people type, and keeping the catalogue consistent."""

import pytest

from bot.domain.catalogue import CatalogueEntry, normalise, read_catalogue_csv, slug_for, validate, write_catalogue_csv
from bot.errors import AmbiguousStrand, InvalidRequest, UnknownStrand
from bot.store.catalogue import load_catalogue

DEFAULT = [  # the docs/domain.md catalogue, as the migration loads it
    ("adult-at-risk", None),
    ("child-at-risk", None),
    ("domestic-abuse", None),
    ("hate-crime", None),
    ("hate-race", "hate-crime"),
    ("hate-religion", "hate-crime"),
    ("hate-sexual-orientation", "hate-crime"),
    ("hate-disability", "hate-crime"),
    ("hate-transgender", "hate-crime"),
    ("mappa", None),
    ("mental-health", None),
    ("modern-slavery", None),
    ("prevent", None),
    ("stalking-harassment", None),
    ("child-protection", None),
    ("child-abuse", "child-protection"),
    ("cse", "child-protection"),
    ("missing-children", "child-protection"),
    ("harmful-practices", None),
    ("fgm", "harmful-practices"),
    ("forced-marriage", "harmful-practices"),
    ("hbv", "harmful-practices"),
    ("sexual-offences", None),
    ("rape", "sexual-offences"),
    ("other-sexual-offences", "sexual-offences"),
    ("suicide", None),
    ("suicides", "suicide"),
    ("attempted-suicides", "suicide"),
]


@pytest.fixture
def catalogue(database):
    with database.session() as session:
        return load_catalogue(session)


def test_migrations_load_the_default_catalogue_with_its_exact_slugs_and_parents(catalogue):
    assert [(s.slug, s.parent) for s in catalogue] == DEFAULT
    assert catalogue.get("modern-slavery").labels == (
        "modern-slavery",
        "Modern slavery & human trafficking",
        "MSHT",
        "Human trafficking",
    )
    assert catalogue.get("hbv").aliases == ("HBA", "Honour-based violence", "Honour-based abuse")


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("hate crime", "hate-crime"),
        ("Hate-Crime", "hate-crime"),
        ("HATE", "hate-crime"),
        ("msht", "modern-slavery"),
        ("Modern Slavery & Human Trafficking", "modern-slavery"),
        ("modern slavery and human-trafficking", "modern-slavery"),
        ("DA", "domestic-abuse"),
        ("Domestic Abuse Crime", "domestic-abuse"),
        ("mosovo", "mappa"),
        ("Honour based abuse", "hbv"),
        ("Suicides & attempted suicide", "suicide"),
        ("suicides", "suicides"),
        ("missing", "missing-children"),
        ("Child protection, CSE/A & missing children", "child-protection"),
        ("  rasso ", "sexual-offences"),
    ],
)
def test_names_match_ignoring_case_spacing_hyphens_and_ampersands(catalogue, typed, slug):
    assert catalogue.resolve(typed).slug == slug


def test_a_near_miss_suggests_the_closest_strand(catalogue):
    with pytest.raises(UnknownStrand) as caught:
        catalogue.resolve("hate crme")
    assert caught.value.suggestions[0] == "hate-crime"
    assert "Did you mean `hate-crime`" in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("domestic", "domestic-abuse"),
        ("stalk", "stalking-harassment"),
        ("sexual off", "sexual-offences"),
        ("hate crim", "hate-crime"),
    ],
)
def test_the_start_of_just_one_strands_name_finds_it(catalogue, typed, slug):
    assert catalogue.resolve(typed).slug == slug


def test_a_name_that_starts_several_strands_is_ambiguous(catalogue):
    with pytest.raises(AmbiguousStrand) as caught:
        catalogue.resolve("child")
    assert caught.value.suggestions == ["child-at-risk", "child-protection", "child-abuse", "cse"]
    with pytest.raises(AmbiguousStrand) as caught:
        catalogue.resolve("sexual")  # sexual offences, or hate crime's sexual orientation strand
    assert caught.value.suggestions == ["hate-sexual-orientation", "sexual-offences"]


@pytest.mark.parametrize("typed", ["🔥🔥", "'; DROP TABLE strands; --", "zzzzzz"])
def test_nonsense_is_unknown_and_harmless(catalogue, database, typed):
    with pytest.raises(UnknownStrand):
        catalogue.resolve(typed)
    with database.session() as session:
        assert len(load_catalogue(session)) == len(DEFAULT)


def test_normalise_treats_and_and_ampersand_alike():
    assert normalise("Stalking & Harassment") == normalise("stalking and harassment") == "stalkingharassment"


def test_a_catalogue_where_one_label_names_two_strands_is_refused():
    with pytest.raises(InvalidRequest, match="would name"):
        validate(
            [
                CatalogueEntry("stalking", "Stalking"),
                CatalogueEntry("harassment", "Harassment", None, ("stalking",)),
            ]
        )


def test_a_catalogue_with_a_missing_parent_or_a_loop_is_refused():
    with pytest.raises(InvalidRequest, match="not in the catalogue"):
        validate([CatalogueEntry("rape", "Rape", "sexual-offences")])
    with pytest.raises(InvalidRequest, match="loop"):
        validate([CatalogueEntry("a", "A", "b"), CatalogueEntry("b", "B", "a")])


def test_the_catalogue_round_trips_through_csv(catalogue):
    assert tuple(read_catalogue_csv(write_catalogue_csv(catalogue))) == catalogue.entries


def test_a_strand_name_with_a_semicolon_is_refused_since_imports_split_on_it():
    with pytest.raises(InvalidRequest, match="“;”"):
        validate([CatalogueEntry("rape-da", "Rape; domestic")])


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Brooklyn South", "brooklyn-south"),
        ("N/E Sector 2", "n-e-sector-2"),
        ("Montréal-Nord", "montreal-nord"),
        ("Öst", "ost"),
        ("???", ""),
    ],
)
def test_a_slug_is_made_from_a_label_as_written(label, slug):
    assert slug_for(label) == slug


def test_a_label_with_no_latin_letters_still_gets_a_slug_of_its_own():
    assert slug_for("القدس").startswith("area-") and slug_for("القدس") != slug_for("القاهرة")
