#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when 127.0.0.1:5432 answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_TEST_URL="${PG_TEST_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

echo "== test suite on SQLite"
.venv/bin/python -m pytest "$@"

if .venv/bin/python - "$PG_TEST_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc.__class__.__name__})")
    sys.exit(1)
PY
then
  # browser journeys exercise the pages, not the database: once, on SQLite, is enough
  echo "== test suite on PostgreSQL (without the browser journeys)"
  TEST_DATABASE_URL="$PG_TEST_URL" .venv/bin/python -m pytest -m "not e2e" "$@"
elif [ "${CI:-}" = "true" ]; then
  # CI has PostgreSQL: a run that silently skips it would hide the race tests
  echo "CI: PostgreSQL must be reachable at $PG_TEST_URL" >&2
  exit 1
else
  echo "skipping the PostgreSQL run"
fi
