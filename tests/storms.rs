//! Storms (issue 18): usher as PID 1 of a new pid namespace under load and
//! starved of resources. 20,000 orphans; a burst of every real-time signal;
//! six file descriptors; a pid limit reached while it runs and before it
//! can spawn; no /proc. (The 32 KiB stack is in tests/user.rs and
//! tests/sandbox.rs.) Needs root.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[test]
fn twenty_thousand_orphans_leave_no_zombie() {
    if !root_or_skip("twenty_thousand_orphans_leave_no_zombie") {
        return;
    }
    let probe = probe();
    let output = run(
        Mode::Pid1,
        &usher(),
        &["--", probe.to_str().unwrap(), "orphans", "20000"],
    );
    assert_eq!(stdout(&output), "zombies: 0\n", "{}", stderr(&output));
    assert_eq!(code(&output), 0);
}

/// Several of every real-time signal, 34 included, sent at once: each one
/// reaches the child, as many times as it was sent.
#[test]
fn a_burst_of_real_time_signals_all_arrive() {
    if !root_or_skip("a_burst_of_real_time_signals_all_arrive") {
        return;
    }
    const EACH: usize = 5;
    for program in [usher(), usher_as("tini")] {
        let (out, args) = recorder("rt-burst", &["--"], &[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let running = spawn(Mode::Pid1, &program, &args);
        wait_lines(&out, 1);
        for _ in 0..EACH {
            for signo in 34..=64 {
                send(running.usher_pid, signo);
            }
        }
        let got = wait_lines(&out, 1 + EACH * 31);
        for signo in 34..=64u32 {
            let count = got
                .iter()
                .filter(|line| **line == signo.to_string())
                .count();
            assert_eq!(count, EACH, "{}: signal {signo}", program.display());
        }
        send(running.usher_pid, 15);
        let output = finish(running);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
}

/// Six descriptors are enough to run, forward and reap; with fewer, usher
/// says which step failed, in one line, and exits 1.
#[test]
fn six_file_descriptors_are_enough() {
    if !root_or_skip("six_file_descriptors_are_enough") {
        return;
    }
    let usher = usher();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            // As in a container: 0, 1 and 2 alone (make's flock holds one).
            "exec 3>&- 4>&- 5>&-; ulimit -n 6; exec unshare --pid --fork --mount-proc {} -- \
             sh -c '(sleep 0 &); sleep 0.1; exit 5'",
            usher.display()
        ))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!((code(&output), stderr(&output)), (5, String::new()));
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n 3; exec {} -- true", usher.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&output), 1);
    let message = stderr(&output);
    assert!(
        message.starts_with("usher: ")
            && message.ends_with(": No file descriptors available\n")
            && message.lines().count() == 1,
        "{message}"
    );
}

/// The pids controller: cgroup v1's own hierarchy, or the v2 root when it
/// hands pids down.
fn pids_controller() -> Option<PathBuf> {
    let v1 = Path::new("/sys/fs/cgroup/pids");
    if v1.join("pids.max").exists() || v1.join("cgroup.procs").exists() {
        return Some(v1.to_path_buf());
    }
    let v2 = Path::new("/sys/fs/cgroup");
    let control = std::fs::read_to_string(v2.join("cgroup.subtree_control")).ok()?;
    control
        .split_whitespace()
        .any(|name| name == "pids")
        .then(|| v2.to_path_buf())
}

/// A cgroup of this test's own with `pids.max` = `limit`, removed on drop.
struct PidLimit(PathBuf);

impl PidLimit {
    fn new(name: &str, limit: u32) -> Option<PidLimit> {
        let path = pids_controller()?.join(format!("usher-test-{name}-{}", std::process::id()));
        std::fs::create_dir(&path).ok()?;
        let cgroup = PidLimit(path);
        std::fs::write(cgroup.0.join("pids.max"), limit.to_string()).unwrap();
        Some(cgroup)
    }

    /// How many forks the limit refused (pids.events' `max`).
    fn refused(&self) -> u32 {
        let text = std::fs::read_to_string(self.0.join("pids.events")).unwrap();
        let count = text.trim().strip_prefix("max ").expect("pids.events");
        count.parse().unwrap()
    }

    fn current(&self) -> u32 {
        let text = std::fs::read_to_string(self.0.join("pids.current")).unwrap();
        text.trim().parse().unwrap()
    }

    /// `program args` in the cgroup, as PID 1 of a new pid namespace.
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new("sh");
        command
            .args(["-c", "echo $$ > \"$0\" && exec \"$@\""])
            .arg(self.0.join("cgroup.procs"))
            .args(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"])
            .arg(program)
            .args(args);
        command
    }
}

impl Drop for PidLimit {
    fn drop(&mut self) {
        // Empty once every process in it is gone (a failed test may leave
        // some: they are killed).
        for _ in 0..400 {
            let procs = std::fs::read_to_string(self.0.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.lines().filter_map(|pid| pid.parse::<i32>().ok()) {
                let _ = usher::sys::kill(pid, 9);
            }
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        eprintln!("storms: could not remove {}", self.0.display());
    }
}

fn pid_limit_or_skip(test: &str, limit: u32) -> Option<PidLimit> {
    let cgroup = PidLimit::new(test, limit);
    if cgroup.is_none() {
        let message = format!("{test}: needs a pids cgroup controller; skipped");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{message}, and a skip is a failure under CI=true"
        );
        eprintln!("{message}");
    }
    cgroup
}

/// The pid limit reached while usher runs: its child's orphans fill the
/// cgroup, and usher still forwards TERM, reaps, ends the rest and exits
/// with the child's status, leaving nothing in the cgroup.
#[test]
fn a_pid_limit_reached_while_running() {
    if !root_or_skip("a_pid_limit_reached_while_running") {
        return;
    }
    const LIMIT: u32 = 32;
    let Some(cgroup) = pid_limit_or_skip("full", LIMIT) else {
        return;
    };
    let probe = probe();
    let mut child = cgroup
        .command(&usher(), &["--", probe.to_str().unwrap(), "fill"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("full "), "{line:?}");
    let sleepers: u32 = line["full ".len()..].trim().parse().unwrap();
    assert!(sleepers > 0, "{line:?}");
    // The limit was reached: a fork refused; the middle process is gone.
    assert!(cgroup.refused() > 0);
    assert_eq!(cgroup.current(), LIMIT - 1);
    let usher_pid = wait_for(|| first_child_of(child.id() as i32), "usher");
    send(usher_pid, 15);
    let output = finish(Running { child, usher_pid });
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    wait_for(|| (cgroup.current() == 0).then_some(()), "an empty cgroup");
}

/// No room for usher's own child: one line, exit 1.
#[test]
fn a_pid_limit_that_leaves_no_room_for_the_command() {
    if !root_or_skip("a_pid_limit_that_leaves_no_room_for_the_command") {
        return;
    }
    // unshare and usher.
    let Some(cgroup) = pid_limit_or_skip("none", 2) else {
        return;
    };
    let output = cgroup
        .command(&usher(), &["--", "true"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "usher: fork: Resource temporarily unavailable\n"
    );
}

/// No /proc at all (an empty tmpfs over it): usher runs, reaps and passes
/// the status on, also with `--user` and an edited environment.
#[test]
fn no_proc() {
    if !root_or_skip("no_proc") {
        return;
    }
    let usher = usher();
    for options in ["", "--user 65534 --env A=1 --pgroup"] {
        let output = Command::new("unshare")
            .args(["--pid", "--fork", "--mount", "sh", "-c"])
            .arg(format!(
                "mount -t tmpfs none /proc && exec {} {options} -- \
                 sh -c '(sleep 0 &); sleep 0.1; ls /proc; id -u; exit 7'",
                usher.display()
            ))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let uid = if options.is_empty() { "0" } else { "65534" };
        assert_eq!(code(&output), 7, "{options}: {}", stderr(&output));
        assert_eq!(stdout(&output), format!("{uid}\n"), "{options}");
        assert_eq!(stderr(&output), "", "{options}");
    }
}
