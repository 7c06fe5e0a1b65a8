"""`hub order show`, `hub invoice show`, `hub document show`, the 360-degree view and
`hub partner unmerge` as an administrator uses them: by any id, in a pipe, nothing cut."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.errors import NotFoundError
from hub.core.runtime import HubRuntime
from hub.testing import samples

HUB = str(Path(sys.executable).parent / "hub")


def run(runtime: HubRuntime, *args: str) -> Any:
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def _documents(runtime: HubRuntime) -> tuple[str, str, str]:
    service = runtime.masterdata()
    customer = service.upsert(samples.partner(relationships=[]), "erp_sap", "0000100042").hub_id
    order = service.upsert(samples.sales_order(sold_to_hub_id=customer, partners=[
        {"function": "sold_to", "partner_hub_id": customer}]), "erp_sap", "0000004711").hub_id
    invoice = service.upsert(samples.billing_document(payer_hub_id=customer, sold_to_hub_id=customer),
                             "erp_sap", "0090001234").hub_id
    return customer, order, invoice


def test_order_and_invoice_show_by_any_id(hub_runtime: HubRuntime) -> None:
    customer, order, invoice = _documents(hub_runtime)
    shown = run(hub_runtime, "order", "show", "erp_sap:0000004711", "--json")
    assert shown["hub_id"] == order and shown["external_ids"] == {"erp_sap": ["0000004711"]}
    assert shown["partners"] == {customer: ["partners.partner_hub_id", "sold_to_hub_id"]}
    assert [h["source"] for h in shown["history"]] == ["erp_sap"]
    assert run(hub_runtime, "invoice", "show", "0090001234", "--json")["summary"]["payment_status"] == "partially_paid"
    assert run(hub_runtime, "document", "show", invoice, "--json")["doc_type"] == "billing_document"
    with pytest.raises(NotFoundError, match="no billing_document with hub id or external id 'erp_sap:0000004711'"):
        run(hub_runtime, "invoice", "show", "erp_sap:0000004711")
    text = run(hub_runtime, "order", "show", order)
    # Off a terminal nothing is cut: the whole hub id and the whole ERP number are there.
    assert order in text and "erp_sap:0000004711" in text and "…" not in text


def test_partner_show_lists_documents_whole_in_a_pipe(hub_runtime: HubRuntime) -> None:
    customer, order, invoice = _documents(hub_runtime)
    text = run(hub_runtime, "partner", "show", "erp_sap:0000100042")
    assert "2 related document(s)" in text
    for hub_id in (customer, order, invoice):
        assert hub_id in text
    assert "…" not in text and "not sent" in text


def test_merge_and_unmerge_from_the_command_line(hub_runtime: HubRuntime) -> None:
    customer, order, _ = _documents(hub_runtime)
    dup = hub_runtime.masterdata().upsert(samples.partner(relationships=[], external_ids=[]), "ecommerce",
                                          "eu:77").hub_id
    hub_runtime.masterdata().upsert(samples.sales_order(hub_id=None, external_ids=[], sold_to_hub_id=dup,
                                                        partners=[]), "ecommerce", "eu:1001")
    assert "name " + customer in run(hub_runtime, "partner", "merge", customer, "ecommerce:eu:77")
    assert run(hub_runtime, "partner", "show", dup, "--json")["merged_into"] == customer
    undone = run(hub_runtime, "partner", "unmerge", dup, "--json")
    assert undone["keys_moved_back"] == ["ecommerce:eu:77"] and len(undone["documents_restored"]) == 1
    assert run(hub_runtime, "partner", "show", "ecommerce:eu:77", "--json")["partner"]["hub_id"] == dup


def test_unknown_document_is_one_error_line(tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "PATH": "/usr/bin:/bin"}
    subprocess.run([HUB, "init"], cwd=tmp_path, env=env, check=True, capture_output=True)
    out = subprocess.run([HUB, "order", "show", "erp_sap:nothing"], cwd=tmp_path, env=env, capture_output=True,
                         text=True)
    assert out.returncode == 1 and "no sales_order with hub id or external id 'erp_sap:nothing'" in out.stderr
    assert "Traceback" not in out.stderr
