"""Registering for an event with a capacity: a place is taken by one conditional UPDATE."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from exchange.content.models import Event, EventRegistration
from exchange.core.messages import lazy_message
from exchange.core.urls import site_url
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.mail import queue_mail
from exchange.timeutil import utcnow


class RegistrationRefused(DomainError):
    status_code = 409


def register(event: Event, name: str, email: str, organisation: str,
             locale: str = "vi") -> EventRegistration:
    """Take a place if one is left. The count is raised with `WHERE registered_count <
    capacity`, so two visitors racing for the last place cannot both get it on any database
    (the row is locked by the UPDATE until the transaction ends)."""
    if not event.has_form or not event.is_public():
        raise RegistrationRefused(_l("This event does not take registrations here."),
                                  code="no_form")
    if event.ends_at <= utcnow():
        raise RegistrationRefused(_l("This event is over."), code="over")
    email = email.strip().lower()
    if db.session.scalar(select(EventRegistration.id).where(
            EventRegistration.event_id == event.id, EventRegistration.email == email)):
        raise RegistrationRefused(_l("This email address is already registered."),
                                  code="already")
    taken = db.session.execute(
        update(Event).where(Event.id == event.id,
                            Event.registered_count < Event.capacity)
        .values(registered_count=Event.registered_count + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise RegistrationRefused(_l("The event is full."), code="full")
    registration = EventRegistration(event_id=event.id, name=name.strip(), email=email,
                                     organisation=organisation.strip())
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        # the same address registered concurrently: the view rolls back the count too
        raise RegistrationRefused(_l("This email address is already registered."),
                                  code="already") from None
    db.session.refresh(event)
    queue_mail(email, lazy_message(_l("Registration confirmed: %(title)s"),
                                   title=event.localized("title", locale)),
               "event_registration", dedupe_key=f"event-registration-{registration.id}",
               locale=locale, registration=registration, event=event,
               title=event.localized("title", locale),
               link=site_url("content.event", event_id=event.id))
    return registration
