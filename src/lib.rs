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

use cli::{Action, Text};
use error::{write_all, Error, Line, Stream};
use plan::Plan;
use spawn::SpawnError;
use sys::CStrArray;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs usher and returns its exit code.
pub fn run(argv: CStrArray, envp: CStrArray) -> i32 {
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
            Err(SpawnError::Child { step, errno }) => {
                Error::new(step.name(), command_name(&plan, argv), errno).report();
                i32::from(plan.exec_failure_code(errno))
            }
        },
    }
}

/// The command as the user named it, for messages.
fn command_name(plan: &Plan, argv: CStrArray) -> &'static [u8] {
    argv.get(plan.command)
        .map_or(b"", |command| command.to_bytes())
}

fn start(plan: &Plan, argv: CStrArray, envp: CStrArray) -> Result<u8, SpawnError> {
    let (signals, child_signals) = setup::collect_signals(plan.policy)?;
    if let Some(signo) = plan.pdeathsig {
        setup::parent_death_signal(signo)?;
    }
    let reaps_orphans = setup::subreaper(plan)?;
    if !reaps_orphans && plan.warn_not_reaper {
        setup::warn_not_reaper();
    }
    let child = spawn::spawn(argv.tail(plan.command), envp, child_signals)?;
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
    }
}

const LICENSE_TEXT: &str = "usher: MIT OR Apache-2.0 (LICENSE-MIT, LICENSE-APACHE in its source)\n";
