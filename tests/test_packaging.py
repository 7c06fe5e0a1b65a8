"""A pip-installed hub carries every file its code reads.

The tests run in the checkout, where every file is at hand, so a file type missing from
``[tool.setuptools.package-data]`` shows only in an installed hub: once the IDoc
definitions (``*.json``) were left out, and a hub installed with ``pip install`` could
read no IDoc. This builds the wheel as pip does and looks for each tracked data file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_INSTALLED = {"README.md"}
"""Files for readers of the repository, not read by the code."""


def _tracked() -> list[str]:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs the git checkout to know which files are tracked")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_the_wheel_holds_every_data_file_of_hub_and_plugins(tmp_path: Path) -> None:
    tracked = _tracked()
    source = tmp_path / "source"  # a copy of the tracked files: a build in place would leave build/ behind
    for name in tracked:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    data_files = [name for name in tracked if name.startswith(("hub/", "plugins/"))
                  and not name.endswith(".py") and Path(name).name not in NOT_INSTALLED]
    assert len(data_files) > 40
    assert [name for name in data_files if name not in packed] == []
