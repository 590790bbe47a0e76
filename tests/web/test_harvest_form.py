"""The harvest source form (app.web.staff.harvest_forms): every SourceConfig option is a form
field, survives a round trip through the form, and wrong values are named per field."""

from __future__ import annotations

from app.harvest.schemas import SourceConfig
from app.web import i18n
from app.web.staff.harvest_forms import (
    CONFIG_FIELDS,
    SourceForm,
    config_from,
    config_shown,
    message_for,
)

JA = i18n.translations("ja").gettext
EN = i18n.translations("en").gettext

EVERYTHING = SourceConfig(
    organizations=["sapporo", "otaru"],
    organizations_exclude=["test-org"],
    groups=["bousai"],
    groups_exclude=["old"],
    rows=250,
    default_tags=["北海道", "防災"],
    default_categories=["social-security-health", "education-culture-sports-life"],
    default_license="cc-by-4.0",
    remote_organizations=True,
    outside_organizations="refuse",
    delete_policy="keep",
    delete_threshold=12.5,
    incremental=False,
    full_every_days=3,
    incremental_overlap_minutes=15,
    timezone="Asia/Tokyo",
    resource_timezone="Asia/Tokyo",
    detect_deletions=False,
    format="json-ld",
    timeout=12,
    max_page_mb=8,
    retries=3,
    max_pages=50,
)


def test_every_option_is_a_form_field() -> None:
    assert {f.key for f in CONFIG_FIELDS} == set(SourceConfig.model_fields)


def test_every_option_survives_the_form() -> None:
    form = SourceForm(config=config_shown(EVERYTHING))
    config, errors = config_from(form)
    assert errors == {} and config == EVERYTHING
    defaults, errors = config_from(SourceForm(config=config_shown(SourceConfig())))
    assert errors == {} and defaults == SourceConfig()
    assert defaults.model_dump(exclude_defaults=True) == {}  # nothing stored needlessly


def test_lists_accept_commas_japanese_commas_and_spaces() -> None:
    shown = config_shown(SourceConfig())
    shown["organizations"] = "sapporo、otaru， hakodate  kushiro"
    config, _errors = config_from(SourceForm(config=shown))
    assert config is not None
    assert config.organizations == ["sapporo", "otaru", "hakodate", "kushiro"]


def test_wrong_values_are_named_per_field_in_the_reader_s_language() -> None:
    shown = config_shown(SourceConfig())
    shown.update(rows="0", timeout="soon", timezone="Asia/Sapporo", retries="9")
    config, errors = config_from(SourceForm(config=shown))
    assert config is None and set(errors) == {"rows", "timeout", "timezone", "retries"}
    assert message_for("rows", errors["rows"][0], "1ページの件数", JA) == (
        "1ページの件数は 1 以上にしてください。"
    )
    assert message_for("retries", errors["retries"][0], "Retries", EN) == (
        "Retries must be 5 or less."
    )
    assert message_for("timeout", errors["timeout"][0], "Read timeout", EN) == (
        "Enter a number for Read timeout."
    )
    assert "Asia/Tokyo" in message_for("timezone", errors["timezone"][0], "Time zone", EN)
