"""`hub demo` assembles every plugin's part against one live hub, from any folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HUB = str(Path(sys.executable).parent / "hub")


def test_the_demo_runs_in_an_empty_folder_and_says_it_completed(tmp_path: Path) -> None:
    run = subprocess.run([HUB, "demo", "--records", "20"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "== erp_sap ==" in run.stdout and "demo complete" in run.stdout
    assert (tmp_path / "var" / "demo" / "hub" / "hub.db").is_file()
