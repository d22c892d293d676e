"""A queue item's state has one writer: moderation.decisions.record_decision. The queue,
`flask exchange approve`, an import and the listing lifecycle all decide through it."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITER = ("exchange/moderation/decisions.py", "record_decision")


def _mentions_item_state(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "ItemState" for n in ast.walk(node))


def _targets(node):
    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
        yield from (target.elts if isinstance(target, ast.Tuple) else [target])


def state_writes(source: str):
    """(enclosing function, line) of each place that sets a state to an ItemState: an
    assignment to `.state`, a `state=` keyword (an UPDATE's values, a constructor) or a
    "state" key (a bulk insert's rows)."""
    found = []

    def visit(node, function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value:
            if (any(isinstance(t, ast.Attribute) and t.attr == "state" for t in _targets(node))
                    and _mentions_item_state(node.value)):
                found.append((function, node.lineno))
        elif isinstance(node, ast.keyword) and node.arg == "state":
            if _mentions_item_state(node.value):
                found.append((function, node.value.lineno))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and key.value == "state"
                        and _mentions_item_state(value)):
                    found.append((function, key.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(source), None)
    return found


def test_the_walk_finds_each_kind_of_write():
    # a positive control: each way the state was written before there was one writer
    sample = '''
def cli():
    item.state, item.decision = ItemState.DECIDED, "approve"
def cancel():
    item.state = ItemState.CANCELLED
def bulk():
    update(items).values(state=ItemState.DECIDED)
    insert(items), [{"kind": kind, "state": ItemState.WAITING}]
def read():
    select(QueueItem).where(QueueItem.state == ItemState.WAITING)
'''
    assert [f for f, _line in state_writes(sample)] == ["cli", "cancel", "bulk", "bulk"]


def test_queue_item_state_has_one_writer():
    writes = {}
    for path in sorted((ROOT / "exchange").rglob("*.py")):
        for function, line in state_writes(path.read_text()):
            writes.setdefault((str(path.relative_to(ROOT)), function), []).append(line)
    assert list(writes) == [WRITER], writes
