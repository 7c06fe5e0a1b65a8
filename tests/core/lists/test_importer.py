"""Importing lists end to end on SQLite and PostgreSQL: created, linked, held for review,
failed; exactly once across reruns; through master data, the key map and the outbox."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.lists import review, state
from hub.core.lists.dedupe import Deduplicator
from hub.core.lists.errors import ListFileError
from hub.core.lists.importer import ImportResult, ListImporter
from hub.core.lists.listformat import SHIPPED_FORMATS, RowMapper, check_header, find_format, load_formats
from hub.core.lists.serial import claim_matching
from hub.core.lists.source import open_list
from hub.core.lists.state import FileIdentity
from hub.core.matching.find import find_matches
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings
from hub.core.model.partner import Partner
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import keymap, migrate

SAMPLE = SHIPPED_FORMATS / "trade_fair.csv"
HEADER = SAMPLE.read_text(encoding="utf-8").splitlines()[0]


def run_import(runtime: HubRuntime, path: Path, name: str, batch: int = 3,
               matching: MatchingSettings | None = None) -> ImportResult:
    table = find_format(load_formats([]), "trade_fair")
    source = open_list(path)
    check_header(table, source.file, source.header)
    importer = ListImporter(runtime.masterdata(), RowMapper(table, name),
                            Deduplicator(matching or runtime.settings.matching), batch=batch)
    return importer.run(source, FileIdentity.of(path))


def counts(result: ImportResult) -> tuple[int, int, int, int, int]:
    return result.rows, result.created, result.linked, result.review, result.failed


def table_sizes(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in ("documents", "document_versions", "key_map", "queue_messages", "list_import_rows")}


def hub_id_of(engine: sa.Engine, key: str, system: str = "trade_fair") -> str | None:
    with engine.connect() as conn:
        return keymap.lookup(conn, system, "partner", key)


def write_list(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_sample_is_imported_once_and_a_rerun_changes_nothing(hub_runtime: HubRuntime, tmp_path: Path) -> None:
    path = tmp_path / "fair.csv"
    path.write_bytes(SAMPLE.read_bytes())
    result = run_import(hub_runtime, path, "fair 2026")
    assert counts(result) == (7, 4, 1, 0, 2) and result.status == "completed"
    engine = hub_runtime.engine
    anna = hub_id_of(engine, "TF-0001")
    assert anna is not None and hub_id_of(engine, "TF-0007") == anna  # the list's own duplicate, another batch
    partner = hub_runtime.masterdata().get(anna)
    assert isinstance(partner, Partner)
    assert partner.roles == ["prospect"] and partner.marketing_attributes["list"] == "fair 2026"
    with engine.connect() as conn:
        rows = {r.key: r for r in state.rows_of(conn, "fair 2026")}
        queued = conn.execute(sa.text("SELECT count(*) FROM queue_messages WHERE doc_type = 'partner'")).scalar_one()
    assert (rows["TF-0007"].outcome, rows["TF-0007"].matched_hub_id) == ("linked", anna)
    assert rows["TF-0005"].outcome == "failed" and rows["TF-0005"].problems[0][0] == "Last name"
    assert rows["TF-0003"].outcome == "created" and {p[0] for p in rows["TF-0003"].problems} == {
        "Date of birth", "E-mail"}
    assert queued >= 4  # every new partner is on its way to the ERP
    before = table_sizes(engine)
    again = run_import(hub_runtime, path, "fair 2026")
    assert counts(again) == counts(result) and again.resumed_from == 7
    assert table_sizes(engine) == before


def test_rows_matching_stored_partners_are_linked_and_the_golden_record_takes_what_they_add(
        hub_runtime: HubRuntime, tmp_path: Path) -> None:
    service = hub_runtime.masterdata()
    erp = service.upsert(Partner(kind="person", first_name="Jürgen", last_name="Schmidt", birth_date="1968-07-03",
                                 roles=["sold_to"], marketing_attributes={"segment": "B"},
                                 addresses=[{"street": "Bahnhofstraße", "house_number": "12a",
                                             "postal_code": "10115", "city": "Berlin", "country": "DE"}]),
                         "erp_sap", "0000004711")
    path = write_list(tmp_path / "fair.csv",
                      "F-1;Herr;Jürgen;Schmidt;03.07.1968;Bahnhofstr.;12a;10115;Berlin;DE;js@example.com;;Grills;ja;;")
    result = run_import(hub_runtime, path, "fair")
    assert counts(result) == (1, 0, 1, 0, 0)
    assert hub_id_of(hub_runtime.engine, "F-1") == erp.hub_id
    partner = service.get(erp.hub_id)
    assert isinstance(partner, Partner)
    assert {(r.system, r.id) for r in partner.external_ids} == {("erp_sap", "0000004711"), ("trade_fair", "F-1")}
    assert partner.roles == ["sold_to", "prospect"] and partner.emails == ["js@example.com"]
    assert partner.marketing_attributes == {"segment": "B", "interest": "Grills", "newsletter": "yes",
                                            "list": "fair"}


def test_a_second_list_with_known_keys_links_them_and_names_both_lists(hub_runtime: HubRuntime,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "fair.csv"
    path.write_bytes(SAMPLE.read_bytes())
    run_import(hub_runtime, path, "day 1")
    documents_before = table_sizes(hub_runtime.engine)["documents"]
    second = run_import(hub_runtime, path, "day 2", batch=100)
    assert counts(second) == (7, 0, 5, 0, 2)
    assert table_sizes(hub_runtime.engine)["documents"] == documents_before
    partner = hub_runtime.masterdata().find("trade_fair", "partner", "TF-0002")
    assert isinstance(partner, Partner) and partner.marketing_attributes["list"] == "day 1; day 2"


def _probability(engine: sa.Engine, row: Partner) -> float:
    """The best match's probability the matcher gives ``row`` against the store now."""
    with engine.connect() as conn:
        return find_matches(conn, [MatchRecord.from_partner(row)])[0].probability


def test_rows_between_the_thresholds_wait_for_review_and_are_decided(hub_runtime: HubRuntime,
                                                                     tmp_path: Path) -> None:
    service = hub_runtime.masterdata()
    stored = Partner(kind="person", first_name="Max", last_name="Weber", birth_date="1959-11-09",
                     addresses=[{"street": "Ringstraße", "house_number": "1", "postal_code": "70173",
                                 "city": "Stuttgart", "country": "DE"}])
    erp = service.upsert(stored, "erp_sap", "4712")
    path = write_list(tmp_path / "fair.csv",
                      "R-1;Herr;Max;Weber;;Ringstraße;1;70173;Stuttgart;DE;;;;;;",
                      "R-2;Herr;Max;Weber;;Ringstraße;1;70173;Stuttgart;DE;;;;;;",
                      "R-3;Herr;Max;Weber;;Ringstraße;1;70173;Stuttgart;DE;;;;;;")
    row = Partner(kind="person", first_name="Max", last_name="Weber",
                  addresses=[{"street": "Ringstraße", "house_number": "1", "postal_code": "70173",
                              "city": "Stuttgart", "country": "DE"}])
    p = _probability(hub_runtime.engine, row)
    assert 0.0 < p < 1.0
    band = MatchingSettings(link_threshold=min(1.0, p + (1 - p) / 2), review_threshold=p / 2)
    result = run_import(hub_runtime, path, "fair", batch=1, matching=band)
    assert counts(result) == (3, 0, 0, 3, 0)
    with hub_runtime.engine.connect() as conn:
        waiting = review.pairs(conn, "fair")
    assert [(w.row, w.key, w.hub_id) for w in waiting] == [(2, "R-1", erp.hub_id), (3, "R-2", erp.hub_id),
                                                           (4, "R-3", erp.hub_id)]
    assert waiting[0].data["last_name"] == "Weber" and waiting[0].partner is not None
    linked = review.decide(service, "fair", 2, link=True)
    created = review.decide(service, "fair", 3, link=False)
    assert (linked.outcome, linked.hub_id) == ("linked", erp.hub_id)
    assert created.outcome == "created" and created.hub_id != erp.hub_id
    assert hub_id_of(hub_runtime.engine, "R-1") == erp.hub_id and hub_id_of(hub_runtime.engine, "R-2") == created.hub_id
    with pytest.raises(Exception, match="row 2 of list 'fair' is linked"):
        review.decide(service, "fair", 2, link=False)
    with hub_runtime.engine.connect() as conn:
        now = state.get(conn, "fair")
    assert (now.created, now.linked, now.review, now.failed) == (1, 1, 1, 0)


def test_a_key_given_twice_fails_the_later_row_naming_the_first(hub_runtime: HubRuntime, tmp_path: Path) -> None:
    line = "D-1;Frau;Eva;Klein;;Gartenweg;{n};04109;Leipzig;DE;;;;;;"
    path = write_list(tmp_path / "fair.csv", line.format(n=1), line.replace("Eva", "Ida").format(n=2),
                      line.replace("Eva", "Ute").format(n=3), line.replace("D-1", "D-2").format(n=9))
    result = run_import(hub_runtime, path, "fair", batch=2)
    assert counts(result)[-1] == 2
    with hub_runtime.engine.connect() as conn:
        failed = [(r.row, r.problems) for r in state.rows_of(conn, "fair", outcome="failed")]
    assert failed == [(3, [["Contact ID", "key 'D-1' was already given in row 2", "row failed"]]),
                      (4, [["Contact ID", "key 'D-1' was already given in row 2", "row failed"]])]


def test_the_same_list_name_with_other_content_is_refused(hub_runtime: HubRuntime, tmp_path: Path) -> None:
    path = write_list(tmp_path / "fair.csv", "A-1;;Ann;Lee;;;;;Bonn;;;;;;;")
    run_import(hub_runtime, path, "fair")
    write_list(path, "A-1;;Ann;Lee;;;;;Bonn;;;;;;;", "A-2;;Bob;Lee;;;;;Bonn;;;;;;;")
    with pytest.raises(ListFileError, match="list 'fair' was imported from .* with other content"):
        run_import(hub_runtime, path, "fair")
    assert table_sizes(hub_runtime.engine)["list_import_rows"] == 1


WAITING_FOR_LOCK_OF = sa.text(
    "SELECT count(*) FROM pg_locks w JOIN pg_locks h USING (locktype, database, classid, objid, objsubid)"
    " WHERE w.locktype = 'advisory' AND NOT w.granted AND h.granted AND h.pid = :pid")
"""Sessions waiting for an advisory lock that the session ``pid`` holds."""


def test_deciding_a_row_waits_for_a_list_batch_that_is_matching(postgres_database_url: str, tmp_path: Path) -> None:
    """``decide --create`` makes a partner: while another list's batch holds the matching
    claim (it has read the store and not yet committed), the decision must wait, or that
    batch would miss the new partner and create the same person again."""
    runtime = HubRuntime(HubSettings(database_url=postgres_database_url, mappings_dir=tmp_path / "mappings"))
    migrate.upgrade(runtime.engine)
    try:
        service = runtime.masterdata()
        address = [{"street": "Ringstraße", "house_number": "1", "postal_code": "70173", "city": "Stuttgart",
                    "country": "DE"}]
        service.upsert(Partner(kind="person", first_name="Max", last_name="Weber", birth_date="1959-11-09",
                               addresses=address), "erp_sap", "4712")
        p = _probability(runtime.engine, Partner(kind="person", first_name="Max", last_name="Weber", addresses=address))
        band = MatchingSettings(link_threshold=min(1.0, p + (1 - p) / 2), review_threshold=p / 2)
        path = write_list(tmp_path / "fair.csv", "R-1;Herr;Max;Weber;;Ringstraße;1;70173;Stuttgart;DE;;;;;;")
        assert counts(run_import(runtime, path, "fair", batch=1, matching=band)) == (1, 0, 0, 1, 0)
        decided: list[review.Decision] = []
        with runtime.engine.connect() as batch:
            batch_pid = batch.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            claim_matching(batch)
            deciding = threading.Thread(target=lambda: decided.append(review.decide(service, "fair", 2, link=False)))
            deciding.start()
            waiting = False
            for _ in range(200):
                waiting = bool(batch.execute(WAITING_FOR_LOCK_OF, {"pid": batch_pid}).scalar_one())
                if waiting or not deciding.is_alive():
                    break
                time.sleep(0.05)
            assert waiting and not decided, "the decision did not wait for the batch's matching claim"
            batch.commit()
        deciding.join(20)
        assert [d.outcome for d in decided] == ["created"]
    finally:
        runtime.close()
