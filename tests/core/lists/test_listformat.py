"""List formats: mapping tables with format: csv, their header checks and their rows' problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.core.errors import MappingError, NotFoundError
from hub.core.lists.errors import DROPPED, FAILED, ListFileError, RowProblem
from hub.core.lists.listformat import SHIPPED_FORMATS, RowMapper, check_header, find_format, load_formats
from hub.core.lists.rows import SourceRow
from hub.core.lists.source import open_list
from hub.core.mapping import check_mapping_folders

FORMAT = """\
system: signups
document_type: partner
format: csv
inbound: [newsletter_signups]
key: Sign-up no.
ignore: [Campaign]
rules:
  - {target: kind, const: person}
  - {target: first_name, source: Vorname}
  - {target: last_name, source: Nachname, required: true}
  - {target: birth_date, source: Geb.-Datum, transform: "date('%d.%m.%Y')"}
  - {target: emails, source: E-Mail}
  - {target: emails, source: E-Mail (privat)}
  - target: addresses
    rules:
      - {target: postal_code, source: PLZ}
      - {target: country, source: Land, invalid: fail}
"""


@pytest.fixture
def table(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "mappings" / "lists"
    folder.mkdir(parents=True)
    (folder / "signups.yaml").write_text(FORMAT, encoding="utf-8")
    return find_format(load_formats([tmp_path / "mappings"]), "newsletter_signups")


def row(**cells: str) -> SourceRow:
    return SourceRow(7, {"Sign-up no.": "S-1", "Nachname": "Huber", **cells})


def test_a_row_maps_to_a_prospect_on_the_list(table) -> None:  # type: ignore[no-untyped-def]
    mapped = RowMapper(table, "Spring mailing").map(row(**{"Vorname": "Sepp", "Geb.-Datum": "02.01.1955",
                                                           "E-Mail": "sepp@Example.DE", "PLZ": "80331"}))
    assert mapped.key == "S-1" and mapped.problems == []
    partner = mapped.partner
    assert partner is not None
    assert (partner.first_name, partner.last_name, partner.birth_date) == ("Sepp", "Huber", date(1955, 1, 2))
    assert partner.emails == ["sepp@example.de"] and partner.roles == ["prospect"]
    assert partner.marketing_attributes == {"list": "Spring mailing"}
    assert partner.addresses[0].postal_code == "80331"


def test_an_invalid_optional_value_is_dropped_and_reported(table) -> None:  # type: ignore[no-untyped-def]
    mapped = RowMapper(table, "L").map(row(**{"Geb.-Datum": "31.02.1955", "E-Mail": "ok@example.de",
                                              "E-Mail (privat)": "not-an-address", "PLZ": "80331"}))
    assert mapped.partner is not None
    assert mapped.partner.birth_date is None and mapped.partner.emails == ["ok@example.de"]
    assert mapped.problems == [
        RowProblem("Geb.-Datum", "birth_date: '31.02.1955' is not a date written %d.%m.%Y; imported without it",
                   DROPPED),
        RowProblem("E-Mail (privat)", "emails.1: not an e-mail address: 'not-an-address'; imported without it",
                   DROPPED),
    ]


def test_a_required_or_fail_rule_fails_the_row(table) -> None:  # type: ignore[no-untyped-def]
    mapper = RowMapper(table, "L")
    missing = mapper.map(SourceRow(3, {"Sign-up no.": "S-2", "Vorname": "Anna"}))
    assert missing.partner is None
    assert missing.problems == [RowProblem("Nachname", "last_name: required value is missing", FAILED)]
    bad_country = mapper.map(row(Land="Bavaria"))
    assert bad_country.partner is None and bad_country.problems[0].column == "Land"
    assert bad_country.problems[0].action == FAILED and "BAVARIA" in bad_country.problems[0].reason
    no_key = mapper.map(SourceRow(4, {"Nachname": "Huber"}))
    assert no_key.partner is None and no_key.problems == [RowProblem("Sign-up no.", "the key column is empty")]
    unreadable = mapper.map(SourceRow(5, {}, RowProblem("PLZ", "cannot be read")))
    assert unreadable.partner is None and unreadable.problems == [RowProblem("PLZ", "cannot be read")]


def test_the_header_must_hold_the_key_and_only_known_columns(table) -> None:  # type: ignore[no-untyped-def]
    check_header(table, "f.csv", ["Sign-up no.", "Nachname", "Campaign", "", "PLZ"])
    with pytest.raises(ListFileError) as missing:
        check_header(table, "f.csv", ["Nachname", "PLZ"])
    assert (missing.value.row, missing.value.column) == (1, "Sign-up no.")
    assert str(missing.value).startswith("f.csv: row 1, column 'Sign-up no.': the key column 'Sign-up no.'")
    with pytest.raises(ListFileError) as unknown:
        check_header(table, "f.csv", ["Sign-up no.", "Nachname", "Fax", "Hobby"])
    assert unknown.value.column == "Fax" and "'Fax', 'Hobby'" in str(unknown.value)
    assert "map them with a rule, or list them under ignore" in str(unknown.value)
    with pytest.raises(ListFileError, match="names 'PLZ' more than once"):
        check_header(table, "f.csv", ["Sign-up no.", "PLZ", "PLZ"])


def test_formats_are_found_by_name_the_installation_first(tmp_path: Path, table) -> None:  # type: ignore[no-untyped-def]
    assert find_format(load_formats([]), "trade_fair").file.startswith(str(SHIPPED_FORMATS))
    with pytest.raises(NotFoundError, match="no list format 'nope' .known: newsletter_signups, trade_fair"):
        find_format(load_formats([tmp_path / "mappings"]), "nope")
    own = tmp_path / "mappings" / "lists" / "fair.yaml"
    own.write_text((SHIPPED_FORMATS / "trade_fair.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (own.parent / "values").mkdir()
    for csv in (SHIPPED_FORMATS / "values").iterdir():
        (own.parent / "values" / csv.name).write_bytes(csv.read_bytes())
    assert find_format(load_formats([tmp_path / "mappings"]), "trade_fair").file == str(own)


def test_the_shipped_sample_maps_with_the_shipped_format() -> None:
    table = find_format(load_formats([]), "trade_fair")
    source = open_list(SHIPPED_FORMATS / "trade_fair.csv")
    check_header(table, source.file, source.header)
    mapped = [RowMapper(table, "fair").map(r) for r in source.rows()]
    assert [m.key for m in mapped if m.failed] == ["TF-0005", "TF-0006"]
    assert {p.column for m in mapped for p in m.problems if p.action == DROPPED} == {"Date of birth", "E-mail",
                                                                                      "Country"}


@pytest.mark.parametrize(("text", "field", "message"), [
    ("format: csv\ninbound: [x]\n", "key", "a list format names the column that identifies a row"),
    ("format: json\ninbound: [x]\nkey: id\n", "key", "belongs to list formats"),
    ("format: csv\ninbound: [x]\nkey: id\noutbound: {message_type: X}\n", "outbound", "renders nothing outbound"),
    ("format: json\ninbound: [x]\nignore: [a]\n", "ignore", "ignore lists columns"),
])
def test_list_format_keys_are_checked(tmp_path: Path, text: str, field: str, message: str) -> None:
    (tmp_path / "t.yaml").write_text("system: s\ndocument_type: partner\n" + text
                                     + "rules:\n  - {target: kind, const: person}\n"
                                       "  - {target: last_name, source: name}\n", encoding="utf-8")
    _, problems = check_mapping_folders([tmp_path])
    assert [(p.field, message in p.message) for p in problems] == [(field, True)]


def test_invalid_is_checked_per_rule(tmp_path: Path) -> None:
    rules = ("rules:\n  - {target: kind, const: person}\n  - {target: last_name, source: name, invalid: %s}\n"
             "  - {target: first_name, source: first, invalid: %s}\n")
    header = "system: s\ndocument_type: partner\nformat: %s\ninbound: [x]\n"
    (tmp_path / "a.yaml").write_text(header % "csv" + "key: id\n" + rules % ("fail", "skip"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(header.replace("[x]", "[y]") % "json" + rules % ("drop", "drop"),
                                     encoding="utf-8")
    _, problems = check_mapping_folders([tmp_path])
    found = sorted((Path(p.file).name, p.field, p.message.split(" (")[0]) for p in problems)
    assert found == [("a.yaml", "first_name", "invalid must be drop"),
                     ("b.yaml", "first_name", "invalid applies to list formats"),
                     ("b.yaml", "last_name", "invalid applies to list formats")]
    with pytest.raises(MappingError):
        load_formats([tmp_path])
