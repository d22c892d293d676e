"""Payments fixtures: a local HTTP server standing in for the Stripe API, signed webhooks."""
import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from exchange.extensions import db
# signed_in: the payments tests import it from here
from tests.factories import csrf_token, make_listing, publish, signed_in  # noqa: F401

WEBHOOK_SECRET = "whsec_test_secret"
_event_ids = itertools.count(1)


class StripeRecorder:
    """Records what the stripe library sends and answers like the Checkout Sessions API."""

    def __init__(self):
        self.requests: list[dict] = []
        self.failures: list[int] = []  # statuses to answer with, one per coming request
        self._ids = itertools.count(1)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(parse_qsl(body, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorder.requests.append(
                    {"method": "POST", "path": self.path, "form": form, "headers": headers})
                if recorder.failures:
                    status = recorder.failures.pop(0)
                    self._json(status, {"error": {"type": "api_error",
                                                  "message": "recorder told to fail"}})
                    return
                self._json(200, recorder.session_for(form))

            def _json(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_test")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def session_for(self, form: dict) -> dict:
        session_id = f"cs_test_{next(self._ids):06d}"
        metadata = {key[len("metadata["):-1]: value for key, value in form.items()
                    if key.startswith("metadata[")}
        return {
            "id": session_id, "object": "checkout.session", "mode": "payment",
            "status": "open", "payment_status": "unpaid",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "amount_total": int(form.get("line_items[0][price_data][unit_amount]", 0)),
            "currency": form.get("line_items[0][price_data][currency]"),
            "metadata": metadata, "client_reference_id": form.get("client_reference_id"),
            "success_url": form.get("success_url"), "cancel_url": form.get("cancel_url"),
        }

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def stripe_recorder():
    recorder = StripeRecorder().start()
    yield recorder
    recorder.stop()


@pytest.fixture
def stripe_api(app, stripe_recorder):
    """Payments switched on, the stripe library pointed at the recorder."""
    stripe_recorder.requests.clear()
    stripe_recorder.failures.clear()
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=stripe_recorder.url, STRIPE_MAX_NETWORK_RETRIES=1)
    return stripe_recorder


@pytest.fixture
def listing(owner):
    return publish(make_listing(owner.business, owner))


@pytest.fixture
def owner_client(app, owner):
    return signed_in(app, owner)


def feature(client, listing, plan="week", token=True):
    data = {"plan": plan}
    if token:
        data["csrf_token"] = csrf_token(client, f"/listings/{listing.id}")
    return client.post(f"/payments/feature/{listing.id}", data=data)


def place_order(client, listing, plan="week"):
    """Feature through the real route; returns the pending Order."""
    from exchange.payments.models import Order
    response = feature(client, listing, plan)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return db.session.scalars(db.select(Order).order_by(Order.id.desc())).first()


def checkout_event(order, kind="checkout.session.completed", *, event_id=None,
                   payment_status="paid", amount=None, session_id=None, metadata=None):
    session = {
        "id": session_id or order.stripe_session_id, "object": "checkout.session",
        "amount_total": order.amount_vnd if amount is None else amount, "currency": "vnd",
        "payment_status": payment_status, "status": "complete",
        "payment_intent": f"pi_test_{order.id}",
        "metadata": {"order_id": str(order.id)} if metadata is None else metadata,
        "client_reference_id": None,
    }
    return {"id": event_id or f"evt_test_{next(_event_ids)}", "object": "event",
            "type": kind, "created": int(time.time()), "api_version": "2025-01-27",
            "data": {"object": session}}


def sign(payload: str, secret=WEBHOOK_SECRET, timestamp=None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(),
                         hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def deliver(client, event, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    """POST the event to the webhook the way Stripe does: raw JSON body, signed header."""
    payload = json.dumps(event)
    header = signature if signature is not None else sign(payload, secret, timestamp)
    headers = {"Stripe-Signature": header} if header else {}
    return client.post("/payments/stripe/webhook", data=payload, headers=headers,
                       content_type="application/json")


# --- VietQR bank transfers ------------------------------------------------------------------

VIETQR_SECRET = "vietqr-test-secret"
VIETQR_ACCOUNT = "0071000123456"


@pytest.fixture
def vietqr(app):
    """Bank transfers switched on: Vietcombank account of the exchange, signed notices."""
    app.config.update(VIETQR_BANK="970436", VIETQR_ACCOUNT_NUMBER=VIETQR_ACCOUNT,
                      VIETQR_ACCOUNT_NAME="Trung tam Ung dung Tien bo KHCN",
                      VIETQR_WEBHOOK_SECRET=VIETQR_SECRET,
                      EXCHANGE_LEGAL_NAME="Trung tâm Ứng dụng Tiến bộ Khoa học và Công nghệ",
                      EXCHANGE_TAX_CODE="0312345678",
                      EXCHANGE_ADDRESS="12 Lê Duẩn, Buôn Ma Thuột, Đắk Lắk")
    return app.config


def transfer_order(client, listing, plan="week"):
    """Feature by bank transfer through the real route; returns the pending Order."""
    from exchange.payments.models import Order
    data = {"plan": plan, "provider": "vietqr",
            "csrf_token": csrf_token(client, f"/listings/{listing.id}")}
    response = client.post(f"/payments/feature/{listing.id}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    order = db.session.scalars(db.select(Order).order_by(Order.id.desc())).first()
    assert response.headers["Location"].endswith(f"/payments/orders/{order.id}/pay")
    return order


def notice(tx_id, amount, description, **extra):
    return {"transaction_id": tx_id, "amount": amount, "description": description,
            "type": "credit", "account_number": VIETQR_ACCOUNT, **extra}


def notify(client, payload: dict, *, secret=VIETQR_SECRET, timestamp=None, signature=None,
           body: bytes | None = None):
    """POST a transfer notice the way a bank-notification service does: raw JSON, signed."""
    from exchange.payments.transfers import sign as sign_notice
    raw = body if body is not None else json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"X-Exchange-Timestamp": timestamp,
               "X-Exchange-Signature": signature or sign_notice(secret, timestamp, raw)}
    return client.post("/payments/vietqr/webhook", data=raw, headers=headers,
                       content_type="application/json")
