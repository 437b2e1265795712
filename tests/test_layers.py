"""Issue 31 item 5: folders that show the layers, and imports that only go down.

py_core/core (bytes -> lines -> billed requests -> prices, and the vocabulary every layer shares) <- report <- views
<- state <- shells. A module imports its own layer and the layers below it, never one above; no module imports
another's private names; there is no import cycle (imports inside functions counted)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "py_core"
LAYERS = ["core", "report", "views", "state", "shells"]


def _modules():
    """{dotted module: path} of py_core's modules."""
    out = {}
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _resolve(mod, node, is_pkg):
    """The dotted modules an ImportFrom of module `mod` names (each imported name that is a module counts as one)."""
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    if node.level:
        base = base[:len(base) - (node.level - 1)]
        target = base + (node.module.split(".") if node.module else [])
    else:
        target = node.module.split(".")
    return ".".join(target)


def imports():
    """{module: [(imported module, [names])]} — py_core's own imports, wherever written."""
    mods = _modules()
    out = {}
    for mod, path in mods.items():
        edges = out.setdefault(mod, [])
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(mod, node, is_pkg)
                if not target.startswith("py_core"):
                    continue
                names = [a.name for a in node.names]
                subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in mods]
                if subs:
                    edges.extend((s, []) for s in subs)
                else:
                    edges.append((target, names))
            elif isinstance(node, ast.Import):
                edges.extend((a.name, []) for a in node.names if a.name.startswith("py_core"))
    return out


def layer(mod):
    parts = mod.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else None


def test_every_module_is_in_a_layer():
    """Intent: py_core holds its layers' folders and only the package's own entry files at its top."""
    top = {m for m in _modules() if layer(m) is None and m not in [f"py_core.{x}" for x in LAYERS]}
    assert top == {"py_core", "py_core.__main__", "py_core.version"}


def test_imports_only_go_down():
    """Intent: no module imports a layer above its own (the core knows nothing of reports, views, state or shells)."""
    up = []
    for mod, edges in imports().items():
        mine = layer(mod)
        if mine is None:
            continue
        for target, _names in edges:
            theirs = layer(target)
            if theirs is not None and LAYERS.index(theirs) > LAYERS.index(mine):
                up.append(f"{mod} -> {target}")
    assert up == []


def test_no_module_imports_another_modules_private_names():
    """Intent: modules use each other's public names only (watch used five private helpers of cli)."""
    bad = [(m, t, n) for m, edges in imports().items() for t, names in edges for n in names
           if n.startswith("_") and not n.endswith("__")]
    assert bad == []


def test_no_import_cycle():
    """Intent: no import cycle among py_core's modules (watch <-> cli was one), counting imports inside functions."""
    graph = {m: {t for t, _n in edges if t != m and layer(t)} for m, edges in imports().items() if layer(m)}
    seen, stack = set(), []

    def visit(m):
        if m in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
        if m in seen:
            return
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            visit(t)
        stack.pop()
        seen.add(m)

    for m in sorted(graph):
        visit(m)


@pytest.mark.parametrize("name", LAYERS)
def test_a_layers_package_imports_nothing(name):
    """Intent: importing one module of a layer does not import its siblings (the status line's light path)."""
    tree = ast.parse((PKG / name / "__init__.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
