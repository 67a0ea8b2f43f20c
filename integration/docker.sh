#!/usr/bin/env bash
# docker: a FROM scratch image with usher as ENTRYPOINT. Checks exit status,
# `docker stop` on a child that traps TERM (well under docker's 10 s kill
# timeout), reaping, and usher as the daemon's init (`docker run --init`).
set -uo pipefail
suite=docker
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
usher=$(realpath "${1:?usage: docker.sh path/to/usher}")
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
command -v docker >/dev/null || skip_or_fail "docker is not installed (make test installs docker.io)"

if ! docker info >/dev/null 2>&1; then
    echo "docker: starting dockerd"
    (dockerd >/tmp/usher-dockerd.log 2>&1 &)
    for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || skip_or_fail "dockerd did not start (see /tmp/usher-dockerd.log)"
fi

context=$(mktemp -d /tmp/usher-docker.XXXXXX)
cleanup() { docker rm -f usher-stop usher-init usher-grace >/dev/null 2>&1; rm -rf "$context"; }
trap cleanup EXIT
cp "$usher" "$context/usher"
cp "$(command -v busybox)" "$context/busybox"
cp "$here/../Dockerfile.test" "$context/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t usher-test "$context" >/dev/null 2>&1 || { echo "docker build failed"; exit 1; }

docker run --rm usher-test sh -c 'exit 7' >/dev/null 2>&1
check "exit status passes through" 7 "$?"

docker run --rm usher-test no-such-command >/dev/null 2>&1
check "missing command is 127" 127 "$?"

out=$(docker run --rm usher-test sh -c 'for i in $(seq 200); do (sleep 0 &); done; sleep 0.5; cat /proc/[0-9]*/stat | grep -c ") Z "')
check "orphans are reaped (zombies left)" 0 "$out"

docker rm -f usher-stop >/dev/null 2>&1
docker run -d --name usher-stop usher-test sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.5
start=$(date +%s%N)
docker stop usher-stop >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "docker stop returns the trapped status" 42 "$(docker inspect -f '{{.State.ExitCode}}' usher-stop)"
check "docker stop takes well under 10 s" yes "$([ "$elapsed_ms" -lt 3000 ] && echo yes || echo "no (${elapsed_ms} ms)")"
echo "     (docker stop took ${elapsed_ms} ms)"

# --grace 3: the main process exits on docker stop's TERM and leaves a
# survivor that traps TERM; usher gives it its TERM and its time, then exits
# with the main process's status, well within the grace.
docker rm -f usher-grace >/dev/null 2>&1
mkdir -p "$context/out"
docker run -d --name usher-grace -v "$context/out:/out" --entrypoint /usher usher-test --grace 3 -- \
    sh -c '(trap "echo term > /out/survivor; sleep 0.3; echo clean >> /out/survivor; exit 0" TERM;
            while :; do sleep 0.05; done) & trap "exit 43" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.5
start=$(date +%s%N)
docker stop usher-grace >/dev/null
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--grace: docker stop returns the main process's status" 43 "$(docker inspect -f '{{.State.ExitCode}}' usher-grace)"
check "--grace: the survivor got TERM and exited cleanly" "term clean" "$(cat "$context/out/survivor" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
check "--grace: docker stop returns within the grace" yes "$([ "$elapsed_ms" -lt 3000 ] && echo yes || echo "no (${elapsed_ms} ms)")"
echo "     (docker stop with --grace 3 took ${elapsed_ms} ms)"

# --pty without a terminal at all: the child still gets one of its own.
out=$(docker run --rm --entrypoint /usher usher-test --pty -- \
    sh -c 'test -t 0 && test -t 1 && echo "tty=$((6*7))"' 2>&1 | tr -d '\r')
check "--pty without docker's -t: the child has a terminal" "tty=42" "$out"

# --pty under `docker run -t`, whose terminal gets its size only after the
# container has started (plain `stty size` there often fails): usher waits
# for the size, so the child sees it. `script` plays the user's terminal.
out=$(script -qec "stty rows 30 cols 100; docker run -t --rm --entrypoint /usher usher-test --pty -- \
    sh -c 'echo \"size=\$(stty size)=\$((6*7))\"; exit 5'; echo \"status=\$?\"" /dev/null </dev/null | tr -d '\r')
check "--pty under docker run -t: the size is there from the start" "size=30 100=42 status=5" \
    "$(echo "$out" | grep -E '^(size|status)=' | tr '\n' ' ' | sed 's/ $//')"

# usher as the daemon's init: docker run --init uses the daemon's init-path,
# which is docker-init; usher invoked under that name speaks tini's language.
docker rm -f usher-init >/dev/null 2>&1
docker run -d --name usher-init --init --entrypoint sh -v "$usher:/sbin/docker-init:ro" usher-test \
    -c 'trap "exit 44" TERM; while :; do sleep 0.05; done' >/dev/null
sleep 0.5
# /proc/1/exe run by another name takes the native command line: "usher X.Y.Z".
check "--init with usher as docker-init is PID 1" "usher" \
    "$(docker exec usher-init /proc/1/exe --version | cut -d' ' -f1)"
docker stop usher-init >/dev/null
check "docker stop through usher as docker-init" 44 "$(docker inspect -f '{{.State.ExitCode}}' usher-init)"

finish
