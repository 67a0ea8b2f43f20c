#!/usr/bin/env bash
# aarch64 end-to-end smoke test under qemu-user-static.
# qemu-user 7.2 rejects PR_SET_CHILD_SUBREAPER, so native mode's automatic
# subreaper registration is expected to fail softly here, and the subreaper
# and TCGETS2 tests are skipped.
set -uo pipefail
suite=aarch64
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -s "$0" "$@"
usher=$(realpath "${1:?usage: aarch64-smoke.sh path/to/aarch64/usher}")
command -v qemu-aarch64-static >/dev/null || skip_or_fail "qemu-aarch64-static is not installed"
qemu=qemu-aarch64-static
echo "$suite: skipped under qemu-user 7.2: subreaper prctl, TCGETS2 (qemu rejects them)"

out=$($qemu "$usher" --version)
check "version" "usher $(grep -m1 '^version' "$here/../Cargo.toml" | cut -d'"' -f2) - git.$(git -C "$here/.." rev-parse --short=7 HEAD 2>/dev/null || echo unknown)" "$out"

# qemu-user hands the child's execve to the host kernel, so the children are
# host programs; usher's own code (parse, spawn, signalfd loop) runs as aarch64.
$qemu "$usher" -- sh -c 'exit 7'
check "child exit status passes through" 7 "$?"
$qemu "$usher" -e 7 -- sh -c 'exit 7'
check "remapped status" 0 "$?"
$qemu "$usher" -- sh -c 'kill -TERM $$'
check "death by signal is 128+N" 143 "$?"
$qemu "$usher" -- sh -c 'trap "exit 5" USR1; kill -USR1 $PPID; sleep 5 & wait'
check "signal forwarded to the child" 5 "$?"
out=$(echo hello | $qemu "$usher" --pty -- sh -c 'test -t 0 && test -t 1 && cat; exit 3' | tr -d '\r'; echo "status=${PIPESTATUS[1]}")
check "--pty relays a terminal (piped input ends with VEOF)" "hello status=3" "$(echo $out)"
$qemu "$usher" -- /no/such/command 2>/dev/null
check "missing command is 127" 127 "$?"
$qemu "$usher" --bogus 2>/dev/null
check "bad option is 1" 1 "$?"

# User switching (as root): usher's aarch64 code reads /etc/passwd and
# switches; the command is a host program.
if [ "$(id -u)" = 0 ]; then
    out=$($qemu "$usher" --user nobody -- id -u)
    check "--user switches the child" "$(id -u nobody)" "$out"
    links=$(mktemp -d)
    ln -s "$usher" "$links/gosu"
    out=$($qemu "$links/gosu" nobody:root sh -c 'echo "$(id -u):$(id -g):$HOME"')
    check "gosu personality" "$(id -u nobody):0:$(getent passwd nobody | cut -d: -f6)" "$out"
    $qemu "$links/gosu" 4294967296 true 2>/dev/null
    check "out-of-range uid is refused" 1 "$?"
    rm -rf "$links"
else
    skip_or_fail "user switching needs root"
fi
finish
