# One entry point for people and CI. Every target uses the project's own .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GEN := protos/gen
PROTOS := $(wildcard protos/ai_studio/v1/*.proto)
SITE = $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

.PHONY: install run test stubs lint bench compose-check certs media-lifecycle fuzz clean

# The venv is rebuilt when a requirements file changes; the stamp records it.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Generated stubs are importable from the venv through a .pth file, so that
# `python -m edge` works from any directory without PYTHONPATH.
$(GEN)/.stamp: $(VENV)/.installed $(PROTOS)
	rm -rf $(GEN) && mkdir -p $(GEN)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m grpc_tools.protoc -I protos \
		--python_out=$(GEN) --grpc_python_out=$(GEN) \
		--mypy_out=$(GEN) --mypy_grpc_out=$(GEN) $(PROTOS)
	echo "$(abspath $(GEN))" > "$(SITE)/ai_studio_protos.pth"
	echo "$(abspath .)" > "$(SITE)/ai_studio_src.pth"
	touch $@

install: $(GEN)/.stamp

stubs:
	rm -f $(GEN)/.stamp
	$(MAKE) $(GEN)/.stamp

# Orchestrator and edge with the embedded store; Ctrl-C stops both.
run: install
	@# Text logs at make run unless told otherwise, for the services as for edge and orchestrator.
	PATH="$(abspath $(BIN)):$$PATH" LOG_FORMAT=$${LOG_FORMAT:-text} \
	  SCRIPT_SERVICE_LOG_FORMAT=$${SCRIPT_SERVICE_LOG_FORMAT:-$${LOG_FORMAT:-text}} \
	  AUDIO_SERVICE_LOG_FORMAT=$${AUDIO_SERVICE_LOG_FORMAT:-$${LOG_FORMAT:-text}} \
	  IMAGE_SERVICE_LOG_FORMAT=$${IMAGE_SERVICE_LOG_FORMAT:-$${LOG_FORMAT:-text}} \
	  VIDEO_SERVICE_LOG_FORMAT=$${VIDEO_SERVICE_LOG_FORMAT:-$${LOG_FORMAT:-text}} \
	  $(BIN)/honcho start -f Procfile

# In parallel, pytest-xdist workers (TEST_WORKERS=0: in this process); each test has its
# own ports, directories and processes. One worker more than cores: many tests wait on
# processes, timeouts and polls, which left a core idle a third of the time with one
# worker per core. worksteal: the long e2e renders do not leave one worker idle at the
# end. PYTEST_ARGS: more of pytest's arguments (PYTEST_ARGS="--durations=30", or paths).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
PYTEST_ARGS ?=
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(BIN)/buf lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The compose file is validated offline with Debian's docker-compose.
compose-check:
	command -v docker-compose >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose)
	docker-compose config -q

# For docker-compose: a development CA and gRPC certificates in ./certs (mutual TLS
# between the containers), and an API key in .env (AI_STUDIO_API_KEY), unless one is there.
certs: install
	$(BIN)/python -m common.devcerts certs
	grep -q '^AI_STUDIO_API_KEY=.' .env 2>/dev/null || \
		echo "AI_STUDIO_API_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')" >> .env
	@echo "API key for docker-compose: AI_STUDIO_API_KEY in .env"

# JSON Server 0.17, a baseline of the edge cache section, from its lock file (never at run time).
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	command -v npm >/dev/null && npm ci --prefix bench/json_server --no-audit --no-fund --silent \
		|| echo "npm is not installed: the edge cache section leaves JSON Server out"
	$(BIN)/python -m bench

# MEDIA_RETENTION_DAYS as a lifecycle rule on AWS_S3_BUCKET (and abandoned multipart
# uploads removed after a day): the store then expires old media itself.
media-lifecycle: install
	$(BIN)/python -m microservices.common.media.lifecycle

# Schemathesis against the served OpenAPI with a random seed (printed; FUZZ_SEED=N
# repeats a run) and 100 examples per operation (FUZZ_MAX_EXAMPLES), by hand: CI runs the
# fixed-seed case of tests/fuzz.
fuzz: install
	@seed=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "schemathesis seed: $$seed (FUZZ_SEED=$$seed make fuzz repeats this run)"; \
	FUZZ_SEED=$$seed FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-100} \
	FUZZ_TIME_LIMIT_S=$${FUZZ_TIME_LIMIT_S:-1800} \
	$(BIN)/python -m pytest tests/fuzz -q -s -p no:randomly -p no:cacheprovider

clean:
	rm -rf $(VENV) $(GEN)
