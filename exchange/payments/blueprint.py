"""The payments blueprint, on its own so the member and the staff views both add routes to it."""
from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")
