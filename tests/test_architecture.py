"""The package's import graph: no circle between modules, and dependencies pointing one way.

Layers, lowest first (issue 22): the kernel (extensions, timeutil, errors, taxonomy, the mail
outbox, core infrastructure) ← accounts ← listings ← the features (moderation, search,
matching, inquiries, payments, transfer, api, deals, …) ← the composition root (create_app,
the table registry, the home page and the periodic commands that drive every feature)."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "exchange"

KERNEL, ACCOUNTS, LISTINGS, FEATURES, ROOT_LAYER = range(5)
LAYER_NAMES = ["kernel", "accounts", "listings", "features", "composition root"]
# modules that put the features together, so they may import any of them
COMPOSITION = {"exchange", "exchange.models", "exchange.core.views",
               "exchange.core.home", "exchange.core.commands"}
KERNEL_PACKAGES = {"core"}
# effects.py drains the outboxes after a response: the features add their steps to it
KERNEL_MODULES = {"extensions", "timeutil", "errors", "taxonomy", "mail", "cli", "budget",
                  "dbstats", "ratelimits", "effects"}

# Upward imports (a lower layer importing a higher one, module- or function-level): none.
# A lower layer that must reach a feature announces (exchange/listings/signals.py) or
# offers a registry the feature fills when create_app sets it up (the drain's steps, the
# page cache's public state, the dashboard's parts).
UPWARD_IMPORTS_CEILING = 0


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    if module in COMPOSITION:
        return ROOT_LAYER
    parts = module.split(".")
    if (len(parts) == 2 and parts[1] in KERNEL_MODULES) or parts[1] in KERNEL_PACKAGES:
        return KERNEL
    return {"accounts": ACCOUNTS, "listings": LISTINGS}.get(parts[1], FEATURES)


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The exchange module an imported name lives in (the package if it is not a module)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(tree: ast.Module, module: str, known: dict[str, Path], module_level: bool):
    """(imported module, line) for each import of an exchange module; with module_level,
    only the imports that run when the module is imported (not inside a function, not
    under TYPE_CHECKING)."""
    package = module if known[module].name == "__init__.py" else module.rpartition(".")[0]

    def visit(nodes):
        for node in nodes:
            if module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                  ast.Lambda)):
                continue
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield alias.name, node.lineno
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    yield f"{base}.{alias.name}", node.lineno
            yield from visit(ast.iter_child_nodes(node))

    for name, line in visit(tree.body):
        if name.split(".")[0] != "exchange":
            continue
        target = _resolve(name, known)
        if target and target != module:
            yield target, line


def graph(module_level: bool) -> dict[str, set[tuple[str, int]]]:
    known = modules()
    return {module: set(imports(ast.parse(path.read_text(), str(path)), module, known,
                                module_level))
            for module, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def upward_imports() -> list[str]:
    found = []
    for module, targets in graph(module_level=False).items():
        for target, line in sorted(targets):
            if layer(target) > layer(module):
                found.append(f"{module}:{line} → {target} "
                             f"({LAYER_NAMES[layer(module)]} → {LAYER_NAMES[layer(target)]})")
    return found


def test_the_graph_sees_the_imports_it_should():
    # a positive control: the walk finds a known module-level import and a known
    # function-level one, so an empty answer below means "none", not "not looking"
    module_level = graph(module_level=True)
    everything = graph(module_level=False)
    assert "exchange.extensions" in {target for target, _ in module_level["exchange.mail"]}
    # create_app imports the features' blueprints inside the function only
    assert "exchange.search.views" not in {t for t, _ in module_level["exchange"]}
    assert "exchange.search.views" in {t for t, _ in everything["exchange"]}
    # and layer() ranks a feature above the listings it would import
    assert layer("exchange.search.outbox") > layer("exchange.listings.lifecycle")
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle():
    edges = {module: {target for target, _ in targets}
             for module, targets in graph(module_level=True).items()}
    assert circles(edges) == []


def test_upward_imports_do_not_grow():
    found = upward_imports()
    assert len(found) <= UPWARD_IMPORTS_CEILING, "\n".join(found)


def _says_why(line: str) -> bool:
    """A comment with words in it, beyond a bare `noqa` code."""
    comment = line.partition("#")[2]
    comment = re.sub(r"noqa(:\s*[A-Z]+\d+(\s*,\s*[A-Z]+\d+)*)?", "", comment)
    return any(character.isalpha() for character in comment)


def unexplained_function_level_imports() -> list[str]:
    """Imports of exchange modules that run only when a function does (most dodge an import
    circle), without a comment on their line or the line above saying why. An import right
    below an explained one is explained by it (a block under one comment)."""
    found = []
    known = modules()
    for module, path in known.items():
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text, str(path))
        at_import = {line for _target, line in imports(tree, module, known, True)}
        explained = set()
        for line in sorted({line for _target, line in imports(tree, module, known, False)}
                           - at_import):
            above = lines[line - 2].strip() if line > 1 else ""
            if (_says_why(lines[line - 1])
                    or (above.startswith("#") and _says_why(above))
                    or line - 1 in explained):
                explained.add(line)
            else:
                found.append(f"{module}:{line}: {lines[line - 1].strip()}")
    return found


def test_the_comment_check_tells_a_reason_from_none():
    assert _says_why("    from exchange.a import b  # imported here: a imports this module")
    assert not _says_why("    from exchange.a import b  # noqa: F401")
    assert not _says_why("    from exchange.a import b")


def test_every_function_level_import_says_why():
    assert unexplained_function_level_imports() == []
