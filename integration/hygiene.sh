#!/usr/bin/env bash
# hygiene: the container suites leave the machine as they found it, and two
# runs at once both pass. Runs the docker, runc and podman suites twice at
# once, each from a fresh clone of this repository (its committed state),
# and compares what the machine shows before and after: the entries of
# /tmp, the machine's own docker and podman images, containers and pods (or
# their absence), the mounts, the network links and firewall rules, the
# folders podman and CNI write to, podman's cgroups, and the dockerd,
# containerd and conmon processes.
set -uo pipefail
suite=hygiene
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -x "$0" "$@"
usher=$(realpath "${1:?usage: hygiene.sh path/to/usher}")
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
for tool in git docker dockerd runc podman findmnt; do
    command -v "$tool" >/dev/null || skip_or_fail "$tool is not installed (make test installs it)"
done
repo=$(cd "$here/.." && pwd)

clones=$(mktemp -d /tmp/usher-hygiene.XXXXXX)
trap 'rm -rf --one-file-system "$clones"' EXIT

snapshot() {
    echo "== /tmp"
    # rustc's own scratch folders come and go with any build on the machine.
    ls -A /tmp | grep -vx "$(basename "$clones")" | grep -v '^rustc' 
    echo "== the machine's docker"
    env -u DOCKER_HOST docker images -a --format '{{.ID}} {{.Repository}}:{{.Tag}}' 2>&1 | sort
    env -u DOCKER_HOST docker ps -a --format '{{.ID}} {{.Names}}' 2>&1 | sort
    echo "== the machine's podman"
    # Only when podman has storage here: asking would make it.
    if command -v podman >/dev/null && [ -d /var/lib/containers/storage ]; then
        podman images -a --format '{{.ID}} {{.Repository}}:{{.Tag}}' 2>&1 | sort
        podman ps -a --format '{{.ID}} {{.Names}}' 2>&1 | sort
        podman pod ps --format '{{.ID}} {{.Name}}' 2>&1 | sort
    fi
    echo "== mounts"
    findmnt -rn -o TARGET,SOURCE,FSTYPE | sort
    echo "== network"
    ip -br link 2>&1 | cut -d' ' -f1 | sort
    iptables -S 2>&1 | sort
    echo "== podman's and CNI's folders, podman's cgroups"
    ls -d /var/lib/containers /var/lib/cni /run/netns /run/runc /etc/cni/net.d/* \
        /sys/fs/cgroup/libpod_parent /sys/fs/cgroup/*/libpod_parent 2>/dev/null
    echo "== daemons"
    pgrep -x dockerd | sort
    pgrep -x containerd | sort
    pgrep -x conmon | sort
}

for clone in a b; do
    git clone -q "$repo" "$clones/$clone" || { echo "FAIL git clone"; exit 1; }
done
snapshot >"$clones/before"

pids=()
for clone in a b; do
    for which in docker runc podman; do
        bash "$clones/$clone/integration/$which.sh" "$usher" >"$clones/$clone.$which.log" 2>&1 &
        pids+=("$!:$clone.$which")
    done
done
for entry in "${pids[@]}"; do
    pid=${entry%%:*} name=${entry#*:}
    wait "$pid"
    status=$?
    [ "$status" = 0 ] || { echo "--- $name:"; cat "$clones/$name.log"; }
    check "$name passes beside the other run" 0 "$status"
done

snapshot >"$clones/after"
changes=$(diff "$clones/before" "$clones/after")
[ -z "$changes" ] || echo "$changes"
check "the machine is as the suites found it (/tmp, docker, podman, mounts, network, cgroups, daemons)" "" "$changes"
finish
