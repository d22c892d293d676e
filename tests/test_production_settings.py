"""Production refuses to start without a real SECRET_KEY, in create_app and under gunicorn's
plain `wsgi:app`."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEV_SECRET_KEY, ProductionConfig
from exchange import create_app
from exchange.core.production import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("secret,problem", [
    ("", "not set"), (None, "not set"), (DEV_SECRET_KEY, "development default"),
    ("short-secret", "shorter than 32"),
])
def test_production_refuses_a_missing_default_or_short_secret(secret, problem):
    with pytest.raises(ConfigurationError, match=problem):
        create_app(ProductionConfig, SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_starts_with_a_real_secret():
    app = create_app(ProductionConfig, SECRET_KEY="k" * 32, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_keeps_its_default():
    from config import DevelopmentConfig
    assert create_app(DevelopmentConfig, SECRET_KEY=DEV_SECRET_KEY,
                      SQLALCHEMY_DATABASE_URI="sqlite://").config["SECRET_KEY"] == DEV_SECRET_KEY


def _import_wsgi(tmp_path, **env):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("SECRET_KEY", "TRUSTED_HOSTS")}
    environment.update(EXCHANGE_ENV="production", DATABASE_URL="sqlite://",
                       EXCHANGE_INSTANCE_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_wsgi_entry_point_exits_without_a_secret(tmp_path):
    result = _import_wsgi(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "refuses to start" in result.stderr


def test_wsgi_entry_point_exits_with_the_development_secret(tmp_path):
    result = _import_wsgi(tmp_path, SECRET_KEY=DEV_SECRET_KEY)
    assert result.returncode != 0 and "development default" in result.stderr


def test_wsgi_entry_point_starts_with_a_real_secret(tmp_path):
    result = _import_wsgi(tmp_path, SECRET_KEY="a-real-secret-of-enough-length-0123456789")
    assert result.returncode == 0, result.stderr


def test_gunicorn_refuses_to_boot_without_a_secret(tmp_path):
    """`gunicorn wsgi:app` as an operator would start it: no worker boots, gunicorn exits."""
    environment = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    environment.update(EXCHANGE_ENV="production", DATABASE_URL="sqlite://",
                       EXCHANGE_INSTANCE_DIR=str(tmp_path))
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", "127.0.0.1:0", "--workers", "1",
         "wsgi:app"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
