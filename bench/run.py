#!/usr/bin/env python3
"""Benchmarks usher against Debian's tini, tini-static, dumb-init and catatonit,
and writes docs/benchmarks.md. Subjects are interleaved (shuffled every round)
so that machine noise hits them all alike. Not a test: numbers, not verdicts.

    python3 bench/run.py path/to/usher    (what `make bench` runs)

Needs root (unshare for the PID 1 measurements), strace, valgrind and the
probe helper (built here with `cargo build --release --example probe`).
"""
import os
import random
import resource
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USHER = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                        os.path.join(ROOT, "target/x86_64-unknown-linux-musl/release/usher"))
PROBE = os.path.join(ROOT, "target/release/examples/probe")
TRUE = shutil.which("true")

# Symlinks that give usher its personalities (made in main).
SWITCH_DIR = tempfile.mkdtemp(prefix="usher-bench-")

# name -> (binary, argv prefix before the command). Each runs as it would in
# a container entrypoint; tini and usher also register as subreapers when not
# PID 1 (usher does so by default, tini needs -s). "usher as dumb-init" is
# usher's dumb-init personality, to set beside Debian's dumb-init.
PEERS = {
    "usher": (USHER, [USHER, "--"]),
    "usher as dumb-init": (USHER, [os.path.join(SWITCH_DIR, "dumb-init")]),
    "tini": ("/usr/bin/tini", ["/usr/bin/tini", "-s", "--"]),
    "tini-static": ("/usr/bin/tini-static", ["/usr/bin/tini-static", "-s", "--"]),
    "dumb-init": ("/usr/bin/dumb-init", ["/usr/bin/dumb-init"]),
    "catatonit": ("/usr/bin/catatonit", ["/usr/bin/catatonit", "--"]),
}
SUBJECTS = {name: spec for name, spec in PEERS.items() if os.path.exists(spec[0])}

# The user switchers, each running `true` as root: usher's gosu and su-exec
# personalities (symlinks made in main), native --user, and Debian's gosu.
SWITCHERS = {
    "usher as gosu": (USHER, [os.path.join(SWITCH_DIR, "gosu"), "root"]),
    "usher as su-exec": (USHER, [os.path.join(SWITCH_DIR, "su-exec"), "root"]),
    "usher --user": (USHER, [USHER, "--user", "root", "--"]),
    "gosu": ("/usr/sbin/gosu", ["/usr/sbin/gosu", "root"]),
}
SWITCHERS = {name: spec for name, spec in SWITCHERS.items() if os.path.exists(spec[0])}


def spawn_wait(argv):
    pid = os.posix_spawn(argv[0], argv, {}, file_actions=[(os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
    os.waitpid(pid, 0)


def exec_overhead(rounds=600, subjects=SUBJECTS):
    """Median wall time of `X true` minus the median of plain `true`."""
    runs = {name: [] for name in subjects}
    runs["(true)"] = []
    commands = {name: prefix + [TRUE] for name, (_, prefix) in subjects.items()}
    commands["(true)"] = [TRUE]
    for _ in range(20):  # warm the page cache
        for argv in commands.values():
            spawn_wait(argv)
    for _ in range(rounds):
        order = list(commands)
        random.shuffle(order)
        for name in order:
            start = time.perf_counter_ns()
            spawn_wait(commands[name])
            runs[name].append(time.perf_counter_ns() - start)
    floor = statistics.median(runs["(true)"])
    return {name: (statistics.median(runs[name]) - floor) / 1000 for name in subjects}, floor / 1000


def build_floor():
    """Builds bench/floor.rs the way usher is built (musl static-pie, rust-lld)."""
    out = os.path.join(ROOT, "target/bench-floor")
    subprocess.run(["rustc", "--edition", "2021", "--target", "x86_64-unknown-linux-musl", "-C", "opt-level=s",
                    "-C", "panic=abort", "-C", "linker=rust-lld", "-C", "relocation-model=pic",
                    "-C", "target-feature=+crt-static", "-C", "link-self-contained=no", "-C", "link-arg=-znorelro",
                    "-C", "link-arg=-zpack-relative-relocs", "-C", "link-arg=--hash-style=gnu",
                    os.path.join(ROOT, "bench/floor.rs"), "-o", out], check=True)
    return out


def memory_of(pid):
    rss = re.search(r"VmRSS:\s+(\d+) kB", open(f"/proc/{pid}/status").read()).group(1)
    anon = re.search(r"Anonymous:\s+(\d+) kB", open(f"/proc/{pid}/smaps_rollup").read()).group(1)
    return int(rss), int(anon)


def floor_memory(floor, samples=9):
    """Idle memory of the empty program (blocked reading an open pipe)."""
    found = []
    for _ in range(samples):
        proc = subprocess.Popen([floor], stdin=subprocess.PIPE)
        time.sleep(0.1)
        found.append(memory_of(proc.pid))
        proc.kill()
        proc.wait()
    return statistics.median(s[0] for s in found), statistics.median(s[1] for s in found), min(s[1] for s in found), max(s[1] for s in found)


IDLE_SAMPLES = 15


def idle_memory():
    """VmRSS and the Anonymous line of smaps_rollup of the init, child asleep.
    The stack's pages vary from run to run (its randomized gap), so each
    figure is a median of IDLE_SAMPLES, subjects interleaved."""
    samples = {name: [] for name in SUBJECTS}
    for _ in range(IDLE_SAMPLES):
        for name, (_, prefix) in SUBJECTS.items():
            proc = subprocess.Popen(prefix + ["sleep", "5"], stderr=subprocess.DEVNULL)
            time.sleep(0.3)
            samples[name].append(memory_of(proc.pid))
            proc.kill()
            proc.wait()
    return {name: (statistics.median(s[0] for s in found), statistics.median(s[1] for s in found))
            for name, found in samples.items()}


def pause_idle(samples=IDLE_SAMPLES, idle_s=2.0):
    """usher as `pause` beside `catatonit -P` and usher's own idle (child
    asleep): VmRSS and Anonymous (median), and the CPU ticks (utime +
    stime) each spends over `idle_s` seconds of idling, summed."""
    work = tempfile.mkdtemp(prefix="usher-bench-pause-")
    pause = os.path.join(work, "pause")
    os.symlink(USHER, pause)
    subjects = {"usher as pause": [pause], "usher (child asleep)": [USHER, "sleep", "30"]}
    if shutil.which("catatonit"):
        subjects["catatonit -P"] = [shutil.which("catatonit"), "-P"]
    found = {name: [] for name in subjects}
    ticks = {name: 0 for name in subjects}
    for index in range(samples):
        for name, argv in subjects.items():
            proc = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
            time.sleep(0.3)
            found[name].append(memory_of(proc.pid))
            if index < 3:
                def cpu():
                    fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
                    return int(fields[11]) + int(fields[12])
                before = cpu()
                time.sleep(idle_s)
                ticks[name] += cpu() - before
            proc.kill()
            proc.wait()
    shutil.rmtree(work)
    return {name: (statistics.median(s[0] for s in found[name]),
                   statistics.median(s[1] for s in found[name]), ticks[name]) for name in subjects}


def architecture_sizes():
    """The size of each architecture's binary (integration/arches), from
    where `make build`, `make aarch64-binary` and `make cross` leave them;
    None for one not built."""
    found = {}
    for line in open(os.path.join(ROOT, "integration/arches")):
        if line.startswith("#") or not line.strip():
            continue
        name, target = line.split()[:2]
        if name in ("x86_64", "aarch64"):
            path = os.path.join(ROOT, "target", target, "release/usher")
        else:
            path = os.path.join(ROOT, "target/cross", "usher-" + name)
        found[name] = os.path.getsize(path) if os.path.exists(path) else None
    return found


def anonymous_by_kind(pid):
    """Anonymous KiB of a process split into its stack and everything else
    (the data pages of the binary: the relocated RW segment and its .bss)."""
    stack = other = 0
    mapping = ""
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            mapping = line.split()[-1] if len(line.split()) > 5 else ""
        elif line.startswith("Anonymous:"):
            kib = int(line.split()[1])
            if mapping == "[stack]":
                stack += kib
            else:
                other += kib
    return stack, other


def usher_memory_breakdown(samples=15):
    """usher's idle Anonymous by kind, in the caller's environment and in a
    container-sized one (three variables, as `docker run` gives)."""
    result = {}
    small_env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "HOSTNAME": "0123456789ab", "HOME": "/root"}
    for label, env in (("caller", None), ("container", small_env)):
        found = []
        for _ in range(samples):
            proc = subprocess.Popen([USHER, "sleep", "5"], stderr=subprocess.DEVNULL, env=env)
            time.sleep(0.3)
            found.append(anonymous_by_kind(proc.pid))
            proc.kill()
            proc.wait()
        totals = [a + b for a, b in found]
        result[label] = (statistics.median(totals), min(totals), max(totals),
                         statistics.median(a for a, _ in found), statistics.median(b for _, b in found))
    return result


def rw_segment_pages(binary):
    """Pages the writable LOAD segment spans in memory (each one a dirty page
    once the start has applied the relocations and usher touched .bss)."""
    data = open(binary, "rb").read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    entsize, count = struct.unpack_from("<HH", data, 0x36)
    for index in range(count):
        kind, flags, _, vaddr, _, _, memsz = struct.unpack_from("<IIQQQQQ", data, phoff + index * entsize)
        if kind == 1 and flags & 2:
            return (vaddr + memsz - 1) // 4096 - vaddr // 4096 + 1, vaddr % 4096, memsz
    return 0, 0, 0


def first_child(pid):
    for _ in range(2000):
        try:
            children = open(f"/proc/{pid}/task/{pid}/children").read().split()
            if children:
                return int(children[0])
        except FileNotFoundError:
            pass
        time.sleep(0.001)
    raise RuntimeError("no child")


def cpu_per_orphan(count=5000, repeats=3):
    """The init's on-CPU time (schedstat) per reaped orphan, as PID 1."""
    result = {}
    for name, (_, prefix) in SUBJECTS.items():
        samples = []
        for _ in range(repeats):
            argv = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"] + prefix + [PROBE, "orphans", str(count), "--linger", "300"]
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            init = first_child(proc.pid)
            line = proc.stdout.readline()
            assert line.strip() == "zombies: 0", f"{name}: {line!r}"
            on_cpu_ns = int(open(f"/proc/{init}/schedstat").read().split()[0])
            proc.wait()
            samples.append(on_cpu_ns / count)
        result[name] = statistics.median(samples)
    return result


def forwarding_latency(rounds=400):
    """Median time from kill(init) to the child reading the signal, minus the
    same through a direct kill(child) (the floor)."""
    procs = {}
    for name, (_, prefix) in SUBJECTS.items():
        proc = subprocess.Popen(prefix + [PROBE, "pong"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout.read(1) == b"r"
        procs[name] = proc
    direct = subprocess.Popen([PROBE, "pong"], stdout=subprocess.PIPE)
    assert direct.stdout.read(1) == b"r"
    targets = {name: (proc.pid, proc.stdout) for name, proc in procs.items()}
    targets["(direct)"] = (direct.pid, direct.stdout)
    samples = {name: [] for name in targets}
    for _ in range(rounds):
        order = list(targets)
        random.shuffle(order)
        for name in order:
            pid, pipe = targets[name]
            start = time.perf_counter_ns()
            os.kill(pid, 10)
            pipe.read(1)
            samples[name].append(time.perf_counter_ns() - start)
    for proc in list(procs.values()) + [direct]:
        os.kill(proc.pid, 15)
        proc.wait()
    floor = statistics.median(samples["(direct)"])
    return {name: (statistics.median(samples[name]) - floor) / 1000 for name in SUBJECTS}, floor / 1000


def syscalls(subjects=SUBJECTS):
    """Syscalls made for `X true` (strace -f -c), total and above plain `true`."""
    def count_once(argv):
        with tempfile.NamedTemporaryFile("r") as out:
            subprocess.run(["strace", "-f", "-c", "-o", out.name] + argv, stderr=subprocess.DEVNULL, check=False)
            text = out.read()
        # "% time, seconds, usecs/call, calls[, errors], total"
        total = re.search(r"^100\.00\s+\S+\s+\S+\s+(\d+)(\s+\d+)?\s+total$", text, re.M)
        return int(total.group(1)) if total else None

    def count(argv):
        # The median of 3: a rare strace run reports a short count.
        runs = [count_once(argv) for _ in range(3)]
        if None in runs:
            sys.exit(f"bench: strace gave no total for {argv}")
        return int(statistics.median(runs))
    floor = count([TRUE])
    return {name: count(prefix + [TRUE]) - floor for name, (_, prefix) in subjects.items()}, floor


def instructions(subjects=SUBJECTS):
    """User-space instructions of the init for `X true` (callgrind; the exec'd
    `true` runs natively because children and exec'd programs are not traced)."""
    result = {}
    for name, (_, prefix) in subjects.items():
        with tempfile.TemporaryDirectory() as work:
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/cg.%p"] + prefix + [TRUE],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            total = 0
            for file in os.listdir(work):
                text = open(os.path.join(work, file)).read()
                found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
                total += int(found.group(1)) if found else 0
        result[name] = total
    return result


def stepped_instructions(subjects):
    """User-space instructions until the exec of `true`, single-stepped with
    ptrace (bench/steps.c): the switchers exec in place, which callgrind does
    not follow, and valgrind cannot run Go's gosu."""
    steps = os.path.join(SWITCH_DIR, "steps")
    subprocess.run(["cc", "-O2", "-o", steps, os.path.join(ROOT, "bench/steps.c")], check=True)
    result = {}
    for name, (_, prefix) in subjects.items():
        out = subprocess.run([steps] + prefix + [TRUE], capture_output=True, text=True, check=True)
        result[name] = int(out.stdout.split()[-1])
    return result


# The pty relays, each copying `head -c 100 MiB /dev/zero` from a new
# terminal to a pipe (stdin is /dev/null: CI has no terminal).
RELAY_BYTES = 100 * 1024 * 1024
RELAYS = {
    "usher --pty": [USHER, "--pty", "--", "head", "-c", str(RELAY_BYTES), "/dev/zero"],
    "script -qfec": ["script", "-qfec", f"head -c {RELAY_BYTES} /dev/zero", "/dev/null"],
}


def relay_throughput(rounds=12):
    """Median MiB/s of each relay over `rounds` interleaved runs; every run
    must deliver every byte."""
    runs = {name: [] for name in RELAYS}
    for _ in range(rounds):
        order = list(RELAYS)
        random.shuffle(order)
        for name in order:
            start = time.perf_counter()
            child = subprocess.Popen(RELAYS[name], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
            received = 0
            while chunk := child.stdout.read(1 << 20):
                received += len(chunk)
            child.wait()
            seconds = time.perf_counter() - start
            if received != RELAY_BYTES or child.returncode != 0:
                sys.exit(f"bench: {name} relayed {received} bytes, status {child.returncode}")
            runs[name].append(RELAY_BYTES / (1 << 20) / seconds)
    return {name: statistics.median(values) for name, values in runs.items()}


SANDBOX_ROUNDS = 40


def sandbox_times():
    """Start-to-exit wall time of `true` in a busybox-static root: usher
    --root with and without its default mounts, bubblewrap with the same
    mounts, and pychroot (as root), then the first three as uid 65534.
    Medians of SANDBOX_ROUNDS interleaved runs, in ms."""
    work = tempfile.mkdtemp(prefix="usher-bench-root-")
    os.chmod(work, 0o755)
    root = os.path.join(work, "root")
    for sub in ("bin", "etc", "dev/shm", "proc", "sys", "tmp"):
        os.makedirs(os.path.join(root, sub))
    shutil.copy(shutil.which("busybox"), os.path.join(root, "bin/busybox"))
    os.symlink("busybox", os.path.join(root, "bin/true"))
    open(os.path.join(root, "etc/resolv.conf"), "w").close()
    usher = os.path.join(work, "usher")
    shutil.copy(USHER, usher)
    os.chmod(usher, 0o755)
    bwrap = shutil.which("bwrap")
    # pychroot, from the venv that bench/pychroot.sh makes at target/pychroot.
    pychroot = os.path.join(ROOT, "target/pychroot/venv/bin/pychroot")
    mounts = ["--dev-bind", "/dev", "/dev", "--proc", "/proc", "--ro-bind", "/sys", "/sys",
              "--tmpfs", "/dev/shm", "--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"]
    spaces = ["--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    cases = {
        "usher --root R --no-mounts": [usher, "--root", root, "--no-mounts", "--", "/bin/true"],
        "usher --root R": [usher, "--root", root, "--", "/bin/true"],
        "bwrap, the same mounts": [bwrap, "--bind", root, "/", *mounts, *spaces, "/bin/true"] if bwrap else None,
        "pychroot R": [pychroot, root, "/bin/true"] if os.path.exists(pychroot) else None,
    }
    nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    rootless = {
        "usher --root R --no-mounts": nobody + cases["usher --root R --no-mounts"],
        "usher --root R": nobody + cases["usher --root R"],
        "bwrap, the same mounts": (nobody + [bwrap, "--unshare-user", "--unshare-net", "--bind", root, "/",
                                             *mounts, *spaces, "/bin/true"]) if bwrap else None,
    }
    results = {}
    for label, table in (("root", cases), ("uid 65534", rootless)):
        table = {name: argv for name, argv in table.items() if argv}
        runs = {name: [] for name in table}
        for name, argv in table.items():
            if subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
                runs.pop(name)
        for _ in range(SANDBOX_ROUNDS):
            order = list(runs)
            random.shuffle(order)
            for name in order:
                start = time.perf_counter_ns()
                subprocess.run(table[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                runs[name].append((time.perf_counter_ns() - start) / 1e6)
        results[label] = {name: statistics.median(values) for name, values in runs.items()}
    shutil.rmtree(work)
    return results


STACK_TRIES = 5


def smallest_stacks():
    """The smallest RLIMIT_STACK (KiB) at which each mode runs busybox
    `true` STACK_TRIES times in a row with exit 0, found by bisection, with
    a small environment and with 1,000 variables (about 30 KB, which the
    kernel puts on the same stack). busybox `true` alone is the floor: a
    plain static program with the same environment."""
    work = tempfile.mkdtemp(prefix="usher-bench-stack-")
    os.chmod(work, 0o755)
    busybox = os.path.join(work, "busybox")
    shutil.copy(shutil.which("busybox"), busybox)
    true = [busybox, "true"]
    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy(busybox, os.path.join(root, "bin/busybox"))
    os.symlink("busybox", os.path.join(root, "bin/true"))
    links = {}
    for name in ("gosu", "su-exec", "dumb-init", "tini"):
        links[name] = os.path.join(work, name)
        os.symlink(USHER, links[name])
    cases = {
        "busybox true (the floor)": true,
        "usher": [USHER, "--", *true],
        "usher --user 65534": [USHER, "--user", "65534", "--", *true],
        "usher --env A=1 --unset HOME": [USHER, "--env", "A=1", "--unset", "HOME", "--", *true],
        "usher --pre true": [USHER, "--pre", busybox + " true", "--", *true],
        "usher --pty": [USHER, "--pty", "--", *true],
        "usher --root R": [USHER, "--root", root, "--", "/bin/true"],
        "usher as gosu": [links["gosu"], "65534", *true],
        "usher as su-exec": [links["su-exec"], "65534", *true],
        "usher as dumb-init": [links["dumb-init"], *true],
        "usher as tini": [links["tini"], "-s", "--", *true],
        "gosu": ["/usr/sbin/gosu", "65534", *true],
        "tini-static": ["/usr/bin/tini-static", "-s", "--", *true],
        "dumb-init": ["/usr/bin/dumb-init", *true],
    }
    cases = {name: argv for name, argv in cases.items() if os.path.exists(argv[0])}
    small = {"PATH": "/usr/bin:/bin"}
    large = dict(small, **{f"VAR{i:04d}": "x" * 22 for i in range(1000)})

    def runs(argv, env, kib):
        def limit():
            resource.setrlimit(resource.RLIMIT_STACK, (kib * 1024, kib * 1024))
        for _ in range(STACK_TRIES):
            done = subprocess.run(argv, env=env, preexec_fn=limit, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if done.returncode != 0:
                return False
        return True

    def smallest(argv, env):
        low, high = 1, 512
        if not runs(argv, env, high):
            return None
        while low < high:
            middle = (low + high) // 2
            if runs(argv, env, middle):
                high = middle
            else:
                low = middle + 1
        return low

    results = {name: (smallest(argv, small), smallest(argv, large)) for name, argv in cases.items()}
    shutil.rmtree(work)
    return results


def head(names):
    """A table's header lines, for a column per subject."""
    return ["| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]


def row(label, names, values, show):
    """One table row: the label, then each subject's value as `show` writes it."""
    return f"| {label} | " + " | ".join(show(values[name]) for name in names) + " |"


def main():
    if os.geteuid() != 0:
        sys.exit("bench: needs root (unshare --pid)")
    if not os.path.exists(PROBE):
        subprocess.run(["cargo", "build", "--release", "--example", "probe"], cwd=ROOT, check=True)
    for name in ("gosu", "su-exec", "dumb-init"):
        os.symlink(USHER, os.path.join(SWITCH_DIR, name))
    sizes = {name: os.path.getsize(binary) for name, (binary, _) in SUBJECTS.items()}
    arch_sizes = architecture_sizes()
    print("bench: exec overhead ...", flush=True)
    overhead, true_us = exec_overhead()
    print("bench: idle memory ...", flush=True)
    memory = idle_memory()
    floor_rss, floor_anon, floor_min, floor_max = floor_memory(build_floor())
    breakdown = usher_memory_breakdown()
    print("bench: pause ...", flush=True)
    paused = pause_idle()
    rw_pages, rw_offset, rw_size = rw_segment_pages(USHER)
    print("bench: CPU per orphan ...", flush=True)
    per_orphan = cpu_per_orphan()
    print("bench: forwarding latency ...", flush=True)
    latency, direct_us = forwarding_latency()
    print("bench: syscalls ...", flush=True)
    calls, true_calls = syscalls()
    print("bench: instructions ...", flush=True)
    instr = instructions()
    print("bench: user switchers ...", flush=True)
    switch_overhead, _ = exec_overhead(subjects=SWITCHERS)
    switch_calls, _ = syscalls(subjects=SWITCHERS)
    switch_instr = stepped_instructions(SWITCHERS)
    print("bench: pty relay ...", flush=True)
    relay = relay_throughput()
    print("bench: sandboxes ...", flush=True)
    sandboxes = sandbox_times()
    print("bench: smallest stacks ...", flush=True)
    stacks = smallest_stacks()
    shutil.rmtree(SWITCH_DIR)

    kernel = os.uname().release
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`python3 bench/run.py target/x86_64-unknown-linux-musl/release/usher`)",
        f"on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores ({cpu.group(1) if cpu else 'unknown CPU'}), Linux {kernel}.",
        "Subjects are Debian's packages; tini runs with `-s` (usher registers itself). \"usher as",
        "dumb-init\" is the same binary invoked by that name, beside Debian's dumb-init 1.2.5.",
        "Subjects are interleaved in a fresh random order every round.",
        "",
        *head(SUBJECTS),
        row("file size (bytes)", SUBJECTS, sizes, str),
        row("exec overhead of `X true` (µs, median of 600)", SUBJECTS, overhead, "{:.0f}".format),
        row("idle VmRSS (KiB)", SUBJECTS, memory, lambda m: f"{m[0]:.0f}"),
        row("idle Anonymous (KiB)", SUBJECTS, memory, lambda m: f"{m[1]:.0f}"),
        row("init CPU per reaped orphan, as PID 1 (µs)", SUBJECTS, per_orphan, lambda ns: f"{ns / 1000:.2f}"),
        row("signal forwarding latency above direct (µs, median of 400)", SUBJECTS, latency, "{:.1f}".format),
        row("syscalls for `X true`, above `true` alone", SUBJECTS, calls, str),
        row("user-space instructions for `X true`", SUBJECTS, instr, "{:,}".format),
        "",
        "User switchers, each running `true` as root (`X root true`; usher's personalities are",
        "symlinks to the same binary, and `usher --user root -- true` spawns a child as usual):",
        "",
        *head(SWITCHERS),
        row("exec overhead (µs, median of 600)", SWITCHERS, switch_overhead, "{:.0f}".format),
        row("syscalls, above `true` alone", SWITCHERS, switch_calls, str),
        row("user-space instructions (single-stepped)", SWITCHERS, switch_instr, "{:,}".format),
        "",
        "Instructions here are counted by single-stepping the switcher with ptrace until it execs",
        "`true` (`bench/steps.c`), because the switchers exec in place, which callgrind does not",
        "follow, and valgrind cannot run Go's gosu. Only gosu's first thread is stepped, so its",
        "figure is a lower bound. `usher --user` is counted until it exits (its child is not stepped).",
        "",
        "The pty relays, each copying `head -c 100 MiB /dev/zero` from a new terminal to a pipe",
        "(stdin is /dev/null), 12 interleaved runs each, every byte checked:",
        "",
        *head(RELAYS),
        row("throughput (MiB/s, median of 12)", RELAYS, relay, "{:.1f}".format),
        "",
        "Sandboxes: start to exit of `true` in a busybox-static root (ms, median of",
        f"{SANDBOX_ROUNDS} interleaved runs; bubblewrap 0.8 binds the root, `/dev`, `/sys` read-only and",
        "`/etc/resolv.conf`, with a new `/proc` and `/dev/shm` and new pid, ipc and uts namespaces, as",
        "usher's defaults do; as uid 65534 both also make user and network namespaces):",
        "",
        "| | as root | as uid 65534 |",
        "|---|---:|---:|",
    ] + [
        f"| {name} | " + " | ".join(
            f"{sandboxes[who][name]:.2f}" if name in sandboxes.get(who, {}) else "n/a"
            for who in ("root", "uid 65534")) + " |"
        for name in ("usher --root R --no-mounts", "usher --root R", "bwrap, the same mounts", "pychroot R")
    ] + [
        "",
        "The smallest stack limit (`ulimit -s`, KiB) each mode runs busybox `true` with, exit 0",
        f"{STACK_TRIES} times in a row (bisection), with `PATH` alone and with 1,000 more variables",
        "(about 30 KB, which the kernel puts on the same stack). busybox `true` alone is the floor:",
        "",
        "| | PATH alone | 1,000 variables |",
        "|---|---:|---:|",
    ] + [
        f"| {name} | " + " | ".join("n/a" if kib is None else str(kib) for kib in stacks[name]) + " |"
        for name in stacks
    ] + [
        "",
        f"Floors: plain `true` takes {true_us:.0f} µs and {true_calls} syscalls; a direct",
        f"kill-to-read round trip takes {direct_us:.1f} µs. An empty static-pie program built like",
        f"usher with a start of its own (`bench/floor.rs`, blocked in read, no data) idles at VmRSS",
        f"{floor_rss:.0f} KiB and Anonymous {floor_anon:.0f} KiB (median of 9, range {floor_min}-{floor_max}): the kernel's stack",
        "page of argv/env/auxv and the page where the randomized stack pointer lands. usher's own",
        "idle memory is measured against that floor.",
        "",
        "usher's idle Anonymous (KiB, 15 runs each: median, range; then the median split into",
        "stack and data pages):",
        "",
        "| environment | median | range | stack | data |",
        "|---|---:|---:|---:|---:|",
    ] + [
        f"| {label} | {m:.0f} | {lo}-{hi} | {st:.0f} | {da:.0f} |"
        for label, (m, lo, hi, st, da) in (("the caller's", breakdown["caller"]),
                                           ("a container's (3 variables)", breakdown["container"]))
    ] + [
        "",
        "usher's binary for each architecture of a release (bytes; `make build`,",
        "`make aarch64-binary` and `make cross` build them; the budget is x86_64's):",
        "",
        "| architecture | size |",
        "|---|---:|",
    ] + [
        f"| {name} | {'not built' if size is None else f'{size:,}'} |" for name, size in arch_sizes.items()
    ] + [
        "",
        f"The pause personality beside catatonit's pause mode and usher with a sleeping child",
        f"(VmRSS and Anonymous: median of {IDLE_SAMPLES}; CPU: clock ticks spent in 3 idle spells of 2 s):",
        "",
        "| | VmRSS (KiB) | Anonymous (KiB) | idle CPU (ticks) |",
        "|---|---:|---:|---:|",
    ] + [
        f"| {name} | {rss:.0f} | {anon:.0f} | {ticks} |" for name, (rss, anon, ticks) in paused.items()
    ] + [
        "",
        f"usher's writable segment is {rw_size} bytes at page offset {rw_offset:#x}, so it spans",
        f"{rw_pages} page{'s' if rw_pages > 1 else ''} (`linker/layout.ld` puts it right after the headers). The stack",
        "takes the page(s) of the environment strings, then, past a randomized gap, the page(s)",
        "of the argv/env/auxv pointer arrays and the frames below them.",
        "",
        "How each figure is made (all in `bench/run.py`):",
        "- exec overhead: wall time of posix_spawn + wait of `X true`, minus that of `true`.",
        "- idle memory: `/proc/PID/status` VmRSS and `/proc/PID/smaps_rollup` Anonymous of the init",
        f"  while its child sleeps (median of {IDLE_SAMPLES}, subjects interleaved).",
        "- CPU per orphan: the init runs as PID 1 (`unshare --pid --fork`) over `probe orphans 5000`;",
        "  its on-CPU time from `/proc/PID/schedstat`, divided by 5000 (median of 3).",
        "- forwarding latency: SIGUSR1 to the init until `probe pong` (its child) has read it from a",
        "  signalfd and answered on a pipe, minus the same sent straight to a probe.",
        "- syscalls: `strace -f -c X true`, total calls minus those of `strace -f -c true` (median of 3).",
        "- instructions: `valgrind --tool=callgrind X true`; `true` itself is not traced.",
        "",
    ]
    text = "\n".join(lines)
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    with open(os.path.join(ROOT, "docs/benchmarks.md"), "w") as out:
        out.write(text)
    print(text)


if __name__ == "__main__":
    main()
