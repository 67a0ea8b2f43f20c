//! The pause personality (issue 16): Kubernetes' pod infra process. It runs
//! none of its arguments, answers `-v` in any case with one version line,
//! reaps every orphan that comes to it as PID 1, ignores every signal but
//! SIGINT and SIGTERM, which end it with status 0 and one line naming the
//! signal, and warns when it is not PID 1.

mod common;

use common::*;
use std::process::Command;

#[test]
fn minus_v_in_any_case_prints_one_version_line() {
    let pause = usher_as("pause");
    for args in [&["-v"][..], &["-V"], &["a", "-v", "b"]] {
        let output = Command::new(&pause).args(args).output().unwrap();
        assert_eq!(code(&output), 0, "{args:?}");
        assert_eq!(
            stdout(&output),
            format!("pause version: usher {}\n", env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
        assert!(output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn as_pid_1_it_reaps_orphans_ignores_hup_and_ends_on_term_or_int() {
    if !root_or_skip("as_pid_1_it_reaps_orphans_ignores_hup_and_ends_on_term_or_int") {
        return;
    }
    let dir = scratch("pause-pid1");
    let marker = dir.join("ran");
    for (signo, name) in [(15, "SIGTERM"), (2, "SIGINT")] {
        // Its arguments are never run.
        let touch = format!("touch {}", marker.display());
        let running = spawn(Mode::Pid1, &usher_as("pause"), &["sh", "-c", &touch]);
        let pid = running.usher_pid;
        wait_blocked(pid);
        // Twenty orphans in its pid namespace: each shell exits at once and
        // leaves its sleep to PID 1.
        let made = Command::new("nsenter")
            .args(["-t", &pid.to_string(), "-p", "sh", "-c"])
            .arg("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sh -c 'sleep 2 &'; done")
            .status()
            .unwrap();
        assert!(made.success());
        let adopted = children_of(pid).len();
        assert!(adopted >= 10, "only {adopted} orphans came to pause");
        send(pid, 1);
        // Every one is reaped once it exits: no child, no zombie, is left.
        wait_for(
            || children_of(pid).is_empty().then_some(()),
            "pause to reap every orphan",
        );
        send(pid, signo);
        let output = finish(running);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        assert_eq!(stderr(&output), format!("usher: shutting down on {name}\n"));
        assert!(output.stdout.is_empty());
        assert!(!marker.exists(), "pause ran its arguments");
    }
}

#[test]
fn not_pid_1_it_warns_and_goes_on() {
    let running = spawn(Mode::Subreaper, &usher_as("pause"), &[]);
    let pid = running.usher_pid;
    wait_blocked(pid);
    send(pid, 15);
    let output = finish(running);
    assert_eq!(code(&output), 0);
    assert_eq!(
        stderr(&output),
        "usher: warning: pause is not PID 1, so orphaned processes will not come to it\n\
         usher: shutting down on SIGTERM\n"
    );
}
