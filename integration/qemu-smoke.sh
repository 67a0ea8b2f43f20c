#!/usr/bin/env bash
# The end-to-end smoke test of a binary for another architecture, under
# qemu-user-static: exit codes, a signal forwarded, an orphan reaped, --pty,
# a user switch, and the tini, gosu and catatonit personalities.
# qemu-user 7.2 rejects PR_SET_CHILD_SUBREAPER, so native mode's automatic
# subreaper registration is expected to fail softly here, and the subreaper
# and TCGETS2 tests are skipped; the orphan is reaped by usher as PID 1.
#
#   bash integration/qemu-smoke.sh QEMU path/to/usher
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -s "$0" "$@"
qemu=${1:?usage: qemu-smoke.sh QEMU path/to/usher}
usher=$(realpath "${2:?usage: qemu-smoke.sh QEMU path/to/usher}")
suite="$(basename "$usher") under ${qemu%-static}"
command -v "$qemu" >/dev/null || skip_or_fail "$qemu is not installed"
echo "$suite: skipped under qemu-user 7.2: subreaper prctl, TCGETS2 (qemu rejects them)"

out=$($qemu "$usher" --version)
check "version" "usher $(grep -m1 '^version' "$here/../Cargo.toml" | cut -d'"' -f2) - git.$(git -C "$here/.." rev-parse --short=7 HEAD 2>/dev/null || echo unknown)" "$out"

# qemu-user hands the child's execve to the host kernel, so the children are
# host programs; usher's own code (parse, spawn, signalfd loop) is emulated.
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
# As PID 1 of a pid namespace (qemu is that process), orphans come to usher.
if [ "$(id -u)" = 0 ]; then
    out=$(unshare --pid --fork --mount-proc $qemu "$usher" -- \
        sh -c 'for i in 1 2 3 4 5; do (sleep 0.1 &); done; sleep 0.6; cat /proc/[0-9]*/stat | grep -c ") Z "')
    check "orphans are reaped as PID 1 (zombies left)" 0 "$out"
else
    skip_case "the orphan case needs root (unshare --pid)"
fi
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
    ln -s "$usher" "$links/tini"
    $qemu "$links/tini" -- sh -c 'exit 3' 2>/dev/null
    check "tini personality: the status passes through" 3 "$?"
    check "tini personality: its version line" "tini version 0.19.0" \
        "$($qemu "$links/tini" --version | cut -d' ' -f1-3)"
    # As PID 1: catatonit must be a subreaper otherwise, which qemu rejects.
    ln -s "$usher" "$links/catatonit"
    unshare --pid --fork $qemu "$links/catatonit" -g -- sh -c 'exit 6'
    check "catatonit personality (PID 1): the status passes through" 6 "$?"
    check "catatonit personality: its version line" "tini version $(grep -m1 '^version' "$here/../Cargo.toml" | cut -d'"' -f2)_catatonit" \
        "$($qemu "$links/catatonit" -V | cut -d' ' -f1-3)"
    rm -rf "$links"
else
    skip_case "user switching needs root"
fi
finish
