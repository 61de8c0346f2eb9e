# patchmap: `make run` starts the app on the demo area, `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint typecheck pytest app-deps system-deps bench clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) app-deps
	$(VENV)/bin/patchmap app --port $(PORT)

# Debian packages: chromium prints briefing packs and route sheets to PDF (the app) and drives the
# browser tests; poppler-utils (pdftoppm) turns test PDFs into PNG pages; postgresql gives the
# tasking-log tests a throwaway server. Installed only when missing.
define apt_install
	@missing=""; \
	for spec in $(1); do \
		check=$${spec%%=*}; pkgs=$${spec#*=}; \
		if ! ls $$check >/dev/null 2>&1; then missing="$$missing $${pkgs//,/ }"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

# the emoji font: without it Chromium prints an emoji in a stop or problem name as nothing in PDFs
APP_DEBS := /usr/bin/chromium=chromium \
	/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf=fonts-liberation \
	/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf=fonts-noto-color-emoji
TEST_DEBS := $(APP_DEBS) /usr/bin/pdftoppm=poppler-utils /usr/lib/postgresql/*/bin/pg_ctl=postgresql

app-deps:
	$(call apt_install,$(APP_DEBS))

system-deps:
	$(call apt_install,$(TEST_DEBS))

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

pytest: $(STAMP) system-deps
	$(VENV)/bin/pytest
	$(VENV)/bin/pytest --nbmake notebooks/ -p no:cacheprovider -o addopts="" -o testpaths=notebooks

test: lint typecheck pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
