#!/usr/bin/env python3
"""Measures what each `#[inline(never)]` in src/ is worth: removes one at a
time, builds the stripped x86_64 release binary, and prints the size change
against the tree as it is (positive: the attribute saves that many bytes).
The tree is put back after every build, and on any exit.

    python3 bench/inline_never.py          (about 10 s per attribute)

Size is one reason to keep an attribute; the other is the stack (a frame
with a big buffer kept off a plain run's path), which this does not see.
Each attribute's comment says which reason it has.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = "x86_64-unknown-linux-musl"
BINARY = os.path.join(ROOT, "target", TARGET, "release", "usher")
STRIP = os.path.join(ROOT, "target", "strip-sections")


def build():
    subprocess.run(["cargo", "build", "--quiet", "--release", "--target", TARGET],
                   cwd=ROOT, check=True)
    subprocess.run([STRIP, BINARY], check=True, stdout=subprocess.DEVNULL)
    return os.path.getsize(BINARY)


def sites():
    found = []
    for folder, _, files in os.walk(os.path.join(ROOT, "src")):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            lines = open(path).read().split("\n")
            for number, line in enumerate(lines):
                if line.strip() == "#[inline(never)]":
                    # The function it sits on, for the report.
                    following = next((l for l in lines[number + 1:] if "fn " in l), "")
                    function = re.search(r"fn\s+(\w+)", following)
                    found.append((path, number, function.group(1) if function else "?"))
    return found


def main():
    if not os.path.exists(STRIP):
        subprocess.run(["make", "-C", ROOT, STRIP], check=True, stdout=subprocess.DEVNULL)
    baseline = build()
    print(f"baseline: {baseline} bytes")
    results = []
    for path, number, function in sites():
        original = open(path).read()
        lines = original.split("\n")
        del lines[number]
        try:
            with open(path, "w") as out:
                out.write("\n".join(lines))
            size = build()
        finally:
            with open(path, "w") as out:
                out.write(original)
        saved = size - baseline
        results.append((saved, os.path.relpath(path, ROOT), number + 1, function))
        print(f"{saved:+6d}  {os.path.relpath(path, ROOT)}:{number + 1} {function}", flush=True)
    build()
    print("\nsorted (bytes the attribute saves; 0 or less: it does not pay for size):")
    for saved, path, line, function in sorted(results, reverse=True):
        print(f"{saved:+6d}  {path}:{line} {function}")


if __name__ == "__main__":
    sys.exit(main())
