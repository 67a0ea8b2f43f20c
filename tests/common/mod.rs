//! Shared by the end-to-end tests: where the binaries are, how to run usher
//! as PID 1 of a new pid namespace or as a plain subreaper, and the rule that
//! a test needing root skips with a message, except under CI=true where a
//! skip is a failure.
#![allow(dead_code)]

pub mod terminal;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The static release binary that `make` builds (or $TEST_USHER_BIN: not a
/// USHER_ name, which usher would refuse as an unknown variable).
pub fn usher() -> PathBuf {
    let path = std::env::var_os("TEST_USHER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/x86_64-unknown-linux-musl/release/usher")
        });
    assert!(
        path.exists(),
        "{} is missing: run `make` (or `make test`) first",
        path.display()
    );
    path
}

/// The helper child (tests/helpers/probe.rs), built by cargo test as an example.
pub fn probe() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("examples/probe");
    assert!(
        path.exists(),
        "{} is missing: cargo test builds it",
        path.display()
    );
    path
}

/// A directory named after the test, emptied. Tests run in parallel threads
/// of one process, so each caller must pass a name of its own.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("usher-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// usher under another name (multi-call): a symlink in a scratch dir.
pub fn usher_as(name: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let unique = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = scratch(&format!("as-{name}-{unique}"));
    let link = dir.join(name);
    std::os::unix::fs::symlink(usher(), &link).expect("symlink");
    link
}

/// True when the test may run; otherwise says why and skips, or fails in CI.
pub fn root_or_skip(test: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    let message = format!("{test}: needs root (unshare --pid, subreaper checks); skipped");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message}, and a skip is a failure under CI=true");
    }
    eprintln!("{message}");
    false
}

/// How usher runs in a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// PID 1 of a new pid namespace (unshare --pid --fork --mount-proc).
    Pid1,
    /// A plain process, which registers as a child subreaper.
    Subreaper,
}

pub const MODES: [Mode; 2] = [Mode::Pid1, Mode::Subreaper];

/// A command that runs `program args` in `mode`.
pub fn command(mode: Mode, program: &Path, args: &[&str]) -> Command {
    let mut command = match mode {
        Mode::Pid1 => {
            let mut command = Command::new("unshare");
            command
                .args(["--pid", "--fork", "--mount-proc", "--kill-child"])
                .arg(program);
            command
        }
        Mode::Subreaper => Command::new(program),
    };
    command.args(args);
    command
}

/// A running usher and its pid as seen from the test.
pub struct Running {
    pub child: Child,
    pub usher_pid: i32,
}

pub fn spawn(mode: Mode, program: &Path, args: &[&str]) -> Running {
    let mut command = command(mode, program, args);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("spawn");
    let usher_pid = match mode {
        Mode::Subreaper => child.id() as i32,
        Mode::Pid1 => wait_for(|| first_child_of(child.id() as i32), "unshare's child"),
    };
    Running { child, usher_pid }
}

/// The children of `pid`, from /proc (empty when it is gone).
pub fn children_of(pid: i32) -> Vec<i32> {
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    children
        .split_whitespace()
        .filter_map(|child| child.parse().ok())
        .collect()
}

pub fn first_child_of(pid: i32) -> Option<i32> {
    children_of(pid).first().copied()
}

/// Polls `probe` every 5 ms for up to 10 s.
pub fn wait_for<T>(mut probe: impl FnMut() -> Option<T>, what: &str) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The lines of a probe's record file.
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits until the record at `path` has `count` lines.
pub fn wait_lines(path: &Path, count: usize) -> Vec<String> {
    wait_for(
        || {
            let lines = lines(path);
            (lines.len() >= count).then_some(lines)
        },
        &format!("{count} lines in {}", path.display()),
    )
}

/// The state letter of `pid` (R, S, T, ...; `?` once it is gone).
pub fn state(pid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rfind(") ")
        .and_then(|end| stat[end + 2..].chars().next())
        .unwrap_or('?')
}

/// Waits until `pid` blocks signals: an init that has set its signalfd
/// up, so that a signal sent now is read, not acted on by default.
pub fn wait_blocked(pid: i32) {
    wait_for(
        || {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let blocked = status.lines().find(|line| line.starts_with("SigBlk:"))?;
            (u64::from_str_radix(blocked[7..].trim(), 16).ok()? != 0).then_some(())
        },
        &format!("{pid} to block its signals"),
    );
}

pub fn send(pid: i32, signo: u32) {
    usher::sys::kill(pid, signo).unwrap_or_else(|errno| panic!("kill({pid}, {signo}): {errno:?}"));
}

/// Waits for the process with a 20 s limit and returns its output.
pub fn finish(running: Running) -> Output {
    let Running { mut child, .. } = running;
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("usher did not exit within 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

/// Runs to completion with stdin closed.
pub fn run(mode: Mode, program: &Path, args: &[&str]) -> Output {
    command(mode, program, args)
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

pub fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {:?}", output.status))
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// argv for usher running the probe as a signal recorder: `OPTIONS probe
/// signals OUT --until TERM EXTRA...`, with OUT in a fresh scratch dir.
pub fn recorder(name: &str, options: &[&str], extra: &[&str]) -> (PathBuf, Vec<String>) {
    let out = scratch(name).join("record");
    let mut args: Vec<String> = options.iter().map(|s| s.to_string()).collect();
    let probe = probe();
    args.extend(
        [
            probe.to_str().unwrap(),
            "signals",
            out.to_str().unwrap(),
            "--until",
            "TERM",
        ]
        .map(String::from),
    );
    args.extend(extra.iter().map(|s| s.to_string()));
    (out, args)
}
