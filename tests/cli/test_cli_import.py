"""`hub import` as a user runs it: a real process, killed by SIGKILL mid-import and run
again; the summary, show, review and decide; bad files refused with file, row and column."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.lists.listformat import SHIPPED_FORMATS
from hub.core.store import migrate
from hub.core.store.db import create_engine

HUB = str(Path(sys.executable).parent / "hub")
SAMPLE = SHIPPED_FORMATS / "trade_fair.csv"
COLUMNS = SAMPLE.read_text(encoding="utf-8").splitlines()[0].split(";")
FIRST = ["Anna", "Jürgen", "Claire", "Ole", "Petra", "Max", "Eva", "Lena", "Paul", "Jonas", "Mia", "Ida"]
LAST = ["Müller", "Schmidt", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf"]
STREETS = ["Hauptstraße", "Gartenweg", "Ringstraße", "Lindenallee", "Bahnhofstraße", "Am Markt"]


def visitors(path: Path, count: int, seed: int = 3) -> Path:
    """A list of ``count`` distinct visitors; every 50th row repeats an earlier one with a typo."""
    rng = random.Random(seed)
    people: list[list[str]] = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(COLUMNS)
        for n in range(count):
            if n % 50 == 49:
                row = list(rng.choice(people))
                row[3] = row[3][:-1] + row[3][-1].upper()
            else:
                born = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1940, 2004)}"
                row = ["", "", rng.choice(FIRST), rng.choice(LAST), born, rng.choice(STREETS), str(n % 200 + 1),
                       f"{10000 + n:05d}", "Köln", "DE", f"v{n}@example.de", "", "", "", "", ""]
                people.append(row)
            row[0] = f"V-{n:06d}"
            writer.writerow(row)
    return path


def hub(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def setup(tmp_path: Path, database_url: str) -> tuple[dict[str, str], sa.Engine]:
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_MAPPINGS_DIR": str(tmp_path / "mappings")}
    return env, engine


def scalar(engine: sa.Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


@pytest.mark.slow
def test_an_import_killed_mid_way_carries_on_and_imports_every_row_exactly_once(
        tmp_path: Path, setup: tuple[dict[str, str], sa.Engine]) -> None:
    env, engine = setup
    path = visitors(tmp_path / "visitors.csv", 4000)
    command = ["import", "partners", str(path), "--format", "trade_fair", "--list", "visitors", "--batch-size",
               "100", "--json"]
    process = subprocess.Popen([HUB, *command], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    cursor = 0
    while time.monotonic() < deadline and cursor < 700:
        time.sleep(0.05)
        with engine.connect() as conn:
            cursor = conn.execute(sa.text("SELECT coalesce(max(cursor), 0) FROM list_imports")).scalar_one()
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    killed_at = scalar(engine, "SELECT cursor FROM list_imports")
    assert 700 <= killed_at < 4000, "the kill must land mid-import"
    assert scalar(engine, "SELECT status FROM list_imports") == "running"
    assert scalar(engine, "SELECT count(*) FROM list_import_rows") == killed_at

    again = hub(command, env, tmp_path)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["status"] == "completed" and summary["resumed_from"] == killed_at
    assert summary["rows"] == 4000 and summary["failed"] == 0
    assert summary["created"] + summary["linked"] + summary["review"] == 4000
    assert summary["linked"] >= 80  # the repeated visitors, before and after the kill
    assert scalar(engine, "SELECT count(*) FROM list_import_rows") == 4000
    assert scalar(engine, "SELECT count(DISTINCT row) FROM list_import_rows") == 4000
    partners = scalar(engine, "SELECT count(*) FROM documents WHERE doc_type = 'partner'")
    assert partners == summary["created"]
    keys = scalar(engine, "SELECT count(*) FROM key_map WHERE system = 'trade_fair'")
    assert keys == summary["created"] + summary["linked"]
    assert scalar(engine, "SELECT count(DISTINCT external_id) FROM key_map WHERE system = 'trade_fair'") == keys

    before = [scalar(engine, f"SELECT count(*) FROM {t}") for t in ("documents", "document_versions", "key_map",
                                                                     "queue_messages")]
    third = hub(command, env, tmp_path)
    assert third.returncode == 0 and json.loads(third.stdout)["rows"] == 4000
    assert [scalar(engine, f"SELECT count(*) FROM {t}") for t in ("documents", "document_versions", "key_map",
                                                                   "queue_messages")] == before
    engine.dispose()


@pytest.mark.slow
def test_the_commands_a_user_runs_on_the_sample(tmp_path: Path, setup: tuple[dict[str, str], sa.Engine]) -> None:
    env, engine = setup
    path = tmp_path / "fair.csv"
    path.write_bytes(SAMPLE.read_bytes())
    dry = hub(["import", "partners", str(path), "--format", "trade_fair", "--list", "fair", "--dry-run", "--first",
               "4", "--json"], env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    shown = json.loads(dry.stdout)["rows"]
    assert [r["key"] for r in shown] == ["TF-0001", "TF-0002", "TF-0003", "TF-0004"]
    assert shown[2]["problems"][0]["column"] == "Date of birth"
    assert scalar(engine, "SELECT count(*) FROM list_imports") == 0

    run = hub(["import", "partners", str(path), "--format", "trade_fair", "--list", "fair", "--json"], env, tmp_path)
    assert run.returncode == 1  # two rows failed
    summary = json.loads(run.stdout)
    assert {k: summary[k] for k in ("rows", "created", "linked", "review", "failed")} == {
        "rows": 7, "created": 4, "linked": 1, "review": 0, "failed": 2}
    assert isinstance(summary["seconds"], float) and summary["errors_file"] == f"{path}.errors.csv"
    with open(summary["errors_file"], encoding="utf-8", newline="") as errors:
        lines = list(csv.reader(errors))
    assert lines[0] == ["row", "key", "column", "reason", "action"]
    assert [(line[0], line[2], line[4]) for line in lines[1:]] == [
        ("4", "Date of birth", "value dropped"), ("4", "E-mail", "value dropped"), ("5", "Country", "value dropped"),
        ("6", "Last name", "row failed"), ("7", "Newsletter", "row failed")]

    show = json.loads(hub(["import", "show", "fair", "--rows", "--json"], env, tmp_path).stdout)
    assert show["status"] == "completed" and show["rows"][-1]["outcome"] == "linked"
    assert show["rows"][-1]["matched_hub_id"] == show["rows"][0]["hub_id"]
    text = hub(["import", "show", "fair"], env, tmp_path)
    assert "completed" in text.stdout and "trade_fair" in text.stdout
    assert json.loads(hub(["import", "review", "fair", "--json"], env, tmp_path).stdout) == []
    refused = hub(["import", "decide", "fair", "2", "--link"], env, tmp_path)
    assert refused.returncode == 1 and "row 2 of list 'fair' is created" in refused.stderr
    missing = hub(["import", "show", "nope"], env, tmp_path)
    assert missing.returncode == 1 and "no list 'nope' (lists: fair)" in missing.stderr
    engine.dispose()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "row 1: the file is empty"),
    ("Salutation;Last name\nFrau;Müller\n".encode(), "row 1, column 'Contact ID': the key column 'Contact ID'"),
    ("Contact ID;Last name;Fax\n1;Müller;0221\n".encode(), "row 1, column 'Fax': format trade_fair"),
])
def test_a_file_the_format_cannot_take_is_refused_before_anything_is_written(
        tmp_path: Path, sqlite_database_url: str, content: bytes, message: str) -> None:
    engine = create_engine(sqlite_database_url)
    migrate.upgrade(engine)
    env = {**os.environ, "HUB_DATABASE_URL": sqlite_database_url, "HUB_MAPPINGS_DIR": str(tmp_path / "mappings")}
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    run = hub(["import", "partners", str(path), "--format", "trade_fair", "--list", "bad"], env, tmp_path)
    assert run.returncode == 1
    assert run.stderr.startswith(f"error: {path}: ") and message in run.stderr
    assert scalar(engine, "SELECT count(*) FROM list_imports") == 0
    engine.dispose()


@pytest.mark.slow
def test_two_lists_of_the_same_people_imported_at_once_make_each_person_one_partner(
        tmp_path: Path, setup: tuple[dict[str, str], sa.Engine]) -> None:
    env, engine = setup
    fair = visitors(tmp_path / "fair.csv", 1200)
    lines = fair.read_text(encoding="utf-8").splitlines()
    # The same people under the other list's keys: each row of one is a row of the other.
    shop = tmp_path / "shop.csv"
    shop.write_text("\n".join([lines[0], *(line.replace("V-", "W-", 1) for line in lines[1:])]) + "\n",
                    encoding="utf-8")
    runs = [subprocess.Popen([HUB, "import", "partners", str(path), "--format", "trade_fair", "--list", path.stem,
                              "--batch-size", "40", "--json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for path in (fair, shop)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    summaries = [json.loads(out) for out, _ in outputs]
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT external_id, hub_id FROM key_map WHERE system = 'trade_fair'")).all()
        hub_ids = {external_id: hub_id for external_id, hub_id in rows}
        partners = conn.execute(sa.text("SELECT count(*) FROM documents WHERE doc_type = 'partner'")).scalar_one()
    both = [(hub_ids[f"V-{n:06d}"], hub_ids[f"W-{n:06d}"]) for n in range(1200)
            if f"V-{n:06d}" in hub_ids and f"W-{n:06d}" in hub_ids]
    assert len(both) >= 1150  # a few repeated visitors may wait for review
    assert [pair for pair in both if pair[0] != pair[1]] == []
    assert partners == sum(s["created"] for s in summaries) == len(set(hub_ids.values()))
    engine.dispose()
