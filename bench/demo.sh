#!/usr/bin/env bash
# The short demo that `make` runs: usher forwards a signal to its child and
# reaps an orphan, and passes the child's exit status through.
set -u
usher=${1:?usage: demo.sh path/to/usher}
size=$(stat -c %s "$usher")
echo "== usher: $usher ($size bytes, $(file -b "$usher" 2>/dev/null | cut -d, -f1-2))"
echo "== usher -w -- sh -c '...': the child leaves an orphan, sends TERM to usher, and traps it"
"$usher" -w -- sh -c '
    (sleep 0.05 &)
    sleep 0.2
    trap "echo \"child: TERM was forwarded to me; exiting 3\"; exit 3" TERM
    echo "child: pid $$, sending TERM to usher (pid $PPID)"
    kill -TERM "$PPID"
    sleep 0.3 & wait
' 2>&1
echo "== usher exited with $? (the child's status)"
