//! usher as PID 1 of a new pid namespace and as a subreaper: signals, reaping,
//! exit codes, the child's signal state and argv bytes, for the native and the
//! tini command lines. Needs root; see common::root_or_skip.

mod common;

use common::*;
use std::path::Path;

/// Every signal usher can receive and should forward, in sending order;
/// TERM goes last because it ends the probe.
fn forwardable() -> Vec<u32> {
    let mut signals: Vec<u32> = (1..=64).filter(|s| ![9, 15, 17, 19].contains(s)).collect();
    signals.push(15);
    signals
}

/// Sends each signal to usher and checks the probe records it, one at a time.
fn check_forwarding(
    mode: Mode,
    program: &Path,
    options: &[&str],
    signals: &[u32],
    not_forwarded: &[u32],
) {
    let name = format!(
        "fwd-{mode:?}-{}",
        program.file_name().unwrap().to_string_lossy()
    );
    let (out, args) = recorder(&name, options, &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let running = spawn(mode, program, &args);
    wait_lines(&out, 1);
    let mut expected = vec!["ready".to_string()];
    for &signo in signals {
        // A signal that must not be forwarded goes first, then one that must:
        // the record shows the second alone.
        for &dropped in not_forwarded {
            send(running.usher_pid, dropped);
        }
        send(running.usher_pid, signo);
        expected.push(signo.to_string());
        let got = wait_lines(&out, expected.len());
        assert_eq!(got, expected, "{mode:?} {options:?}: after sending {signo}");
    }
    let output = finish(running);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn native_forwards_every_signal() {
    if !root_or_skip("native_forwards_every_signal") {
        return;
    }
    for mode in MODES {
        check_forwarding(mode, &usher(), &["--"], &forwardable(), &[]);
    }
}

#[test]
fn tini_forwards_all_but_its_own_set() {
    if !root_or_skip("tini_forwards_all_but_its_own_set") {
        return;
    }
    // tini leaves FPE ILL SEGV BUS ABRT TRAP SYS unblocked (they would kill it,
    // so they are not sent) and ignores TTIN and TTOU.
    let synchronous = [4, 5, 6, 7, 8, 11, 31];
    let signals: Vec<u32> = forwardable()
        .into_iter()
        .filter(|s| !synchronous.contains(s) && ![21, 22].contains(s))
        .collect();
    for mode in MODES {
        check_forwarding(
            mode,
            &usher_as("tini"),
            &["-s", "--"],
            &signals[signals.len() - 3..],
            &[21, 22],
        );
    }
    check_forwarding(
        Mode::Subreaper,
        &usher_as("tini"),
        &["-s", "--"],
        &signals,
        &[],
    );
}

fn check_group(program: &Path, options: &[&str], env: Option<(&str, &str)>) {
    let name = format!("group-{}", program.file_name().unwrap().to_string_lossy());
    let (out, args) = recorder(&name, options, &["--fork", "3"]);
    let dir = out.parent().unwrap().to_path_buf();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = command(Mode::Subreaper, program, &args);
    if let Some((name, value)) = env {
        command.env(name, value);
    }
    command.stdin(std::process::Stdio::null());
    let child = command.spawn().expect("spawn");
    let running = Running {
        usher_pid: child.id() as i32,
        child,
    };
    let records = [out.clone(), dir.join("record.1"), dir.join("record.2")];
    for record in &records {
        wait_lines(record, 1);
    }
    send(running.usher_pid, 10);
    send(running.usher_pid, 15);
    for record in &records {
        assert_eq!(
            wait_lines(record, 3),
            ["ready", "10", "15"],
            "{}",
            record.display()
        );
    }
    assert_eq!(code(&finish(running)), 0);
}

#[test]
fn process_group_forwarding_reaches_every_member() {
    if !root_or_skip("process_group_forwarding_reaches_every_member") {
        return;
    }
    check_group(&usher(), &["-g", "--"], None);
    check_group(&usher(), &["--"], Some(("USHER_PGROUP", "1")));
    check_group(&usher_as("tini"), &["-s", "-g", "--"], None);
    check_group(
        &usher_as("tini"),
        &["-s", "--"],
        Some(("TINI_KILL_PROCESS_GROUP", "")),
    );
}

#[test]
fn without_pgroup_only_the_child_gets_the_signal() {
    if !root_or_skip("without_pgroup_only_the_child_gets_the_signal") {
        return;
    }
    let dir = scratch("nogroup");
    let out = dir.join("record");
    let probe = probe();
    let running = spawn(
        Mode::Subreaper,
        &usher(),
        &[
            "--",
            probe.to_str().unwrap(),
            "signals",
            out.to_str().unwrap(),
            "--until",
            "TERM",
            "--fork",
            "2",
        ],
    );
    wait_lines(&out, 1);
    wait_lines(&dir.join("record.1"), 1);
    send(running.usher_pid, 10);
    assert_eq!(wait_lines(&out, 2), ["ready", "10"]);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(
        lines(&dir.join("record.1")),
        ["ready"],
        "the sibling must not get the signal"
    );
    // End the sibling directly, then the child through usher.
    let child = first_child_of(running.usher_pid).expect("usher's child");
    for grandchild in children_of(child) {
        send(grandchild, 15);
    }
    send(running.usher_pid, 15);
    assert_eq!(code(&finish(running)), 0);
}

#[test]
fn kill_1_from_inside_is_forwarded() {
    if !root_or_skip("kill_1_from_inside_is_forwarded") {
        return;
    }
    for program in [usher(), usher_as("tini")] {
        let dir = scratch("kill1");
        let out = dir.join("record");
        let probe = probe();
        let output = run(
            Mode::Pid1,
            &program,
            &[
                "--",
                probe.to_str().unwrap(),
                "signals",
                out.to_str().unwrap(),
                "--kill-parent",
                "USR1",
                "--until",
                "USR1",
            ],
        );
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        assert_eq!(lines(&out), ["ready", "10"]);
    }
}

#[test]
fn ten_thousand_orphans_are_reaped() {
    if !root_or_skip("ten_thousand_orphans_are_reaped") {
        return;
    }
    let probe = probe();
    for mode in MODES {
        let output = run(
            mode,
            &usher(),
            &["--", probe.to_str().unwrap(), "orphans", "10000"],
        );
        assert_eq!(
            stdout(&output),
            "zombies: 0\n",
            "{mode:?}: {}",
            stderr(&output)
        );
        assert_eq!(code(&output), 0);
    }
    // The tini personality: as PID 1, and as a subreaper through TINI_SUBREAPER.
    let tini = usher_as("tini");
    let output = run(
        Mode::Pid1,
        &tini,
        &["--", probe.to_str().unwrap(), "orphans", "10000"],
    );
    assert_eq!(
        stdout(&output),
        "zombies: 0\n",
        "tini as PID 1: {}",
        stderr(&output)
    );
    let output = command(
        Mode::Subreaper,
        &tini,
        &["--", probe.to_str().unwrap(), "orphans", "10000"],
    )
    .env("TINI_SUBREAPER", "")
    .output()
    .unwrap();
    assert_eq!(
        stdout(&output),
        "zombies: 0\n",
        "tini with TINI_SUBREAPER: {}",
        stderr(&output)
    );
}

#[test]
fn exit_codes_pass_through() {
    if !root_or_skip("exit_codes_pass_through") {
        return;
    }
    for status in 0..=255 {
        let output = run(
            Mode::Subreaper,
            &usher(),
            &["sh", "-c", &format!("exit {status}")],
        );
        assert_eq!(code(&output), status);
        assert!(
            output.stderr.is_empty() && output.stdout.is_empty(),
            "a clean run prints nothing"
        );
    }
    for status in [0, 1, 42, 255] {
        for program in [usher(), usher_as("tini")] {
            let output = run(
                Mode::Pid1,
                &program,
                &["--", "sh", "-c", &format!("exit {status}")],
            );
            assert_eq!(code(&output), status, "{}", program.display());
        }
    }
}

#[test]
fn deaths_by_signal_are_128_plus_n() {
    if !root_or_skip("deaths_by_signal_are_128_plus_n") {
        return;
    }
    let probe = probe();
    for signo in [1u32, 2, 3, 6, 9, 10, 13, 14, 15, 34, 40, 64] {
        for mode in MODES {
            let output = run(
                mode,
                &usher(),
                &["--", probe.to_str().unwrap(), "raise", &signo.to_string()],
            );
            assert_eq!(code(&output), 128 + signo as i32, "{mode:?} signal {signo}");
        }
        let output = run(
            Mode::Subreaper,
            &usher_as("tini"),
            &[
                "-s",
                "--",
                probe.to_str().unwrap(),
                "raise",
                &signo.to_string(),
            ],
        );
        assert_eq!(code(&output), 128 + signo as i32, "tini, signal {signo}");
    }
}

#[test]
fn remap_exit_codes() {
    if !root_or_skip("remap_exit_codes") {
        return;
    }
    let probe = probe();
    let probe = probe.to_str().unwrap();
    let cases: &[(&[&str], i32)] = &[
        (&["-e", "3", "--", "sh", "-c", "exit 3"], 0),
        (&["-e", "3", "--", "sh", "-c", "exit 4"], 4),
        (
            &["-e", "3", "--remap-exit=143", "--", probe, "raise", "TERM"],
            0,
        ),
        (&["-e3", "--", probe, "raise", "INT"], 130),
    ];
    for (args, expected) in cases {
        assert_eq!(
            code(&run(Mode::Subreaper, &usher(), args)),
            *expected,
            "{args:?}"
        );
    }
    let mut command = command(Mode::Subreaper, &usher(), &["sh", "-c", "exit 130"]);
    let output = command.env("USHER_REMAP_EXIT", "143,130").output().unwrap();
    assert_eq!(code(&output), 0);
    let output = command.env("USHER_REMAP_EXIT", "143").output().unwrap();
    assert_eq!(code(&output), 130);
    let tini = usher_as("tini");
    assert_eq!(
        code(&run(
            Mode::Subreaper,
            &tini,
            &["-s", "-e", "143", "--", probe, "raise", "TERM"]
        )),
        0
    );
    assert_eq!(
        code(&run(
            Mode::Subreaper,
            &tini,
            &["-s", "-e", "143", "--", "sh", "-c", "exit 142"]
        )),
        142
    );
}

#[test]
fn exec_failures_are_126_and_127() {
    if !root_or_skip("exec_failures_are_126_and_127") {
        return;
    }
    let dir = scratch("exec");
    let plain = dir.join("plain");
    std::fs::write(&plain, "not a program\n").unwrap();
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(bin.join("onlyhere"), "#!/bin/sh\n").unwrap();
    let cases: Vec<(Vec<String>, Option<&str>, i32, &str)> = vec![
        (
            vec!["no-such-command-anywhere".into()],
            None,
            127,
            "no-such-command-anywhere",
        ),
        (vec!["/no/such/file".into()], None, 127, "/no/such/file"),
        (vec!["/etc".into()], None, 126, "/etc"),
        (vec![plain.to_str().unwrap().into()], None, 126, "plain"),
        (
            vec!["onlyhere".into()],
            Some(bin.to_str().unwrap()),
            126,
            "onlyhere",
        ),
    ];
    for (args, path, expected, named) in cases {
        for program in [usher(), usher_as("tini")] {
            let mut command = std::process::Command::new(&program);
            command.arg("--").args(&args);
            if let Some(path) = path {
                command.env("PATH", path);
            }
            let output = command.output().unwrap();
            assert_eq!(code(&output), expected, "{} {args:?}", program.display());
            let message = stderr(&output);
            assert!(
                message.contains(named) && message.starts_with("usher: "),
                "{message}"
            );
            assert!(output.stdout.is_empty());
        }
    }
}

#[test]
fn default_path_is_used_but_not_exported() {
    if !root_or_skip("default_path_is_used_but_not_exported") {
        return;
    }
    let output = std::process::Command::new(usher())
        .args(["env"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "",
        "PATH must not be added to the child's environment"
    );
}

#[test]
fn child_signal_state_is_clean_and_keeps_ignores() {
    if !root_or_skip("child_signal_state_is_clean_and_keeps_ignores") {
        return;
    }
    // SIGUSR1 (10), SIGTTOU (22) and SIGCHLD (17) ignored by usher's parent.
    let expected_ignored: u64 = (1 << 9) | (1 << 21) | (1 << 16);
    for program in [usher(), usher_as("tini")] {
        let output = std::process::Command::new(probe())
            .args(["ignore", "USR1,TTOU,CHLD"])
            .arg(&program)
            .args(["--", "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"])
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let text = stdout(&output);
        let field = |name: &str| {
            let line = text
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("{name} in {text}"));
            u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
        };
        assert_eq!(field("SigBlk:"), 0, "{}", program.display());
        assert_eq!(
            field("SigIgn:") & expected_ignored,
            expected_ignored,
            "{}: {text}",
            program.display()
        );
    }
}

#[test]
fn an_ignored_sigchld_still_gives_the_childs_status() {
    if !root_or_skip("an_ignored_sigchld_still_gives_the_childs_status") {
        return;
    }
    let output = std::process::Command::new("timeout")
        .args(["20"])
        .arg(probe())
        .args(["ignore", "CHLD"])
        .arg(usher())
        .args(["--", "sh", "-c", "exit 9"])
        .output()
        .unwrap();
    // With SIGCHLD left ignored, the kernel would reap the child itself and
    // its status would be lost (usher would wait forever).
    assert_eq!(code(&output), 9, "{}", stderr(&output));
}

#[test]
fn odd_argv_and_environment_bytes_arrive_unchanged() {
    if !root_or_skip("odd_argv_and_environment_bytes_arrive_unchanged") {
        return;
    }
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let args: [&[u8]; 8] = [
        b"",
        b" ",
        b"a b\tc",
        b"\xff\xfe\x80",
        b"-v",
        b"--",
        b"x=y\n",
        "é€".as_bytes(),
    ];
    let value: &[u8] = b"\xff spaced \x01 value";
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    for (mode, program) in [
        (Mode::Pid1, usher()),
        (Mode::Subreaper, usher()),
        (Mode::Pid1, usher_as("tini")),
    ] {
        let mut command = command(mode, &program, &["--", probe().to_str().unwrap(), "args"]);
        command.args(args.iter().map(|a| OsStr::from_bytes(a)));
        command
            .env_clear()
            .env(OsStr::from_bytes(b"ODD"), OsStr::from_bytes(value))
            .env("EMPTY", "");
        let output = command.output().unwrap();
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
        let got_args: Vec<&String> = lines.iter().filter(|l| l.starts_with("arg ")).collect();
        let want_args: Vec<String> = args.iter().map(|a| format!("arg {}", hex(a))).collect();
        assert_eq!(got_args, want_args.iter().collect::<Vec<_>>(), "{mode:?}");
        let mut odd = b"ODD=".to_vec();
        odd.extend_from_slice(value);
        assert!(
            lines.contains(&format!("env {}", hex(&odd))),
            "{mode:?}: {lines:?}"
        );
        assert!(
            lines.contains(&format!("env {}", hex(b"EMPTY="))),
            "{mode:?}"
        );
    }
}

#[test]
fn parent_death_signal_is_received_and_forwarded() {
    if !root_or_skip("parent_death_signal_is_received_and_forwarded") {
        return;
    }
    for (option, signo) in [("-pUSR1", 10), ("--pdeathsig=RTMIN+2", 36)] {
        let dir = scratch("pdeath");
        let out = dir.join("record");
        let status = dir.join("status");
        let until = signo.to_string();
        // An intermediate shell starts usher in the background and then dies.
        let script = format!(
            "{} {option} -- {} signals {} --until {until} & wait $!; echo $? > {}",
            usher().display(),
            probe().display(),
            out.display(),
            status.display()
        );
        let mut parent = std::process::Command::new("sh")
            .args(["-c", &format!("sh -c '{script}' & wait")])
            .spawn()
            .unwrap();
        wait_lines(&out, 1);
        // Kill the shell that is usher's parent (the inner sh).
        let outer = parent.id();
        let inner = wait_for(|| first_child_of(outer as i32), "inner shell");
        send(inner, 9);
        assert_eq!(wait_lines(&out, 2), ["ready", &until], "{option}");
        let _ = parent.wait();
    }
}

#[test]
fn the_child_gets_the_terminal_foreground() {
    if !root_or_skip("the_child_gets_the_terminal_foreground") {
        return;
    }
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("`script` (util-linux) is needed: make test installs it");
    }
    // script gives usher a terminal on stdin; the child must be the leader of
    // its own process group, and that group the terminal's foreground.
    let command = format!("{} -- {} stat", usher().display(), probe().display());
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    let text = stdout(&output);
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 4, "{text:?}");
    assert_eq!(fields[0], fields[1], "own process group");
    assert_eq!(fields[1], fields[2], "foreground group of the terminal");
}

/// strace, which `make test` installs: it injects the failures below.
fn strace_or_skip(test: &str) -> bool {
    if Path::new("/usr/bin/strace").exists() {
        return true;
    }
    let message = format!("{test}: needs /usr/bin/strace (make test installs it); skipped");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message}, and a skip is a failure under CI=true");
    }
    eprintln!("{message}");
    false
}

/// Once the child runs, usher never bails (catatonit's rule): a failed
/// `wait4` or signalfd read, injected by strace into usher alone (not its
/// child), is reported and retried, and usher still exits with the
/// child's status.
#[test]
fn failures_after_the_spawn_are_reported_and_retried() {
    if !strace_or_skip("failures_after_the_spawn_are_reported_and_retried") {
        return;
    }
    let usher = usher();
    let traced = |call: &str, when: &str| {
        let mut command = std::process::Command::new("/usr/bin/strace");
        command
            .args(["-qq", "-o", "/dev/null", "-e"])
            .arg(format!("trace={call}"))
            .arg("-e")
            .arg(format!("inject={call}:error=EIO:when={when}"))
            .arg(&usher);
        command
    };
    // usher's reads: the spawn's report pipe, then the signalfd. A run of
    // failures is one line, not one per retry.
    for (call, when, message) in [
        ("wait4", "1", "usher: wait4: I/O error"),
        ("read", "2", "usher: reading the signalfd: I/O error"),
        ("wait4", "1..10", "usher: wait4: I/O error"),
        ("read", "2..10", "usher: reading the signalfd: I/O error"),
    ] {
        let output = traced(call, when)
            .args(["--", "sh", "-c", "sleep 0.1; exit 3"])
            .output()
            .expect("strace");
        let stderr = stderr(&output);
        assert_eq!(code(&output), 3, "{call} when={when}: {stderr}");
        assert_eq!(stderr, format!("{message}\n"), "{call} when={when}");
    }
    // While wait4 keeps failing, signals are still forwarded: an orphan's
    // SIGCHLD meets a failing wait4, then TERM to usher reaches the child.
    let running = traced("wait4", "1..20")
        .args([
            "--",
            "sh",
            "-c",
            "(sleep 0 &); trap 'exit 42' TERM; while :; do sleep 0.05; done",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("strace");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let usher_pid = first_child_of(running.id() as i32).expect("usher under strace");
    send(usher_pid, 15);
    let output = running.wait_with_output().expect("wait");
    assert_eq!(code(&output), 42, "{}", stderr(&output));
}
