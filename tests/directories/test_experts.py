"""The experts directory: self-registration reviewed by moderators, staff entries, filters,
and a request for a service that opens an inquiry thread with the expert's business."""
from sqlalchemy import select

from exchange.directories.models import Expert, ExpertState
from exchange.extensions import db
from exchange.inquiries.models import Thread
from exchange.moderation.models import AuditEntry
from tests.directories.conftest import EXPERT_DATA
from tests.factories import csrf_token, login


def _form(client, url, **fields):
    data = {"csrf_token": csrf_token(client, url), **fields}
    return client.post(url, data=data)


def test_a_self_registered_entry_is_public_only_after_a_moderator_approves_it(
        app, consultant, moderator):
    member_client, visitor = app.test_client(), app.test_client()
    login(member_client, consultant)
    response = _form(member_client, "/experts/new", **EXPERT_DATA)
    assert response.status_code == 302
    expert = db.session.scalar(select(Expert))
    assert expert.state == ExpertState.PENDING and expert.business_id == consultant.business_id
    assert visitor.get(f"/experts/{expert.id}").status_code == 404
    assert "Thẩm định" not in visitor.get("/experts").get_data(as_text=True)
    assert member_client.get(f"/experts/{expert.id}").status_code == 200  # its own business

    staff = app.test_client()
    login(staff, moderator)
    page = staff.get("/experts/review").get_data(as_text=True)
    assert f'data-expert-id="{expert.id}"' in page
    response = _form(staff, "/experts/review", decision="approve")  # wrong address: 405
    assert response.status_code == 405
    token = csrf_token(staff, "/experts/review")
    response = staff.post(f"/experts/{expert.id}/review",
                          data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 302
    assert db.session.get(Expert, expert.id).state == ExpertState.APPROVED
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["expert_submitted", "expert_approved"]
    page = visitor.get("/experts?q=tham+dinh").get_data(as_text=True)  # without diacritics
    assert f'data-expert-id="{expert.id}"' in page


def test_a_refusal_needs_a_reason_and_the_business_reads_it(app, consultant, moderator):
    from exchange.directories import services
    from exchange.errors import DomainError
    expert = services.register_expert(consultant, dict(EXPERT_DATA))
    db.session.commit()
    try:
        services.review_expert(moderator, expert, approve=False)
    except DomainError as exc:
        assert exc.code == "reason"
    else:
        raise AssertionError("refused without a reason")
    services.review_expert(moderator, expert, approve=False, reason="Thiếu giấy phép hành nghề")
    db.session.commit()
    client = app.test_client()
    login(client, consultant)
    assert "Thiếu giấy phép hành nghề" in client.get(f"/experts/{expert.id}").get_data(
        as_text=True)


def test_staff_add_an_entry_for_a_business_by_its_tax_code(app, consultant, moderator):
    client = app.test_client()
    login(client, moderator)
    response = _form(client, "/experts/new", tax_code=consultant.business.tax_code,
                     **{**EXPERT_DATA, "services": ["testing"]})
    assert response.status_code == 302
    expert = db.session.scalar(select(Expert))
    assert expert.is_public and expert.business_id == consultant.business_id
    assert db.session.scalar(select(AuditEntry.action)) == "expert_added"
    response = _form(client, "/experts/new", tax_code="0000000000", **EXPERT_DATA)
    assert response.status_code == 400


def test_filters_by_service_sector_and_province(app, approved_expert):
    client = app.test_client()
    marker = f'data-expert-id="{approved_expert.id}"'
    assert marker in client.get("/experts?service=valuation").get_data(as_text=True)
    assert marker not in client.get("/experts?service=testing").get_data(as_text=True)
    assert marker in client.get("/experts?sector=agriculture&province=da_nang").get_data(
        as_text=True)
    assert marker not in client.get("/experts?province=ha_noi").get_data(as_text=True)
    assert marker not in client.get("/experts?sector=energy").get_data(as_text=True)


def test_the_business_edits_its_entry_and_it_goes_back_to_review(app, approved_expert,
                                                                 consultant):
    client = app.test_client()
    login(client, consultant)
    response = _form(client, f"/experts/{approved_expert.id}/edit",
                     **{**EXPERT_DATA, "name": "Tên mới chưa duyệt"})
    assert response.status_code == 302
    assert db.session.get(Expert, approved_expert.id).state == ExpertState.PENDING
    assert app.test_client().get(f"/experts/{approved_expert.id}").status_code == 404


def test_another_business_cannot_edit_an_entry(app, approved_expert, customer):
    client = app.test_client()
    login(client, customer)
    assert client.get(f"/experts/{approved_expert.id}/edit").status_code == 403
    response = client.post(f"/experts/{approved_expert.id}/edit", data={
        "csrf_token": csrf_token(client, "/experts"), **EXPERT_DATA, "name": "Chiếm"})
    assert response.status_code == 403
    assert db.session.get(Expert, approved_expert.id).name == EXPERT_DATA["name"]


def test_a_request_for_a_service_opens_an_inquiry_thread_with_the_experts_business(
        app, smtp, approved_expert, consultant, customer):
    client = app.test_client()
    login(client, customer)
    url = f"/experts/{approved_expert.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="request-service"' in page and "csrf_token" in page
    response = _form(client, f"{url}/request",
                     message="Chúng tôi cần định giá công nghệ chế biến chè.")
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.expert_id == approved_expert.id and thread.listing_id is None
    assert thread.owner_business_id == consultant.business_id
    assert thread.inquirer_business_id == customer.business_id
    assert response.headers["Location"].endswith(f"/account/inquiries/{thread.id}")
    assert client.get(f"/account/inquiries/{thread.id}").status_code == 200

    expert_client = app.test_client()
    login(expert_client, consultant)
    page = expert_client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert "định giá công nghệ chế biến chè" in page
    smtp.wait_for(1)
    assert smtp.to(consultant.email)

    again = _form(client, f"{url}/request", message="Nhắc lại yêu cầu.")
    assert again.status_code == 302  # the same day: back to the same conversation
    assert db.session.scalar(select(db.func.count(Thread.id))) == 1


def test_no_request_to_an_entry_that_is_not_public(app, consultant, customer):
    from exchange.directories import services
    expert = services.register_expert(consultant, dict(EXPERT_DATA))
    db.session.commit()
    client = app.test_client()
    login(client, customer)
    response = _form(client, f"/experts/{expert.id}/request", message="Xin báo giá.")
    assert response.status_code == 404
    assert db.session.scalar(select(Thread)) is None
