//! Configuration from the environment, end to end: what the child receives
//! (its argv and environ, read from /proc/self by the probe) under
//! `--env`, `--unset`, `--clear-env`, `--arg-env`, `--opt-env`, `--venv` and
//! the twins; `--require-env`; `--pre`; `--workdir`. No root needed.

mod common;

use common::*;
use std::process::{Command, Output, Stdio};

/// Runs usher with `args` before `probe proc`, in exactly `env`.
fn child_sees(args: &[&str], env: &[(&str, &str)]) -> (Vec<String>, Vec<String>, Output) {
    let probe = probe();
    let mut command = Command::new(usher());
    command
        .args(args)
        .args(["--", probe.to_str().unwrap(), "proc"])
        .env_clear()
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run");
    let (mut argv, mut environ) = (Vec::new(), Vec::new());
    for line in stdout(&output).lines() {
        let (kind, hex) = line.split_once(' ').expect("kind hex");
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex"))
            .collect();
        let text = String::from_utf8(bytes).expect("utf-8");
        if kind == "arg" {
            argv.push(text)
        } else {
            environ.push(text)
        }
    }
    (argv, environ, output)
}

#[test]
fn set_unset_and_clear() {
    let base = [
        ("A", "1"),
        ("B", "2"),
        ("USHER_VERBOSE", "0"),
        ("KEEP", "k"),
    ];
    let (_, env, output) = child_sees(&["--env", "C=3", "--unset", "A", "--env=B=9"], &base);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(env, ["KEEP=k", "C=3", "B=9"]);
    let (_, env, _) = child_sees(&["--clear-env", "--env", "ONLY=1"], &base);
    assert_eq!(env, ["ONLY=1"]);
    // The twins, comma-separated; USHER_ variables are never passed on.
    let (_, env, _) = child_sees(
        &[],
        &[
            ("A", "1"),
            ("USHER_ENV", "X=1,Y=2"),
            ("USHER_UNSET", "A"),
            ("USHER_WAIT_ALL", "0"),
        ],
    );
    assert_eq!(env, ["X=1", "Y=2"]);
    // Without any option or USHER_ variable, the environment is untouched.
    let (_, env, _) = child_sees(&[], &[("A", "1"), ("B", "")]);
    assert_eq!(env, ["A=1", "B="]);
}

#[test]
fn arguments_from_variables() {
    let env = [("SET", "s"), ("EMPTY", ""), ("PORT", "8080")];
    let (argv, _, output) = child_sees(
        &[
            "--arg-env",
            "SET",
            "--arg-env",
            "MISSING",
            "--arg-env",
            "MISSING=default",
            "--arg-env",
            "EMPTY=default",
            "--opt-env",
            "--port=PORT",
            "--opt-env",
            "--host=HOST=localhost",
            "--opt-env",
            "-x=MISSING",
        ],
        &env,
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        argv,
        [
            "proc",
            "s",
            "default",
            "",
            "--port",
            "8080",
            "--host",
            "localhost"
        ]
    );
    // They read the edited environment.
    let (argv, _, _) = child_sees(&["--env", "SET=edited", "--arg-env", "SET"], &env);
    assert_eq!(argv, ["proc", "edited"]);
    // The twin.
    let (argv, _, _) = child_sees(&[], &[("N", "n"), ("USHER_ARG_ENV", "N,M=m")]);
    assert_eq!(argv, ["proc", "n", "m"]);
}

#[test]
fn user_home_and_env_home() {
    if !root_or_skip("user_home_and_env_home") {
        return;
    }
    let (_, env, _) = child_sees(
        &["--user", "root", "--clear-env"],
        &[("HOME", "/elsewhere")],
    );
    assert_eq!(env, ["HOME=/root"]);
    let (_, env, _) = child_sees(&["--user", "root", "--env", "HOME=/x"], &[]);
    assert_eq!(env, ["HOME=/x"]);
}

#[test]
fn venv_runs_the_venvs_python() {
    let dir = scratch("venv");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(probe(), bin.join("python")).unwrap();
    let venv = dir.to_str().unwrap();
    let output = Command::new(usher())
        .args(["--venv", venv, "--", "python", "proc"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("PYTHONHOME", "/old")
        .output()
        .expect("run");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let hex = |text: &str| -> String { text.bytes().map(|b| format!("{b:02x}")).collect() };
    assert!(
        text.contains(&hex(&format!("VIRTUAL_ENV={venv}"))),
        "{text}"
    );
    assert!(text.contains(&hex(&format!("PATH={venv}/bin:/usr/bin:/bin"))));
    assert!(!text.contains(&hex("PYTHONHOME=")));
}

#[test]
fn a_venv_without_a_bin_directory_is_an_error_and_nothing_runs() {
    let dir = scratch("venv-without-bin");
    let empty = dir.to_str().unwrap().to_string();
    for (args, shown) in [
        (vec!["--venv", "/nonexistent"], "/nonexistent".to_string()),
        (vec!["--venv", &empty], empty.clone()),
        // Relative: found from the workdir, where the command would look.
        (vec!["-C", &empty, "--venv", "."], ".".to_string()),
    ] {
        let (argv, _, output) = child_sees(&args, &[("PATH", "/usr/bin:/bin")]);
        assert_eq!(code(&output), 1, "{args:?}");
        assert!(argv.is_empty(), "the command ran: {argv:?}");
        assert_eq!(
            stderr(&output),
            format!("usher: venv {shown}: no bin directory\n")
        );
    }
    std::fs::create_dir(dir.join("bin")).unwrap();
    let (_, _, output) = child_sees(&["-C", &empty, "--venv", "."], &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn required_variables() {
    let probe = probe();
    for (env, message) in [
        (
            &[][..],
            "usher: required environment variable NEED is not set\n",
        ),
        (
            &[("NEED", "")],
            "usher: required environment variable NEED is empty\n",
        ),
    ] {
        let output = Command::new(usher())
            .args(["--require-env", "NEED", probe.to_str().unwrap(), "proc"])
            .env_clear()
            .envs(env.iter().copied())
            .output()
            .expect("run");
        assert_eq!(code(&output), 1);
        assert_eq!(stderr(&output), message);
        assert!(output.stdout.is_empty(), "nothing runs");
    }
    let (_, _, output) = child_sees(&["--require-env", "NEED"], &[("NEED", "1")]);
    assert_eq!(code(&output), 0);
}

#[test]
fn pre_commands_run_first_in_order_and_can_stop_everything() {
    let dir = scratch("pre");
    let d = dir.display();
    // Each pre command and the main one append to the log; the main one
    // also shows it runs in --workdir.
    let run_with = |pres: &[&str]| -> Output {
        let mut args: Vec<String> = Vec::new();
        for pre in pres {
            args.extend(["--pre".to_string(), pre.to_string()]);
        }
        args.extend(["-C", dir.to_str().unwrap(), "--", "sh", "-c"].map(String::from));
        args.push(format!("echo main $(pwd) >> {d}/log"));
        Command::new(usher()).args(&args).output().expect("run")
    };
    let first = format!("{} args one", probe().display());
    let touch = format!("touch {d}/two");
    let ok = run_with(&[&first, &touch]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    // The first pre's output came before the main command's log entry.
    assert_eq!(stdout(&ok).lines().next(), Some("arg 6f6e65"));
    assert!(dir.join("two").exists());
    assert_eq!(lines(&dir.join("log")), [format!("main {d}")]);
    std::fs::remove_file(dir.join("log")).unwrap();
    // A failing pre stops usher with its status; nothing after it runs.
    let after = format!("touch {d}/after");
    for (pre, status) in [
        ("false", 1),
        ("no-such-pre-command", 127),
        (&*d.to_string(), 126),
    ] {
        let output = run_with(&[pre, &after]);
        assert_eq!(code(&output), status, "{pre}: {}", stderr(&output));
        assert!(!dir.join("after").exists(), "{pre}: the next pre ran");
        assert!(lines(&dir.join("log")).is_empty(), "{pre}: the command ran");
    }
    let output = run_with(&["no-such-pre-command"]);
    assert_eq!(
        stderr(&output),
        "usher: --pre no-such-pre-command: not found\n"
    );
}

#[test]
fn pre_killed_by_a_signal_is_128_plus_n() {
    let dir = scratch("pre-signal");
    let script = dir.join("die");
    std::fs::write(&script, "#!/bin/sh\nkill -TERM $$\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let output = Command::new(usher())
        .args(["--pre", script.to_str().unwrap(), "true"])
        .output()
        .expect("run");
    assert_eq!(code(&output), 143, "{}", stderr(&output));
    let output = Command::new(usher())
        .args(["--pre", "sh -c exit", "--pre", "true", "sh", "-c", "exit 5"])
        .output()
        .expect("run");
    assert_eq!(code(&output), 5, "a pre that succeeds lets the command run");
}

#[test]
fn a_workdir_that_cannot_be_entered_runs_nothing() {
    let output = Command::new(usher())
        .args([
            "--workdir",
            "/no/such/dir",
            "--pre",
            "touch /tmp/usher-never",
            "true",
        ])
        .output()
        .expect("run");
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "usher: workdir /no/such/dir: No such file or directory\n"
    );
    let dir = scratch("workdir");
    let output = Command::new(usher())
        .args(["-C", dir.to_str().unwrap(), "pwd"])
        .output()
        .expect("run");
    assert_eq!(stdout(&output), format!("{}\n", dir.display()));
}

/// A misspelled twin is an error, as a misspelled option is: nothing runs,
/// least of all as root.
#[test]
fn a_misspelled_twin_is_an_error_and_nothing_runs() {
    let (argv, _, output) = child_sees(&[], &[("USHER_USR", "nobody")]);
    assert_eq!(code(&output), 1);
    assert!(argv.is_empty(), "the command ran: {argv:?}");
    assert_eq!(
        stderr(&output),
        "usher: unknown variable USHER_USR (did you mean USHER_USER?)\n"
    );
}

/// When errno alone would mislead, a failed exec is explained from one look
/// at the file: a `#!` interpreter that is missing (and CRLF line endings),
/// a directory, a file that is no program. The codes stay 126 and 127.
#[test]
fn exec_failures_say_what_the_file_shows() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("exec-diagnostics");
    let d = dir.to_str().unwrap().to_string();
    let script = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script("missing.sh", "#!/nonexistent/bash -e\necho hi\n");
    script("crlf.sh", "#!/bin/sh\r\necho hi\r\n");
    script("text", "echo no shebang here\n");
    std::fs::create_dir(dir.join("adir")).unwrap();
    let run = |args: &[&str], path: &str| {
        Command::new(usher())
            .args(args)
            .env_clear()
            .env("PATH", path)
            .stdin(Stdio::null())
            .output()
            .expect("run")
    };
    for (args, path, status, message) in [
        (
            vec!["--", "./missing.sh"],
            "/usr/bin:/bin",
            127,
            "usher: exec ./missing.sh: interpreter /nonexistent/bash not found\n".to_string(),
        ),
        (
            vec!["--", "crlf.sh"],
            &*format!("/usr/bin:{d}"),
            127,
            "usher: exec crlf.sh: interpreter /bin/sh not found (the script has CRLF line endings)\n"
                .to_string(),
        ),
        (
            vec!["--", &*format!("{d}/adir")],
            "/usr/bin:/bin",
            126,
            format!("usher: exec {d}/adir: is a directory\n"),
        ),
        (
            vec!["--", "./text"],
            "/usr/bin:/bin",
            126,
            "usher: exec ./text: not an executable or a script with #!\n".to_string(),
        ),
        (
            vec!["--pre", "./missing.sh", "--", "true"],
            "/usr/bin:/bin",
            127,
            "usher: --pre ./missing.sh: interpreter /nonexistent/bash not found\n".to_string(),
        ),
        // A name that is nowhere keeps errno's words.
        (
            vec!["--", "no-such-command"],
            "/usr/bin:/bin",
            127,
            "usher: exec no-such-command: No such file or directory\n".to_string(),
        ),
    ] {
        let mut full = vec!["-C", &*d];
        full.extend(&args);
        let output = run(&full, path);
        assert_eq!(code(&output), status, "{args:?}: {}", stderr(&output));
        assert_eq!(stderr(&output), message, "{args:?}");
    }
}
