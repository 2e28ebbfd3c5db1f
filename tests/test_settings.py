"""Settings: defaults, and a message naming the setting for each wrong value."""

import pytest

from bot.settings import SettingsError, load_settings


def load(**environ):
    return load_settings(environ, dotenv_path=None)


def test_defaults_are_a_local_sqlite_file_london_april_and_2019_20():
    settings = load()
    assert settings.database_url.render_as_string() == "sqlite:///strandbot.db"
    assert (str(settings.timezone), settings.fy_start_month, settings.baseline_fy) == (
        "Europe/London",
        4,
        2019,
    )
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_timeout == 30
    assert not settings.socket_mode


def test_the_wait_for_slacks_answer_can_be_shortened_to_a_fraction_of_a_second():
    assert load(STRANDBOT_SLACK_TIMEOUT="0.5").slack_timeout == 0.5


def test_a_plain_postgresql_url_uses_psycopg_3():
    assert load(DATABASE_URL="postgresql://u@db/strandbot").database_url.drivername == "postgresql+psycopg"


def test_every_wrong_value_is_named_at_once():
    with pytest.raises(SettingsError) as caught:
        load(
            STRANDBOT_TIMEZONE="Mars/Olympus",
            STRANDBOT_FY_START_MONTH="13",
            STRANDBOT_BASELINE_FY="19/20",
            STRANDBOT_ADMINS="U012AB3CD, bob",
            DATABASE_URL="not a url",
            SLACK_API_URL="ftp://x",
            STRANDBOT_SLACK_TIMEOUT="soon",
        )
    message = str(caught.value)
    for name in (
        "STRANDBOT_TIMEZONE",
        "STRANDBOT_FY_START_MONTH",
        "STRANDBOT_BASELINE_FY",
        "STRANDBOT_ADMINS",
        "DATABASE_URL",
        "SLACK_API_URL",
        "STRANDBOT_SLACK_TIMEOUT",
    ):
        assert name in message
    assert "'bob'" in message and "U012AB3CD'" not in message


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://db:notaport/x", "is not a database URL"),
        ("postgresql+psycopg2://db/x", "does not support"),
        ("mysql://db/x", "does not support"),
        ("sqlite://", "in-memory"),
    ],
)
def test_a_database_url_strandbot_cannot_use_is_named(url, says):
    with pytest.raises(SettingsError, match=f"DATABASE_URL.*{says}"):
        load(DATABASE_URL=url)


def test_admins_and_a_canadian_january_year():
    settings = load(
        STRANDBOT_ADMINS="U012AB3CD,W0ABCDEF1",
        STRANDBOT_FY_START_MONTH="1",
        STRANDBOT_TIMEZONE="America/Toronto",
    )
    assert settings.admins == ("U012AB3CD", "W0ABCDEF1")
    assert settings.fy_start_month == 1


def test_the_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("STRANDBOT_BASELINE_FY=2018\nSTRANDBOT_FY_START_MONTH=1\n")
    settings = load_settings({"STRANDBOT_FY_START_MONTH": "4"}, dotenv_path=str(env_file))
    assert (settings.baseline_fy, settings.fy_start_month) == (2018, 4)


def test_serving_without_slack_credentials_names_them():
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN.*\n.*SLACK_SIGNING_SECRET"):
        load().require_slack()
