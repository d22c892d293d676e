"""Matches and saved searches."""
from flask import Blueprint

bp = Blueprint("matching", __name__)
