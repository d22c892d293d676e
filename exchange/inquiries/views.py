"""Inquiry threads between businesses."""
from flask import Blueprint

bp = Blueprint("inquiries", __name__)
