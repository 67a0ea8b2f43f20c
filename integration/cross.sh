#!/usr/bin/env bash
# cross: builds usher for an architecture whose Rust standard library and
# musl rustup does not ship here. `core` is built from rust-src
# (-Zbuild-std, with RUSTC_BOOTSTRAP confined to this build), and musl's
# start files and libc.a come from Debian's musl-dev for that architecture
# in Debian release SUITE (bookworm; riscv64 is a Debian architecture from
# trixie on), downloaded once into target/musl-debian/ARCH with apt lists
# and sources of its own (the machine's apt state is not touched).
#
#   bash integration/cross.sh RUST_TARGET DEBIAN_ARCH SUITE OUT
set -euo pipefail
usage="usage: cross.sh RUST_TARGET DEBIAN_ARCH SUITE OUT"
target=${1:?$usage}
debian=${2:?$usage}
suite=${3:?$usage}
out=${4:?$usage}
top=$(cd "$(dirname "$0")/.." && pwd)
musl=$top/target/musl-debian/$debian
if [ ! -f "$musl/.complete" ]; then
    apt_dir=$(mktemp -d /tmp/usher-cross.XXXXXX)
    trap 'rm -rf "$apt_dir"' EXIT
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
        >"$apt_dir/sources.list"
    apt=(apt-get -qq -o "APT::Architecture=$debian" -o "APT::Architectures=$debian"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
        -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o APT::Sandbox::User=root)
    "${apt[@]}" update
    (cd "$apt_dir/deb" && "${apt[@]}" download musl-dev)
    rm -rf "$musl"
    mkdir -p "$musl"
    dpkg-deb -x "$apt_dir"/deb/musl-dev_*.deb "$musl"
    touch "$musl/.complete"
fi
libdir=$(dirname "$(find "$musl" -name rcrt1.o | head -1)")
rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src
# As the two rustup targets are linked (.cargo/config.toml). usher's own
# start applies RELR relocations; powerpc64 and s390x keep musl's start
# (src/main.rs says why), and bookworm's musl 1.2.3 applies no RELR, so
# they are linked without.
relr=-zpack-relative-relocs
case $target in powerpc64* | s390x*) relr=-znopack-relative-relocs ;; esac
variable=$(echo "$target" | tr 'a-z-' 'A-Z_')
export "CARGO_TARGET_${variable}_LINKER=rust-lld"
export "CARGO_TARGET_${variable}_RUSTFLAGS=-C relocation-model=pic -C target-feature=+crt-static -C link-arg=-znorelro -C link-self-contained=no -C link-arg=$relr -C link-arg=--hash-style=gnu -C link-arg=--icf=all"
USHER_MUSL_DIR=$libdir RUSTC_BOOTSTRAP=1 cargo build -q --release -Zbuild-std=core \
    --manifest-path "$top/Cargo.toml" --target "$target"
cp "$top/target/$target/release/usher" "$out"
# What usher's own start relies on (tests/binary.rs checks the 64-bit
# rustup builds): no relocation outside RELR, no constructor.
case $target in
powerpc64* | s390x*) ;;
*)
    if readelf -dW "$out" | grep -E '\((REL|RELA|TEXTREL|JMPREL|INIT_ARRAY|PREINIT_ARRAY)\)'; then
        echo "cross: $target: a relocation or constructor that usher's start does not handle"
        exit 1
    fi
    ;;
esac
