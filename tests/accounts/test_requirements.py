"""The permission vocabulary: requirements combine with &, | and ~, and each role
requirement answers the same for every kind of visitor wherever it is asked."""
import pytest
from flask import Blueprint
from flask_login import AnonymousUserMixin

from exchange.accounts.models import Role
from exchange.accounts.requirements import Requirement, Vocabulary, can, requirement, requires
from tests.factories import make_business, make_listing, make_member, publish, signed_in

YES = Requirement(lambda member, *objects: True, "yes")
NO = Requirement(lambda member, *objects: False, "no")


def test_and_or_not_follow_boolean_algebra():
    for a in (YES, NO):
        for b in (YES, NO):
            assert (a & b)(None) == (a(None) and b(None))
            assert (a | b)(None) == (a(None) or b(None))
        assert (~a)(None) == (not a(None))
    assert (~(YES & NO))(None) == ((~YES) | (~NO))(None)  # De Morgan
    assert repr(YES & ~NO) == "<Requirement (yes & ~no)>"


def test_combined_requirements_pass_the_member_and_objects_to_every_part():
    seen = []

    @requirement
    def records(member, *objects):
        seen.append((member, objects))
        return True

    assert (records & records)("m", "listing", 3)
    assert seen == [("m", ("listing", 3))] * 2


def test_and_and_or_stop_at_the_first_answer():
    calls = []
    counted = Requirement(lambda member: calls.append(member) or True, "counted")
    assert not (NO & counted)("m")
    assert (YES | counted)("m")
    assert calls == []


def test_the_namespace_names_each_requirement_once():
    vocabulary = Vocabulary()
    rule = vocabulary.register("approve", YES)
    assert vocabulary.approve is rule
    assert vocabulary.register("approve", YES) is rule  # registering again is harmless
    with pytest.raises(ValueError):
        vocabulary.register("approve", NO)
    with pytest.raises(AttributeError):
        vocabulary.unknown  # noqa: B018
    assert vocabulary.names() == ["approve"]


@pytest.fixture
def people(app):
    owner_business = make_business(name="Chủ tin")
    owner = make_member(business=owner_business)
    listing = publish(make_listing(owner_business, owner))
    return {
        "anonymous": AnonymousUserMixin(),
        "member": make_member(),
        "unverified": make_member(verified=False),
        "owner": owner,
        "other business": make_member(business=make_business(verified=False)),
        "moderator": make_member(business=None, role=Role.MODERATOR),
        "admin": make_member(business=None, role=Role.ADMIN),
        "editor": make_member(business=None, role=Role.EDITOR),
    }, listing


# who each role requirement admits, among the people above
ADMITTED = {
    "sign_in": {"member", "unverified", "owner", "other business", "moderator", "admin",
                "editor"},
    "represent_business": {"member", "unverified", "owner", "other business"},
    "post": {"member", "owner", "other business"},
    "invite": {"member", "owner"},  # the "other business" is not verified
    "moderate": {"moderator", "admin"},
    "administer": {"admin"},
    "edit_content": {"editor", "admin"},
    "own_listing": {"owner"},
    "edit_listing": {"owner"},
    "view_private_listing": {"owner", "moderator", "admin"},
    "see_confidential": {"owner", "moderator", "admin"},
}


@pytest.mark.parametrize("name", sorted(ADMITTED))
def test_each_role_requirement_for_every_kind_of_visitor(people, name):
    members, listing = people
    rule = getattr(can, name)
    admitted = {who for who, member in members.items() if rule(member, listing)}
    assert admitted == ADMITTED[name]


def test_everyone_may_view_a_public_listing(people):
    members, listing = people
    assert all(can.view_listing(member, listing) for member in members.values())


def test_requires_sends_visitors_to_login_and_refuses_members_without_the_role(app):
    bp = Blueprint("requirements_probe", __name__)

    @bp.route("/probe/moderate")
    @requires(can.moderate)
    def moderate():
        return "ok"

    @bp.route("/probe/staff-or-poster")
    @requires(can.moderate | can.post, status=404)
    def staff_or_poster():
        return "ok"

    app.register_blueprint(bp)
    assert app.test_client().get("/probe/moderate").status_code == 302
    member = signed_in(app, make_member())
    assert member.get("/probe/moderate").status_code == 403
    assert member.get("/probe/staff-or-poster").status_code == 200
    moderator = signed_in(app, make_member(business=None, role=Role.MODERATOR))
    assert moderator.get("/probe/moderate").status_code == 200
    unverified = signed_in(app, make_member(verified=False))
    assert unverified.get("/probe/staff-or-poster").status_code == 404
