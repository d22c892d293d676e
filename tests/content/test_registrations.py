"""Registering for an event: places counted by a conditional update, mail through the outbox."""
import threading

import pytest
from sqlalchemy import func, select

from exchange.content.models import Event, EventRegistration
from exchange.content.registrations import RegistrationRefused, register
from exchange.extensions import db
from tests.conftest import PG_URL
from tests.content.conftest import make_event
from tests.factories import csrf_token


def _register(client, event, name, email):
    return client.post(f"/events/{event.id}/register", data={
        "name": name, "email": email, "organisation": "HTX Cà phê",
        "csrf_token": csrf_token(client)})


def test_visitors_register_until_the_event_is_full(client, editor, smtp):
    event = make_event(editor, capacity=2)
    assert _register(client, event, "Nguyễn An", "an@example.vn").status_code == 302
    assert _register(client, event, "Trần Bình", "binh@example.vn").status_code == 302
    full = _register(client, event, "Lê Chi", "chi@example.vn")
    assert full.status_code == 409
    assert "full" in full.get_data(as_text=True) or "hết chỗ" in full.get_data(as_text=True)

    assert db.session.get(Event, event.id).registered_count == 2
    assert db.session.scalar(select(func.count()).select_from(EventRegistration)) == 2
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert 'id="event-full"' in page
    mails = smtp.wait_for(2)
    assert {m["To"] for m in mails} == {"an@example.vn", "binh@example.vn"}
    assert "Techmart Đắk Lắk 2026" in mails[0]["Subject"]


def test_the_same_address_registers_once(client, editor):
    event = make_event(editor, capacity=5)
    assert _register(client, event, "Nguyễn An", "an@example.vn").status_code == 302
    assert _register(client, event, "Nguyễn An", "AN@example.vn").status_code == 409
    assert db.session.get(Event, event.id).registered_count == 1


def test_events_without_a_form_or_not_public_refuse_registrations(app, editor):
    no_form = make_event(editor, capacity=None)
    draft = make_event(editor, publish_at=None)
    for event in (no_form, draft):
        with pytest.raises(RegistrationRefused):
            register(event, "A", "a@example.vn", "")
        db.session.rollback()


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL.startswith("postgresql"),
                    reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)")
def test_racing_visitors_never_take_more_places_than_there_are(app, editor):
    event_id = make_event(editor, capacity=3).id
    results = []
    start = threading.Barrier(10)

    def attempt(n):
        with app.app_context():
            try:
                event = db.session.get(Event, event_id)
                start.wait()  # all ten ask for a place at the same instant
                register(event, f"Khách {n}", f"k{n}@example.vn", "")
                db.session.commit()
                results.append(True)
            except RegistrationRefused:
                db.session.rollback()
                results.append(False)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert results.count(True) == 3
    assert db.session.get(Event, event_id).registered_count == 3
    assert db.session.scalar(select(func.count()).select_from(EventRegistration)) == 3
