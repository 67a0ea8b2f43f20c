#!/usr/bin/env bash
# docker: a FROM scratch image with usher as ENTRYPOINT. Checks exit status,
# `docker stop` on a child that traps TERM (well under docker's 10 s kill
# timeout), reaping, and usher as the daemon's init (`docker run --init`).
#
# The suite runs a dockerd of its own, with its data, sockets and pid file
# in a temporary folder and no network of its own (no bridge, no iptables),
# and stops it by its PID at the end: the machine's dockerd, running or
# not, is left alone, its images and containers untouched, and two runs at
# once do not meet.
set -uo pipefail
suite=docker
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -s "$0" "$@"
usher=$(realpath "${1:?usage: docker.sh path/to/usher}")
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
command -v docker >/dev/null || skip_or_fail "docker is not installed (make test installs docker.io)"

command -v dockerd >/dev/null || skip_or_fail "dockerd is not installed (make test installs docker.io)"

work=$(mktemp -d /tmp/usher-docker.XXXXXX)
context=$work/context
daemon_pid=
stop_daemon() {
    if [ -n "$daemon_pid" ]; then
        docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
        kill "$daemon_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
        daemon_pid=
    fi
}
cleanup() {
    stop_daemon
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# Names unique to this run, though the daemon is the run's own.
tag=usher-test-$$
export DOCKER_HOST=unix://$work/docker.sock
# start_daemon INIT_PATH: the suite's own dockerd, with usher as its init.
# Its TMPDIR too: containerd writes stack dumps there when it is stopped.
start_daemon() {
    TMPDIR=$work dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/docker.pid" \
        --host "$DOCKER_HOST" --bridge none --iptables=false --ip6tables=false --init-path "$1" \
        >"$work/dockerd.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    if ! docker info >/dev/null 2>&1; then
        tail -5 "$work/dockerd.log"
        skip_or_fail "dockerd did not start"
    fi
}
mkdir -p "$work/init"
ln -s "$usher" "$work/init/docker-init"
start_daemon "$work/init/docker-init"

mkdir -p "$context"
cp "$usher" "$context/usher"
cp "$(command -v busybox)" "$context/busybox"
cp "$here/../Dockerfile.test" "$context/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$context" >/dev/null 2>&1 || { echo "docker build failed"; exit 1; }

docker run --rm "$tag" sh -c 'exit 7' >/dev/null 2>&1
check "exit status passes through" 7 "$?"

docker run --rm "$tag" no-such-command >/dev/null 2>&1
check "missing command is 127" 127 "$?"

out=$(docker run --rm "$tag" sh -c 'for i in $(seq 200); do (sleep 0 &); done; sleep 0.5; cat /proc/[0-9]*/stat | grep -c ") Z "')
check "orphans are reaped (zombies left)" 0 "$out"

docker run -d --name "usher-stop-$$" "$tag" sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.5
start=$(date +%s%N)
docker stop "usher-stop-$$" >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "docker stop returns the trapped status" 42 "$(docker inspect -f '{{.State.ExitCode}}' "usher-stop-$$")"
check "docker stop takes well under 10 s" yes "$([ "$elapsed_ms" -lt 3000 ] && echo yes || echo "no (${elapsed_ms} ms)")"
echo "     (docker stop took ${elapsed_ms} ms)"

# --grace 3: the main process exits on docker stop's TERM and leaves a
# survivor that traps TERM; usher gives it its TERM and its time, then exits
# with the main process's status, well within the grace.
mkdir -p "$context/out"
docker run -d --name "usher-grace-$$" -v "$context/out:/out" --entrypoint /usher "$tag" --grace 3 -- \
    sh -c '(trap "echo term > /out/survivor; sleep 0.3; echo clean >> /out/survivor; exit 0" TERM;
            while :; do sleep 0.05; done) & trap "exit 43" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.5
start=$(date +%s%N)
docker stop "usher-grace-$$" >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--grace: docker stop returns the main process's status" 43 "$(docker inspect -f '{{.State.ExitCode}}' "usher-grace-$$")"
check "--grace: the survivor got TERM and exited cleanly" "term clean" "$(cat "$context/out/survivor" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
check "--grace: docker stop returns within the grace" yes "$([ "$elapsed_ms" -lt 3000 ] && echo yes || echo "no (${elapsed_ms} ms)")"
echo "     (docker stop with --grace 3 took ${elapsed_ms} ms)"

# --pty without a terminal at all: the child still gets one of its own.
out=$(docker run --rm --entrypoint /usher "$tag" --pty -- \
    sh -c 'test -t 0 && test -t 1 && echo "tty=$((6*7))"' 2>&1 | tr -d '\r')
check "--pty without docker's -t: the child has a terminal" "tty=42" "$out"

# --pty under `docker run -t`, whose terminal gets its size only after the
# container has started (plain `stty size` there often fails): usher waits
# for the size, so the child sees it. `script` plays the user's terminal.
out=$(script -qec "stty rows 30 cols 100; docker run -t --rm --entrypoint /usher $tag --pty -- \
    sh -c 'echo \"size=\$(stty size)=\$((6*7))\"; exit 5'; echo \"status=\$?\"" /dev/null </dev/null | tr -d '\r')
check "--pty under docker run -t: the size is there from the start" "size=30 100=42 status=5" \
    "$(echo "$out" | grep -E '^(size|status)=' | tr '\n' ' ' | sed 's/ $//')"

# usher as the daemon's init: docker run --init uses the daemon's init-path,
# which is docker-init; usher invoked under that name speaks tini's language.
docker run -d --name "usher-init-$$" --init --entrypoint sh -v "$usher:/sbin/docker-init:ro" "$tag" \
    -c 'trap "exit 44" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.5
# /proc/1/exe run by another name takes the native command line: "usher X.Y.Z".
check "--init with usher as docker-init is PID 1" "usher" \
    "$(docker exec "usher-init-$$" /proc/1/exe --version | cut -d' ' -f1)"
docker stop "usher-init-$$" >/dev/null
check "docker stop through usher as docker-init" 44 "$(docker inspect -f '{{.State.ExitCode}}' "usher-init-$$")"

# README's recipes, exactly as written, FROM the image that `make release`
# writes (integration/image.sh), loaded for this machine's architecture:
# the application image (its my-server, a static program, prints its uid
# and gid), and the pod infra image (usher as /pause, which TERM ends with
# status 0).
version=$(grep -m1 '^version' "$here/../Cargo.toml" | cut -d'"' -f2)
platform=$(awk -v arch="$(uname -m)" '$1 == arch {print $6}' "$here/arches")
bash "$here/image.sh" "$work/usher.oci.tar" "$version" "$platform=$usher"
bash "$here/image.sh" --load "$work/usher.oci.tar" "$version"
check "make release's image loads as usher:$version" "/usher" \
    "$(docker image inspect -f '{{index .Config.Entrypoint 0}}' "usher:$version" 2>&1)"
printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("served as %%d:%%d\\n", (int)getuid(), (int)getgid()); return 0; }\n' \
    >"$work/my-server.c"
gcc -static -O2 -o "$work/my-server" "$work/my-server.c" || { echo "FAIL gcc -static"; exit 1; }
awk '/^```dockerfile$/ {n++; keep=1; next} /^```$/ {keep=0} keep {print > (dir "/recipe" n ".Dockerfile")}' \
    dir="$work" "$here/../README.md"
for recipe in "$work"/recipe*.Dockerfile; do
    mkdir -p "$work/recipe"
    cp "$work/my-server" "$work/recipe/my-server"
    cp "$recipe" "$work/recipe/Dockerfile"
    name=usher-recipe-$(basename "$recipe" .Dockerfile)-$$
    DOCKER_BUILDKIT=0 docker build -q -t "$name" "$work/recipe" >/dev/null 2>"$work/build.log"
    built=$?
    [ "$built" = 0 ] || cat "$work/build.log"
    check "README's $(basename "$recipe" .Dockerfile) builds as written" 0 "$built"
    if grep -q '/pause' "$recipe"; then
        docker run -d --name "$name" "$name" >/dev/null
        sleep 0.3
        docker stop "$name" >/dev/null
        check "README's infra image: pause ends on TERM with 0" 0 \
            "$(docker inspect -f '{{.State.ExitCode}}' "$name")"
    else
        check "README's application image runs my-server as 1000:1000" "served as 1000:1000" \
            "$(docker run --rm "$name" 2>&1)"
    fi
done

# docker info shows the init's commit, read from its --version (` - git.`
# and a commit without a dot): as docker-init (tini's line) and as usher.
commit=$("$usher" --version | sed -n 's/.* - git\.//p')
check "docker info shows usher's commit, init-path docker-init" "$commit" \
    "$(docker info --format '{{.InitCommit.ID}}' 2>/dev/null)"
stop_daemon
start_daemon "$usher"
check "docker info shows usher's commit, init-path usher" "$commit" \
    "$(docker info --format '{{.InitCommit.ID}}' 2>/dev/null)"

finish
