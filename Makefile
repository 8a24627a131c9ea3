# Trợ lý số. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: setup run test lint bench reliability eval i18n lock upgrade clean

# Every install takes the exact versions of constraints.txt, the ones the suite ran on
# (README.md, "What gets installed"); a changed lock or pyproject.toml installs again.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt pip \
		>$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]' \
		>>$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d locales -D messages -l $* -i $< -o $@

setup: $(STAMP) $(MO)

run: setup
	$(BIN)/trolyso db upgrade
	$(BIN)/trolyso run

test: setup
	$(BIN)/ruff check bot handlers tests bench tools
	$(BIN)/ruff format --check bot handlers tests bench tools
	$(BIN)/mypy                          # bot/ and handlers/ ([tool.mypy] in pyproject.toml)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check bot handlers tests bench tools
	$(BIN)/ruff format --check bot handlers tests bench tools
	$(BIN)/mypy

# Each part prints its own table; every row of a table comes from the same run.
bench: setup
	$(BIN)/python -m bench               # Telegram path: our bot vs a bare PTB echo bot
	$(BIN)/python -m bench.search        # search latency and start-up index time
	$(BIN)/python -m bench.booking       # bookings/s on SQLite (and PostgreSQL when set)
	$(BIN)/python -m bench.broadcast     # 10,000-recipient broadcast, 429s, kill + restart
	$(BIN)/python -m bench.paid          # paid vs free broadcast: 20,000 at 1,000/s, kill + restart
	$(BIN)/python -m bench.zalo          # Zalo: signed webhook in → consultation message out
	$(BIN)/python -m bench.web           # officer pages (Today, Schedule): p50/p99, 500 bookings

# The reliability suite at full size (10,000 fuzzed requests, kill -9 in bursts and broadcasts,
# two processes, the log scan); prints its table and writes it to docs/RELIABILITY.md. Set
# TEST_DATABASE_URL for the PostgreSQL rows. `make test` runs the same suite at a small size.
reliability: setup
	RELIABILITY_SIZE=full RELIABILITY_WRITE_DOC=1 $(BIN)/python -m pytest -q -s tests/reliability

# Search quality on the dev and the frozen test questions, per kind, hybrid beside lexical.
eval: setup
	$(BIN)/python tools/eval.py

# Extract interface strings and merge them into every catalog; then translate the new
# entries in locales/*/LC_MESSAGES/messages.po (tests fail while any is missing or fuzzy).
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location \
		--sort-output --project=trolyso -o locales/messages.pot .
	$(BIN)/pybabel -q update -i locales/messages.pot -d locales -D messages --ignore-obsolete

# Write constraints.txt again (tools/lock.py): `lock` keeps every pin that still fits and
# resolves only what is new; `upgrade` takes the newest versions pyproject.toml allows. Both
# raise pyproject.toml's floors to the locked versions. Then run `make test`.
lock:
	$(PYTHON) tools/lock.py

upgrade:
	$(PYTHON) tools/lock.py --upgrade

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
