# pdpdesk — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=
# The browser tests drive Debian's Chromium (/usr/bin/chromium); nothing may download another.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test lint install chromium pdf-libs migrate seed messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --base-url http://$(WEB_ADDR)

## run: install, migrate, load demo data, then web + worker + beat in the foreground (Ctrl-C stops all)
run: seed
	WEB_ADDR=$(WEB_ADDR) $(BIN)/honcho --procfile Procfile --app-root . start

## lint: ruff (lint + format), mypy, the apps' layers (import-linter), and migrations that match the models
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

## chromium: Debian's Chromium for the browser tests, installed with apt when missing (as root)
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "chromium is missing and cannot be installed here (needs root and apt-get):"; \
		echo "  sudo apt-get install chromium   -- the browser tests skip until then (fail with CI=true)"; \
	fi

## pdf-libs: what WeasyPrint needs for the PDF notices (Pango, HarfBuzz; its docs' list for
## Debian ≥ 11) and fonts that cover Vietnamese, installed with apt when missing (as root)
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@missing=""; \
	for package in $(PDF_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "the PDF libraries or fonts are missing and cannot be installed here (needs root and apt-get):"; \
		echo "  sudo apt-get install$$missing   -- the PDF tests skip until then (fail with CI=true)"; \
	fi

## test: the checks, then the whole test suite
test: lint chromium pdf-libs
	$(BIN)/pytest $(PYTEST_ARGS)

## messages: refresh the Vietnamese catalogue after changing translatable strings
messages: install
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*'
	$(BIN)/python manage.py third_party_messages
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var
