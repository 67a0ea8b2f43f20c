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
use error::{write_all, Error, Line, Stream};
use plan::Plan;
use spawn::{ChildSetup, ChildStep, SpawnError};
use sys::CStrArray;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs usher and returns its exit code.
pub fn run(argv: CStrArray, envp: CStrArray) -> i32 {
    if setup::installed_setuid() {
        Line::usher()
            .push(b"refusing to run from a setuid or setgid file; reinstall without those bits (chmod ug-s)")
            .write_to(Stream::Stderr);
        return 1;
    }
    match cli::parse(&argv, &envp) {
        Action::Print { text, stream, code } => {
            print_text(text, stream);
            code
        }
        Action::Fail { error, usage, code } => {
            error.line().write_to(Stream::Stderr);
            if let Some(usage) = usage {
                print_text(usage, Stream::Stderr);
            }
            code
        }
        Action::Run(plan) => match start(&plan, argv, envp) {
            Ok(code) => i32::from(code),
            Err(SpawnError::Setup(error)) => {
                error.report();
                1
            }
            Err(SpawnError::User(error)) => {
                error
                    .line(plan.user.unwrap_or(b""))
                    .write_to(Stream::Stderr);
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
    let child = spawn::spawn(argv.tail(plan.command), envp, child_signals, setup)?;
    if plan.verbosity >= 1 {
        let command = command_name(plan, argv);
        Line::usher()
            .push(b"spawned pid ")
            .push_u64(child as u64)
            .push(b": ")
            .push(command)
            .write_to(Stream::Stderr);
    }
    Ok(supervise::supervise(plan, &signals, child)?)
}

fn print_text(text: Text<'_>, stream: Stream) {
    match text {
        Text::NativeHelp => write_all(stream, cli::native::HELP.as_bytes()),
        Text::NativeVersion => {
            let mut line = Line::new();
            line.push(b"usher ").push(VERSION.as_bytes());
            line.write_to(stream);
        }
        Text::TiniVersion => write_all(stream, cli::tini::VERSION_LINE.as_bytes()),
        Text::TiniUsage { name } => {
            let base = plan::basename(name);
            let version = cli::tini::VERSION_LINE.as_bytes();
            let version = &version[..version.len() - 1]; // without its newline
            let mut line = Line::new();
            line.push(base)
                .push(b" (")
                .push(version)
                .push(b")\nUsage: ")
                .push(base);
            line.push(b" [OPTIONS] PROGRAM -- [ARGS] | --version\n");
            line.write_to(stream);
            write_all(stream, b"\n");
            write_all(stream, cli::tini::USAGE_BODY.as_bytes());
        }
        Text::License => write_all(stream, LICENSE_TEXT.as_bytes()),
        Text::SwitchUsage { name, personality } => {
            let mut line = Line::new();
            line.push(b"Usage: ")
                .push(name)
                .push(b" user-spec command [args]\n");
            if personality == plan::Personality::Gosu {
                line.push(b"   eg: ")
                    .push(name)
                    .push(b" app bash; ")
                    .push(name)
                    .push(b" nobody:root id; ")
                    .push(name)
                    .push(b" 1000:1 id\n(usher's gosu personality: gosu's rules, never setuid)\n");
            }
            line.write_to(stream);
        }
        Text::GosuVersion => write_all(stream, cli::gosu::GOSU_VERSION.as_bytes()),
    }
}

const LICENSE_TEXT: &str = "usher: MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE in its source)\n";
