//! usher invoked as `catatonit` (and `podman-init`), side by side with
//! Debian's catatonit 0.1.7: usage errors, help, licence and version, exit
//! codes, signals with and without `-g`, the dropped TSTP, TTOU and TTIN,
//! pause mode and its reaping, the subreaper, the closed descriptors and the
//! terminal's foreground. The two intended differences are checked as
//! differences: usher leaves its directory for `/`, and its options end at
//! the first operand. Needs root for the signal cases; see
//! common::root_or_skip.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Debian's catatonit (make test installs it).
fn peer() -> PathBuf {
    let path = PathBuf::from("/usr/bin/catatonit");
    assert!(
        path.exists(),
        "{} is missing: make test installs the catatonit package",
        path.display()
    );
    path
}

fn both() -> [PathBuf; 2] {
    [usher_as("catatonit"), peer()]
}

fn run_with(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

/// (status, stdout empty, stderr empty) for one case.
fn shape(output: &Output) -> (i32, bool, bool) {
    (
        code(output),
        output.stdout.is_empty(),
        output.stderr.is_empty(),
    )
}

#[test]
fn command_lines_match_catatonit() {
    let cases: &[&[&str]] = &[
        &["--", "sh", "-c", "exit 7"],
        &["--", "sh", "-c", "kill -TERM $$"],
        &["--", "sh", "-c", "kill -KILL $$"],
        &["-g", "--", "sh", "-c", "exit 3"],
        &["true"],
        &["--", "true"],
        &[],
        &["-g"],
        &["--"],
        &["-x", "true"],
        &["--bogus", "true"],
        &["-h"],
        &["-L"],
        &["-V"],
        &["--version"],
        &["--vers"],
        &["-V", "true"],
        &["--", "/nonexistent/command"],
        &["--", "/etc/passwd"],
        &["--", "sh", "-c", "echo out"],
    ];
    let [usher, peer] = both();
    for args in cases {
        let ours = run_with(&usher, args);
        let theirs = run_with(&peer, args);
        assert_eq!(
            shape(&ours),
            shape(&theirs),
            "{args:?}: usher {:?} / catatonit {:?}",
            stderr(&ours),
            stderr(&theirs)
        );
    }
    assert_eq!(
        stdout(&run_with(&usher, &["--", "sh", "-c", "echo out"])),
        "out\n"
    );
    // The version keeps the form that Docker and podman parse, with usher's
    // version; catatonit's is "tini version 0.1.7_catatonit".
    for args in [&["-V"][..], &["--version"], &["--vers"]] {
        let version = stdout(&run_with(&usher, args));
        let expected = format!("tini version {}_catatonit", env!("CARGO_PKG_VERSION"));
        assert!(version.starts_with(&expected), "{args:?}: {version:?}");
        assert_eq!(version.lines().count(), 1, "{version:?}");
    }
    // Usage errors: one line, then the usage, which names catatonit.
    let missing = stderr(&run_with(&usher, &[]));
    assert_eq!(
        missing,
        "usher: no command given\nusage: catatonit [-ghLPV] [--] PROGRAM [ARG]...\n"
    );
    let help = stderr(&run_with(&usher, &["-h"]));
    assert!(help.starts_with("usage: catatonit [-ghLPV]"), "{help:?}");
    for option in ["-g", "-P", "-L", "-V, --version", "-h"] {
        assert!(help.contains(option), "{option} is not in -h: {help:?}");
    }
    // podman-init is the same personality.
    let podman_init = usher_as("podman-init");
    assert_eq!(
        code(&run_with(&podman_init, &["--", "sh", "-c", "exit 9"])),
        9
    );
    assert!(stdout(&run_with(&podman_init, &["-V"])).contains("_catatonit"));
}

#[test]
fn options_end_at_the_first_operand_where_catatonit_permutes() {
    // An intended difference: catatonit's getopt takes sh's -c as its own.
    let [usher, peer] = both();
    let ours = run_with(&usher, &["sh", "-c", "exit 4"]);
    assert_eq!(code(&ours), 4, "{}", stderr(&ours));
    let theirs = run_with(&peer, &["sh", "-c", "exit 4"]);
    assert_eq!(code(&theirs), 1, "{}", stderr(&theirs));
}

/// The signals recorded by the program and by a sibling in its process
/// group, after USR1 reaches the init (`options` are the init's).
fn usr1_reaches(program: &Path, options: &[&str], name: &str) -> (Vec<String>, Vec<String>) {
    let mut all = options.to_vec();
    all.push("--");
    let (out, args) = recorder(name, &all, &["--fork", "2"]);
    let sibling_out = PathBuf::from(format!("{}.1", out.display()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let running = spawn(Mode::Subreaper, program, &args);
    wait_lines(&out, 1);
    wait_lines(&sibling_out, 1);
    send(running.usher_pid, 10);
    wait_lines(&out, 2);
    // A signal to the group would have reached the sibling by now.
    std::thread::sleep(Duration::from_millis(200));
    let sibling = lines(&sibling_out);
    if sibling.len() == 1 {
        // Not signalled: end it by hand, since the program waits for it.
        let main = first_child_of(running.usher_pid).expect("the program");
        for pid in children_of(main) {
            send(pid, 15);
        }
    }
    send(running.usher_pid, 15);
    let output = finish(running);
    assert_eq!(
        code(&output),
        0,
        "{}: {}",
        program.display(),
        stderr(&output)
    );
    // The program's own SIGCHLD, from the sibling's exit, is not the init's.
    let without_chld = |path: &Path| -> Vec<String> {
        lines(path)
            .into_iter()
            .filter(|line| line != "17")
            .collect()
    };
    (without_chld(&out), without_chld(&sibling_out))
}

#[test]
fn signals_go_to_the_program_and_with_g_to_its_group() {
    if !root_or_skip("signals_go_to_the_program_and_with_g_to_its_group") {
        return;
    }
    for (index, program) in both().iter().enumerate() {
        let (main, sibling) = usr1_reaches(program, &[], &format!("cat-one-{index}"));
        assert_eq!(main, ["ready", "10", "15"], "{}", program.display());
        assert_eq!(
            sibling,
            ["ready", "15"],
            "{}: not the group",
            program.display()
        );
        let (main, sibling) = usr1_reaches(program, &["-g"], &format!("cat-group-{index}"));
        assert_eq!(main, ["ready", "10", "15"], "{} -g", program.display());
        assert_eq!(sibling, ["ready", "10", "15"], "{} -g", program.display());
    }
}

#[test]
fn tstp_ttou_and_ttin_neither_stop_it_nor_are_forwarded() {
    if !root_or_skip("tstp_ttou_and_ttin_neither_stop_it_nor_are_forwarded") {
        return;
    }
    for (index, program) in both().iter().enumerate() {
        let (out, args) = recorder(&format!("cat-tstp-{index}"), &["--"], &[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let running = spawn(Mode::Subreaper, program, &args);
        wait_lines(&out, 1);
        for signo in [20, 21, 22] {
            send(running.usher_pid, signo);
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_ne!(state(running.usher_pid), 'T', "{}", program.display());
        send(running.usher_pid, 10);
        assert_eq!(
            wait_lines(&out, 2),
            ["ready", "10"],
            "{}",
            program.display()
        );
        send(running.usher_pid, 15);
        assert_eq!(code(&finish(running)), 0, "{}", program.display());
        assert_eq!(lines(&out), ["ready", "10", "15"], "{}", program.display());
    }
}

#[test]
fn pause_mode_reaps_orphans_and_ends_quietly_on_term_or_int() {
    if !root_or_skip("pause_mode_reaps_orphans_and_ends_quietly_on_term_or_int") {
        return;
    }
    let dir = scratch("cat-pause");
    let marker = dir.join("ran");
    for program in both() {
        for signo in [15, 2] {
            // A program after -P is never run.
            let touch = format!("touch {}", marker.display());
            let running = spawn(Mode::Pid1, &program, &["-P", "--", "sh", "-c", &touch]);
            let pid = running.usher_pid;
            wait_blocked(pid);
            let made = Command::new("nsenter")
                .args(["-t", &pid.to_string(), "-p", "sh", "-c"])
                .arg("for i in 1 2 3 4 5 6 7 8 9 10; do sh -c 'sleep 1 &'; done")
                .status()
                .unwrap();
            assert!(made.success());
            assert!(!children_of(pid).is_empty(), "{}", program.display());
            // Other signals are ignored.
            send(pid, 1);
            send(pid, 10);
            wait_for(
                || children_of(pid).is_empty().then_some(()),
                &format!("{} -P to reap every orphan", program.display()),
            );
            std::thread::sleep(Duration::from_millis(100));
            assert!(
                matches!(state(pid), 'S' | 'R'),
                "{} -P ended on HUP or USR1",
                program.display()
            );
            send(pid, signo);
            let output = finish(running);
            assert_eq!(shape(&output), (0, true, true), "{}", program.display());
            assert!(!marker.exists(), "{} -P ran its program", program.display());
        }
    }
}

#[test]
fn not_pid_1_it_is_a_subreaper() {
    if !root_or_skip("not_pid_1_it_is_a_subreaper") {
        return;
    }
    for program in both() {
        // The inner shell leaves its sleep behind: it comes to the init.
        let running = spawn(
            Mode::Subreaper,
            &program,
            &["--", "sh", "-c", "sh -c 'sleep 30 &'; exec sleep 30"],
        );
        let init = running.usher_pid;
        let adopted = wait_for(
            || (children_of(init).len() == 2).then(|| children_of(init)),
            &format!("{}: the orphan to come to it", program.display()),
        );
        // The orphan holds the output pipes: it goes first.
        let main = first_child_of(init).expect("the program");
        for pid in adopted.iter().filter(|&&pid| pid != main) {
            send(*pid, 9);
        }
        send(main, 15);
        let output = finish(running);
        assert_eq!(code(&output), 143, "{}", program.display());
    }
}

/// The descriptors open in `pid`, from /proc.
fn fds_of(pid: i32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(|entry| Some(entry.ok()?.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// usher's directory is `/`; catatonit 0.1.7 keeps the one it started in
/// (an intended difference: podman unmounts the directory it started in).
fn assert_left_its_directory(index: usize, program: &Path, init: i32, dir: &Path) {
    let cwd = std::fs::read_link(format!("/proc/{init}/cwd")).unwrap();
    let expected = if index == 0 { Path::new("/") } else { dir };
    assert_eq!(cwd, expected, "{}", program.display());
}

#[test]
fn it_closes_what_it_was_given_and_usher_leaves_its_directory() {
    if !root_or_skip("it_closes_what_it_was_given_and_usher_leaves_its_directory") {
        return;
    }
    let dir = scratch("cat-fds");
    let has = |pid: i32, fd: &str| fds_of(pid).contains(&fd.to_string());
    for (index, program) in both().iter().enumerate() {
        // With a program, and with stdin closed (usher's signalfd is then
        // fd 0: stdout and stderr stay).
        for (case, redirect) in [("", ""), ("-closed", "exec 0<&-; ")] {
            let (out, args) = recorder(&format!("cat-fds{case}-{index}"), &["--"], &[]);
            let line = format!(
                "exec 7</etc/passwd; {redirect}exec {} {}",
                program.display(),
                args.join(" ")
            );
            let mut child = Command::new("sh")
                .args(["-c", &line])
                .current_dir(&dir)
                .stdin(Stdio::null())
                .spawn()
                .expect("spawn");
            let init = child.id() as i32;
            wait_lines(&out, 1);
            let program_pid = first_child_of(init).expect("the program");
            // Both close fd 7 after the spawn; the program still has it.
            wait_for(
                || (!has(init, "7")).then_some(()),
                &format!("{}{case} to close fd 7", program.display()),
            );
            assert!(has(program_pid, "7"), "{}{case}", program.display());
            assert!(
                has(init, "1") && has(init, "2"),
                "{}{case}: its stdout and stderr: {:?}",
                program.display(),
                fds_of(init)
            );
            assert_left_its_directory(index, program, init, &dir);
            let program_cwd = std::fs::read_link(format!("/proc/{program_pid}/cwd")).unwrap();
            assert_eq!(program_cwd, dir, "{}", program.display());
            send(init, 15);
            assert!(child.wait().unwrap().success(), "{}", program.display());
        }
        // In pause mode, once its signals are set up.
        let mut child = Command::new("sh")
            .args([
                "-c",
                &format!("exec 7</etc/passwd; exec {} -P", program.display()),
            ])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn");
        let init = child.id() as i32;
        wait_blocked(init);
        wait_for(
            || (!has(init, "7")).then_some(()),
            &format!("{} -P to close fd 7", program.display()),
        );
        assert_left_its_directory(index, program, init, &dir);
        send(init, 15);
        assert!(child.wait().unwrap().success(), "{} -P", program.display());
    }
}

#[test]
fn the_program_gets_its_own_group_and_the_terminal_foreground() {
    if !root_or_skip("the_program_gets_its_own_group_and_the_terminal_foreground") {
        return;
    }
    for program in both() {
        let command = format!("{} -- {} stat", program.display(), probe().display());
        let output = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .unwrap();
        let text = stdout(&output);
        let fields: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(fields.len(), 4, "{}: {text:?}", program.display());
        assert_eq!(fields[0], fields[1], "{}: own group", program.display());
        assert_eq!(fields[1], fields[2], "{}: foreground", program.display());
    }
}
