"""Where a problem is: keys written as TOML writes them, variables without repeated keys."""

from __future__ import annotations

from hub.core.config.problems import dotted, located, suggestion


def test_keys_are_written_as_toml_writes_them() -> None:
    assert dotted(("queue", "policies", "erp_sap.cancel")) == 'queue.policies."erp_sap.cancel"'
    assert dotted(("source_priority", "partner", "fields", "emails", 0)) == "source_priority.partner.fields.emails[0]"


def test_a_location_names_the_file_table_and_key() -> None:
    assert located("hub.toml", ("http",), ("passwd",)) == "hub.toml: [http] passwd"
    assert located("hub.toml", ("http",), ()) == "hub.toml: [http]"
    assert located("", (), ("duplicate_threshold",)) == "duplicate_threshold"
    assert located("HUB_DUPLICATE_THRESHOLD", (), ("duplicate_threshold",), variable=True) == "HUB_DUPLICATE_THRESHOLD"
    assert located("HUB_HTTP", ("http",), ("passwd",), variable=True) == "HUB_HTTP: [http] passwd"


def test_a_suggestion_only_when_a_key_is_close() -> None:
    assert suggestion("passwd", ["username", "password"]) == " (did you mean 'password'?)"
    assert suggestion("colour", ["username", "password"]) == ""
