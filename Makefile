# The two commands a new user needs (see README.md):
#   make run    installs what is missing, builds, starts the demo server
#   make test   installs what is missing, builds, runs every test
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
DATA   ?= var

.PHONY: run test deps build fuzz-build bench clean

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	$(BUILD)/src/server/dokuei serve --data-dir $(DATA) --demo

test: build
	@scripts/run-tests.sh $(BUILD)

bench: build
	@scripts/install-deps.sh --bench
	@bench/run.sh $(BUILD)

clean:
	rm -rf build
