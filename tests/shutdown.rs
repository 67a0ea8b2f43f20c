//! What happens after the main child: `--grace` (TERM the rest, KILL what is
//! left), `--wait-all`, a second TERM that skips to KILL, and that as a
//! subreaper nothing outside usher's tree is touched. Also `--rewrite` and
//! `--setsid` while the child runs. Needs root; see common::root_or_skip.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// Whether `pid` is still a live (not zombie) process.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.contains(") Z "),
        Err(_) => false,
    }
}

fn read_pid(path: &Path) -> i32 {
    wait_for(
        || std::fs::read_to_string(path).ok()?.trim().parse().ok(),
        &format!("a pid in {}", path.display()),
    )
}

/// A shell script for the main child: it leaves a survivor that traps TERM
/// (records it, takes 0.3 s to clean up, records that it is done) and one
/// that ignores TERM, writes their pids, then exits with 3.
fn two_survivors(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "(trap 'echo term >> {d}/polite; sleep 0.3; echo done >> {d}/polite; exit 0' TERM; \
         echo $(sh -c 'echo $PPID') > {d}/polite.pid; while :; do sleep 0.05; done) >/dev/null 2>&1 & \
         (trap '' TERM; echo $(sh -c 'echo $PPID') > {d}/stubborn.pid; exec sleep 60) >/dev/null 2>&1 & \
         while [ ! -s {d}/polite.pid ] || [ ! -s {d}/stubborn.pid ]; do sleep 0.01; done; exit 3"
    )
}

#[test]
fn grace_terms_the_rest_then_kills_what_is_left() {
    if !root_or_skip("grace_terms_the_rest_then_kills_what_is_left") {
        return;
    }
    for mode in MODES {
        let dir = scratch(&format!("grace-{mode:?}"));
        let script = two_survivors(&dir);
        let output = run(
            mode,
            &usher(),
            &["-v", "--grace", "1s", "--", "sh", "-c", &script],
        );
        assert_eq!(code(&output), 3, "{mode:?}: {}", stderr(&output));
        assert_eq!(
            lines(&dir.join("polite")),
            ["term", "done"],
            "{mode:?}: the survivor that traps TERM is given its time"
        );
        // The one that ignores TERM is killed when the grace ends. As PID 1
        // its pid is the namespace's, so usher's report is what tells.
        assert!(
            stderr(&output).contains("usher: grace over: sending SIGKILL"),
            "{mode:?}: {}",
            stderr(&output)
        );
        if mode == Mode::Subreaper {
            assert!(!alive(read_pid(&dir.join("stubborn.pid"))));
        }
    }
}

#[test]
fn grace_ends_as_soon_as_nothing_is_left() {
    if !root_or_skip("grace_ends_as_soon_as_nothing_is_left") {
        return;
    }
    // A 600 s grace: only the survivor's own 0.3 s may pass, or finish()
    // gives up after 20 s.
    for mode in MODES {
        let dir = scratch(&format!("grace-soon-{mode:?}"));
        let d = dir.display();
        let script = format!(
            "(trap 'sleep 0.3; echo done > {d}/out; exit 0' TERM; while :; do sleep 0.05; done) & \
             sleep 0.2; exit 4"
        );
        let running = spawn(mode, &usher(), &["--grace", "600s", "sh", "-c", &script]);
        let output = finish(running);
        assert_eq!(code(&output), 4, "{mode:?}: {}", stderr(&output));
        assert_eq!(lines(&dir.join("out")), ["done"]);
    }
}

#[test]
fn a_second_term_during_the_grace_kills() {
    if !root_or_skip("a_second_term_during_the_grace_kills") {
        return;
    }
    for mode in MODES {
        let dir = scratch(&format!("grace-second-{mode:?}"));
        let d = dir.display();
        // The survivor takes 60 s to clean up; the grace is 600 s.
        let script = format!(
            "(trap 'echo term > {d}/out; sleep 60' TERM; while :; do sleep 0.05; done) & \
             sleep 0.2; exit 5"
        );
        let running = spawn(mode, &usher(), &["--grace", "600s", "sh", "-c", &script]);
        wait_lines(&dir.join("out"), 1);
        send(running.usher_pid, 2);
        let output = finish(running);
        assert_eq!(code(&output), 5, "{mode:?}: {}", stderr(&output));
    }
}

#[test]
fn a_subreaper_never_touches_a_bystander() {
    if !root_or_skip("a_subreaper_never_touches_a_bystander") {
        return;
    }
    // Same user, outside usher's tree: kill(-1) would reach it.
    let mut bystander = Command::new("sleep").arg("60").spawn().expect("sleep");
    let dir = scratch("bystander");
    let script = two_survivors(&dir);
    let output = run(
        Mode::Subreaper,
        &usher(),
        &["--grace", "500ms", "sh", "-c", &script],
    );
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(!alive(read_pid(&dir.join("stubborn.pid"))));
    assert!(
        bystander.try_wait().expect("try_wait").is_none(),
        "the bystander was signalled"
    );
    let _ = bystander.kill();
    let _ = bystander.wait();
}

#[test]
fn without_a_grace_survivors_are_left_alone() {
    if !root_or_skip("without_a_grace_survivors_are_left_alone") {
        return;
    }
    // Grace 0 (the default) exits at once, as tini does; so does a grace
    // when usher is no subreaper, since nothing comes back to it.
    for options in [&[][..], &["--no-subreaper", "--grace", "30s"]] {
        let dir = scratch(&format!("no-grace-{}", options.len()));
        let script = two_survivors(&dir);
        let mut args = options.to_vec();
        args.extend(["sh", "-c", &script]);
        let output = run(Mode::Subreaper, &usher(), &args);
        assert_eq!(code(&output), 3, "{options:?}: {}", stderr(&output));
        let stubborn = read_pid(&dir.join("stubborn.pid"));
        let polite = read_pid(&dir.join("polite.pid"));
        assert!(alive(stubborn) && alive(polite), "{options:?}");
        assert!(lines(&dir.join("polite")).is_empty(), "{options:?}");
        let _ = usher::sys::kill(stubborn, 9);
        let _ = usher::sys::kill(polite, 9);
    }
}

#[test]
fn wait_all_waits_for_a_double_forking_daemon() {
    if !root_or_skip("wait_all_waits_for_a_double_forking_daemon") {
        return;
    }
    for mode in MODES {
        let dir = scratch(&format!("wait-all-{mode:?}"));
        let d = dir.display();
        // The daemon's parent exits at once, so the daemon is re-parented.
        let script = format!("sh -c '(sleep 0.5; echo done > {d}/out) &'; exit 6");
        let output = run(mode, &usher(), &["--wait-all", "sh", "-c", &script]);
        assert_eq!(code(&output), 6, "{mode:?}: {}", stderr(&output));
        assert_eq!(lines(&dir.join("out")), ["done"], "{mode:?}");
        // The twin does the same.
        let dir = scratch(&format!("wait-all-twin-{mode:?}"));
        let d = dir.display();
        let script = format!("sh -c '(sleep 0.5; echo done > {d}/out) &'; exit 6");
        let output = command(mode, &usher(), &["sh", "-c", &script])
            .env("USHER_WAIT_ALL", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_eq!(code(&output), 6);
        assert_eq!(lines(&dir.join("out")), ["done"], "{mode:?} twin");
    }
}

#[test]
fn a_term_during_wait_all_starts_the_grace() {
    if !root_or_skip("a_term_during_wait_all_starts_the_grace") {
        return;
    }
    for mode in MODES {
        let dir = scratch(&format!("wait-all-term-{mode:?}"));
        let d = dir.display();
        let script = format!(
            "(trap 'echo term > {d}/out; exit 0' TERM; echo up > {d}/up; \
             while :; do sleep 0.05; done) & sleep 0.2; exit 7"
        );
        let running = spawn(
            mode,
            &usher(),
            &["--wait-all", "--grace", "600s", "sh", "-c", &script],
        );
        wait_lines(&dir.join("up"), 1);
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(lines(&dir.join("out")).is_empty(), "TERM came too early");
        send(running.usher_pid, 15);
        let output = finish(running);
        assert_eq!(code(&output), 7, "{mode:?}: {}", stderr(&output));
        assert_eq!(lines(&dir.join("out")), ["term"]);
    }
}

#[test]
fn the_grace_term_goes_through_the_rewrite() {
    if !root_or_skip("the_grace_term_goes_through_the_rewrite") {
        return;
    }
    let dir = scratch("grace-rewrite");
    let d = dir.display();
    let script = format!(
        "(trap 'echo usr1 > {d}/out; exit 0' USR1; trap '' TERM; echo up > {d}/up; \
         while :; do sleep 0.05; done) & sleep 0.2; exit 8"
    );
    let running = spawn(
        Mode::Subreaper,
        &usher(),
        &["-r", "TERM:USR1", "--grace", "600s", "sh", "-c", &script],
    );
    let output = finish(running);
    assert_eq!(code(&output), 8, "{}", stderr(&output));
    assert_eq!(lines(&dir.join("out")), ["usr1"]);
}

#[test]
fn rewrites_change_or_drop_what_is_forwarded() {
    if !root_or_skip("rewrites_change_or_drop_what_is_forwarded") {
        return;
    }
    for (options, env) in [
        (
            &[
                "-r",
                "USR1:USR2",
                "--rewrite=HUP:0",
                "-r",
                "RTMIN+1:NONE",
                "--",
            ][..],
            None,
        ),
        (&["--"][..], Some("USR1:USR2,HUP:0,RTMIN+1:NONE")),
    ] {
        let (out, args) = recorder(&format!("rewrite-{}", options.len()), options, &[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut command = command(Mode::Subreaper, &usher(), &args);
        if let Some(value) = env {
            command.env("USHER_REWRITE", value);
        }
        let child = command.stdin(Stdio::null()).spawn().expect("spawn");
        let running = Running {
            usher_pid: child.id() as i32,
            child,
        };
        wait_lines(&out, 1);
        // Dropped ones first: the record shows only what follows them.
        // (Pending signals are read lowest number first, so each kept one
        // is sent alone, after the drops had time to be read.)
        send(running.usher_pid, 1);
        send(running.usher_pid, 35);
        std::thread::sleep(std::time::Duration::from_millis(200));
        send(running.usher_pid, 10);
        assert_eq!(wait_lines(&out, 2), ["ready", "12"], "{options:?} {env:?}");
        send(running.usher_pid, 2);
        assert_eq!(
            wait_lines(&out, 3),
            ["ready", "12", "2"],
            "{options:?} {env:?}"
        );
        send(running.usher_pid, 15);
        assert_eq!(code(&finish(running)), 0);
    }
}

#[test]
fn setsid_makes_a_session_and_signals_reach_a_whole_pipeline() {
    if !root_or_skip("setsid_makes_a_session_and_signals_reach_a_whole_pipeline") {
        return;
    }
    let output = run(
        Mode::Subreaper,
        &usher(),
        &["--setsid", probe().to_str().unwrap(), "stat"],
    );
    let text = stdout(&output);
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 4, "{text:?}");
    assert_eq!(fields[0], fields[3], "the child leads its session");
    assert_eq!(fields[0], fields[1], "and its process group");
    // `a | b`: both ends are in the child's group and get what usher gets,
    // with --setsid and with -g.
    for options in [&["--setsid"][..], &["-g"]] {
        let dir = scratch(&format!("pipeline-{}", options[0].trim_start_matches('-')));
        let probe = probe();
        let p = probe.display();
        let d = dir.display();
        // The shell is in the group too: it traps what it is sent, and waits.
        let script = format!(
            "trap : USR1 TERM; {p} signals {d}/a --until TERM | {p} signals {d}/b --until TERM"
        );
        let mut args = options.to_vec();
        args.extend(["sh", "-c", &script]);
        let running = spawn(Mode::Subreaper, &usher(), &args);
        for end in ["a", "b"] {
            wait_lines(&dir.join(end), 1);
        }
        send(running.usher_pid, 10);
        send(running.usher_pid, 15);
        for end in ["a", "b"] {
            assert_eq!(
                wait_lines(&dir.join(end), 3),
                ["ready", "10", "15"],
                "{options:?} {end}"
            );
        }
        assert_eq!(code(&finish(running)), 0);
    }
}

#[test]
fn bad_grace_and_rewrite_values() {
    for (args, message) in [
        (
            &["--grace", "10m", "true"][..],
            "usher: bad duration for --grace: '10m'",
        ),
        (&["-r", "TERM", "true"], "usher: bad signal for -r: 'TERM'"),
        (
            &["--rewrite", "TERM:65", "true"],
            "usher: bad signal for --rewrite: 'TERM:65'",
        ),
    ] {
        let output = run(Mode::Subreaper, &usher(), args);
        assert_eq!(code(&output), 1, "{args:?}");
        assert!(stdout(&output).is_empty());
        let text = stderr(&output);
        assert!(text.starts_with(message), "{args:?}: {text:?}");
        assert_eq!(text.lines().count(), 1, "{text:?}");
    }
    let output = Command::new(usher())
        .arg("true")
        .env("USHER_GRACE", "soon")
        .output()
        .expect("run");
    assert_eq!(code(&output), 1);
    assert_eq!(stderr(&output), "usher: bad value in USHER_GRACE: 'soon'\n");
}
