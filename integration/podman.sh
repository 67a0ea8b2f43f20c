#!/usr/bin/env bash
# podman (issue 16): usher as podman's init (`podman run --init
# --init-path`, where it runs as /run/podman-init, the catatonit
# personality) and as a pod's infra process: the pause personality, in a
# pod made with `podman pod create` and in one made by `podman kube play`
# from a Kubernetes Pod manifest with `shareProcessNamespace: true`, the
# manifest of README's "Pods"; and `catatonit -P` in podman's own pause
# image, which podman builds from the usher it finds as `catatonit`.
#
# podman runs with its storage, run state, temporary files and
# containers.conf in a temporary folder of its own (vfs storage, no
# network), so the machine's images, containers and pods are never touched
# and nothing is left behind. containers.conf lowers the rlimits, which
# root cannot raise in this VM (no CAP_SYS_RESOURCE).
set -uo pipefail
suite=podman
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -s "$0" "$@"
usher=$(realpath "${1:?usage: podman.sh path/to/usher}")
[ "$(id -u)" = 0 ] || skip_or_fail "needs root"
command -v podman >/dev/null || skip_or_fail "podman is not installed (make test installs it)"
# podman writes some state where no option moves it: a blob cache in
# /var/lib/containers, CNI's in /var/lib/cni and /run/netns and a lock in
# /etc/cni/net.d, runc's in /run/runc, and a bridge and firewall rules for
# `kube play`'s pod. So the suite runs in mount and network namespaces of
# its own, with a tmpfs on each of those folders (made for it, and removed
# after, when missing), and its pods have no network.
shadowed=(/var/lib/containers /var/lib/cni /run/netns /run/runc /etc/cni/net.d)
case ${PODMAN_SUITE_STAGE:-} in
"")
    # One podman suite at a time: they share podman's parent cgroups and
    # those folders, which each removes when it made them (a lock on a
    # folder leaves no lock file behind).
    PODMAN_SUITE_STAGE=locked exec flock -x /sys/fs/cgroup bash "$0" "$@"
    ;;
locked)
    made_dirs=()
    make_missing_dirs "${shadowed[@]}"
    # Under usher itself, as a subreaper that waits for every descendant:
    # conmon double-forks, and its orphans would otherwise outlive the
    # suite as zombies until the machine's init reaps them. Whatever is
    # left 10 s after the suite gets TERM, then KILL, so the lock is freed.
    PODMAN_SUITE_STAGE=inside "$usher" --wait-all --grace 10s -- \
        unshare --mount --net --propagation private bash "$0" "$@"
    status=$?
    remove_made_dirs
    exit "$status"
    ;;
esac
for dir in "${shadowed[@]}"; do
    mount -t tmpfs -o mode=0700 usher-podman "$dir" || { echo "podman: no tmpfs on $dir"; exit 1; }
done

work=$(mktemp -d /tmp/usher-podman.XXXXXX)
export CONTAINERS_CONF=$work/containers.conf TMPDIR=$work/tmp
pm() {
    podman --root "$work/storage" --runroot "$work/run" --tmpdir "$work/tmp" \
        --storage-driver vfs --cgroup-manager cgroupfs --events-backend file "$@"
}
# The parent cgroups podman makes, when they are missing now.
made_cgroups=()
for hierarchy in /sys/fs/cgroup /sys/fs/cgroup/*/; do
    [ -d "${hierarchy%/}/libpod_parent" ] || made_cgroups+=("${hierarchy%/}/libpod_parent")
done
# Waits up to 10 s for every process that names the suite's folder (conmon
# and the cleanup commands it starts when a container exits) to be gone.
wait_gone() {
    for _ in $(seq 100); do pgrep -f "$work" >/dev/null || return 0; sleep 0.1; done
    return 1
}
cleanup() {
    pm pod rm -af -t 0 >/dev/null 2>&1
    pm rm -af -t 0 >/dev/null 2>&1
    wait_gone
    pm rmi -af >/dev/null 2>&1
    wait_gone
    # podman's cgroupfs manager leaves its parent cgroups behind, empty
    # (rmdir takes no cgroup that still has a process or a child).
    for cgroup in "${made_cgroups[@]}"; do
        [ -d "$cgroup" ] && find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$work/tmp"
settings() { # settings [INFRA_IMAGE [HELPER_DIR]]
    cat <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[network]
network_config_dir = "$work/networks"

[engine]
${1:+infra_image = \"$1\"}
${2:+helper_binaries_dir = [\"$2\", \"/usr/libexec/podman\", \"/usr/lib/podman\"]}
EOF
}
settings >"$CONTAINERS_CONF"
# zombies CONTAINER: how many zombies its pid namespace holds.
zombies() { pm exec "$1" sh -c 'cat /proc/[0-9]*/stat | grep -c ") Z "'; }
# stop_pod LABEL POD: `podman pod stop` must end the infra with 0.
stop_pod() {
    local infra_id
    infra_id=$(pm pod inspect -f '{{.InfraContainerID}}' "$2")
    pm pod stop -t 10 "$2" >/dev/null 2>&1
    check "$1: podman pod stop ends the infra with 0" 0 "$(pm inspect -f '{{.State.ExitCode}}' "$infra_id")"
}

# The app image: busybox, usher at /usher, a user app (1000:1000).
make_rootfs "$work/rootfs" "$usher"
mkdir -p "$work/rootfs/etc" "$work/rootfs/home/app"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' >"$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
app=localhost/usher-podman-app:test
pm import -q --change 'ENV=PATH=/bin' "$work/rootfs.tar" "$app" >/dev/null || { echo "podman import failed"; exit 1; }
# The infra image: usher at /pause, and the entrypoint in the image itself
# (podman 4.3 ignores infra_command for a custom infra image).
mkdir -p "$work/infra"
cp "$usher" "$work/infra/pause"
printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$work/infra/Containerfile"
infra=localhost/usher-podman-pause:test
pm build -q -t "$infra" "$work/infra" >/dev/null 2>&1 || { echo "podman build failed"; exit 1; }
settings "$infra" >"$CONTAINERS_CONF"

# 1. usher as podman's init.
mkdir -p "$work/init"
cp "$usher" "$work/init/usher"
init=(--init --init-path "$work/init/usher")
run() { pm run --rm --network none "${init[@]}" "$app" "$@"; }
check "--init: usher is PID 1 and the command its child" "/run/podman-init 1" \
    "$(run sh -c 'echo "$(tr "\0" " " </proc/1/cmdline | cut -d" " -f1) $PPID"')"
run sh -c 'exit 7'
check "--init: the exit status passes through" 7 "$?"
out=$(run sh -c 'for i in $(seq 50); do (sleep 0 &); done; sleep 0.5; cat /proc/[0-9]*/stat | grep -c ") Z "')
check "--init: orphans are reaped (zombies left)" 0 "$out"
pm run -d --name "usher-init-$$" --network none "${init[@]}" "$app" sleep 100 >/dev/null
sleep 0.3
pm stop -t 10 "usher-init-$$" >/dev/null
check "--init: podman stop delivers TERM (143)" 143 "$(pm inspect -f '{{.State.ExitCode}}' "usher-init-$$")"
pm rm -f "usher-init-$$" >/dev/null
# usher changes directory once the command is started, so the command may
# look first (it did under two suites at once): it waits up to 5 s.
check "--init: usher leaves its directory for /, the command keeps it" "/ /home/app" \
    "$(pm run --rm --network none -w /home/app "${init[@]}" "$app" sh -c \
        'for i in $(seq 50); do [ "$(readlink /proc/1/cwd)" = / ] && break; sleep 0.1; done
         echo "$(readlink /proc/1/cwd) $PWD"')"

# 2. usher as the infra of a pod that shares its pid namespace.
pod=usher-pod-$$
pm pod create --name "$pod" --infra-image "$infra" --share pid --network none >/dev/null ||
    { echo "podman pod create failed"; exit 1; }
pm run -d --name "$pod-app" --pod "$pod" "$app" sh -c 'sh -c "sleep 0.2 &"; exec sleep 100' >/dev/null
sleep 0.8
check "pod: PID 1 is usher as pause" "/pause" "$(pm exec "$pod-app" sh -c 'tr "\0" " " </proc/1/cmdline | cut -d" " -f1')"
check "pod: the app is not PID 1" yes "$(pm exec "$pod-app" sh -c 'pid=$(pidof sleep | tr " " "\n" | head -1); [ "$pid" != 1 ] && echo yes')"
check "pod: the orphan was reaped by PID 1 (zombies left)" 0 \
    "$(zombies "$pod-app")"
stop_pod "pod" "$pod"
pm pod rm -f "$pod" >/dev/null

# 3. usher as podman's own pause image: podman builds it from the
# `catatonit` it finds in helper_binaries_dir and runs `/catatonit -P`.
mkdir -p "$work/helpers"
cp "$usher" "$work/helpers/catatonit"
settings "" "$work/helpers" >"$CONTAINERS_CONF"
pod=usher-pod-pause-$$
pm pod create --name "$pod" --share pid --network none >/dev/null ||
    { echo "podman pod create (podman's pause image) failed"; exit 1; }
pm run -d --name "$pod-app" --pod "$pod" "$app" sh -c 'sh -c "sleep 0.2 &"; exec sleep 100' >/dev/null
sleep 0.8
check "pause image: PID 1 is /catatonit -P" "/catatonit -P " \
    "$(pm exec "$pod-app" sh -c 'tr "\0" " " </proc/1/cmdline')"
check "pause image: /catatonit is this usher" "$("$usher" --version)" \
    "$(pm exec "$pod-app" /proc/1/exe --version)"
check "pause image: the orphan was reaped by PID 1 (zombies left)" 0 \
    "$(zombies "$pod-app")"
stop_pod "pause image" "$pod"
pm pod rm -f "$pod" >/dev/null
settings "$infra" >"$CONTAINERS_CONF"

# 4. podman kube play of README's manifest, with usher as the infra
# (infra_image in containers.conf) and as the app's entrypoint.
sed -n '/^```yaml$/,/^```$/p' "$here/../README.md" | sed '1d;$d' | sed "s#image: usher-app#image: $app#" >"$work/pod.yaml"
grep -q 'shareProcessNamespace: true' "$work/pod.yaml" || { echo "README's Pod manifest is missing"; exit 1; }
pm kube play --network none "$work/pod.yaml" >/dev/null || { echo "podman kube play failed"; exit 1; }
kube_pod=$(pm pod ps --format '{{.Name}}' | head -1)
app_ctr=$(pm ps --format '{{.Names}}' --filter "pod=$kube_pod" | grep -v infra | head -1)
sleep 0.8
check "kube: PID 1 of the pod is usher as pause" "/pause" \
    "$(pm exec "$app_ctr" sh -c 'tr "\0" " " </proc/1/cmdline | cut -d" " -f1')"
check "kube: the app's usher is not PID 1, and runs the command as app" "yes 1000" \
    "$(pm exec "$app_ctr" sh -c 'u=$(pidof usher); [ -n "$u" ] && [ "$u" != 1 ] && printf "yes "; stat -c %u /proc/$(pidof sleep | tr " " "\n" | head -1)')"
check "kube: the app's orphan was reaped (zombies left)" 0 \
    "$(zombies "$app_ctr")"
# An orphan outside usher's tree (left by `podman exec`) goes to the pod's
# PID 1, usher as pause, which reaps it.
pm exec "$app_ctr" sh -c 'sh -c "exec sleep 0.4" & exit 0'
check "kube: an orphan of podman exec goes to PID 1" 1 \
    "$(pm exec "$app_ctr" sh -c 'ps -o pid,ppid,args | grep "[s]leep 0.4"' | awk '{print $2}')"
sleep 0.8
check "kube: PID 1 reaped it (zombies left)" 0 \
    "$(zombies "$app_ctr")"
stop_pod "kube" "$kube_pod"
pm kube down "$work/pod.yaml" >/dev/null
check "kube: podman kube down leaves no pod" "" "$(pm pod ps -q)"
check "kube: podman kube down leaves no container" "" "$(pm ps -aq)"
wait_gone
check "kube: no process of the pod is left" "" "$(pgrep -af "$work" | tr '\n' ' ')"

finish
