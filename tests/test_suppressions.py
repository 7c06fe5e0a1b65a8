"""Every ``type: ignore`` and ``noqa`` under hub/ and plugins/ names what it silences and
says why, on its own line: ``# type: ignore[code]  # reason``, ``# noqa: CODE - reason``.
(mypy reports an ignore that silences nothing, ruff a noqa; this test asks for the why.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<rest>.*)$")
NOQA = re.compile(r"#\s*noqa(?P<rest>.*)$")
EXPLAINED_IGNORE = re.compile(r"\[[a-z-]+(, ?[a-z-]+)*\]  # \S")
EXPLAINED_NOQA = re.compile(r": [A-Z]+[0-9]+(, ?[A-Z]+[0-9]+)* (-|--|#) \S")


def _sources() -> list[Path]:
    return sorted(path for folder in ("hub", "plugins") for path in (ROOT / folder).rglob("*.py"))


def test_every_type_ignore_and_noqa_names_its_code_and_its_reason() -> None:
    unexplained = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern, explained in ((IGNORE, EXPLAINED_IGNORE), (NOQA, EXPLAINED_NOQA)):
                found = pattern.search(line)
                if found is not None and not explained.match(found.group("rest")):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unexplained, "write the code and the reason:\n" + "\n".join(unexplained)


def test_the_check_refuses_a_bare_suppression() -> None:
    for bare in ("x = 1  # type: ignore", "x = 1  # type: ignore[arg-type]", "x  # noqa", "x  # noqa: B018"):
        found = (IGNORE if "ignore" in bare else NOQA).search(bare)
        assert found is not None
        assert not (EXPLAINED_IGNORE if "ignore" in bare else EXPLAINED_NOQA).match(found.group("rest"))
