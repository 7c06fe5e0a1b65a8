"""The unknown-code policy: error (default), keep, or a default, per rule or per table."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import DocumentError, MappingError
from hub.core.mapping import MappingSet, load_mapping_set
from hub.core.model import Partner
from hub.core.raw import RawDocument

TABLE = """\
system: shop
document_type: partner
format: json
inbound: [customers/create]
outbound: {message_type: customers/update}
{policies}
value_lists:
  kinds: {B2B: organisation, B2C: person}
rules:
  - {target: kind, source: type, values: kinds, required: true{kind_policy}}
  - {target: last_name, source: name}
  - {target: language, source: lang, values: languages}
  - target: addresses
    match: {kind: main}
    rules:
      - {target: city, source: city}
      - {target: country, source: country, values: countries}
"""


def table(tmp_path: Path, policies: str = "", kind_policy: str = "") -> MappingSet:
    (tmp_path / "shop").mkdir(exist_ok=True)
    text = TABLE.replace("{policies}", policies).replace("{kind_policy}", kind_policy)
    (tmp_path / "shop" / "partner.yaml").write_text(text, encoding="utf-8")
    values = tmp_path / "values"
    values.mkdir(exist_ok=True)
    (values / "countries.csv").write_text("external,canonical\nDE,DE\nUK,GB\n", encoding="utf-8")
    (values / "languages.csv").write_text("external,canonical\nDE,de\nEN,en\n", encoding="utf-8")
    return load_mapping_set([tmp_path])


def customer(**fields: str) -> RawDocument:
    body = {"type": "B2C", "name": "Lovelace", "lang": "EN", "city": "Zug", "country": "DE"} | fields
    return RawDocument("shop", "customers/create", "77", "json", body)


def test_an_unknown_code_is_an_error_naming_the_list_and_the_file_to_extend(tmp_path: Path) -> None:
    mappings = table(tmp_path)
    with pytest.raises(DocumentError) as caught:
        mappings.map_inbound(customer(country="CH"))
    assert caught.value.field == "addresses.0.country <- addresses#1/country"
    reason = caught.value.reason
    assert reason.startswith(f"'CH' is not in value list countries ({tmp_path / 'values' / 'countries.csv'}):"
                             " add a row there")
    assert reason.endswith("or give the list an unknown-code policy (unknown: keep, or unknown: {default: VALUE})")
    with pytest.raises(DocumentError) as inline:
        mappings.map_inbound(customer(type="B2X"))
    assert f"'B2X' is not in value list kinds ({tmp_path / 'shop' / 'partner.yaml'}, under value_lists.kinds):" \
        " add it there" in inline.value.reason


def test_keep_per_value_list_passes_the_code_through_and_notes_it(tmp_path: Path) -> None:
    mappings = table(tmp_path, "unknown_codes: {countries: keep}")
    result = mappings.map_inbound(customer(country="CH"))
    assert result.document.addresses[0].country == "CH"
    assert result.notes == [f"addresses.*.country <- country: code 'CH' is not in value list countries"
                            f" ({tmp_path / 'values' / 'countries.csv'}); kept as is (unknown: keep)"]
    # Other lists keep the default policy.
    with pytest.raises(DocumentError, match="'FR' is not in value list languages"):
        mappings.map_inbound(customer(lang="FR"))
    assert mappings.map_inbound(customer()).notes == []


def test_a_default_for_every_list_and_the_rule_overriding_the_table(tmp_path: Path) -> None:
    mappings = table(tmp_path, 'unknown_codes: {"*": {default: en}, countries: keep}',
                     kind_policy=", unknown: {default: person}")
    result = mappings.map_inbound(customer(lang="FR", type="B2X", country="CH"))
    document = result.document
    assert (document.language, document.kind, document.addresses[0].country) == ("en", "person", "CH")
    assert [note.split(":")[0] for note in result.notes] == ["kind <- type", "language <- lang",
                                                            "addresses.*.country <- country"]
    assert "mapped to the default 'en' (unknown: default)" in result.notes[1]


def test_outbound_keep_passes_the_canonical_code_and_default_writes_the_defaults_code(tmp_path: Path) -> None:
    mappings = table(tmp_path, 'unknown_codes: {countries: keep, languages: {default: en}}')
    partner = Partner.model_validate({"kind": "person", "last_name": "Curie", "language": "fr",
                                      "addresses": [{"kind": "main", "city": "Paris", "country": "FR"}]})
    body = mappings.render("shop", partner).raw.body
    assert (body["lang"], body["country"]) == ("EN", "FR")


@pytest.mark.parametrize(("policies", "kind_policy", "field", "message"), [
    ("unknown_codes: {countries: drop}", "", "unknown_codes.countries",
     "unknown must be error, keep or {default: CANONICAL_VALUE}"),
    ("unknown_codes: {units: keep}", "", "unknown_codes.units",
     "no rule of this table uses a value list named 'units'"),
    ("unknown_codes: keep", "", "unknown_codes", 'unknown_codes maps value list names (or "*" for all) to a policy'),
    ("", ", unknown: {default: ''}", "kind", "unknown must be error, keep or {default: CANONICAL_VALUE}"),
])
def test_a_broken_policy_stops_the_table_with_file_line_and_field(tmp_path: Path, policies: str, kind_policy: str,
                                                                    field: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        table(tmp_path, policies, kind_policy)
    problem = caught.value.problems[0]  # a broken rule may leave a required field unmapped too
    assert (problem.file, problem.field, problem.message) == (str(tmp_path / "shop" / "partner.yaml"), field, message)
    assert problem.line == (6 if policies else 10)


def test_a_policy_needs_a_value_list(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    text = TABLE.replace("{policies}", "").replace("{kind_policy}", "").replace(
        "{target: last_name, source: name}", "{target: last_name, source: name, unknown: keep}")
    (tmp_path / "shop" / "partner.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match="unknown is the policy of a value list: it needs values"):
        load_mapping_set([tmp_path])
