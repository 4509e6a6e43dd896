# The tracker's set-up commands. Each creates its own virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check demo once lint docs messages bench system-deps clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[test]'
	touch $@

## Debian packages some parts need: Tesseract's English model (OCR of scanned MOAs), PostgreSQL (tests on a real server),
## Chromium (the explorer's browser tests and the email digest's rendering test).
system-deps:
	@missing=""; \
	ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1 || missing="$$missing tesseract-ocr"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## Run the service on the embedded defaults (SQLite in data/, messages in data/outbox/).
run: $(VENV)/.installed system-deps
	$(PY) scheduler.py run

## Run the whole test suite (SQLite and a throwaway PostgreSQL on 127.0.0.1).
test: $(VENV)/.installed system-deps
	$(PY) -m ruff check .
	$(PY) -m deptry .
	$(PY) -m pytest

## A contributor's answer in under two minutes: ruff, declared packages, and every test that needs
## no browser, PostgreSQL or child process (the marks come from tests/support/marks.py).
check: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m deptry .
	$(PY) -m pytest -m "not postgres and not browser and not subprocess"

## Two real ICE publications served on 127.0.0.1, two cycles, the changes printed. Offline, under a minute.
demo: $(VENV)/.installed
	$(PY) -m service.demo

once: $(VENV)/.installed
	$(PY) scheduler.py once

lint: $(VENV)/.installed
	$(PY) -m ruff check .

## Rewrite the documents generated from the settings and command tables (docs/settings.md, docs/commands.md,
## deploy/example.env).
docs: $(VENV)/.installed
	$(PY) -m cli.docs --write

## The words readers get in Spanish (locale/): gather the translatable text of the code and templates (babel.cfg)
## into locale/messages.pot, merge it into each language's messages.po (new text comes in empty, changed text fuzzy,
## for a translator to write), then check every catalogue compiles. The .po is read as it is at run time.
POT_OPTIONS := --add-location=file --sort-output --no-wrap --project "287(g) tracker" --add-comments=TRANSLATORS:
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -o locale/messages.pot $(POT_OPTIONS) .
	$(VENV)/bin/pybabel update -i locale/messages.pot -d locale -D messages --no-wrap --ignore-obsolete
	for po in locale/*/LC_MESSAGES/messages.po; do \
		lang=$${po#locale/}; $(VENV)/bin/pybabel compile -i $$po -o /dev/null -l $${lang%%/*} --statistics || exit 1; \
	done

bench: $(VENV)/.installed
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
