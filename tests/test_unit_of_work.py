"""One unit of work per request: a view that returns is committed once, one that raises is
rolled back, and no view module commits by itself."""
import ast
import io
import pathlib

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from exchange.accounts.models import Business, MatchMailMode, Member, Role
from exchange.content.models import Event, EventRegistration
from exchange.extensions import db
from exchange.listings import files
from exchange.listings.models import StoredFile
from tests.content.conftest import make_event
from tests.listings.conftest import image_bytes, stored_files
from tests.factories import csrf_token, login, make_member, valid_tax_code

EXCHANGE = pathlib.Path(__file__).resolve().parent.parent / "exchange"
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


@pytest.fixture
def commits():
    """How many transactions were committed, by any session, while the test ran."""
    counted = []

    def count(_session):
        counted.append(1)

    event.listen(Session, "after_commit", count)
    yield counted
    event.remove(Session, "after_commit", count)


def _businesses() -> int:
    return db.session.scalar(select(func.count()).select_from(Business))


def test_a_request_that_fails_after_writing_leaves_nothing_behind(app, client):
    def fails_halfway():
        db.session.add(Business(name="Công ty Nửa chừng", tax_code=valid_tax_code(),
                                province="ha_noi"))
        db.session.flush()
        raise RuntimeError("the view fails after its write")

    app.add_url_rule("/test/fails-halfway", view_func=fails_halfway)
    assert client.get("/test/fails-halfway").status_code == 500
    assert _businesses() == 0


def test_a_failed_commit_is_an_error_page_not_the_views_answer(app, client):
    taken = valid_tax_code()
    db.session.add(Business(name="Công ty Có trước", tax_code=taken, province="ha_noi"))
    db.session.commit()

    def says_saved():
        # a duplicate tax code, left unflushed: only the request's commit finds it
        db.session.add(Business(name="Công ty Trùng", tax_code=taken, province="ha_noi"))
        return "saved"

    app.add_url_rule("/test/says-saved", view_func=says_saved)
    response = client.get("/test/says-saved")
    assert response.status_code == 500
    assert response.get_data(as_text=True) != "saved"
    assert _businesses() == 1


class _Part:
    def __init__(self, data, filename):
        self.stream, self.filename = io.BytesIO(data), filename


def test_files_stored_for_a_commit_that_fails_are_removed_again(app, client):
    taken = valid_tax_code()
    db.session.add(Business(name="Công ty Có trước", tax_code=taken, province="ha_noi"))
    db.session.commit()
    prepared = files.prepare_image(_Part(image_bytes("PNG"), "anh.png"))

    def stores_then_fails():
        with files.stored([prepared]):
            pass
        db.session.add(Business(name="Công ty Trùng", tax_code=taken, province="ha_noi"))
        return "saved"

    app.add_url_rule("/test/stores-then-fails", view_func=stores_then_fails)
    assert client.get("/test/stores-then-fails").status_code == 500
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert stored_files(app) == []


def test_a_request_that_succeeds_commits_once(app, commits):
    member = make_member(match_mail_mode=MatchMailMode.IMMEDIATE)
    client = app.test_client()
    login(client, member)
    token = csrf_token(client, "/account/notifications")
    commits.clear()
    response = client.post("/account/notifications",
                           data={"match_mail_mode": "daily", "csrf_token": token})
    assert response.status_code == 302
    assert len(commits) == 1
    assert db.session.get(Member, member.id).match_mail_mode == MatchMailMode.DAILY


def test_a_request_that_writes_nothing_commits_nothing(app, client, commits):
    assert client.get("/").status_code == 200
    assert commits == []


def test_a_refusal_found_by_a_unique_constraint_shows_its_message_and_writes_nothing(
        app, client):
    editor = make_member(business=None, role=Role.EDITOR)
    item = make_event(editor, capacity=5)
    token = csrf_token(client)
    engine, sneaked = db.engine, []

    def another_request_got_there_first(conn, _cursor, statement, *_args):
        # the place is taken; before this request adds its row, the same address is
        # registered (as a concurrent request would), so only the unique constraint
        # sees the duplicate
        if not sneaked and statement.lstrip().upper().startswith("UPDATE EVENTS"):
            sneaked.append(statement)
            conn.execute(EventRegistration.__table__.insert().values(
                event_id=item.id, name="Người khác", email="an@example.vn", organisation=""))

    event.listen(engine, "after_cursor_execute", another_request_got_there_first)
    try:
        response = client.post(f"/events/{item.id}/register?lang=en", data={
            "name": "Nguyễn An", "email": "an@example.vn", "organisation": "",
            "csrf_token": token})
    finally:
        event.remove(engine, "after_cursor_execute", another_request_got_there_first)
    assert sneaked, "the registration took no place"
    assert response.status_code == 409
    assert "This email address is already registered." in response.get_data(as_text=True)
    assert db.session.get(Event, item.id).registered_count == 0
    assert db.session.scalar(select(func.count()).select_from(EventRegistration)) == 0


def _view_modules():
    """Every module under exchange/ that defines a route."""
    for path in sorted(EXCHANGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
               and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                       and d.func.attr in ROUTE_DECORATORS for d in node.decorator_list)
               for node in ast.walk(tree)):
            yield path, tree


def test_no_view_module_commits():
    modules = dict(_view_modules())
    assert EXCHANGE / "content" / "editor.py" in modules  # the walk finds view modules
    commits = [f"{path.relative_to(EXCHANGE.parent)}:{node.lineno}"
               for path, tree in modules.items() for node in ast.walk(tree)
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "commit"]
    assert commits == [], "views leave the commit to exchange/core/unitofwork.py"
