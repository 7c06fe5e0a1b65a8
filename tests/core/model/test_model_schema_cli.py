"""``hub schema``: JSON Schema of one or all document types, or a readable summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.errors import NotFoundError
from hub.core.model import DOCUMENT_TYPES
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings


@pytest.fixture()
def invoke(tmp_path: Path):  # type: ignore[no-untyped-def]
    runtime = HubRuntime(HubSettings(database_url="sqlite:///" + str(tmp_path / "h.db")))
    cli = build_cli(runtime)

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, list(args), obj=runtime)

    yield run
    runtime.close()


def test_schema_of_one_type_as_json(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema", "sales_order", "--json")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema["title"] == "SalesOrder"
    assert {"currency", "sold_to_hub_id", "order_date"} <= set(schema["required"])
    assert schema["properties"]["status"]["$ref"] == "#/$defs/OrderStatus"
    assert schema["$defs"]["OrderStatus"]["enum"] == ["open", "in_process", "completed", "cancelled", "credit_blocked"]
    amount = schema["$defs"]["Money"]["properties"]["amount"]
    assert {"type": "number"} not in amount["anyOf"]
    assert schema["$defs"]["Money"]["properties"]["currency"]["pattern"] == "^[A-Za-z]{3}$"


def test_schema_of_all_types_as_json(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema", "--json")
    assert result.exit_code == 0, result.output
    schemas = json.loads(result.output)
    assert list(schemas) == list(DOCUMENT_TYPES)
    assert schemas["partner"]["properties"]["kind"]["$ref"] == "#/$defs/PartnerKind"


def test_summary_table_lists_every_type(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema")
    assert result.exit_code == 0, result.output
    for doc_type, cls in DOCUMENT_TYPES.items():
        assert doc_type in result.output and cls.__name__ in result.output
    assert str(len(DOCUMENT_TYPES["partner"].model_fields)) in result.output


def test_summary_of_one_type_lists_its_fields(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema", "coupon")
    assert result.exit_code == 0, result.output
    assert "Fields of coupon" in result.output
    assert "max_redemptions" in result.output and "CouponKind" in result.output
    assert "sales_order" not in result.output and "SalesOrder" not in result.output


def test_unknown_type_raises_not_found(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("schema", "lead")
    assert isinstance(result.exception, NotFoundError)
    assert "sales_order" in str(result.exception)
