//! `--pty`: the command gets a terminal of its own, relayed to usher's
//! stdio. The test plays the caller's terminal (common::terminal): usher
//! runs as a session leader on a pty the test owns. Markers on the screen
//! are computed by the child (`$((6*7))` prints 42), so an echo of the
//! command line can never match them.

mod common;

use common::terminal::Terminal;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

fn usher_pty(args: &[&str]) -> Vec<String> {
    let mut all = vec!["--pty".to_string(), "--".to_string()];
    all.extend(args.iter().map(|arg| arg.to_string()));
    all
}

fn start(args: &[&str], rows: u16, cols: u16) -> Terminal {
    let args = usher_pty(args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Terminal::start(&usher(), &args, rows, cols)
}

fn probe_path() -> String {
    probe().to_str().unwrap().to_string()
}

#[test]
fn the_child_gets_a_terminal_of_its_own() {
    let terminal = start(&["sh", "-c", r#"echo "T=$(tty)=$((6*7))""#], 24, 80);
    let caller = terminal.path();
    let screen = terminal.wait_screen("=42");
    let (status, _, _) = terminal.finish();
    assert_eq!(status.code(), Some(0));
    let name = screen
        .split("T=")
        .nth(1)
        .and_then(|rest| rest.split('=').next())
        .expect("the child's tty");
    assert!(name.starts_with("/dev/pts/"), "{screen:?}");
    assert_ne!(name, caller, "the child shares the caller's terminal");
}

#[test]
fn the_window_size_is_there_before_the_child_starts() {
    let probe = probe_path();
    let terminal = start(&[&probe, "winch"], 33, 101);
    terminal.wait_screen("size 33x101;");
    send(terminal.pid(), 15);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(0), "{screen:?}");
}

#[test]
fn resizes_reach_the_child_and_the_last_one_wins() {
    let probe = probe_path();
    let terminal = start(&[&probe, "winch"], 24, 80);
    terminal.wait_screen("size 24x80;");
    terminal.wait_for_raw();
    // The kernel sends usher SIGWINCH; usher copies the size to the
    // child's terminal, whose kernel signals the child.
    terminal.resize(40, 120);
    terminal.wait_screen("winch 40x120;");
    for step in 1..=3 {
        terminal.resize(40 + step, 120 + step);
    }
    terminal.wait_screen("winch 43x123;");
    send(terminal.pid(), 15);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(0), "{screen:?}");
    let last = screen.rsplit("winch ").next().unwrap();
    assert!(last.starts_with("43x123;"), "{screen:?}");
}

#[test]
fn ctrl_c_interrupts_the_child_only() {
    let (out, args) = recorder("pty-ctrl-c", &["--pty", "--"], &["--senders"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut terminal = Terminal::start(&usher(), &args, 24, 80);
    wait_lines(&out, 1);
    terminal.wait_for_raw();
    terminal.type_keys(b"\x03");
    // From the child's terminal (pid 0: the kernel), not forwarded by
    // usher, which sees a plain byte.
    assert_eq!(wait_lines(&out, 2), ["ready", "2 from 0"]);
    let usher_pid = terminal.pid();
    send(usher_pid, 15);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(0), "{screen:?}");
    assert_eq!(
        lines(&out),
        [
            "ready".to_string(),
            "2 from 0".into(),
            format!("15 from {usher_pid}")
        ]
    );
}

#[test]
fn the_exit_status_passes_through() {
    for (script, expected) in [("exit 7", 7), ("kill -TERM $$", 143)] {
        let terminal = start(&["sh", "-c", script], 24, 80);
        let (status, screen, _) = terminal.finish();
        assert_eq!(status.code(), Some(expected), "{script}: {screen:?}");
    }
}

#[test]
fn terminal_modes_are_restored_byte_for_byte() {
    let probe = probe_path();
    // A normal exit, a TERM to usher (forwarded), a child killed outright.
    for case in ["exit", "term", "kill"] {
        let terminal = start(&[&probe, "winch"], 24, 80);
        let before = terminal.initial_modes;
        terminal.wait_screen("size 24x80;");
        terminal.wait_for_raw();
        assert_ne!(terminal.modes(), before);
        let expected = match case {
            "exit" | "term" => {
                send(terminal.pid(), 15);
                0
            }
            _ => {
                let child = first_child_of(terminal.pid()).expect("the child");
                send(child, 9);
                137
            }
        };
        let (status, screen, after) = terminal.finish();
        assert_eq!(status.code(), Some(expected), "{case}: {screen:?}");
        assert_eq!(after, before, "{case}: the modes differ");
    }
    // And after usher's own error, once the terminal was raw.
    let terminal = start(&["/nonexistent/command"], 24, 80);
    let before = terminal.initial_modes;
    let (status, screen, after) = terminal.finish();
    assert_eq!(status.code(), Some(127), "{screen:?}");
    assert!(
        screen.contains("usher: exec /nonexistent/command"),
        "{screen:?}"
    );
    assert_eq!(after, before);
}

#[test]
fn no_output_is_lost_at_exit() {
    let terminal = start(&["sh", "-c", "seq 1 200000; exit 3"], 24, 80);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(3));
    let numbers: Vec<&str> = screen
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .collect();
    assert_eq!(numbers.len(), 200000, "lines lost");
    assert!(numbers
        .iter()
        .enumerate()
        .all(|(index, line)| line.parse() == Ok(index + 1)));
    // A burst that fills the terminal's buffers just before the exit: most
    // of it is still in the master when usher learns of the exit.
    let terminal = start(
        &["sh", "-c", "head -c 60000 /dev/zero | tr '\\0' x; exit 4"],
        24,
        80,
    );
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(4));
    assert_eq!(screen.matches('x').count(), 60000);
}

#[test]
fn a_grandchild_holding_the_terminal_does_not_hold_usher() {
    // The grandchild ignores the SIGHUP its terminal sends when the
    // session leader exits, and keeps the terminal open.
    let ready = scratch("pty-grandchild").join("ready");
    let script = format!(
        r#"(trap "" HUP; : > {0}; exec sleep 30) & while [ ! -e {0} ]; do sleep 0.01; done; echo "bg=$!=""#,
        ready.display()
    );
    let terminal = start(&["sh", "-c", &script], 24, 80);
    let screen = terminal.wait_screen("=\r");
    let grandchild: i32 = screen
        .split("bg=")
        .nth(1)
        .and_then(|rest| rest.split('=').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("{screen:?}"));
    let mut terminal = terminal;
    let status = wait_for(|| terminal.child.try_wait().expect("try_wait"), "usher");
    assert_eq!(status.code(), Some(0));
    // usher is gone while the grandchild still holds the terminal.
    assert!(std::path::Path::new(&format!("/proc/{grandchild}")).exists());
    send(grandchild, 9);
    drop(terminal.finish());
}

#[test]
fn the_earlier_options_work_with_a_pty() {
    // --env and --wait-all: a background job's late output is relayed
    // while usher waits for it. The job ignores the SIGHUP that the
    // session leader's exit sends the terminal's group, and is ready
    // before the leader exits.
    let ready = scratch("pty-wait-all").join("ready");
    let script = format!(
        r#"echo "x=$X=$((6*7))"; (trap "" HUP; : > {0}; sleep 0.3; echo "late=$((40+2))") & while [ ! -e {0} ]; do sleep 0.01; done"#,
        ready.display()
    );
    let args = [
        "--pty",
        "--env",
        "X=1",
        "--wait-all",
        "--",
        "sh",
        "-c",
        &script,
    ];
    let terminal = Terminal::start(&usher(), &args, 24, 80);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(0), "{screen:?}");
    assert!(
        screen.contains("x=1=42") && screen.contains("late=42"),
        "{screen:?}"
    );
    // --grace: the survivor's TERM, and what it prints on it, get through.
    let ready = scratch("pty-grace").join("ready");
    let script = format!(
        r#"(trap "" HUP; trap 'echo "term=$((1+1))"; exit 0' TERM; : > {0}; while :; do sleep 0.05; done) & while [ ! -e {0} ]; do sleep 0.01; done; exit 4"#,
        ready.display()
    );
    let args = ["--pty", "--grace", "5", "--", "sh", "-c", &script];
    let terminal = Terminal::start(&usher(), &args, 24, 80);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(4), "{screen:?}");
    assert!(screen.contains("term=2"), "{screen:?}");
}

#[test]
fn a_term_to_usher_is_forwarded_and_the_last_words_arrive() {
    let script = r#"trap 'echo "bye=$((40+2))"; exit 5' TERM; echo "up=$((1+1))"; while :; do sleep 0.05; done"#;
    let terminal = start(&["sh", "-c", script], 24, 80);
    terminal.wait_screen("up=2");
    send(terminal.pid(), 15);
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(5), "{screen:?}");
    assert!(screen.contains("bye=42"), "{screen:?}");
}

/// Runs usher with piped stdin and stdout (no terminal at all), with
/// common::finish's limit.
fn piped(args: &[&str], input: &[u8]) -> (Option<i32>, String) {
    let mut child = Command::new(usher())
        .args(usher_pty(args))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(input).expect("stdin");
    let output = finish(Running {
        child,
        usher_pid: 0,
    });
    (output.status.code(), stdout(&output) + &stderr(&output))
}

#[test]
fn piped_stdin_ends_with_the_terminals_eof() {
    // Whole lines, a last line without its newline, and no input at all.
    // Piped input is not echoed: the output is cat's alone.
    for (input, expected) in [
        (&b"data\nmore\n"[..], "data\r\nmore\r\n"),
        (b"data\nlast", "data\r\nlast"),
        (b"", ""),
    ] {
        assert_eq!(
            piped(&["cat"], input),
            (Some(0), expected.to_string()),
            "{input:?}"
        );
    }
    // The child gets a terminal although usher has none.
    let (code, output) = piped(
        &[
            "sh",
            "-c",
            r#"test -t 0 && test -t 1 && echo "tty=$((6*7))""#,
        ],
        b"",
    );
    assert_eq!((code, output), (Some(0), "tty=42\r\n".to_string()));
}

#[test]
fn closed_stdio_does_not_loop_the_output_back() {
    // With stdin and stdout closed, the master must not land on fd 1, where
    // the relay would write the command's output into its own terminal.
    let script = format!(
        r#"exec {} --pty -- sh -c 'tty; exit 6' <&- >&-"#,
        usher().display()
    );
    let (code, output) = {
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let status = wait_for(|| child.try_wait().expect("try_wait"), "usher to end");
        let output = child.wait_with_output().expect("output");
        (status.code(), stderr(&output))
    };
    assert_eq!((code, output), (Some(6), String::new()));
}

#[test]
fn tiocsti_by_the_child_cannot_reach_the_callers_terminal() {
    let probe = probe_path();
    let text = "id\n";
    // Without --pty the child shares the caller's terminal, and what it
    // pushes waits there for the caller's shell: the hole.
    let mut shared = Terminal::start(&usher(), &["--", &probe, "tiocsti", text], 24, 80);
    shared.wait_screen("pushed 3;");
    let status = wait_for(|| shared.child.try_wait().expect("try_wait"), "usher");
    assert_eq!(status.code(), Some(0));
    assert_eq!(shared.pending_input(), 3);
    drop(shared.finish());
    // With --pty it lands in the child's own terminal.
    let mut own = start(&[&probe, "tiocsti", text], 24, 80);
    own.wait_screen("pushed 3;");
    let status = wait_for(|| own.child.try_wait().expect("try_wait"), "usher");
    assert_eq!(status.code(), Some(0));
    assert_eq!(own.pending_input(), 0);
    drop(own.finish());
}

#[test]
fn a_child_switched_by_user_cannot_open_the_callers_terminal() {
    if !root_or_skip("a_child_switched_by_user_cannot_open_the_callers_terminal") {
        return;
    }
    // The caller's terminal by path, then every descriptor the child holds.
    let terminal = Terminal::start_with(
        |caller| {
            let script = format!(
                r#"if ( : <>{caller} ) 2>/dev/null; then echo "opened=$((6*7))"; else echo "denied=$((6*7))"; fi; for fd in /proc/$$/fd/*; do echo "fd=$(readlink $fd)"; done"#
            );
            let mut command = Command::new(usher());
            command.args(["--pty", "--user", "nobody", "--", "sh", "-c", &script]);
            command
        },
        24,
        80,
    );
    let caller = terminal.path();
    let (status, screen, _) = terminal.finish();
    assert_eq!(status.code(), Some(0), "{screen:?}");
    assert!(screen.contains("denied=42"), "{screen:?}");
    assert!(screen.contains("fd=/dev/pts/"), "{screen:?}");
    assert!(!screen.contains(&format!("fd={caller}\r")), "{screen:?}");
}

#[test]
fn no_pty_device_is_a_clear_error() {
    if !root_or_skip("no_pty_device_is_a_clear_error") {
        return;
    }
    // A mount namespace whose /dev has no ptmx.
    let output = Command::new("unshare")
        .args(["--mount", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs none /dev && exec {} --pty -- sh -c 'echo ran'",
            usher().display()
        ))
        .stdin(Stdio::null())
        .output()
        .expect("unshare");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "usher: opening a pseudo-terminal /dev/ptmx: No such file or directory\n"
    );
    assert_eq!(stdout(&output), "");
}
