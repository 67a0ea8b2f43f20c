# usher: `make` builds the static binary and runs a short demo; `make test`
# runs every test. See the README.

TARGET       := x86_64-unknown-linux-musl
BIN          := target/$(TARGET)/release/usher
AARCH64      := aarch64-unknown-linux-musl
AARCH64_BIN  := target/$(AARCH64)/release/usher
CARGO        ?= cargo

.PHONY: all build demo test deps lint unit e2e integration runc docker aarch64 bench size clean

all: build demo

build:
	@rustup target list --installed 2>/dev/null | grep -qx $(TARGET) || rustup target add $(TARGET)
	$(CARGO) build --release --target $(TARGET)

demo: build
	@bash bench/demo.sh $(BIN)

# Everything: formatting, lints, unit and end-to-end tests, runc and docker,
# and the aarch64 build under qemu.
test: deps build lint unit e2e integration aarch64
	@echo "make test: all passed"

deps:
	@bash integration/deps.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy --release --target $(TARGET) -- -D warnings

unit:
	$(CARGO) test --lib

# Builds the probe example too; needs the release binary from `build`.
e2e: build
	$(CARGO) build --example probe
	USHER_BIN=$(CURDIR)/$(BIN) $(CARGO) test --test '*'

integration: runc docker

runc: build
	bash integration/runc.sh $(BIN)

docker: build
	bash integration/docker.sh $(BIN)

aarch64:
	@rustup target list --installed 2>/dev/null | grep -qx $(AARCH64) || rustup target add $(AARCH64)
	$(CARGO) build --release --target $(AARCH64)
	$(CARGO) test --lib --target $(AARCH64)
	bash integration/aarch64-smoke.sh $(AARCH64_BIN)

bench: build
	python3 bench/run.py $(BIN)

size: build
	@$(CARGO) build --release --target $(AARCH64) >/dev/null 2>&1 || true
	@for f in $(BIN) $(AARCH64_BIN); do [ -f $$f ] && printf '%-50s %7d bytes\n' $$f $$(stat -c %s $$f); done; true

clean:
	$(CARGO) clean
