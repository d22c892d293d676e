"""Featuring a listing: plans, Stripe Checkout and the webhook."""
from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")
