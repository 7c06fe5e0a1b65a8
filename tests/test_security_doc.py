"""docs/security.md names the tests that hold each of its points: they must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test")}


def test_every_test_the_threat_model_names_exists() -> None:
    references = REFERENCE.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(references) >= 30
    missing = [f"{file}::{name}" for file, name in references
               if not (ROOT / file).is_file() or name not in _tests_in(ROOT / file)]
    assert missing == []


def test_every_numbered_point_names_a_test() -> None:
    points = re.split(r"\n(?=\d+\. \*\*)", GUIDE.read_text(encoding="utf-8"))[1:]
    assert len(points) >= 15
    untested = [point.splitlines()[0] for point in points if not REFERENCE.search(point)]
    assert untested == []
