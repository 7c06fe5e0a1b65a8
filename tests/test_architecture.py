"""Rules of the code base that a reviewer should not have to police by hand."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from hub.core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = sorted(p.name for p in (ROOT / "plugins").iterdir()
                 if p.is_dir() and (p / "__init__.py").exists())


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_plugin_imports_another_plugin() -> None:
    offences = []
    for plugin in PLUGINS:
        for path in (ROOT / "plugins" / plugin).rglob("*.py"):
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] == "plugins" and len(parts) > 1 and parts[1] != plugin:
                    offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []


PLUGIN_MAY_IMPORT = ("hub", "hub.api", "hub.testing")


def test_plugins_import_only_the_public_api() -> None:
    """A plugin stands on ``hub.api`` (and ``hub.testing``, ``hookimpl`` from ``hub``) alone."""
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "plugins").rglob("*.py")
        for module in _imports(path)
        if module.split(".")[0] == "hub"
        and not any(module == allowed or module.startswith("hub.testing.") for allowed in PLUGIN_MAY_IMPORT)
    ]
    assert offences == []


def test_a_plugin_module_imports_no_cli_server_simulator_or_demo() -> None:
    """Every ``hub`` command imports each plugin's entry module: it must stay light. The
    hub's own plugins are checked; another one installed beside them answers for itself."""
    script = (
        "import sys, importlib.metadata as md\n"
        "for ep in md.entry_points(group='crm_hub.plugins'):\n"
        "    if ep.value.startswith('plugins.'):\n"
        "        ep.load()\n"
        "heavy = [m for m in sys.modules if m.startswith(('hub.cli', 'hub.http', 'hub.api', 'zeep', 'lxml'))"
        " or '.simulator' in m or m.endswith('.demo')]\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_core_never_imports_a_plugin() -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "hub").rglob("*.py")
        for module in _imports(path)
        if module == "plugins" or module.startswith("plugins.")
    ]
    assert offences == []


def test_every_hook_is_prefixed_typed_and_documented() -> None:
    specs = [f for name, f in vars(hookspecs).items()
             if callable(f) and hasattr(f, "crm_hub_spec")]
    assert specs, "no hook specs found"
    for spec in specs:
        assert spec.__name__.startswith("hub_"), spec.__name__
        assert inspect.getdoc(spec), f"{spec.__name__} has no docstring"
        signature = inspect.signature(spec)
        assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values())


def test_the_built_in_plugins_all_exist() -> None:
    assert PLUGINS == ["contracts", "ecommerce", "erp_sap", "loyalty_pos"]


def test_migrations_import_no_application_code() -> None:
    """A migration must go on doing what it did when it was written, whatever the
    application's modules become."""
    folder = ROOT / "hub" / "core" / "store" / "migrations"
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in folder.rglob("*.py")
        for module in _imports(path)
        if module.split(".")[0] in ("hub", "plugins")
    ]
    assert offences == []


def test_table_modules_do_not_import_each_other() -> None:
    """Each table module stands alone; ``hub.core.store.schema`` gathers them."""
    modules = {"hub.core.store.tables", "hub.core.queue.tables"}
    offences = [
        f"{name} imports {module}"
        for name in modules
        for module in _imports(ROOT / (name.replace(".", "/") + ".py"))
        if module in modules - {name}
    ]
    assert offences == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of ours that ``path`` imports when it runs: at module level or in a
    function, but not in an ``if TYPE_CHECKING:`` block; a package is not counted as
    imported by its own submodules (Python runs its ``__init__`` first anyway)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only = {id(node) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                   for node in ast.walk(block)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            targets.add(base)
            targets |= {f"{base}.{alias.name}" for alias in node.names}
    found = set()
    for target in targets:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            module = ".".join(parts[:end])
            if module in known and module != name and not name.startswith(module + "."):
                found.add(module)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    """Import cycles make the order of imports matter and hide who depends on whom."""
    paths = {_module_name(p): p for folder in ("hub", "plugins") for p in (ROOT / folder).rglob("*.py")}
    graph = {name: _runtime_imports(path, name, set(paths)) for name, path in paths.items()}
    cycles = []
    for start in graph:
        seen, stack = {start}, [(start, [start])]
        while stack:
            module, trail = stack.pop()
            for target in graph[module]:
                if target == start:
                    cycles.append(" -> ".join([*trail, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*trail, target]))
    assert cycles == []


def test_the_public_api_exports_the_whole_canonical_model() -> None:
    """Plugins share the canonical model only through ``hub.api``: a class added to the
    model must be added there too."""
    import hub.api
    import hub.core.model

    assert sorted(set(hub.core.model.__all__) - set(hub.api.__all__)) == []
