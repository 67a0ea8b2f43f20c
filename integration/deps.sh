#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine, as root, and only
# what is missing: the musl rustup targets and Debian's packages for the
# container tests, the peers (for differential tests and benchmarks) and qemu.
set -euo pipefail

targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
installed=$(rustup target list --installed 2>/dev/null || true)
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
done

# command -> Debian package
declare -A needs=(
    [busybox]=busybox-static [runc]=runc [docker]=docker.io [dockerd]=docker.io
    [tini]=tini [tini-static]=tini [dumb-init]=dumb-init [catatonit]=catatonit
    [qemu-aarch64-static]=qemu-user-static [script]=bsdutils [unshare]=util-linux
    [strace]=strace [valgrind]=valgrind [python3]=python3 [ps]=procps [gosu]=gosu
    [bwrap]=bubblewrap [setpriv]=util-linux [gcc]=gcc [groff]=groff-base [podman]=podman
    [lintian]=lintian [buildah]=buildah [flock]=util-linux [nsenter]=util-linux [iptables]=iptables [ip]=iproute2
    [setcap]=libcap2-bin [curl]=curl
)
missing=()
for command in "${!needs[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing+=("${needs[$command]}")
done
# tests/sandbox.rs builds a static helper: gcc needs glibc's libc.a.
if ! gcc -print-file-name=libc.a 2>/dev/null | grep -q /; then
    missing+=(libc6-dev)
fi
# pychroot 0.10.4, the peer of the pychroot personality, is installed in a
# virtual environment (bench/pychroot.sh) and builds snakeoil's C files.
if ! python3 -c 'import ensurepip' 2>/dev/null; then
    missing+=(python3-venv)
fi
if ! [ -f "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)/Python.h" ]; then
    missing+=(python3-dev)
fi
# busybox must be the static build: it is copied into FROM scratch images.
if command -v busybox >/dev/null && ! file -L "$(command -v busybox)" 2>/dev/null | grep -q static; then
    missing+=(busybox-static)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" file >/dev/null
fi
