#!/usr/bin/env bash
# reproducible: `make release` makes the same bytes from any checkout of a
# commit. Two fresh clones in two different folders build the release of
# x86_64, aarch64 and armv7 (one architecture of each way they are built:
# rustup's std, and core from rust-src with Debian's musl), and every file
# of the two dist/ folders must be identical; then one .deb is inspected
# and installed into a throwaway root, lintian checks each, and SHA256SUMS
# is checked. (make release builds every architecture the same ways;
# REPRODUCIBLE_ARCHES="..." checks others, or all eight.)
set -uo pipefail
suite=reproducible
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
hold_lock -s "$0" "$@"
command -v dpkg-deb >/dev/null || skip_or_fail "dpkg-deb is missing"
work=$(mktemp -d /tmp/usher-reproducible.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
for clone in one "two/deeper"; do
    mkdir -p "$work/$(dirname "$clone")"
    git clone -q "$here/.." "$work/$clone" || { echo "FAIL git clone"; exit 1; }
    if ! make -C "$work/$clone" -s release RELEASE_ARCHES="${REPRODUCIBLE_ARCHES:-x86_64 aarch64 armv7}" \
        >"$work/${clone//\//-}.log" 2>&1; then
        tail -20 "$work/${clone//\//-}.log"
        check "make release in $clone" 0 1
        finish
        exit 1
    fi
done
one=$work/one/dist
two=$work/two/deeper/dist
check "both dist/ folders hold the same files" "$(ls "$one")" "$(ls "$two")"
for file in "$one"/*; do
    name=$(basename "$file")
    check "$name is the same bytes from both checkouts" same \
        "$(cmp -s "$file" "$two/$name" && echo same || echo different)"
done
check "SHA256SUMS checks" 0 "$(cd "$one" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1; echo $?)"
deb=$(ls "$one"/usher_*_amd64.deb)
check "the .deb names its architecture" "amd64" "$(dpkg-deb -f "$deb" Architecture)"
# Installed into a throwaway root: /usr/bin/usher and the man page, and no
# personality names that would clash with tini, dumb-init or gosu.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-script-chrootless -i "$deb" >/dev/null 2>&1
check "dpkg --root installs it" 0 "$?"
check "the installed usher runs" "usher" "$("$root/usr/bin/usher" --version | cut -d' ' -f1)"
check "the man page is installed" yes "$([ -f "$root/usr/share/man/man1/usher.1.gz" ] && echo yes)"
# lintian has nothing to say of any package (its overrides, shipped in
# the package, say why for the two tags that do not apply). Its TMPDIR is
# ours: it leaves files in it.
for package in "$one"/usher_*.deb; do
    check "dpkg-deb --info reads $(basename "$package")" "usher $(basename "$package" .deb | cut -d_ -f3)" \
        "$(dpkg-deb --info "$package" | awk '$1 == "Package:" {p = $2} $1 == "Architecture:" {a = $2} END {print p, a}')"
    check "lintian passes $(basename "$package")" "" \
        "$(TMPDIR=$work lintian --fail-on error,warning --tag-display-limit 0 "$package" 2>&1 | grep -v 'root privileges')"
done
# The image: an index of one image per architecture, each holding /usher
# alone, as its entrypoint.
expected_image=$(for arch in ${REPRODUCIBLE_ARCHES:-x86_64 aarch64 armv7}; do
    awk -v a="$arch" '$1 == a {sub("^linux/", "", $6); printf "%s:[\x27usher\x27]:[\x27/usher\x27] ", $6}' "$here/arches"
done | sed 's/ $//')
check "the image holds /usher alone, for each architecture" "$expected_image" \
    "$(python3 - "$one"/usher-*.oci.tar <<'EOF'
import io, json, sys, tarfile
archive = tarfile.open(sys.argv[1])
def blob(digest):
    return archive.extractfile("./blobs/" + digest.replace(":", "/")).read()
index = json.loads(archive.extractfile("./index.json").read())
images = json.loads(blob(index["manifests"][0]["digest"]))["manifests"]
found = []
for entry in images:
    manifest = json.loads(blob(entry["digest"]))
    config = json.loads(blob(manifest["config"]["digest"]))
    files = []
    for layer in manifest["layers"]:
        with tarfile.open(fileobj=io.BytesIO(blob(layer["digest"]))) as tar:
            files += [member.name.lstrip("./") for member in tar if not member.isdir()]
    platform = entry["platform"]
    name = platform["architecture"] + ("/" + platform["variant"] if platform.get("variant") else "")
    found.append(f"{name}:{files}:{config['config']['Entrypoint']}")
print(" ".join(found))
EOF
)"
check "no personality names are installed" "usher" \
    "$(ls "$root/usr/bin" "$root/usr/sbin" 2>/dev/null | grep -v ':$' | grep -v '^$' | tr '\n' ' ' | sed 's/ $//')"
finish
