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
    match cli::parse(&argv, &envp) {
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
        Action::Run(plan) => match start(&plan, argv, envp) {
            Ok(code) => i32::from(code),
            Err(SpawnError::Setup(error)) => {
                error.report();
                1
            }
            Err(SpawnError::User(error)) => {
                error.report(plan.user.unwrap_or(b""));
                1
            }
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

fn start<'a>(plan: &Plan<'a>, argv: CStrArray, envp: CStrArray) -> Result<u8, SpawnError<'a>> {
    match plan.user {
        Some(spec) => start_as(plan, spec, argv, envp),
        None => {
            let setup = ChildSetup {
                credentials: None,
                no_new_privs: plan.no_new_privs,
                setsid: plan.setsid,
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
    let credentials = setup::creds::resolve(spec)?;
    let setup = ChildSetup {
        credentials: Some(&credentials),
        no_new_privs: plan.no_new_privs,
        setsid: plan.setsid,
    };
    if plan.execs_in_place() {
        let (step, errno) = spawn::become_command(argv.tail(plan.command), envp, setup);
        return Err(SpawnError::Child { step, errno });
    }
    launch(plan, argv, envp, setup)
}

/// Sets usher up, spawns the command and supervises it.
#[inline(never)]
fn launch<'a>(
    plan: &Plan<'a>,
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> Result<u8, SpawnError<'a>> {
    let (signals, child_signals) = setup::collect_signals(plan.policy)?;
    if let Some(signo) = plan.pdeathsig {
        setup::parent_death_signal(signo)?;
    }
    let reaps_orphans = setup::subreaper(plan)?;
    if !reaps_orphans && plan.warn_not_reaper {
        setup::warn_not_reaper();
    }
    let handed_over_terminal = plan.setsid && setup::release_terminal(plan);
    let child = spawn::spawn(argv.tail(plan.command), envp, child_signals, setup)?;
    if plan.verbosity >= 1 {
        let command = command_name(plan, argv);
        say(
            b"spawned pid \x01: \x02",
            &[Part::Number(i64::from(child)), Part::Bytes(command)],
        );
    }
    if plan.personality == plan::Personality::DumbInit {
        // dumb-init's habit: keep no directory busy; the child kept ours.
        let _ = rustix::process::chdir(c"/");
    }
    let supervision = supervise::Supervision {
        child,
        reaps_orphans,
        swallow: if handed_over_terminal {
            supervise::TERMINAL_HANDOVER
        } else {
            0
        },
    };
    Ok(supervise::supervise(plan, &signals, supervision)?)
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
