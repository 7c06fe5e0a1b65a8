"""``PluginContext.ingest(..., state=...)``: a page and the cursor that follows it are kept
in one transaction, so a failure keeps neither and the page is read again, never skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from erp_fixtures import erp_runtime, scalar

from hub.core.errors import DocumentError
from hub.core.store.tables import DocumentRow
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc


def test_a_page_and_its_cursor_are_kept_together_or_not_at_all(database_url: str, tmp_path: Path) -> None:
    runtime = erp_runtime(database_url, tmp_path)
    try:
        context = runtime.plugin_context("erp_sap")
        created = datetime(2024, 5, 2, tzinfo=UTC)
        page = document("DEBMAS07", [debmas_idoc(customer(n), f"{n + 1:016d}", created) for n in range(3)])
        with pytest.raises(DocumentError, match="1 to 120 characters"):
            context.ingest(page, "page-2.xml", state={"x" * 121: "page 3"})  # fails after the documents posted
        assert scalar(runtime.engine, sa.select(sa.func.count()).select_from(DocumentRow.__table__)) == 0
        assert context.state("x" * 121) is None

        outcomes = context.ingest(page, "page-2.xml", state={"cursor": "page 3"})
        assert [o.status for o in outcomes] == ["posted"] * 3
        assert context.state("cursor") == "page 3"
        assert scalar(runtime.engine, sa.select(sa.func.count()).select_from(DocumentRow.__table__)) == 3
    finally:
        runtime.close()
