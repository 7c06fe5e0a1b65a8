"""The plugin author's guide documents every hook and every public name (datasette's idea).

``docs/plugins.md`` must mention, as code (an inline code span or a code block), every
hook of ``hub.core.hookspecs``, every name of ``hub.api.__all__`` and every name of
``hub.testing``'s public modules (``fixtures``, ``live``, ``peer``, ``conformance``). A
name added without a word in the guide fails here, with the list of what is missing.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from types import ModuleType

from hub.core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"
TESTING_MODULES = ("hub.testing.fixtures", "hub.testing.live", "hub.testing.peer", "hub.testing.conformance")
PUBLIC_MODULES = ("hub.api", *TESTING_MODULES)

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1", re.MULTILINE | re.DOTALL)
_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _names_in_code() -> set[str]:
    """Every identifier written as code in the guide."""
    assert GUIDE.exists(), (f"{GUIDE.relative_to(ROOT)} does not exist: the plugin author's guide must document"
                            " every hook, every name of hub.api and of hub.testing's public modules")
    text = GUIDE.read_text(encoding="utf-8")
    code = [block for _, block in _FENCE.findall(text)]
    code += [span for _, span in _SPAN.findall(_FENCE.sub("", text))]
    return {name for piece in code for name in _NAME.findall(piece)}


def _missing(names: list[str], what: str) -> str:
    found = _names_in_code()
    missing = [name for name in names if name not in found]
    return "" if not missing else (f"{GUIDE.relative_to(ROOT)} does not document {len(missing)} {what}"
                                   f" (write each as code, e.g. `{missing[0]}`): {', '.join(missing)}")


def _hooks() -> list[str]:
    return sorted(name for name, value in vars(hookspecs).items() if hasattr(value, "crm_hub_spec"))


def _public(module_name: str) -> list[str]:
    names: list[str] = importlib.import_module(module_name).__all__
    return names


def test_every_hook_is_documented() -> None:
    hooks = _hooks()
    assert hooks, "no hook specs found"
    missing = _missing(hooks, "hooks")
    assert not missing, missing


def test_every_name_of_hub_api_is_documented() -> None:
    missing = _missing(_public("hub.api"), "names of hub.api")
    assert not missing, missing


def test_every_name_of_hub_testing_is_documented() -> None:
    missing = _missing([name for module in TESTING_MODULES for name in _public(module)], "names of hub.testing")
    assert not missing, missing


def _declared(module: ModuleType) -> list[str]:
    """The public names a module defines; for a module that only re-exports (no def or
    class of its own, as ``hub.api``), the names it imports."""
    assert module.__file__
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    if defined:
        defined += [target.id for node in tree.body if isinstance(node, ast.Assign)
                    for target in node.targets if isinstance(target, ast.Name)]
    else:
        defined = [alias.asname or alias.name for node in tree.body
                   if isinstance(node, ast.ImportFrom) and node.module != "__future__" for alias in node.names]
    return sorted(name for name in defined if not name.startswith("_"))


def test_every_public_module_declares_all_its_names_in_all() -> None:
    """``__all__`` is what the documentation tests read: it must name everything the
    module offers, once, so nothing public escapes them."""
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        declared, listed = _declared(module), sorted(module.__all__)
        unlisted = sorted(set(declared) - set(listed))
        stray = sorted(set(listed) - set(declared)) + sorted({n for n in listed if listed.count(n) > 1})
        assert listed == declared, (f"{module_name}.__all__ differs from the names it defines: not listed {unlisted},"
                                    f" listed but not defined, or twice: {stray}")
