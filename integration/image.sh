#!/usr/bin/env bash
# image: the OCI image `usher:VERSION`, a multi-architecture image index of
# FROM scratch images that hold /usher and nothing else (its entrypoint),
# built with buildah and written as an OCI archive. Reproducible: the
# images' times are SOURCE_DATE_EPOCH's, and the archive is a tar of the OCI
# layout with fixed names, order, owners and times.
#
#   bash integration/image.sh OUT.tar VERSION PLATFORM=BINARY...
#
# PLATFORM is os/arch[/variant], as `linux/arm/v7`.
#   bash integration/image.sh --load ARCHIVE.tar VERSION
#
# --load puts the image of this machine's architecture from ARCHIVE into
# the docker daemon that DOCKER_HOST names, as usher:VERSION (through a
# docker archive and `docker load`).
#
# buildah keeps its storage in a temporary folder, and runs in a mount
# namespace of its own with a tmpfs on /var/lib/containers and on CNI's
# folders (made for it, and removed after, when missing), where it keeps a
# cache and a lock whatever its options say; one at a time with the podman
# suite, which does the same.
set -euo pipefail
load=
[ "${1:-}" != --load ] || { load=--load; shift; }
out=$(realpath -m "${1:?usage: image.sh [--load] OUT.tar VERSION PLATFORM=BINARY...}")
version=${2:?usage: image.sh [--load] OUT.tar VERSION PLATFORM=BINARY...}
shift 2
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
shadowed=(/var/lib/containers /etc/cni/net.d /var/lib/cni)
case ${IMAGE_STAGE:-} in
"")
    IMAGE_STAGE=locked exec flock -x /sys/fs/cgroup bash "$0" $load "$out" "$version" "$@"
    ;;
locked)
    . "$(dirname "$0")/lib.sh"
    made_dirs=()
    make_missing_dirs "${shadowed[@]}"
    trap remove_made_dirs EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    status=0
    IMAGE_STAGE=inside unshare --mount --propagation private bash "$0" $load "$out" "$version" "$@" || status=$?
    exit "$status"
    ;;
esac
for dir in "${shadowed[@]}"; do
    mount -t tmpfs -o mode=0700 usher-image "$dir"
done
work=$(mktemp -d /tmp/usher-image.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
b() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
if [ -n "$load" ]; then
    id=$(b pull -q "oci-archive:$out:$version")
    b push -q "$id" "docker-archive:$work/docker.tar:usher:$version"
    docker load -q -i "$work/docker.tar" >/dev/null
    exit 0
fi
b manifest create "usher:$version" >/dev/null
for spec in "$@"; do
    platform=${spec%%=*} binary=${spec#*=}
    IFS=/ read -r os arch variant <<<"$platform"
    name=usher-$arch${variant:+-$variant}:$version
    container=$(b from --os "$os" --arch "$arch" ${variant:+--variant "$variant"} scratch)
    b copy --chmod 0755 "$container" "$binary" /usher >/dev/null
    b config --os "$os" --arch "$arch" ${variant:+--variant "$variant"} --entrypoint '["/usher"]' \
        --created-by "COPY usher /usher" "$container"
    b commit -q --timestamp "$SOURCE_DATE_EPOCH" "$container" "$name" >/dev/null
    b manifest add "usher:$version" "containers-storage:localhost/$name" >/dev/null
done
b manifest push -q --all --format oci "usher:$version" "oci:$work/layout:$version"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --format=gnu -C "$work/layout" -cf "$out" .
