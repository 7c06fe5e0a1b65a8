"""The worked example of docs/plugins.md installs with pip, shows in `hub plugins`, and
passes its own tests: the guide keeps working as the hub changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "example"
HUB = str(Path(sys.executable).parent / "hub")
LOAD_ENTRY_MODULE = (
    "import sys, importlib.metadata as md\n"
    "[ep] = [ep for ep in md.entry_points(group='crm_hub.plugins') if ep.name == 'webform']\n"
    "ep.load()\n"
    "print(sorted(m for m in sys.modules if m.startswith(('hub.api', 'hub.cli', 'hub.http', 'httpx', 'starlette'))))\n"
)
"""Loads the example's entry module alone and prints the heavy modules it pulled in."""


def test_the_guides_example_installs_with_pip_and_its_tests_pass(tmp_path: Path) -> None:
    target = tmp_path / "site"
    source = tmp_path / "hub-webform"  # a copy: building in place would leave build/ in the checkout
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(source)], check=True, capture_output=True,
                   timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    listed = subprocess.run([HUB, "plugins", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            check=True, timeout=120)
    [webform] = [p for p in json.loads(listed.stdout) if p["name"] == "webform"]
    assert (webform["version"], webform["module"], webform["codecs"]) == ("1.0.0", "hub_webform.plugin", ["json"])
    loaded = subprocess.run([sys.executable, "-c", LOAD_ENTRY_MODULE], cwd=tmp_path, env=env, capture_output=True,
                            text=True, check=True, timeout=120)
    assert loaded.stdout.strip() == "[]", "the guide's plugin.py must stay light: every hub command imports it"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout
