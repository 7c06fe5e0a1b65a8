"""`hub demo` assembles every plugin's part against one live hub, from any folder, and
ends with the 360-degree view of the customer who bought in the web shop and in a store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HUB = str(Path(sys.executable).parent / "hub")


def _row(table: str, doc_type: str) -> str:
    """The first row of ``doc_type`` in a printed table, with the lines its cells wrap onto
    (their first cell is blank)."""
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if f"│ {doc_type} " in line)
    row = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("│") or line.split("│")[1].strip():
            break
        row.append(line)
    return "\n".join(row)


def test_the_demo_runs_in_an_empty_folder_and_ends_with_the_view_of_a_customer_of_shop_and_store(
        tmp_path: Path) -> None:
    run = subprocess.run([HUB, "demo", "--records", "20"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "== erp_sap ==" in run.stdout and "demo complete" in run.stdout
    assert (tmp_path / "var" / "demo" / "hub" / "hub.db").is_file()
    finale = run.stdout.split("== finale: one customer, web shop and store ==")[1]
    assert "Anna Schmidt ordered in a web shop and bought in a store" in finale
    assert "$ hub partner show bp_" in finale
    assert "loyalty_member" in finale and "loyalty_card" in finale  # the golden record says she is a member
    ids = finale.split("External ids")[1].split("Golden record")[0]
    for system in ("ecommerce", "erp_sap", "loyalty_pos"):  # her id in every system, one each
        assert ids.count(f"│ {system} ") == 1, ids
    related = finale.split("related document(s)")[1]
    order, receipt = _row(related, "sales_order"), _row(related, "retail_transaction")
    assert "ecommerce:eu:" in order and "erp_sap: confirmed" in order
    assert "loyalty_pos:S0" in receipt and "erp_sap: confirmed" in receipt
