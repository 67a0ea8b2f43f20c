# usher: `make` builds the static binary and runs a short demo; `make test`
# runs every test. See the README.

TARGET       := x86_64-unknown-linux-musl
BIN          := target/$(TARGET)/release/usher
AARCH64      := aarch64-unknown-linux-musl
AARCH64_BIN  := target/$(AARCH64)/release/usher
CARGO        ?= cargo
# Drops the section headers of a built binary (see its header comment).
STRIP_SECTIONS := target/strip-sections
# The architectures of a release (integration/arches): x86_64 and aarch64
# from rustup's targets, the others built by integration/cross.sh.
RELEASE_ARCHES ?= x86_64 aarch64 armv7 armel i686 riscv64 powerpc64le s390x
CROSS_ARCHES := $(filter-out x86_64 aarch64,$(RELEASE_ARCHES))
CROSS_DIR    := target/cross
binary_of = $(if $(filter x86_64,$(1)),$(BIN),$(if $(filter aarch64,$(1)),$(AARCH64_BIN),$(CROSS_DIR)/usher-$(1)))

.PHONY: all build demo test deps lint unit e2e integration runc docker podman hygiene reproducible aarch64 arches cross release bench fuzz size clean

all: build demo

build: $(STRIP_SECTIONS)
	@rustup target list --installed 2>/dev/null | grep -qx $(TARGET) || rustup target add $(TARGET)
	$(CARGO) build --release --target $(TARGET)
	$(STRIP_SECTIONS) $(BIN)

$(STRIP_SECTIONS): linker/strip_sections.rs
	@mkdir -p target
	rustc -O --edition 2021 -o $@ $<

demo: build
	@bash bench/demo.sh $(BIN)

# Everything: formatting, lints, unit and end-to-end tests, runc and docker,
# the aarch64 build under qemu, and the release's reproducibility.
test: deps build lint unit e2e integration aarch64 arches reproducible
	@echo "make test: all passed"

deps:
	@bash integration/deps.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings -D clippy::undocumented_unsafe_blocks
	$(CARGO) clippy --release --target $(TARGET) -- -D warnings -D clippy::undocumented_unsafe_blocks
	rustfmt --check --edition 2021 linker/strip_sections.rs
	clippy-driver --edition 2021 -D warnings --test -o target/strip-sections-test linker/strip_sections.rs

unit:
	$(CARGO) test --lib
	$(CARGO) test --doc
	rustc --edition 2021 --test -o target/strip-sections-test linker/strip_sections.rs
	target/strip-sections-test

# Builds the probe example too; needs the release binary from `build`, and
# pychroot 0.10.4 in target/pychroot for tests/sandbox.rs's differential case.
e2e: build
	$(CARGO) build --example probe
	bash bench/pychroot.sh
	@echo "TEST_USHER_BIN=$(CURDIR)/$(BIN) $(CARGO) test --test '*'  (TMPDIR of its own; shared lock on /tmp, see integration/lib.sh)"
	@flock -s /tmp sh -c 'tmp=$$(mktemp -d /tmp/usher-e2e.XXXXXX) && chmod 755 $$tmp && trap "rm -rf --one-file-system $$tmp" EXIT && \
	TMPDIR=$$tmp TEST_USHER_BIN=$(CURDIR)/$(BIN) $(CARGO) test --test "*"'

integration: runc docker podman hygiene

runc: build
	bash integration/runc.sh $(BIN)

docker: build
	bash integration/docker.sh $(BIN)

podman: build
	bash integration/podman.sh $(BIN)

# The container suites twice at once, from two fresh clones, leave nothing
# behind (integration/hygiene.sh).
hygiene: build
	bash integration/hygiene.sh $(BIN)

aarch64: aarch64-binary
	$(CARGO) test --lib --target $(AARCH64)
	TEST_USHER_BIN=$(CURDIR)/$(AARCH64_BIN) $(CARGO) test --test binary what_the_start_relies_on
	bash integration/qemu-smoke.sh qemu-aarch64-static $(AARCH64_BIN)

# The other architectures: each built, then its smoke test under qemu.
arches: cross
	@for arch in $(CROSS_ARCHES); do \
	  qemu=$$(awk -v a=$$arch '$$1 == a {print $$5}' integration/arches); \
	  bash integration/qemu-smoke.sh $$qemu $(CROSS_DIR)/usher-$$arch || exit 1; \
	done

cross:
	@mkdir -p $(CROSS_DIR)
	@for arch in $(CROSS_ARCHES); do \
	  set -- $$(grep "^$$arch " integration/arches); \
	  echo "cross: $$arch ($$2, musl from Debian $$4's musl-dev:$$3)"; \
	  bash integration/cross.sh $$2 $$3 $$4 $(CROSS_DIR)/usher-$$arch || exit 1; \
	done

# dist/: the static binaries, the man page, the .deb packages, the image,
# SHA256SUMS.
release: build aarch64-binary cross
	bash integration/release.sh dist $(foreach arch,$(RELEASE_ARCHES),$(arch)=$(call binary_of,$(arch)))

# Two clones in two folders make the same release, byte for byte.
reproducible:
	bash integration/reproducible.sh

aarch64-binary: $(STRIP_SECTIONS)
	@rustup target list --installed 2>/dev/null | grep -qx $(AARCH64) || rustup target add $(AARCH64)
	$(CARGO) build --release --target $(AARCH64)
	$(STRIP_SECTIONS) $(AARCH64_BIN)

bench: build aarch64-binary cross
	bash bench/pychroot.sh
	python3 bench/run.py $(BIN)

# Each fuzz target (fuzz/, src/fuzzing.rs) for FUZZ_SECONDS, from its
# checked-in corpus; new inputs go to a temporary folder, findings to
# fuzz/artifacts/. Needs nightly and cargo-fuzz (installed when missing).
# `make test` replays the corpora on stable.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= command_line user_spec environment etc_files values
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	@failed=; for target in $(FUZZ_TARGETS); do \
	  new=$$(mktemp -d); log=$$(mktemp); \
	  (cd fuzz && $(CARGO) +nightly fuzz run $$target $$new corpus/$$target -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1) >$$log 2>&1 || failed="$$failed $$target"; \
	  printf '%s: %s runs, %s\n' $$target \
	    "$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log)" \
	    "$$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' $$log | tail -1)"; \
	  grep -E -m3 'panicked at|^an error|Test unit written' $$log || true; \
	  rm -rf $$new $$log; \
	done; [ -z "$$failed" ] || { echo "make fuzz: findings in:$$failed (fuzz/artifacts/)"; exit 1; }

size: build
	@$(CARGO) build --release --target $(AARCH64) >/dev/null 2>&1 && $(STRIP_SECTIONS) $(AARCH64_BIN) || true
	@for f in $(BIN) $(AARCH64_BIN) $(wildcard $(CROSS_DIR)/usher-*); do [ -f $$f ] && printf '%-50s %7d bytes\n' $$f $$(stat -c %s $$f); done; true

clean:
	$(CARGO) clean
