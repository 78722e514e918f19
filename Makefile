# pdpdesk — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: run test lint install migrate seed messages clean

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

## lint: ruff (lint + format), mypy, and migrations that match the models
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

## test: the checks, then the whole test suite
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

## messages: refresh the Vietnamese catalogue after changing translatable strings
messages: install
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var
