//! usher: a static, heap-free PID 1 and container entrypoint.
//!
//! `run` is the whole program, its phases in order on one screen (DESIGN.md
//! §1): parse argv and the environment into a Plan (pure, once); set usher's
//! own process up; look the user up; open the pty; plan the child's
//! environment; spawn each command and supervise it. The phases that need
//! big buffers run inside scoped helpers (`with_credentials`, `with_relay`,
//! `with_child_env`), so that a plain run never carries those buffers on its
//! stack. `main.rs` only starts the process (relocation, argv and envp), turns
//! argv and envp into `CStrArray`s and hands over the storage for the
//! environment options.
#![cfg_attr(not(test), no_std)]
// Unsafe code lives in `sys` (syscalls), `cstr` (the C-string boundary) and
// the binary's `main.rs`, each block with its SAFETY argument.
#![deny(unsafe_code)]
// powerpc64's and s390x's inline assembly (src/sys/raw.rs) is unstable; the
// release builds them with RUSTC_BOOTSTRAP, as it builds their `core`.
#![cfg_attr(
    any(target_arch = "powerpc64", target_arch = "s390x"),
    feature(asm_experimental_arch)
)]

pub mod cli;
#[allow(unsafe_code)]
pub mod cstr;
pub mod env;
pub mod error;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod plan;
pub mod pty;
pub mod setup;
pub mod signal;
pub mod spawn;
pub mod supervise;
#[allow(unsafe_code)]
pub mod sys;
pub mod text;
pub mod user;

use cli::{Action, Text};
use core::ffi::CStr;
use cstr::{CStrArray, CStrList};
use env::EnvEdit;
use env::Environment;
use error::{say, write_all, Line, Part, Stream};
use plan::{Lists, Personality, Plan};
use rustix::io::Errno;
use setup::users::Switch;
use setup::Prepared;
use spawn::path::Hint;
use spawn::{ChildSetup, ChildStep, SpawnError};
use user::spec::{Credentials, Split};

/// Runs usher and returns its exit code. `lists` is empty storage for the
/// environment options and the mounts, which parsing fills. `secure` is the
/// kernel's AT_SECURE: the exec raised privileges (set-id bits or file
/// capabilities).
pub fn run<'a>(
    argv: CStrArray<'a>,
    envp: CStrArray<'a>,
    lists: &mut Lists<'a>,
    secure: bool,
) -> i32 {
    // File capabilities would let any caller switch to any user, as the
    // set-id bits would.
    if secure || setup::installed_setuid() {
        say(
            b"refusing to run from a setuid, setgid or file-capability file; reinstall without them (chmod ug-s; setcap -r)",
            &[],
        );
        return 1;
    }
    // 1. Parse: argv and the environment become the Plan and the edits.
    let mut plan = Plan::new(Personality::Native, 0);
    let action = cli::parse(&argv, &envp, &mut plan, lists);
    let pychroot = plan.personality == Personality::Pychroot;
    if pychroot {
        // Every message from here on starts as pychroot's do.
        error::speak_as_pychroot();
    }
    match action {
        Action::Run => {}
        Action::Print { text, stream } => {
            print_text(text, stream);
            return text.status(stream);
        }
        Action::Fail { error, usage } => {
            error.report();
            if let Some(usage) = usage {
                print_text(usage, Stream::Stderr);
            }
            return if pychroot {
                cli::pychroot::failure_status(&error)
            } else {
                1
            };
        }
    }
    // pause and catatonit -P run no command: they reap until told to stop.
    if plan.pause {
        return supervise::pause_mode(&plan);
    }
    // 1b. --root: the outer usher starts the inner one in the new root and
    // namespaces and ends with its status; the inner one goes on, as PID 1.
    if plan.sandbox.root.is_some() {
        match setup::sandbox::enter(&plan, lists) {
            setup::sandbox::Role::Outer(code) => return i32::from(code),
            setup::sandbox::Role::Inner { user_ns } => plan.sandbox.user_ns = user_ns,
        }
    }
    let Lists {
        edits,
        planning,
        user,
        ..
    } = lists;
    let (plan, edits, command) = (&plan, &*edits, argv.tail(plan.command));
    // 2. Set usher up: stdio, signals, parent death, subreaper, terminal.
    // gosu and su-exec skip it: they become the command in this process.
    let mut usher = if plan.execs_in_place() {
        None
    } else {
        let Ok(usher) = setup::prepare(plan) else {
            return 1;
        };
        Some(usher)
    };
    // 3. The user (read from this root's /etc), 4. the pty, 5. the child's
    // environment, then 6. each command, spawned and supervised, or for gosu
    // and su-exec, the user, HOME, then the command in this process.
    let code = with_credentials(plan, user, &mut |credentials| {
        with_relay(plan, &mut |mut relay| {
            let storage = &mut *planning;
            with_child_env(
                plan,
                edits,
                command,
                envp,
                credentials,
                storage,
                &mut |child| {
                    let setup = child_setup(plan, credentials, child.workdir);
                    let Some(usher) = usher.as_mut() else {
                        let (step, errno) = spawn::become_command(child.args, child.env, &setup);
                        let failed = Failed {
                            args: child.args,
                            env: child.env,
                            workdir: None,
                            pre: false,
                        };
                        return report_child_failure(plan, step, errno, failed);
                    };
                    run_commands(plan, edits, usher, relay.as_deref_mut(), &setup, child)
                },
            )
        })
    });
    i32::from(code)
}

/// What every command of this run gets (see `ChildSetup`).
fn child_setup<'c>(
    plan: &Plan,
    credentials: Option<&'c Credentials>,
    workdir: Option<&'c CStr>,
) -> ChildSetup<'c> {
    ChildSetup {
        credentials,
        no_new_privs: plan.no_new_privs,
        setsid: plan.setsid,
        // dumb-init -c leaves the command in its own process group.
        keep_group: plan.personality == Personality::DumbInit,
        workdir,
    }
}

/// Phase 3: looks the user up when the plan names one, and runs `then`
/// with the result; reports a spec that does not resolve (exit 1).
/// The credentials and the caller's groups live in `storage` (static).
fn with_credentials(
    plan: &Plan,
    storage: &mut user::Storage,
    then: &mut dyn FnMut(Option<&Credentials>) -> u8,
) -> u8 {
    match plan.user {
        None => then(None),
        Some(spec) => with_looked_up_user(plan, spec, storage, then),
    }
}

/// The lookup proper.
// Not inlined: keeps the passwd and group readers' buffers off the stack of a run without a user.
#[inline(never)]
fn with_looked_up_user(
    plan: &Plan,
    spec: &[u8],
    storage: &mut user::Storage,
    then: &mut dyn FnMut(Option<&Credentials>) -> u8,
) -> u8 {
    let split = if plan.personality == Personality::SuExec {
        Split::SuExec
    } else {
        Split::Gosu
    };
    let user::Storage {
        credentials,
        caller_groups,
    } = storage;
    if let Err(error) = setup::users::resolve(spec, split, credentials) {
        error.report(spec);
        return 1;
    }
    // A rootless sandbox maps uid 0 and gid 0 alone, and usher is both:
    // that is the one user it can run as, and it already is.
    if plan.sandbox.user_ns {
        if credentials.uid != 0 || credentials.gid != 0 {
            say(
                b"--user \x01: only uid 0 and gid 0 exist in a rootless --root sandbox",
                &[Part::Bytes(spec)],
            );
            return 1;
        }
        credentials.switch = false;
    }
    // gosu and su-exec always switch, as their peers do.
    else if !plan.execs_in_place() {
        match setup::users::switch_needed(credentials, caller_groups) {
            Switch::Already => credentials.switch = false,
            Switch::Permitted => {}
            Switch::NotPermitted(caller) => {
                say(
                    b"switching to \x01 (uid \x02) needs root; running as uid \x03",
                    &[
                        Part::Bytes(spec),
                        Part::Number(i64::from(credentials.uid)),
                        Part::Number(i64::from(caller)),
                    ],
                );
                return 1;
            }
        }
    }
    then(Some(credentials))
}

/// Phase 4: with `--pty`, opens the relay (the caller's terminal goes raw
/// until the relay is dropped, on every way out) and runs `then` with it.
fn with_relay(plan: &Plan, then: &mut dyn FnMut(Option<&mut pty::Relay>) -> u8) -> u8 {
    if !plan.pty {
        return then(None);
    }
    with_open_relay(then)
}

/// The relay proper.
// Not inlined: keeps the relay's buffers off the stack of a run without --pty.
#[inline(never)]
fn with_open_relay(then: &mut dyn FnMut(Option<&mut pty::Relay>) -> u8) -> u8 {
    match pty::Relay::open() {
        Ok(mut relay) => then(Some(&mut relay)),
        Err(_) => 1,
    }
}

/// The child's argv, environment and workdir, as planned.
pub struct ChildEnv<'c> {
    pub args: CStrArray<'c>,
    pub env: CStrArray<'c>,
    pub workdir: Option<&'c CStr>,
    /// Where the `--pre` commands' words are built (planned runs only: a
    /// `--pre` is an edit).
    pub arena: Option<&'c mut env::Arena<'c>>,
}

/// Phase 5: the child's environment and arguments. Unless something edits
/// them (an environment option, a `USHER_` variable, a user's HOME), they
/// are usher's own, untouched.
fn with_child_env<'a>(
    plan: &Plan,
    edits: &[(EnvEdit, &'a [u8])],
    command: CStrArray<'a>,
    envp: CStrArray<'a>,
    credentials: Option<&Credentials>,
    storage: &mut env::PlanStorage,
    then: &mut dyn FnMut(ChildEnv<'_>) -> u8,
) -> u8 {
    if !plan.edits_env && credentials.is_none() {
        return then(ChildEnv {
            args: command,
            env: envp,
            workdir: None,
            arena: None,
        });
    }
    with_planned_env(plan, edits, command, envp, credentials, storage, then)
}

/// The planning proper, in the static `storage`.
// Not inlined: keeps the planning's code off the path of a run whose environment is not edited.
#[inline(never)]
fn with_planned_env<'a>(
    plan: &Plan,
    edits: &[(EnvEdit, &'a [u8])],
    command: CStrArray<'a>,
    envp: CStrArray<'a>,
    credentials: Option<&Credentials>,
    storage: &mut env::PlanStorage,
    then: &mut dyn FnMut(ChildEnv<'_>) -> u8,
) -> u8 {
    let mut arena = env::Arena::new(&mut storage.bytes);
    let mut planned = env::Planned::new(&mut storage.env, &mut storage.args);
    let home = credentials.map(|credentials| &credentials.home[..]);
    // gosu and su-exec pass every variable on, USHER_ ones included.
    let keep_usher = plan.execs_in_place();
    if let Err(error) = env::plan_environment(
        command,
        envp,
        keep_usher,
        home,
        edits,
        &mut arena,
        &mut planned,
    ) {
        error.report();
        return 1;
    }
    if let Some(dir) = planned.venv {
        // A relative one is found from the workdir, as the command finds it.
        let base = match planned.workdir {
            Some(workdir) if !dir.starts_with(b"/") => &workdir[..workdir.len() - 1],
            _ => b"",
        };
        let slash: &[u8] = if base.is_empty() { b"" } else { b"/" };
        let bin = arena.join(&[base, slash, dir, b"/bin"]).ok();
        if !bin
            .and_then(cstr::until_nul)
            .is_some_and(setup::is_directory)
        {
            say(b"venv \x01: no bin directory", &[Part::Bytes(dir)]);
            return 1;
        }
    }
    then(ChildEnv {
        args: planned.args.as_array(),
        env: planned.env.as_array(),
        workdir: planned.workdir.and_then(cstr::until_nul),
        arena: Some(&mut arena),
    })
}

/// Most words in one `--pre` command.
const PRE_WORDS: usize = env::PRE_WORD_CAPACITY;

/// Phase 6: the `--pre` commands in order, each to its end, then the
/// command; returns usher's exit code. A `--pre` command that fails ends the
/// run with its status (never remapped), and nothing after it runs.
fn run_commands(
    plan: &Plan,
    edits: &[(EnvEdit, &[u8])],
    usher: &mut Prepared,
    mut relay: Option<&mut pty::Relay>,
    setup: &ChildSetup<'_>,
    child: ChildEnv<'_>,
) -> u8 {
    if let Some(arena) = child.arena {
        let code = run_pre_commands(
            plan,
            edits,
            usher,
            relay.as_deref_mut(),
            setup,
            arena,
            child.env,
        );
        if code != 0 {
            return code;
        }
    }
    match spawn_and_supervise(plan, usher, relay, setup, child.args, child.env, true) {
        Ok(fate) => plan.exit_code(fate),
        Err(code) => code,
    }
}

/// The `--pre` commands, each to its end; 0, or the status of the first
/// that fails.
// Not inlined: keeps their word list off the stack of a run without --pre.
#[inline(never)]
fn run_pre_commands(
    plan: &Plan,
    edits: &[(EnvEdit, &[u8])],
    usher: &mut Prepared,
    mut relay: Option<&mut pty::Relay>,
    setup: &ChildSetup<'_>,
    arena: &mut env::Arena<'_>,
    env: CStrArray<'_>,
) -> u8 {
    for &(kind, text) in edits {
        if kind != EnvEdit::Pre {
            continue;
        }
        let mut storage = cstr::storage::<{ PRE_WORDS + 1 }>();
        let mut words = CStrList::new(&mut storage);
        if let Err(error) = env::pre_words(text, arena, &mut words) {
            error.report();
            return 1;
        }
        let words = words.as_array();
        let last = false;
        match spawn_and_supervise(plan, usher, relay.as_deref_mut(), setup, words, env, last) {
            Ok(fate) if fate.shell_code() == 0 => {}
            Ok(fate) => return fate.shell_code(),
            Err(code) => return code,
        }
    }
    0
}

/// Spawns `args` and supervises it to its end (with the shutdown policy
/// after it when it is the command, `last`). Err is usher's exit code when
/// it could not start, already reported.
fn spawn_and_supervise(
    plan: &Plan,
    usher: &mut Prepared,
    mut relay: Option<&mut pty::Relay>,
    setup: &ChildSetup<'_>,
    args: CStrArray<'_>,
    env: CStrArray<'_>,
    last: bool,
) -> Result<plan::ChildFate, u8> {
    let slave = match relay.as_deref_mut() {
        Some(relay) => Some(relay.open_slave().map_err(|_| 1u8)?),
        None => None,
    };
    let terminal = slave.as_ref().map(rustix::fd::AsFd::as_fd);
    let child = match spawn::spawn(args, env, usher.child_signals, setup, terminal) {
        Ok(child) => child,
        Err(SpawnError::Child { step, errno }) => {
            let failed = Failed {
                args,
                env,
                workdir: setup.workdir,
                pre: !last,
            };
            return Err(report_child_failure(plan, step, errno, failed));
        }
        Err(SpawnError::Reported) => return Err(1),
    };
    // Only the command keeps the slave open: its end is the master's EIO.
    drop(slave);
    if plan.verbosity >= 1 {
        say(
            b"spawned pid \x01: \x02",
            &[
                Part::Number(i64::from(child)),
                Part::Bytes(command_name(args)),
            ],
        );
    }
    if plan.personality == Personality::DumbInit {
        // dumb-init's habit: keep no directory busy; the child kept ours.
        let _ = rustix::process::chdir(c"/");
    }
    if plan.personality == Personality::Catatonit {
        supervise::let_go_as_catatonit(&usher.signals);
    }
    let supervision = supervise::Supervision {
        child,
        reaps_orphans: usher.reaps_orphans,
        swallow: core::mem::take(&mut usher.swallow),
        shut_down: last,
    };
    Ok(supervise::supervise(
        plan,
        &usher.signals,
        supervision,
        relay,
    ))
}

/// A command that did not get through its exec, for its report.
struct Failed<'c> {
    args: CStrArray<'c>,
    env: CStrArray<'c>,
    workdir: Option<&'c CStr>,
    /// A `--pre` command, named so in the message.
    pre: bool,
}

/// The one reporter of a child that did not get through its exec: names
/// the user for a switch step, the workdir for its step, and the command
/// otherwise, with what a look at the file tells when errno alone would
/// mislead (a missing `#!` interpreter, CRLF, a directory); returns usher's
/// exit code for it.
#[cold]
// Not inlined: keeps the message's line buffer and the file's look off the spawn path.
#[inline(never)]
fn report_child_failure(plan: &Plan, step: ChildStep, errno: Errno, failed: Failed<'_>) -> u8 {
    let name = command_name(failed.args);
    let workdir = failed.workdir.map(CStr::to_bytes);
    let object = match (step, workdir) {
        (ChildStep::Workdir, Some(dir)) => dir,
        _ if step.is_switch() => plan.user.unwrap_or(b""),
        _ => name,
    };
    let exec = step == ChildStep::Exec;
    let step_name: &[u8] = if failed.pre && exec {
        b"--pre"
    } else {
        step.name()
    };
    // The PATH the child searched (gosu and su-exec search none when it is
    // unset or empty).
    let search = match failed.env.var(b"PATH") {
        Some(path) if !path.is_empty() || !plan.execs_in_place() => Some(path),
        None if !plan.execs_in_place() => Some(env::DEFAULT_PATH),
        _ => None,
    };
    let mut head = [0u8; spawn::path::HEAD];
    let hint = exec
        .then(|| spawn::path::explain(name, search, workdir, errno, &mut head))
        .flatten();
    // The errno's text, unless the file tells more.
    let (template, detail, path): (&[u8], Part, &[u8]) = match hint {
        Some(Hint::Interpreter { path, crlf }) => (
            b"\x01 \x02: interpreter \x04 not found\x03",
            Part::Text(if crlf {
                b" (the script has CRLF line endings)"
            } else {
                b""
            }),
            path,
        ),
        Some(Hint::Directory) => (b"\x01 \x02: \x03", Part::Text(b"is a directory"), b""),
        Some(Hint::NotExecutable) => (
            b"\x01 \x02: \x03",
            Part::Text(b"not an executable or a script with #!"),
            b"",
        ),
        None if failed.pre && exec && errno == Errno::NOENT => {
            (b"\x01 \x02: \x03", Part::Text(b"not found"), b"")
        }
        None => (b"\x01 \x02: \x03", Part::Errno(errno), b""),
    };
    say(
        template,
        &[
            Part::Bytes(step_name),
            Part::Bytes(object),
            detail,
            Part::Bytes(path),
        ],
    );
    if exec {
        plan.exec_failure_code(errno)
    } else {
        1
    }
}

/// The command as the user named it, for messages.
fn command_name<'c>(args: CStrArray<'c>) -> &'c [u8] {
    args.get(0).map_or(b"", |command| command.to_bytes())
}

/// Prints a fixed text. Each is a template (`\x01` is the name usher was
/// invoked as) and a tail too long for one [`Line`], written after it.
#[inline(never)] // keeps the help's unpacking buffer off run's stack frame
fn print_text(text: Text<'_>, stream: Stream) {
    use cli::help;
    let (template, name, tail): (&str, &[u8], &[u8]) = match text {
        Text::NativeHelp => ("", b"", help::NATIVE),
        Text::NativeVersion => (NATIVE_VERSION, b"", b""),
        Text::TiniVersion => (cli::tini::VERSION_LINE, b"", b""),
        Text::TiniUsage { name } => (cli::tini::USAGE_HEAD, text::basename(name), help::TINI),
        Text::License => (LICENSE_TEXT, b"", b""),
        Text::SwitchUsage { name, personality } => (
            if personality == Personality::Gosu {
                cli::gosu::GOSU_USAGE
            } else {
                cli::gosu::SU_EXEC_USAGE
            },
            name,
            b"",
        ),
        Text::GosuVersion => (cli::gosu::GOSU_VERSION, b"", b""),
        Text::DumbInitHelp { name } => (cli::dumb_init::HELP_HEAD, name, help::DUMB_INIT),
        Text::DumbInitVersion => (cli::dumb_init::VERSION, b"", b""),
        Text::DumbInitUsage { name } => (cli::dumb_init::USAGE, name, b""),
        Text::PauseVersion => (cli::pause::VERSION, b"", b""),
        Text::CatatonitUsage => (cli::catatonit::USAGE, b"", b""),
        Text::CatatonitHelp => (cli::catatonit::USAGE, b"", help::CATATONIT),
        Text::CatatonitVersion => (CATATONIT_VERSION, b"", b""),
        Text::PychrootHelp => ("", b"", help::PYCHROOT),
        Text::PychrootVersion => (PYCHROOT_VERSION, b"", b""),
    };
    let mut line = Line::new();
    line.push_parts(template.as_bytes(), &[Part::Bytes(name)]);
    write_all(stream, line.as_bytes());
    write_all(stream, help::unpack(tail, &mut [0; help::LONGEST]));
}

/// `usher --version`. The ` - git.COMMIT` ending is what `docker info`
/// reads from a daemon's init (`init-path` naming usher).
const NATIVE_VERSION: &str = concat!(
    "usher ",
    env!("CARGO_PKG_VERSION"),
    " - git.",
    env!("BUILD_COMMIT"),
    "\n"
);

/// catatonit's `-V`: tini's form, which Docker and podman parse.
const CATATONIT_VERSION: &str = concat!(
    "tini version ",
    env!("CARGO_PKG_VERSION"),
    "_catatonit - git.",
    env!("BUILD_COMMIT"),
    "\n"
);

/// pychroot's `--version`: its version, then usher's.
const PYCHROOT_VERSION: &str = concat!("pychroot 0.10.4 (usher ", env!("CARGO_PKG_VERSION"), ")\n");

const LICENSE_TEXT: &str = "usher: MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE in its source)\n";
