#!/usr/bin/env bash
# Installs pychroot 0.10.4, the peer of the pychroot personality (its
# differential test in tests/sandbox.rs) and of the --root benchmark, in a virtual
# environment at target/pychroot/venv (once; nothing outside target/, and no
# pip cache). pychroot needs snakeoil 0.8.9 exactly, whose shipped C files
# predate Python 3.11: they are regenerated with Cython 0.29, and snakeoil is
# built with --no-use-pep517 (its setup.py refuses a PEP 517 build).
#
#   bash bench/pychroot.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/target/pychroot
[ -x "$dir/venv/bin/pychroot" ] && exit 0
export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
rm -rf "$dir"
mkdir -p "$dir/src"
python3 -m venv "$dir/venv"
pip=("$dir/venv/bin/pip" -q)
"${pip[@]}" install 'Cython<3' setuptools wheel
sdist=snakeoil-0.8.9.tar.gz
curl -fsSL -o "$dir/src/$sdist" \
    "https://files.pythonhosted.org/packages/1a/ae/a7fd94d998c29ed057d478d646665b5e0d5fdeac65dffaffa1cf5ee909d8/$sdist"
echo "76e8069248f39cda3fd8ceb19d8912efa967bdd51781ddb1a8518f4c74c6a8e3  $dir/src/$sdist" | sha256sum -c --quiet
tar -xzf "$dir/src/$sdist" -C "$dir/src"
(cd "$dir/src/snakeoil-0.8.9/src/snakeoil" && "$dir/venv/bin/cython" -3 _posix.pyx _sequences.pyx)
"${pip[@]}" install --no-deps --no-use-pep517 "$dir/src/snakeoil-0.8.9"
"${pip[@]}" install --no-deps pychroot==0.10.4
"$dir/venv/bin/pychroot" --version
