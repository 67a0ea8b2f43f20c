//! usher: a static, heap-free PID 1 and container entrypoint.
//!
//! `run` is the whole program: parse argv and the environment into a Plan
//! (pure), set up usher's own process, spawn the command, and supervise it
//! until it exits. `main.rs` only turns the C start's arrays into `CStrArray`s.
#![cfg_attr(not(test), no_std)]

pub mod cli;
pub mod env;
pub mod error;
pub mod plan;
pub mod pty;
pub mod setup;
pub mod signal;
pub mod spawn;
pub mod supervise;
pub mod sys;
pub mod user;

use cli::{Action, Text};
use error::{say, write_all, Error, Line, Part, Stream};
use plan::Plan;
use spawn::{ChildSetup, ChildStep, SpawnError};
use sys::CStrArray;

/// Runs usher and returns its exit code.
pub fn run(argv: CStrArray, envp: CStrArray) -> i32 {
    if setup::installed_setuid() {
        say(
            b"refusing to run from a setuid or setgid file; reinstall without those bits (chmod ug-s)",
            &[],
        );
        return 1;
    }
    let mut plan = Plan::new(plan::Personality::Native, 0);
    match cli::parse(&argv, &envp, &mut plan) {
        Action::Print { text, stream } => {
            print_text(text, stream);
            text.status(stream)
        }
        Action::Fail { error, usage } => {
            error.report();
            if let Some(usage) = usage {
                print_text(usage, Stream::Stderr);
            }
            1
        }
        Action::Run => match start(&plan, argv, envp) {
            Ok(code) => i32::from(code),
            Err(SpawnError::User(error)) => {
                error.report(plan.user.unwrap_or(b""));
                1
            }
            Err(SpawnError::Reported(code)) => i32::from(code),
            Err(SpawnError::Child { step, errno }) => {
                let object = if step.is_switch() {
                    plan.user.unwrap_or(b"")
                } else {
                    command_name(&plan, argv)
                };
                Error::new(step.name(), object, errno).report();
                if step == ChildStep::Exec {
                    i32::from(plan.exec_failure_code(errno))
                } else {
                    1
                }
            }
        },
    }
}

/// The command as the user named it, for messages.
fn command_name(plan: &Plan, argv: CStrArray) -> &'static [u8] {
    argv.get(plan.command)
        .map_or(b"", |command| command.to_bytes())
}

#[inline(never)]
fn start<'a>(plan: &Plan<'a>, argv: CStrArray, envp: CStrArray) -> Result<u8, SpawnError<'a>> {
    match plan.user {
        Some(spec) => start_as(plan, spec, argv, envp),
        None => {
            let setup = ChildSetup {
                credentials: None,
                no_new_privs: plan.no_new_privs,
                setsid: plan.setsid,
                ..ChildSetup::default()
            };
            launch(plan, argv, envp, setup)
        }
    }
}

/// Resolves the user before anything starts, then execs in place (gosu,
/// su-exec) or spawns. Not inlined, so that the credentials' buffers take
/// stack only when a user is asked for.
#[inline(never)]
fn start_as<'a>(
    plan: &Plan<'a>,
    spec: &'a [u8],
    argv: CStrArray,
    envp: CStrArray,
) -> Result<u8, SpawnError<'a>> {
    let split = if plan.personality == plan::Personality::SuExec {
        user::spec::Split::SuExec
    } else {
        user::spec::Split::Gosu
    };
    let credentials = setup::creds::resolve(spec, split)?;
    let setup = ChildSetup {
        credentials: Some(&credentials),
        no_new_privs: plan.no_new_privs,
        setsid: plan.setsid,
        ..ChildSetup::default()
    };
    if plan.execs_in_place() {
        return become_planned(plan, argv, envp, setup);
    }
    launch(plan, argv, envp, setup)
}

/// gosu and su-exec: the caller's environment with the user's HOME, then
/// the switch and the exec, in place. Returns only on failure.
#[inline(never)]
fn become_planned<'a>(
    plan: &Plan<'a>,
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    let mut buffer = [core::mem::MaybeUninit::uninit(); 8];
    let mut arena = env::Arena::new(&mut buffer);
    let mut planned = env::Planned::default();
    let home = setup.credentials.map(|credentials| &credentials.home[..]);
    let command = argv.tail(plan.command);
    env::plan_environment(command, envp, true, home, &[], &mut arena, &mut planned)
        .map_err(reported)?;
    let (step, errno) = spawn::become_command(command, planned.env.as_array(), setup);
    Err(SpawnError::Child { step, errno })
}

/// usher's own state once it is set up, for each process it supervises.
struct Engine<'p, 'a, 'r> {
    plan: &'p Plan<'a>,
    signals: rustix::fd::OwnedFd,
    child_signals: spawn::ChildSignals,
    reaps_orphans: bool,
    /// Signals to drop once (see `supervise::TERMINAL_HANDOVER`), for the
    /// first process supervised.
    swallow: u64,
    /// `--pty`: each command gets the slave. The relay lives in
    /// `launch_with_relay`'s frame, so that its buffer takes stack only
    /// with `--pty`, and dropping it there restores the caller's terminal
    /// on every path out.
    relay: Option<&'r mut pty::Relay>,
}

/// Sets usher up, then spawns the command (after planning its environment
/// and running `--pre` commands, when asked) and supervises it.
#[inline(never)]
fn launch<'a>(
    plan: &Plan<'a>,
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    if plan.pty {
        sys::fill_closed_stdio();
    }
    let (signals, child_signals) = setup::collect_signals(plan.policy)?;
    if let Some(signo) = plan.pdeathsig {
        setup::parent_death_signal(signo)?;
    }
    let reaps_orphans = setup::subreaper(plan)?;
    if !reaps_orphans && plan.warn_not_reaper {
        setup::warn_not_reaper();
    }
    // With a pty usher keeps its terminal: the command's session is the pty's.
    let handed_over_terminal = plan.setsid && !plan.pty && setup::release_terminal(plan);
    let engine = Engine {
        plan,
        signals,
        child_signals,
        reaps_orphans,
        swallow: if handed_over_terminal {
            supervise::TERMINAL_HANDOVER
        } else {
            0
        },
        relay: None,
    };
    if plan.pty {
        return launch_with_relay(engine, argv, envp, setup);
    }
    dispatch(engine, argv, envp, setup)
}

/// `--pty`: opens the relay (the caller's terminal goes raw), then goes on.
#[inline(never)]
fn launch_with_relay<'a>(
    engine: Engine<'_, 'a, '_>,
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    let mut relay = pty::Relay::open()?;
    let engine = Engine {
        relay: Some(&mut relay),
        ..engine
    };
    dispatch(engine, argv, envp, setup)
}

/// Runs the command, after the environment planning and `--pre` commands
/// when they are asked for.
fn dispatch<'a>(
    mut engine: Engine<'_, 'a, '_>,
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    let plan = engine.plan;
    if plan.edits_env || setup.credentials.is_some() {
        return launch_planned(&mut engine, argv, envp, setup);
    }
    run_child(&mut engine, plan, argv.tail(plan.command), envp, setup)
}

/// Spawns `command` and supervises it to its end under `plan`; returns
/// usher's code.
fn run_child<'a>(
    engine: &mut Engine<'_, 'a, '_>,
    plan: &Plan,
    command: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    let slave = match engine.relay.as_deref_mut() {
        Some(relay) => Some(relay.open_slave()?),
        None => None,
    };
    let setup = ChildSetup {
        terminal: slave.as_ref().map(rustix::fd::AsFd::as_fd),
        ..setup
    };
    let child = spawn::spawn(command, envp, engine.child_signals, setup)?;
    // Only the command keeps the slave open: its end is the master's EIO.
    drop(slave);
    if plan.verbosity >= 1 {
        let name = command.get(0).map_or(&b""[..], |name| name.to_bytes());
        say(
            b"spawned pid \x01: \x02",
            &[Part::Number(i64::from(child)), Part::Bytes(name)],
        );
    }
    if plan.personality == plan::Personality::DumbInit {
        // dumb-init's habit: keep no directory busy; the child kept ours.
        let _ = rustix::process::chdir(c"/");
    }
    let supervision = supervise::Supervision {
        child,
        reaps_orphans: engine.reaps_orphans,
        swallow: core::mem::take(&mut engine.swallow),
    };
    Ok(supervise::supervise(
        plan,
        &engine.signals,
        supervision,
        engine.relay.as_deref_mut(),
    )?)
}

/// Plans the child's environment and arguments, runs the `--pre` commands
/// in order, then the command. Not inlined: its buffers (the pointer arrays
/// and the built strings) take stack only when the environment is edited.
#[inline(never)]
fn launch_planned<'a>(
    engine: &mut Engine<'_, 'a, '_>,
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    let plan = engine.plan;
    let mut edits = env::Edits::new();
    // Here for --user alone, there is no option to walk.
    if plan.edits_env
        && !cli::native::env_edits(&argv, &envp, &mut |kind, value| {
            edits.push((kind, value)).is_ok()
        })
    {
        return Err(reported(env::PlanError::TooMany(
            b"environment options",
            env::EDIT_CAPACITY,
        )));
    }
    let mut buffer = [core::mem::MaybeUninit::uninit(); env::BUILT_CAPACITY];
    let mut arena = env::Arena::new(&mut buffer);
    let mut planned = env::Planned::default();
    let home = setup.credentials.map(|credentials| &credentials.home[..]);
    let command = argv.tail(plan.command);
    env::plan_environment(command, envp, false, home, &edits, &mut arena, &mut planned)
        .map_err(reported)?;
    let setup = ChildSetup {
        workdir: planned.workdir,
        ..setup
    };
    let envp = planned.env.as_array();
    // A pre command ends like the command (its status, 128+N, 126, 127),
    // but never remapped and with no shutdown of the tree.
    let mut pre_plan = *plan;
    pre_plan.grace_ms = 0;
    pre_plan.wait_all = false;
    pre_plan.remap_exit = plan::ExitCodes::default();
    for &(kind, text) in edits.iter() {
        if kind != env::EnvEdit::Pre {
            continue;
        }
        let mut words = sys::CStrList::<{ PRE_WORDS + 1 }>::default();
        env::pre_words(text, &mut arena, &mut words).map_err(reported)?;
        let words = words.as_array();
        let code = match run_child(engine, &pre_plan, words, envp, setup) {
            Err(SpawnError::Child { step, errno }) => {
                let name = words.get(0).map_or(&b""[..], |name| name.to_bytes());
                return Err(child_failure(plan, step, errno, name, setup.workdir));
            }
            other => other?,
        };
        if code != 0 {
            return Ok(code);
        }
    }
    match run_child(engine, plan, planned.args.as_array(), envp, setup) {
        Err(SpawnError::Child {
            step: ChildStep::Workdir,
            errno,
        }) => Err(child_failure(
            plan,
            ChildStep::Workdir,
            errno,
            b"",
            setup.workdir,
        )),
        other => other,
    }
}

/// Most words in one `--pre` command.
const PRE_WORDS: usize = 256;

#[inline(never)]
fn reported<'a>(error: env::PlanError<'_>) -> SpawnError<'a> {
    error.report();
    SpawnError::Reported(1)
}

/// Reports a child's failure for a `--pre` command (named `name`) or a
/// workdir that cannot be entered.
fn child_failure<'a>(
    plan: &Plan,
    step: ChildStep,
    errno: rustix::io::Errno,
    name: &[u8],
    workdir: Option<&[u8]>,
) -> SpawnError<'a> {
    let object = match (step, workdir) {
        (ChildStep::Workdir, Some(dir)) => &dir[..dir.len() - 1],
        _ if step.is_switch() => plan.user.unwrap_or(b""),
        _ => name,
    };
    Error::new(step.name(), object, errno).report();
    SpawnError::Reported(if step == ChildStep::Exec {
        plan.exec_failure_code(errno)
    } else {
        1
    })
}

/// Prints a fixed text. Each is a template (`\x01` is the name usher was
/// invoked as) and a tail too long for one [`Line`], written after it.
fn print_text(text: Text<'_>, stream: Stream) {
    let (template, name, tail): (&str, &[u8], &str) = match text {
        Text::NativeHelp => ("", b"", cli::native::HELP),
        Text::NativeVersion => (concat!("usher ", env!("CARGO_PKG_VERSION"), "\n"), b"", ""),
        Text::TiniVersion => (cli::tini::VERSION_LINE, b"", ""),
        Text::TiniUsage { name } => (
            cli::tini::USAGE_HEAD,
            plan::basename(name),
            cli::tini::USAGE_BODY,
        ),
        Text::License => (LICENSE_TEXT, b"", ""),
        Text::SwitchUsage { name, personality } => (
            if personality == plan::Personality::Gosu {
                cli::gosu::GOSU_USAGE
            } else {
                cli::gosu::SU_EXEC_USAGE
            },
            name,
            "",
        ),
        Text::GosuVersion => (cli::gosu::GOSU_VERSION, b"", ""),
        Text::DumbInitHelp { name } => (cli::dumb_init::HELP_HEAD, name, cli::dumb_init::HELP_BODY),
        Text::DumbInitVersion => (cli::dumb_init::VERSION, b"", ""),
        Text::DumbInitUsage { name } => (cli::dumb_init::USAGE, name, ""),
    };
    let mut line = Line::new();
    line.push_parts(template.as_bytes(), &[Part::Bytes(name)]);
    write_all(stream, line.as_bytes());
    write_all(stream, tail.as_bytes());
}

const LICENSE_TEXT: &str = "usher: MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE in its source)\n";
