#!/usr/bin/env bash
# `make serve`: the app as it runs in production (gunicorn, migrations applied first).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL (e.g. postgresql+psycopg://user@host/db)}"
: "${MEILI_URL:?set MEILI_URL of your Meilisearch}"
: "${SECRET_KEY:?set SECRET_KEY (at least 32 random characters)}"
export EXCHANGE_ENV="${EXCHANGE_ENV:-production}"
.venv/bin/flask --app wsgi db upgrade
exec .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app
