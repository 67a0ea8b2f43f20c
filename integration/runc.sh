#!/usr/bin/env bash
# runc: usher as PID 1 of an OCI container whose rootfs is busybox-static plus
# usher. Checks exit status, signal forwarding, kill 1 from inside, reaping.
set -uo pipefail
suite=runc
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -s "$0" "$@"
usher=$(realpath "${1:?usage: runc.sh path/to/usher}")
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
command -v runc >/dev/null || skip_or_fail "runc is not installed (make test installs it)"

work=$(mktemp -d /tmp/usher-runc.XXXXXX)
# A container name unique to this run: two runs at once do not meet. runc
# keeps its state in the run's folder, not in /run/runc, which it would make.
name=usher-t-$$
state=$work/state
runc() { command runc --root "$state" "$@"; }
trap 'runc delete -f "$name" >/dev/null 2>&1; rm -rf --one-file-system "$work"' EXIT
make_rootfs "$work/rootfs" "$usher"

# run_container ARGS_JSON: runs in the foreground, prints output, returns status.
run_container() {
    (cd "$work" && rm -f config.json && runc spec && python3 - "$1" "${2:-}" <<'PY'
import json, sys
config = json.load(open("config.json"))
config["process"]["terminal"] = sys.argv[2] == "terminal"
config["process"]["args"] = json.loads(sys.argv[1])
config["root"]["readonly"] = False
json.dump(config, open("config.json", "w"))
PY
    )
    if [ "${2:-}" = terminal ]; then
        # runc gives the container its own stdin's terminal: `script` plays
        # the user's, with a size.
        script -qec "stty rows 30 cols 100; cd '$work' && runc --root '$state' run $name" /dev/null </dev/null
    else
        (cd "$work" && runc run $name)
    fi
}

run_container '["/usher", "--", "sh", "-c", "exit 7"]' >/dev/null 2>&1
check "exit status passes through" 7 "$?"

out=$(run_container '["/usher", "--pty", "--", "sh", "-c", "test -t 0 && test -t 1 && echo tty=$((6*7)); exit 3"]' 2>&1 | tr -d '\r')
check "--pty gives the child a terminal (status passes)" "tty=42 3" "$out $?"

out=$(run_container '["/usher", "--pty", "--", "sh", "-c", "echo size=$(stty size)=$((6*7)); exit 5"]' terminal 2>&1 | tr -d '\r')
status=$?
check "--pty on runc's terminal: the size is copied, the status passes" "size=30 100=42 5" "$(echo "$out" | grep -o 'size=[0-9 ]*=42') $status"

run_container '["/usher", "--", "sh", "-c", "kill -USR1 $$"]' >/dev/null 2>&1
check "death by signal is 128+N" 138 "$?"

run_container '["/usher", "--", "no-such-command"]' >/dev/null 2>&1
check "missing command is 127" 127 "$?"

# Forwarding from outside: runc kill sends TERM to PID 1 (usher).
(run_container '["/usher", "--", "sh", "-c", "trap \"exit 42\" TERM; echo ready > /tmp/ready; while :; do sleep 0.05; done"]' >"$work/out" 2>&1; echo $? >"$work/status") &
for _ in $(seq 200); do [ -f "$work/rootfs/tmp/ready" ] && break; sleep 0.05; done
runc kill "$name" TERM
for _ in $(seq 200); do [ -f "$work/status" ] && break; sleep 0.05; done
check "runc kill TERM reaches the child" 42 "$(cat "$work/status" 2>/dev/null)"

# kill 1 from inside the container.
run_container '["/usher", "--", "sh", "-c", "trap \"exit 43\" USR2; kill -USR2 1; while :; do sleep 0.05; done"]' >/dev/null 2>&1
check "kill 1 from inside is forwarded" 43 "$?"

# Reaping: 200 orphans, then count zombies while usher (PID 1) is alive.
out=$(run_container '["/usher", "--", "sh", "-c", "for i in $(seq 200); do (sleep 0 &); done; sleep 0.5; cat /proc/[0-9]*/stat | grep -c \") Z \""]' 2>&1)
check "orphans are reaped (zombies left)" 0 "$out"

finish
