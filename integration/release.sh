#!/usr/bin/env bash
# make release: dist/ with, for each architecture built here, the static
# binary usher-VERSION-linux-ARCH and a Debian package usher_VERSION_ARCH.deb
# (/usr/bin/usher and its man page, a Debian changelog, the copyright and
# lintian overrides; no personality names, which would clash with the tini,
# dumb-init and gosu packages), the man page, the image usher:VERSION as
# an OCI archive (integration/image.sh), and SHA256SUMS over all of it.
# Everything is reproducible: no build path is embedded, and the packages'
# and the image's times are the commit's (SOURCE_DATE_EPOCH).
#
#   bash integration/release.sh DIST NAME=BINARY...
#
# NAME is an architecture of integration/arches, which gives its Debian
# architecture and its image platform.
set -euo pipefail
dist=${1:?usage: release.sh DIST NAME=BINARY...}
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
version=$(grep -m1 '^version' "$top/Cargo.toml" | cut -d'"' -f2)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}
rm -rf "$dist"
mkdir -p "$dist"
cp "$top/docs/usher.1" "$dist/usher.1"
maintainer_address=usher@localhost
maintainer="usher developers <$maintainer_address>"
work=$(mktemp -d /tmp/usher-release.XXXXXX)
trap 'rm -rf "$work"' EXIT
platforms=()
for spec in "$@"; do
    arch=${spec%%=*} binary=${spec#*=}
    read -r _ _ debian _ _ platform < <(grep "^$arch " "$here/arches") ||
        { echo "release: $arch is not in integration/arches"; exit 1; }
    platforms+=("$platform=$binary")
    [ -f "$binary" ] || { echo "release: $binary is missing (make release builds it)"; exit 1; }
    cp "$binary" "$dist/usher-$version-linux-$arch"
    chmod 755 "$dist/usher-$version-linux-$arch"
    root=$work/deb-$debian
    mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/doc/usher" \
        "$root/usr/share/lintian/overrides"
    install -m 755 "$binary" "$root/usr/bin/usher"
    gzip -9n <"$top/docs/usher.1" >"$root/usr/share/man/man1/usher.1.gz"
    # A native package's changelog.gz is a Debian changelog: one entry for
    # this version, which points at the project's own, shipped beside it.
    gzip -9n <"$top/CHANGELOG.md" >"$root/usr/share/doc/usher/CHANGELOG.md.gz"
    gzip -9n >"$root/usr/share/doc/usher/changelog.gz" <<EOF
usher ($version) unstable; urgency=medium

  * usher $version; what changed is in /usr/share/doc/usher/CHANGELOG.md.gz.

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
    cat >"$root/usr/share/doc/usher/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: usher

Files: *
Copyright: the usher developers
License: MIT or Apache-2.0

License: MIT
$(sed 's/^$/./; s/^/ /' "$top/LICENSE-MIT")

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0, is in
 /usr/share/common-licenses/Apache-2.0.
EOF
    # lintian takes a static-pie executable (ET_DYN, no interpreter) for a
    # shared library; and the project has no mail host of its own yet.
    cat >"$root/usr/share/lintian/overrides/usher" <<EOF
usher: shared-library-lacks-prerequisites [usr/bin/usher]
usher: bogus-mail-host Maintainer $maintainer_address
usher: bogus-mail-host-in-debian-changelog $maintainer_address *
EOF
    cat >"$root/DEBIAN/control" <<EOF
Package: usher
Version: $version
Architecture: $debian
Maintainer: $maintainer
Section: admin
Priority: optional
Installed-Size: $(( ($(stat -c %s "$binary") + 1023) / 1024 + 8 ))
Description: tiny static init and entrypoint for containers
 usher is PID 1 for a container: it forwards signals, reaps zombies and
 exits with the command's status. It also switches user (gosu, su-exec),
 relays a pseudo-terminal and runs commands in another root with new
 namespaces. Link it as tini, dumb-init or gosu to take their command
 lines (ln -s /usr/bin/usher /usr/local/bin/tini).
EOF
    find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    dpkg-deb --root-owner-group -Zxz --build "$root" "$dist/usher_${version}_$debian.deb" >/dev/null
done
# The image usher:VERSION, an OCI archive of every architecture given.
bash "$here/image.sh" "$dist/usher-$version.oci.tar" "$version" "${platforms[@]}"
(cd "$dist" && sha256sum -- * | grep -v ' SHA256SUMS$' >SHA256SUMS)
ls -l "$dist"
