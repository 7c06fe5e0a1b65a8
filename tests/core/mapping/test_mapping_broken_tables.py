"""Broken tables are refused with file, line and field, every problem at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hub.core.errors import MappingError
from hub.core.mapping import check_mapping_folders, load_mapping_set

HEADER = """\
system: shop
document_type: partner
format: json
inbound: [customers/create]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[tuple[str, int | None, str | None, str]]:
    _, problems = check_mapping_folders([folder])
    return [(Path(p.file).name, p.line, p.field, p.message) for p in problems]


def test_yaml_syntax_error_has_its_line(tmp_path):
    write(tmp_path, "bad.yaml", HEADER + "rules:\n  - target: kind\n    const: [unclosed\n")
    [(name, line, _, message)] = problems_of(tmp_path)
    assert name == "bad.yaml" and line == 8 and message.startswith("YAML error")


def test_every_problem_of_a_table_is_reported_with_file_line_field(tmp_path):
    write(tmp_path, "partner.yaml", HEADER + """\
        rules:
          - {target: kind, const: organisation}
          - {target: organisation_nam, source: name}
          - {target: last_name, source: last, transform: sap_dat}
          - {target: language, source: lang, values: no_such_list}
          - {target: first_name, source: first, colour: red}
          - {target: addresses, each: addresses, rules: [{target: city, source: city}, {target: zip, source: zip}]}
          - {target: emails, source: "a..b"}
        """.replace("        ", ""))
    found = problems_of(tmp_path)
    assert ("partner.yaml", 7, "organisation_nam", found[0][3]) == found[0]
    assert "Partner has no field 'organisation_nam'" in found[0][3]
    assert found[1][:3] == ("partner.yaml", 8, "last_name") and "unknown transform 'sap_dat'" in found[1][3]
    assert found[2][:3] == ("partner.yaml", 9, "language") and "no value list named 'no_such_list'" in found[2][3]
    assert found[3][:3] == ("partner.yaml", 10, "first_name") and "unknown key 'colour'" in found[3][3]
    assert found[4][:3] == ("partner.yaml", 11, "addresses.*.zip") and "Address has no field 'zip'" in found[4][3]
    assert found[5][:3] == ("partner.yaml", 12, "emails") and "empty step" in found[5][3]
    assert len(found) == 6
    with pytest.raises(MappingError) as caught:
        load_mapping_set([tmp_path])
    assert len(caught.value.problems) == 6
    assert str(caught.value).splitlines()[0].endswith("partner.yaml:7 [organisation_nam]: unknown canonical"
                                                      " field: Partner has no field 'organisation_nam' (known: "
                                                      + str(caught.value).splitlines()[0].split("(known: ")[1])


def test_missing_required_target_is_named(tmp_path):
    write(tmp_path, "partner.yaml", HEADER + "rules:\n  - {target: organisation_name, source: company}\n")
    [(_, line, field, message)] = problems_of(tmp_path)
    assert (line, field) == (5, "kind") and "required canonical field kind is not mapped" in message


def test_bad_value_list_csv_has_csv_line(tmp_path):
    write(tmp_path, "values/kinds.csv", "external,canonical\nB2B,organisation\nB2C,person\nB2B,person\n")
    write(tmp_path, "partner.yaml", HEADER + "rules:\n  - {target: kind, source: type, values: kinds}\n")
    inbound, outbound = problems_of(tmp_path)
    assert inbound[:3] == ("kinds.csv", 4, "value 'B2B'")
    assert "maps to both 'organisation' and 'person'" in inbound[3]
    assert outbound[:3] == ("kinds.csv", 4, "value 'person'") and "maps back to both" in outbound[3]


def test_value_list_ambiguous_backwards_needs_direction_column(tmp_path):
    write(tmp_path, "values/kinds.csv", "external,canonical\nB2B,organisation\nCOMPANY,organisation\n")
    write(tmp_path, "partner.yaml", HEADER + "rules:\n  - {target: kind, source: type, values: kinds}\n")
    [(_, line, _, message)] = problems_of(tmp_path)
    assert line == 3 and "mark all but one of these rows with direction 'in'" in message
    write(tmp_path, "values/kinds.csv",
          "external,canonical,direction\nB2B,organisation,both\nCOMPANY,organisation,in\n")
    assert problems_of(tmp_path) == []


def test_irreversible_rule_in_two_way_table_must_say_so(tmp_path):
    two_way = HEADER + "outbound: {message_type: customers/update}\n"
    write(tmp_path, "partner.yaml", two_way + """\
rules:
  - {target: kind, const: organisation}
  - {target: organisation_name, source: name, transform: "split(',', 0)"}
""")
    [(_, line, field, message)] = problems_of(tmp_path)
    assert (line, field) == (8, "organisation_name")
    assert "cannot be reversed" in message and "direction: inbound" in message
    write(tmp_path, "partner.yaml", two_way + """\
rules:
  - {target: kind, const: organisation}
  - {target: organisation_name, source: name, transform: "split(',', 0)", direction: inbound}
  - {target: organisation_name, source: name, direction: outbound}
""")
    assert problems_of(tmp_path) == []


def test_constant_of_the_wrong_type_and_unknown_top_level_key(tmp_path):
    write(tmp_path, "partner.yaml", HEADER + "colour: red\nrules:\n  - {target: kind, const: company}\n")
    found = problems_of(tmp_path)
    assert found[0][1:3] == (5, "colour") and "unknown key" in found[0][3]
    assert found[1][1:3] == (7, "kind") and "constant 'company' does not fit" in found[1][3]


def test_header_problems(tmp_path):
    write(tmp_path, "t.yaml", "system: shop\ndocument_type: invoice_thing\nformat: edifact\nrules: []\n")
    found = problems_of(tmp_path)
    assert [(line, field) for _, line, field, _ in found] == [(2, "document_type"), (3, "format"), (1, "inbound")]


def test_installation_folder_overrides_plugin_folder_and_same_folder_conflicts(tmp_path):
    good = HEADER + "rules:\n  - {target: kind, const: person}\n  - {target: last_name, source: name}\n"
    write(tmp_path / "install", "shop/partner.yaml", good)
    write(tmp_path / "plugin", "partner.yaml", good)
    mapping_set = load_mapping_set([tmp_path / "install", tmp_path / "plugin"])
    assert [Path(t.file).parent.name for t in mapping_set.tables] == ["shop"]
    assert len(mapping_set.shadowed) == 1
    write(tmp_path / "install", "shop/partner_copy.yaml", good)
    [(name, _, _, message)] = problems_of(tmp_path / "install")
    assert name == "partner_copy.yaml" and "already mapped by" in message
