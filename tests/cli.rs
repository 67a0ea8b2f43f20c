//! The command lines end to end: help and version, bad input (one line on
//! stderr, nothing on stdout, exit 1, nothing run), silence on a clean run,
//! and the tini personality compared with Debian's tini where it is installed.

mod common;

use common::*;
use std::process::Command;

/// A marker file that a command would create if it ran.
fn marker(name: &str) -> (std::path::PathBuf, String) {
    let dir = scratch(&format!("marker-{name}"));
    let path = dir.join("ran");
    let command = format!("touch {}", path.display());
    (path, command)
}

/// `usher --help` names every option of the README's table, each on a line
/// of its own with its meaning, and the exit codes.
#[test]
fn help_names_every_option_the_readme_lists() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table = readme
        .split("\n## Options\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README's Options section");
    let rows: Vec<&str> = table
        .lines()
        .filter(|line| line.starts_with("| `-"))
        .collect();
    let options: Vec<String> = rows
        .iter()
        .flat_map(|line| {
            let cell = line.split('|').nth(1).unwrap_or("");
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(|code| code.split_whitespace().next().unwrap_or("").to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(options.len() > 30, "too few options read: {options:?}");
    let output = Command::new(usher()).arg("--help").output().unwrap();
    let help = stdout(&output);
    for option in &options {
        let named = help
            .lines()
            .any(|line| line.split([' ', ',']).any(|word| word == option));
        assert!(named, "--help does not name {option}:\n{help}");
    }
    let lines: Vec<&str> = help
        .lines()
        .filter(|line| line.trim_start().starts_with('-'))
        .collect();
    // One line per option (help and version share theirs).
    assert_eq!(lines.len(), rows.len() - 1, "{help}");
    for code in ["128+N", "126", "127"] {
        assert!(help.contains(code), "the exit code {code} is not in --help");
    }
    assert!(help.lines().all(|line| line.len() <= 80), "{help}");
}

#[test]
fn help_and_version_print_and_run_nothing() {
    let (ran, touch) = marker("help");
    for option in ["-h", "--help", "-V", "--version"] {
        let output = Command::new(usher())
            .args([option, "sh", "-c", &touch])
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{option}");
        assert!(output.stderr.is_empty(), "{option}");
        let text = stdout(&output);
        if option.contains('V') || option == "--version" {
            let version = format!("usher {} - git.", env!("CARGO_PKG_VERSION"));
            assert!(text.starts_with(&version) && text.ends_with('\n'), "{text}");
            // docker info reads the commit after ` - git.`, only without a dot.
            let commit = text.trim_end().rsplit(" - git.").next().unwrap();
            assert!(!commit.is_empty() && !commit.contains('.'), "{text}");
        } else {
            assert!(
                text.contains("Usage: usher") && text.contains("USHER_WAIT_ALL"),
                "{text}"
            );
        }
        assert!(!ran.exists(), "{option} must not run the command");
    }
}

#[test]
fn bad_input_is_one_line_exit_1_and_runs_nothing() {
    let (ran, touch) = marker("bad");
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (&["--bogus"], &[], "usher: unknown option --bogus"),
        (&["-x"], &[], "usher: unknown option -x"),
        (&["-p", "NOPE"], &[], "usher: bad signal for -p: 'NOPE'"),
        (&["-p", "0"], &[], "usher: bad signal for -p: '0'"),
        (
            &["--pdeathsig=RTMIN+31"],
            &[],
            "usher: bad signal for --pdeathsig: 'RTMIN+31'",
        ),
        (&["-e", "256"], &[], "usher: bad exit code for -e: '256'"),
        (
            &["--pgroup=1"],
            &[],
            "usher: option --pgroup takes no value",
        ),
        (
            &[],
            &[("USHER_REMAP_EXIT", "256")],
            "usher: bad value in USHER_REMAP_EXIT: '256'",
        ),
        (
            &[],
            &[("USHER_PGROUP", "maybe")],
            "usher: bad value in USHER_PGROUP: 'maybe'",
        ),
        (
            &[],
            &[("USHER_PDEATHSIG", "TERMINATE")],
            "usher: bad value in USHER_PDEATHSIG: 'TERMINATE'",
        ),
    ];
    for (options, env, message) in cases {
        let mut command = Command::new(usher());
        command.args(*options).args(["--", "sh", "-c", &touch]);
        for (name, value) in *env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        assert_eq!(code(&output), 1, "{options:?} {env:?}");
        assert!(output.stdout.is_empty());
        let text = stderr(&output);
        assert!(text.starts_with(message), "{options:?}: {text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!ran.exists(), "{options:?} must not run the command");
    }
    let output = Command::new(usher()).arg("-p").output().unwrap();
    assert_eq!(
        (code(&output), stderr(&output)),
        (1, "usher: option -p needs a value\n".to_string())
    );
    for args in [&[][..], &["-v"][..], &["--"][..]] {
        let output = Command::new(usher()).args(args).output().unwrap();
        assert_eq!(code(&output), 1);
        assert_eq!(stderr(&output), "usher: no command given\n");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn options_stop_at_the_command_and_never_permute() {
    let output = Command::new(usher())
        .args(["sh", "-c", "echo \"$0 $1\"", "-v", "--help"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "-v --help\n");
    assert!(output.stderr.is_empty());
}

#[test]
fn a_clean_run_prints_nothing_of_its_own() {
    let output = Command::new(usher())
        .args(["sh", "-c", "sleep 0.05 & exit 0"])
        .output()
        .unwrap();
    assert_eq!(code(&output), 0);
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{}",
        stderr(&output)
    );
}

#[test]
fn verbose_and_warn_reaped_go_to_stderr_only() {
    let output = Command::new(usher())
        .args([
            "-v",
            "-w",
            "sh",
            "-c",
            "(sleep 0.01 &); sleep 0.2; echo out",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "out\n");
    let text = stderr(&output);
    assert!(
        text.contains("spawned pid") && text.contains("exited with status 0"),
        "{text}"
    );
    assert!(text.contains("reaped orphan pid"), "{text}");
    let output = Command::new(usher())
        .args(["sh", "-c", "true"])
        .env("USHER_VERBOSE", "1")
        .output()
        .unwrap();
    assert!(stderr(&output).contains("spawned pid"));
}

fn tini_peer() -> Option<&'static str> {
    let found = Command::new("tini").arg("--version").output().is_ok();
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("Debian's tini is needed for the differential tests: make test installs it");
    }
    found.then_some("tini")
}

/// What a run looks like from outside: exit code, and which streams got text.
fn outline(output: &std::process::Output) -> (i32, bool, bool) {
    (
        code(output),
        !output.stdout.is_empty(),
        !output.stderr.is_empty(),
    )
}

#[test]
fn tini_personality_matches_tini() {
    let Some(peer) = tini_peer() else {
        eprintln!("tini_personality_matches_tini: Debian's tini is not installed; skipped");
        return;
    };
    let ours = usher_as("tini");
    let cases: &[&[&str]] = &[
        &["--version"],
        &["-h"],
        &["-h", "true"],
        &["-l"],
        &[],
        &["-s"],
        &["-x", "true"],
        &["--bogus", "true"],
        &["--version", "true"],
        &["-p"],
        &["-p", "TERM", "true"],
        &["-p", "sigterm", "true"],
        &["-p", "SIGRTMIN", "true"],
        &["-s", "-p", "SIGTERM", "true"],
        &["-e", "256", "true"],
        &["-e", "-1", "true"],
        &["-e", "x", "true"],
        &["-s", "-e", " 3", "--", "sh", "-c", "exit 3"],
        &["-s", "-e", "+3", "--", "sh", "-c", "exit 3"],
        &["-s", "-e", "3", "--", "sh", "-c", "exit 4"],
        &["-s", "-e", "", "--", "sh", "-c", "exit 0"],
        &["-s", "--", "sh", "-c", "exit 7"],
        &["-s", "--", "sh", "-c", "kill -TERM $$"],
        &["-s", "-g", "--", "true"],
        &["-s", "-w", "-v", "--", "true"],
        &["-s", "no-such-command-anywhere"],
        &["-s", "/etc"],
        &["true"],
    ];
    for case in cases {
        let theirs = Command::new(peer).args(*case).output().unwrap();
        let mine = Command::new(&ours).args(*case).output().unwrap();
        // tini prints its info lines on stdout at -v; usher keeps diagnostics on
        // stderr (a documented difference), so compare stdout only without -v.
        let (their_code, their_out, their_err) = outline(&theirs);
        let (my_code, my_out, my_err) = outline(&mine);
        assert_eq!(
            my_code,
            their_code,
            "exit code for tini {case:?}: {}",
            stderr(&mine)
        );
        if case.contains(&"-v") {
            assert_eq!(
                my_out || my_err,
                their_out || their_err,
                "some output for tini {case:?}"
            );
        } else {
            assert_eq!(
                my_err,
                their_err,
                "stderr emptiness for tini {case:?}: ours {:?} theirs {:?}",
                stderr(&mine),
                stderr(&theirs)
            );
            assert_eq!(my_out, their_out, "stdout emptiness for tini {case:?}");
        }
    }
    for env in [
        ("TINI_SUBREAPER", ""),
        ("TINI_VERBOSITY", "0"),
        ("TINI_VERBOSITY", "x"),
        ("TINI_KILL_PROCESS_GROUP", ""),
    ] {
        let theirs = Command::new(peer)
            .arg("true")
            .env(env.0, env.1)
            .output()
            .unwrap();
        let mine = Command::new(&ours)
            .arg("true")
            .env(env.0, env.1)
            .output()
            .unwrap();
        assert_eq!(outline(&mine), outline(&theirs), "tini true with {env:?}");
    }
}

#[test]
fn tini_version_parses_like_tinis() {
    let output = Command::new(usher_as("docker-init"))
        .arg("--version")
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(text.starts_with("tini version 0.19.0 - git."), "{text}");
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn tini_warns_when_it_cannot_reap() {
    let tini = usher_as("tini");
    let warned = Command::new(&tini).arg("true").output().unwrap();
    assert!(stderr(&warned).contains("not PID 1"), "{}", stderr(&warned));
    for (args, env) in [
        (&["-s", "true"][..], None),
        (&["true"][..], Some(("TINI_SUBREAPER", ""))),
        (&["true"][..], Some(("TINI_VERBOSITY", "0"))),
    ] {
        let mut command = Command::new(&tini);
        command.args(args);
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        assert!(
            output.stderr.is_empty(),
            "{args:?} {env:?}: {}",
            stderr(&output)
        );
    }
    let native = Command::new(usher()).arg("true").output().unwrap();
    assert!(
        native.stderr.is_empty(),
        "native never warns: it registers itself"
    );
}

fn gosu_peer() -> Option<&'static str> {
    let found = Command::new("gosu").arg("--version").output().is_ok();
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("Debian's gosu is needed for the differential tests: make test installs it");
    }
    found.then_some("gosu")
}

/// gosu's words and usage: which stream, which exit code. None of these needs
/// root or switches anyone (`-v` alone, `--help` alone, too few arguments).
#[test]
fn gosu_and_su_exec_command_lines() {
    let gosu = usher_as("gosu");
    // (arguments, exit code, stdout has text, stderr has text)
    let cases: &[(&[&str], i32, bool, bool)] = &[
        (&[], 1, false, true),
        (&["root"], 1, false, true),
        (&["--help"], 0, true, false),
        (&["-h"], 0, true, false),
        (&["-?"], 0, true, false),
        (&["--version"], 0, true, false),
        (&["-v"], 0, true, false),
    ];
    let peer = gosu_peer();
    for (args, code, out, err) in cases {
        let output = Command::new(&gosu).args(*args).output().unwrap();
        assert_eq!(outline(&output), (*code, *out, *err), "gosu {args:?}");
        if let Some(peer) = peer {
            let theirs = Command::new(peer).args(*args).output().unwrap();
            assert_eq!(
                outline(&output),
                outline(&theirs),
                "gosu {args:?} vs {peer}"
            );
        }
    }
    // gosu names itself by its basename, whatever path ran it.
    let usage = stderr(&Command::new(&gosu).output().unwrap());
    let first_line = "Usage: gosu user-spec command [args]\n";
    assert!(gosu.is_absolute(), "{}", gosu.display());
    assert!(usage.starts_with(first_line), "{usage}");
    if peer.is_some() {
        // The real gosu, run by its full path too.
        let theirs = Command::new("sh")
            .args(["-c", "exec \"$(command -v gosu)\""])
            .output()
            .unwrap();
        assert!(stderr(&theirs).starts_with(first_line), "{theirs:?}");
    }
    let version = stdout(&Command::new(&gosu).arg("-v").output().unwrap());
    assert_eq!(
        version,
        format!("1.17 (usher {})\n", env!("CARGO_PKG_VERSION"))
    );

    // su-exec has no words: too few arguments is its usage and exit 1, and
    // `--help` is a user spec.
    let su_exec = usher_as("su-exec");
    for args in [&[][..], &["root"][..], &["--help"][..]] {
        let output = Command::new(&su_exec).args(args).output().unwrap();
        assert_eq!(outline(&output), (1, false, true), "su-exec {args:?}");
        assert_eq!(
            stderr(&output),
            format!("Usage: {} user-spec command [args]\n", su_exec.display())
        );
    }
}

/// docs/usher.1 covers every option of `--help` and every twin, carries
/// the crate's version, and groff finds nothing to warn about in it.
#[test]
fn the_man_page_names_every_option_and_twin_and_is_clean_roff() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/usher.1"))
        .expect("docs/usher.1");
    let text = page.replace("\\-", "-");
    let help = stdout(&Command::new(usher()).arg("--help").output().unwrap());
    let options: Vec<&str> = help
        .split([' ', ',', '\n'])
        .map(|word| word.trim_end_matches([':', ')', '.']))
        .filter(|word| word.starts_with('-') && word.len() > 1 && *word != "--")
        .collect();
    assert!(options.len() > 40, "{options:?}");
    for option in &options {
        assert!(text.contains(option), "docs/usher.1 does not name {option}");
        if let Some(long) = option.strip_prefix("--") {
            if !["help", "version"].contains(&long) {
                let twin = format!("USHER_{}", long.to_uppercase().replace('-', "_"));
                assert!(text.contains(&twin), "docs/usher.1 does not name {twin}");
            }
        }
    }
    assert!(
        page.contains(&format!("\"usher {}\"", env!("CARGO_PKG_VERSION"))),
        "docs/usher.1's .TH names another version"
    );
    let groff = Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/usher.1"))
        .output()
        .expect("groff (make test installs groff-base)");
    assert!(
        groff.status.success() && groff.stderr.is_empty(),
        "{}",
        stderr(&groff)
    );
}

/// Input quoted in a message is escaped and cut (issue 18): a newline, a
/// tab, an escape or another control byte in a bad value can never forge a
/// second line or reach the terminal raw, under any name usher answers to.
#[test]
fn quoted_input_is_escaped_into_one_printable_line() {
    let forged = "1\nusher: child pid 1 exited with status 0";
    let long = "a".repeat(100);
    let long_grace = format!("--grace={long}");
    let cut = format!("usher: bad duration for --grace: '{}...'", "a".repeat(64));
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, String, i32);
    let forged_grace = format!("--grace={forged}");
    let cases: Vec<Case> = vec![
        (
            "usher",
            vec![forged_grace.as_str(), "true"],
            vec![],
            "usher: bad duration for --grace: '1\\nusher: child pid 1 exited with status 0'"
                .to_string(),
            1,
        ),
        (
            "usher",
            vec!["true"],
            vec![("USHER_NO_SUBREAPER", "\n")],
            "usher: bad value in USHER_NO_SUBREAPER: '\\n'".to_string(),
            1,
        ),
        (
            "usher",
            vec!["-p", "TE\tRM\x1b[2J", "true"],
            vec![],
            "usher: bad signal for -p: 'TE\\tRM\\e[2J'".to_string(),
            1,
        ),
        ("usher", vec![long_grace.as_str(), "true"], vec![], cut, 1),
        (
            "usher",
            vec!["--", "no-such-\u{1}command\u{7f}"],
            vec![],
            "usher: exec no-such-\\x01command\\x7f: No such file or directory".to_string(),
            127,
        ),
        (
            "tini",
            vec!["-e", "1\r", "--", "true"],
            vec![],
            "usher: bad exit code for -e: '1\\x0d'".to_string(),
            1,
        ),
        (
            "dumb-init",
            vec!["--rewrite", "15:\n", "true"],
            vec![],
            "usher: bad signal for --rewrite: '15:\\n'".to_string(),
            1,
        ),
        (
            "gosu",
            vec!["no\nbody", "true"],
            vec![],
            "usher: no such user no\\nbody".to_string(),
            1,
        ),
    ];
    for (name, args, env, message, status) in cases {
        let mut command = Command::new(usher_as(name));
        command.args(&args);
        for (key, value) in &env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        let text = stderr(&output);
        let first = text.lines().next().unwrap_or("");
        assert_eq!(code(&output), status, "{name} {args:?} {env:?}:\n{text}");
        assert!(
            first.starts_with(&message),
            "{name} {args:?} {env:?}:\n{text}"
        );
        // Only a usage text may follow the error line, and none of it
        // carries the input.
        assert!(
            output
                .stderr
                .iter()
                .all(|&byte| byte == b'\n' || (0x20..0x7f).contains(&byte)),
            "{name} {args:?}: {}",
            output.stderr.escape_ascii()
        );
        if name == "usher" {
            assert_eq!(text.lines().count(), 1, "{text}");
        }
    }
}
