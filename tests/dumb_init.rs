//! usher invoked as `dumb-init`, side by side with Debian's dumb-init 1.2.5:
//! options, variables, streams and exit codes, setsid mode, the TERM to the
//! group at the end, rewrites, job control and the terminal hand-over.
//! Needs root for the signal cases; see common::root_or_skip.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Debian's dumb-init (make test installs it).
fn peer() -> PathBuf {
    let path = PathBuf::from("/usr/bin/dumb-init");
    assert!(
        path.exists(),
        "{} is missing: make test installs the dumb-init package",
        path.display()
    );
    path
}

fn both() -> [PathBuf; 2] {
    [usher_as("dumb-init"), peer()]
}

fn run_with(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run")
}

/// Environment entries for one case.
type Variables<'a> = &'a [(&'a str, &'a str)];

/// (status, stdout empty, stderr empty) for one case.
fn shape(output: &Output) -> (i32, bool, bool) {
    (
        code(output),
        output.stdout.is_empty(),
        output.stderr.is_empty(),
    )
}

#[test]
fn command_lines_match_dumb_init() {
    let cases: &[(&[&str], Variables)] = &[
        (&["sh", "-c", "exit 7"], &[]),
        (&["sh", "-c", "kill -TERM $$"], &[]),
        (&["sh", "-c", "echo out"], &[]),
        (&["/nonexistent/command"], &[]),
        (&[], &[]),
        (&["-v"], &[]),
        (&["-V"], &[]),
        (&["--version", "true"], &[]),
        (&["-h"], &[]),
        (&["--help"], &[]),
        (&["--bogus", "true"], &[]),
        (&["-x", "true"], &[]),
        (&["-r"], &[]),
        (&["-r", "1:32", "true"], &[]),
        (&["-r", "0:1", "true"], &[]),
        (&["-r", "TERM:QUIT", "true"], &[]),
        (&["-r", "15:3", "-c", "true"], &[]),
        (&["--rewrite=15:0", "--single-child", "true"], &[]),
        (&["true"], &[("DUMB_INIT_DEBUG", "1")]),
        (&["true"], &[("DUMB_INIT_DEBUG", "yes")]),
        (&["-v", "true"], &[]),
        (&["sh", "-c", "exit 3", "-v"], &[]),
        // getopt_long's prefixes of long names.
        (&["--he"], &[]),
        (&["--vers"], &[]),
        (&["--ver", "true"], &[]),
        (&["--v", "true"], &[]),
        (&["--s", "sh", "-c", "exit 4"], &[]),
        (&["--rew", "15:0", "sh", "-c", "kill -TERM $$; exit 5"], &[]),
        (&["--r=15:3", "sh", "-c", "kill -TERM $$"], &[]),
        (&["--sing=1", "true"], &[]),
        (&["--verb", "true"], &[]),
    ];
    let [usher, peer] = both();
    for (args, env) in cases {
        let ours = run_with(&usher, args, env);
        let theirs = run_with(&peer, args, env);
        assert_eq!(
            shape(&ours),
            shape(&theirs),
            "{args:?} {env:?}: usher {:?} / dumb-init {:?}",
            stderr(&ours),
            stderr(&theirs)
        );
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
    }
    // The version line keeps dumb-init's form.
    let version = stderr(&run_with(&usher, &["-V"], &[]));
    assert!(version.starts_with("dumb-init v1.2.5"), "{version:?}");
    let message = stderr(&run_with(&usher, &["/nonexistent/command"], &[]));
    assert_eq!(
        message,
        "usher: exec /nonexistent/command: No such file or directory\n"
    );
}

/// "pid pgrp tpgid sid" of the child, run under `program`.
fn child_stat(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let probe = probe();
    let mut all = args.to_vec();
    all.extend([probe.to_str().unwrap(), "stat"]);
    let output = run_with(program, &all, env);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    stdout(&output)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn setsid_by_default_and_off_with_c_or_the_variable() {
    for program in both() {
        let stat = child_stat(&program, &[], &[]);
        assert_eq!(stat[0], stat[3], "{}: a session leader", program.display());
        for (args, env) in [
            (&["-c"][..], &[][..]),
            (&["--single-child"], &[]),
            (&[], &[("DUMB_INIT_SETSID", "0")]),
        ] {
            let stat = child_stat(&program, args, env);
            assert_ne!(stat[0], stat[3], "{}: {args:?} {env:?}", program.display());
        }
        // Exactly "0" turns it off.
        let stat = child_stat(&program, &[], &[("DUMB_INIT_SETSID", "false")]);
        assert_eq!(stat[0], stat[3], "{}", program.display());
    }
}

/// dumb-init -c (or DUMB_INIT_SETSID=0) neither calls setsid nor gives the
/// child a process group: it stays in dumb-init's, here the test's (issue
/// 16, found by running the same case on dumb-init and on usher).
#[test]
fn single_child_keeps_the_inits_process_group() {
    let ours = rustix::process::getpgrp()
        .as_raw_nonzero()
        .get()
        .to_string();
    for program in both() {
        for (args, env) in [(&["-c"][..], &[][..]), (&[], &[("DUMB_INIT_SETSID", "0")])] {
            let stat = child_stat(&program, args, env);
            assert_eq!(stat[1], ours, "{}: {args:?} {env:?}", program.display());
        }
    }
}

#[test]
fn the_childs_group_gets_term_when_the_child_exits() {
    if !root_or_skip("the_childs_group_gets_term_when_the_child_exits") {
        return;
    }
    for (index, program) in both().iter().enumerate() {
        for rewrite in [None, Some("15:10")] {
            let dir = scratch(&format!("di-last-term-{index}-{}", rewrite.is_some()));
            let probe = probe();
            let (p, d) = (probe.display(), dir.display());
            let script = format!(
                "{p} signals {d}/out --until TERM >/dev/null 2>&1 & \
                 while [ ! -s {d}/out ]; do sleep 0.01; done; exit 4"
            );
            let mut args = vec![];
            if let Some(rule) = rewrite {
                args.extend(["-r", rule]);
            }
            args.extend(["sh", "-c", &script]);
            let output = run_with(program, &args, &[]);
            assert_eq!(code(&output), 4, "{}", program.display());
            let expected: &[&str] = match rewrite {
                None => &["ready", "15"],
                Some(_) => &["ready", "10"],
            };
            assert_eq!(
                wait_lines(&dir.join("out"), expected.len()),
                expected,
                "{} {rewrite:?}",
                program.display()
            );
            if rewrite.is_some() {
                // It traps USR1 and keeps running: end it.
                for pid in pids_with(&format!("{d}/out")) {
                    let _ = usher::sys::kill(pid, 15);
                }
            }
        }
    }
}

/// Processes whose command line mentions `needle`.
fn pids_with(needle: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(needle) && pid != std::process::id() as i32 {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn rewrites_and_forwarding_match_dumb_init() {
    if !root_or_skip("rewrites_and_forwarding_match_dumb_init") {
        return;
    }
    for (index, program) in both().iter().enumerate() {
        let (out, args) = recorder(
            &format!("di-rewrite-{index}"),
            &["-r", "10:12", "-r", "1:0"],
            &[],
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = Command::new(program)
            .args(&args)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn");
        let running = Running {
            usher_pid: child.id() as i32,
            child,
        };
        wait_lines(&out, 1);
        send(running.usher_pid, 1);
        std::thread::sleep(std::time::Duration::from_millis(200));
        send(running.usher_pid, 10);
        assert_eq!(
            wait_lines(&out, 2),
            ["ready", "12"],
            "{}",
            program.display()
        );
        send(running.usher_pid, 40);
        assert_eq!(wait_lines(&out, 3), ["ready", "12", "40"]);
        send(running.usher_pid, 15);
        assert_eq!(code(&finish(running)), 0, "{}", program.display());
    }
}

fn parent_of(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let end = stat.rfind(") ").expect("stat");
    stat[end + 2..].split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn job_control_stops_and_continues_the_child_and_usher() {
    if !root_or_skip("job_control_stops_and_continues_the_child_and_usher") {
        return;
    }
    // What the terminal sends a foreground job on ^Z and what the shell sends
    // on `fg`: TSTP stops the child's whole group (as SIGSTOP) and then
    // usher, so the shell sees the job stop; CONT wakes both.
    let cases = [
        (usher_as("dumb-init"), vec![]),
        (peer(), vec![]),
        (usher(), vec!["--setsid"]),
    ];
    for (program, options) in cases {
        for stop in [20, 21, 22] {
            let (out, args) = recorder("di-job", &options, &[]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = Command::new(&program)
                .args(&args)
                .stdin(Stdio::null())
                .spawn()
                .expect("spawn");
            let usher_pid = child.id() as i32;
            let running = Running { child, usher_pid };
            wait_lines(&out, 1);
            let probe_pid = first_child_of(usher_pid).expect("the child");
            send(usher_pid, stop);
            wait_for(
                || (state(probe_pid) == 'T' && state(usher_pid) == 'T').then_some(()),
                &format!("{} {stop}: both stopped", program.display()),
            );
            send(usher_pid, 18);
            wait_for(
                || (state(probe_pid) != 'T' && state(usher_pid) != 'T').then_some(()),
                &format!("{} {stop}: both running", program.display()),
            );
            // CONT first: pending signals are read lowest number first.
            assert_eq!(
                wait_lines(&out, 2),
                ["ready", "18"],
                "{}",
                program.display()
            );
            send(usher_pid, 15);
            let output = finish(running);
            assert_eq!(code(&output), 0, "{}", program.display());
            // The stop was not forwarded as itself, and CONT was forwarded.
            assert_eq!(
                lines(&out),
                ["ready", "18", "15"],
                "{} {stop}",
                program.display()
            );
        }
    }
}

#[test]
fn ctrl_z_and_fg_at_an_interactive_shell() {
    if !root_or_skip("ctrl_z_and_fg_at_an_interactive_shell") {
        return;
    }
    // Job control as a user meets it: an interactive shell on a terminal
    // runs dumb-init in the foreground; ^Z typed at the terminal stops the
    // job (dumb-init stops its child, then itself, so the shell sees the
    // job stop) and `fg` continues both.
    for program in [usher_as("dumb-init"), peer()] {
        let (out, args) = recorder("di-ctrl-z", &[], &[]);
        let line = format!("exec 2>&1; {} {}\n", program.display(), args.join(" "));
        let mut shell = common::terminal::Terminal::start_with(
            |_| {
                let mut command = Command::new("sh");
                command.arg("-i").env("PS1", "$ ").env_remove("ENV");
                command
            },
            24,
            80,
        );
        shell.type_keys(line.as_bytes());
        wait_lines(&out, 1);
        let init = first_child_of(shell.pid()).expect("dumb-init");
        let child = first_child_of(init).expect("its child");
        shell.type_keys(b"\x1a");
        wait_for(
            || (state(child) == 'T' && state(init) == 'T').then_some(()),
            &format!("{}: ^Z stops both", program.display()),
        );
        shell.type_keys(b"fg\n");
        wait_for(
            || (state(child) != 'T' && state(init) != 'T').then_some(()),
            &format!("{}: fg continues both", program.display()),
        );
        // The CONT must be read before the TERM is sent: the probe reads
        // its pending signals lowest number first, so a TERM (15) queued
        // beside the CONT (18) would end it before the CONT is recorded.
        // "Not stopped" above is only the kernel's state, set when the CONT
        // is sent, not when the child has read it.
        wait_recorded(&program, &out, &["ready", "18"], &shell);
        send(init, 15);
        wait_recorded(&program, &out, &["ready", "18", "15"], &shell);
        shell.type_keys(b"exit\n");
        let (status, screen, _) = shell.finish();
        assert_eq!(status.code(), Some(0), "{screen:?}");
        // The child never saw the TSTP itself: it was stopped (SIGSTOP),
        // then got the CONT, then the TERM.
        assert_eq!(lines(&out), ["ready", "18", "15"], "{screen:?}");
    }
}

/// Waits up to 10 s for the record at `out` to be `wanted`, and says what
/// the terminal showed when it is not.
fn wait_recorded(program: &Path, out: &Path, wanted: &[&str], shell: &common::terminal::Terminal) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while lines(out).len() < wanted.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "{}: {wanted:?} was not recorded: {:?}, screen {:?}",
            program.display(),
            lines(out),
            shell.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(
        lines(out),
        wanted,
        "{}: {:?}",
        program.display(),
        shell.screen()
    );
}

#[test]
fn the_terminal_hand_over_signals_are_not_forwarded() {
    if !root_or_skip("the_terminal_hand_over_signals_are_not_forwarded") {
        return;
    }
    // Under script, usher leads the session of a terminal: giving the
    // terminal to the child raises SIGHUP and SIGCONT at usher, which must
    // not reach the child (dumb-init#136). The child gets the terminal.
    for (index, program) in both().iter().enumerate() {
        let (out, args) = recorder(&format!("di-handover-{index}"), &[], &[]);
        let command = format!("exec {} {}", program.display(), args.join(" "));
        let mut script = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("script (util-linux) is needed: make test installs it");
        wait_lines(&out, 1);
        let record = out.display().to_string();
        // The probe is the one whose command line starts with its path;
        // usher is its parent.
        let probe_path = probe().display().to_string();
        let probe_pid = wait_for(
            || {
                pids_with(&record).into_iter().find(|&pid| {
                    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    cmdline.starts_with(probe_path.as_bytes())
                })
            },
            "the probe's pid",
        );
        let usher_pid = parent_of(probe_pid);
        send(usher_pid, 10);
        assert_eq!(
            wait_lines(&out, 2),
            ["ready", "10"],
            "{}",
            program.display()
        );
        send(usher_pid, 15);
        assert_eq!(wait_lines(&out, 3), ["ready", "10", "15"]);
        let _ = script.wait();
    }
}

#[test]
fn usher_leaves_its_directory_and_the_child_keeps_it() {
    let dir = scratch("di-cwd");
    for program in both() {
        let output = Command::new(&program)
            .args(["sh", "-c", "pwd; sleep 0.2; readlink /proc/$PPID/cwd"])
            .current_dir(&dir)
            .output()
            .expect("run");
        assert_eq!(
            stdout(&output),
            format!("{}\n/\n", dir.display()),
            "{}",
            program.display()
        );
    }
}
