"""The demo data every bench starts from: the demo people and `listings` generated listings."""


def seed_demo(listings: int) -> dict:
    """Create the tables, the demo businesses and members, then the listings (written
    straight to the tables, around the outbox); returns the demo people."""
    from exchange.accounts.demo import seed_people
    from exchange.extensions import db
    from exchange.listings.demo import seed_listings

    db.create_all()
    people = seed_people(only_if_empty=False)
    db.session.commit()
    seed_listings(people, listings)
    db.session.commit()
    return people
