# Shared by the integration suites: counting, failing loudly, and the lock.

# Every suite that makes temporary files, mounts or daemons holds a shared
# lock on /tmp (flock on the directory: no lock file is left behind) while
# it runs; the hygiene check holds it exclusively, so that what it sees
# before and after is its own runs' doing even when another `make test`
# runs beside it. SUITE_LOCK_HELD says the lock is already held.
hold_lock() { # hold_lock -s|-x "$0" "$@": re-runs the script under the lock
    local mode=$1
    shift
    [ -n "${SUITE_LOCK_HELD:-}" ] && return 0
    command -v flock >/dev/null || return 0
    SUITE_LOCK_HELD=1 exec flock "$mode" /tmp bash "$@"
}
passed=0
failed=0
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1)); echo "ok   $1"
    else
        failed=$((failed + 1)); echo "FAIL $1: expected '$2', got '$3'"
    fi
}
finish() {
    echo "$suite: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
skip_case() { # skip_case WHY: one case cannot run here; the others go on
    if [ "${CI:-}" = "true" ]; then
        failed=$((failed + 1)); echo "FAIL $1 (a skip is a failure under CI=true)"
    else
        echo "skip $1"
    fi
}
skip_or_fail() { # when a runtime cannot run here
    if [ "${CI:-}" = "true" ]; then echo "$suite: $1 (a skip is a failure under CI=true)"; exit 1; fi
    echo "$suite: skipped: $1"; exit 0
}
# A root filesystem with busybox-static as /bin/*, and usher at /usher.
make_rootfs() { # make_rootfs DIR USHER
    mkdir -p "$1/bin" "$1/proc" "$1/dev" "$1/sys" "$1/tmp"
    cp "$(command -v busybox)" "$1/bin/busybox"
    for applet in sh sleep cat grep kill ps seq echo true wc ls stty tty; do ln -sf busybox "$1/bin/$applet"; done
    cp "$2" "$1/usher"
}

# make_missing_dirs DIR...: makes each missing DIR and its missing parents,
# and appends each folder it made, outermost first, to the array
# made_dirs; remove_made_dirs removes them again, innermost first.
make_missing_dirs() {
    local dir created
    for dir in "$@"; do
        while IFS= read -r created; do
            made_dirs+=("$created")
        done < <(mkdir -pv "$dir" | sed -n "s/^mkdir: created directory '\(.*\)'\$/\1/p")
    done
}
remove_made_dirs() {
    local i
    for ((i = ${#made_dirs[@]} - 1; i >= 0; i--)); do rmdir "${made_dirs[i]}"; done
    made_dirs=()
}
