"""VietQR payloads, transfer references and the page that shows how to pay."""
import binascii
import re
from datetime import timedelta

import pytest
from markupsafe import escape

from exchange.extensions import db
from exchange.payments import vietqr as vq
from exchange.timeutil import utcnow
from tests.payments.conftest import VIETQR_ACCOUNT, transfer_order

# Published payloads: the vietnam-qr-pay README (ACB, 1 000 ₫, "Chuyen tien") and the
# vietqr-parser README (Vietcombank, static). Their CRCs are checked with the standard
# library's CRC-CCITT, independently of the package that builds ours.
PUBLISHED = [
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704"
    "540410005802VN62150811Chuyen tien6304BBB8",
    "00020001021238570010A00000072701270006970436011308810004580860208QRIBFTTA5303704"
    "5802VN6304CD60",
]


def crc16_ccitt_false(text: str) -> str:
    return f"{binascii.crc_hqx(text.encode(), 0xFFFF):04X}"


@pytest.mark.parametrize("content", PUBLISHED)
def test_published_payloads_carry_a_valid_crc(content):
    assert crc16_ccitt_false(content[:-4]) == content[-4:]
    assert vq.parse(content).is_valid


def test_our_builder_reproduces_the_published_payload(app):
    account = vq.Account(bank_bin="970416", bank_name="ACB", bank_short_name="ACB",
                         number="257678859", name="X")
    assert vq.payload(account, 1000, "Chuyen tien") == PUBLISHED[0]


def test_a_dynamic_payload_names_bank_account_amount_and_reference(app, vietqr):
    content = vq.payload(vq.receiving_account(), 200_000, "SGDABCDEFGH")
    fields = tlv(content)
    assert fields["00"] == "01" and fields["01"] == "12"  # dynamic: one amount, one payment
    napas = tlv(fields["38"])
    assert napas["00"] == "A000000727" and napas["02"] == "QRIBFTTA"
    assert tlv(napas["01"]) == {"00": "970436", "01": VIETQR_ACCOUNT}
    assert fields["53"] == "704" and fields["54"] == "200000" and fields["58"] == "VN"
    assert tlv(fields["62"])["08"] == "SGDABCDEFGH"
    assert crc16_ccitt_false(content[:-4]) == fields["63"]


def tlv(text: str) -> dict:
    fields, i = {}, 0
    while i < len(text):
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        fields[tag] = text[i + 4:i + 4 + length]
        i += 4 + length
    return fields


def test_references_are_unique_and_checksummed(app):
    refs = {vq.new_reference() for _ in range(500)}
    assert len(refs) == 500
    for ref in list(refs)[:50]:
        assert re.fullmatch(r"SGD[0-9A-Z]{8}", ref)
        assert vq.find_reference(f"CT tu 0123 {ref} chuyen tien") == vq.FoundReference(ref, True)


def test_every_single_mistyped_character_is_caught(app):
    ref = vq.new_reference()
    body = ref[3:]
    for position in range(len(body)):
        for char in vq.ALPHABET:
            if char == body[position]:
                continue
            typo = body[:position] + char + body[position + 1:]
            found = vq.find_reference("SGD" + typo)
            if char.translate(vq.READ_AS) == body[position]:  # O for 0, I for 1: read right
                assert found == vq.FoundReference(ref, True), typo
            else:
                assert found == vq.FoundReference("SGD" + typo.translate(vq.READ_AS), False)


def test_neighbour_swaps_are_caught(app):
    caught = total = 0
    for _ in range(200):
        body = vq.new_reference()[3:]
        for i in range(len(body) - 1):
            if body[i] == body[i + 1]:
                continue
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            total += 1
            caught += not vq.find_reference("SGD" + swapped).valid
    assert caught / total > 0.97


@pytest.mark.parametrize("text", [
    "MBVCB.3278.{ref}.CT tu 0123456 NGUYEN VAN A",
    "{lower} thanh toan",
    "IBFT {spaced} nop tien",
    "{ref}CHUYEN KHOAN",
])
def test_references_are_found_the_way_banks_rewrite_them(app, text):
    ref = vq.new_reference()
    spaced = f"{ref[:3]} {ref[3:7]} {ref[7:]}"
    found = vq.find_reference(text.format(ref=ref, lower=ref.lower(), spaced=spaced))
    assert found == vq.FoundReference(ref, True)


def test_no_reference_in_unrelated_text(app):
    assert vq.find_reference("Tra tien hang thang 11") is None


def test_pay_page_shows_qr_details_and_expiry(vietqr, owner_client, listing):
    order = transfer_order(owner_client, listing)
    page = owner_client.get(f"/payments/orders/{order.id}/pay").get_data(as_text=True)
    assert 'class="vietqr-code"' in page
    expected = vq.qr_svg(vq.payload(vq.receiving_account(), order.amount_vnd, order.reference))
    assert expected.startswith("data:image/svg+xml")
    assert f'src="{escape(expected)}"' in page
    assert f'id="copy-reference" class="fs-5">{order.reference}<' in page
    assert f'id="copy-account">{VIETQR_ACCOUNT}<' in page
    assert 'id="copy-amount">200000<' in page
    assert "Vietcombank" in page and "TRUNG TAM UNG DUNG TIEN BO KHCN" in page
    assert 'id="order-expiry"' in page and order.expires_at.isoformat() in page
    assert 'hx-get="/payments/orders/%d/status"' % order.id in page
    assert "<script>" not in page and "js/payments.js" in page


def test_an_expired_order_shows_no_code(vietqr, owner_client, listing):
    order = transfer_order(owner_client, listing)
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = owner_client.get(f"/payments/orders/{order.id}/pay").get_data(as_text=True)
    assert 'class="vietqr-code"' not in page and 'id="order-expired"' in page
    assert "hx-get" not in page.split('id="order-status"')[1].split(">")[0]


def test_another_business_cannot_see_the_order(vietqr, app, owner_client, listing):
    from tests.factories import make_business, make_member
    from tests.payments.conftest import signed_in
    order = transfer_order(owner_client, listing)
    other = signed_in(app, make_member(business=make_business(name="Công ty Khác")))
    assert other.get(f"/payments/orders/{order.id}/pay").status_code == 404
    assert other.get(f"/payments/orders/{order.id}/status").status_code == 404


def test_letters_o_and_i_typed_for_zero_and_one_still_match(app):
    ref = next(r for r in iter(vq.new_reference, None) if "0" in r[3:] or "1" in r[3:])
    assert "O" not in ref[3:] and "I" not in ref[3:]
    typed = ref[:3] + ref[3:].replace("0", "O").replace("1", "I")
    assert vq.find_reference(typed) == vq.FoundReference(ref, True)
