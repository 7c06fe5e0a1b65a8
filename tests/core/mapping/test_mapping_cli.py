"""``hub mapping check|show`` and ``hub dry-run`` through the real CLI and plugin host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub import hookimpl
from hub.cli.main import build_cli
from hub.core.plugins import CodecSpec
from hub.core.raw import RawDocument
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings

TABLE = """\
system: testshop
document_type: partner
format: json
inbound: [customers/create]
rules:
  - {target: kind, const: person}
  - {target: last_name, source: name, required: true}
  - {target: emails, source: email}
"""


def parse(payload: bytes, source_name: str):
    for number, record in enumerate(json.loads(payload), start=1):
        yield RawDocument("testshop", "customers/create", f"{source_name}#{number}", "json", record)


class TestShopPlugin:
    """A tiny plugin with one JSON codec, registered like any other plugin."""

    @hookimpl
    def hub_register_codecs(self, registry):
        registry.add_codec(CodecSpec("customers-json", parse,
                                     accepts=lambda head, name: head.lstrip().startswith(b"[")))


@pytest.fixture()
def hub(tmp_path: Path):
    mappings = tmp_path / "mappings"
    (mappings / "testshop").mkdir(parents=True)
    (mappings / "testshop" / "partner.yaml").write_text(TABLE, encoding="utf-8")
    db = tmp_path / "hub.db"
    settings = HubSettings(database_url=f"sqlite:///{db}", mappings_dir=mappings,
                           disabled_plugins=["erp_sap", "ecommerce", "loyalty_pos"])
    runtime = HubRuntime(settings, extra_plugins={"testshop": TestShopPlugin()})
    cli = build_cli(runtime)

    def invoke(args: list[str]):
        return CliRunner().invoke(cli, args, obj=runtime)

    return invoke, mappings, db


def test_check_ok_and_json(hub):
    cli, mappings, _ = hub
    result = cli(["mapping", "check", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and [t["document_type"] for t in report["tables"]] == ["partner"]


def test_check_reports_every_problem_and_fails(hub):
    cli, mappings, _ = hub
    (mappings / "testshop" / "partner.yaml").write_text(
        TABLE.replace("last_name", "surname").replace("const: person", "const: robot"), encoding="utf-8")
    result = cli(["mapping", "check", str(mappings), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert [(p["line"], p["field"]) for p in problems] == [(6, "kind"), (7, "surname"), (5, "kind")]
    assert "constant 'robot' does not fit" in problems[0]["message"]


def test_show_markdown_and_json(hub):
    cli, _, _ = hub
    result = cli(["mapping", "show", "testshop", "partner"])
    assert result.exit_code == 0, result.output
    assert "| 7 | both | `name` | `last_name` |  | yes |" in result.output
    data = json.loads(cli(["mapping", "show", "testshop", "partner", "--json"]).output)
    assert [r["target"] for r in data["rules"]] == ["kind", "last_name", "emails"]


def test_dry_run_prints_documents_and_unmapped_and_writes_nothing(hub, tmp_path):
    cli, _, db = hub
    payload = tmp_path / "customers.json"
    payload.write_text(json.dumps([{"name": "Lovelace", "email": "ada@example.org", "shoe": 38},
                                   {"email": "nobody@example.org"}]), encoding="utf-8")
    result = cli(["dry-run", "testshop", str(payload), "--json"])
    assert result.exit_code == 1  # the second document fails
    entries = json.loads(result.output)
    assert entries[0]["document"]["last_name"] == "Lovelace" and entries[0]["unmapped"] == ["shoe"]
    assert entries[0]["mapping_file"].endswith("partner.yaml")
    assert "last_name <- name" in entries[1]["error"] and "required value is missing" in entries[1]["error"]
    assert not db.exists()


def test_dry_run_unknown_plugin(hub, tmp_path):
    cli, _, _ = hub
    payload = tmp_path / "x.json"
    payload.write_text("[]", encoding="utf-8")
    result = cli(["dry-run", "nosuch", str(payload)])
    assert result.exit_code != 0 and "has no codecs" in str(result.exception)


def _erp_hub(tmp_path: Path):  # type: ignore[no-untyped-def]  # a CLI runner bound to a hub
    runtime = HubRuntime(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}",
                                     mappings_dir=tmp_path / "mappings",
                                     disabled_plugins=["ecommerce", "loyalty_pos"]))
    return lambda args: CliRunner().invoke(build_cli(runtime), args, obj=runtime)


def test_check_says_where_each_table_in_effect_comes_from(tmp_path: Path) -> None:
    invoke = _erp_hub(tmp_path)
    result = invoke(["mapping", "check", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {t["from"] for t in report["tables"]} == {"plugin erp_sap"}
    assert {t["document_type"] for t in report["tables"]} >= {"partner", "product", "sales_order"}


def test_a_copied_table_overrides_the_plugins_and_brings_its_value_lists(tmp_path: Path) -> None:
    invoke = _erp_hub(tmp_path)
    result = invoke(["mapping", "copy", "erp_sap", "ORDERS", "--json"])
    assert result.exit_code == 0, result.output
    targets = {Path(c["to"]).relative_to(tmp_path / "mappings").as_posix() for c in json.loads(result.output)}
    assert {"erp_sap/ORDERS.yaml", "erp_sap/values/units.csv", "values/currencies.csv"} <= targets
    report = json.loads(invoke(["mapping", "check", "--json"]).output)
    orders = next(t for t in report["tables"] if "ORDERS" in t["inbound"])
    assert orders["from"] == "installation" and orders["file"].endswith("mappings/erp_sap/ORDERS.yaml")
    assert any(s["file"].endswith("plugins/erp_sap/mappings/erp_sap/ORDERS.yaml") for s in report["shadowed"])
    again = json.loads(invoke(["mapping", "copy", "erp_sap", "ORDERS", "--json"]).output)
    assert all(c["kept"] for c in again)  # an edited copy is never overwritten without --force


def test_a_plugin_with_codecs_but_no_table_in_effect_is_a_problem(hub) -> None:  # type: ignore[no-untyped-def]  # the fixture's tuple
    invoke, mappings, _ = hub
    (mappings / "testshop" / "partner.yaml").unlink()
    result = invoke(["mapping", "check"])
    assert result.exit_code == 1
    assert "plugin testshop: brings codecs but no mapping table is in effect" in result.output
