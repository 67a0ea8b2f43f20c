//! The event loop: read each signal from the signalfd, forward it or reap on
//! it, and return the exit code once the main child is gone. Reaping always
//! uses `wait4(-1, WNOHANG)` until nothing is left, so orphans that called
//! setsid are collected too, and a burst of coalesced SIGCHLDs loses nothing.
//! The shutdown policy (grace period) will sit where the main child's exit is
//! handled.

use crate::error::{say, Error, Part};
use crate::plan::{ChildFate, Plan};
use crate::signal::SignalAction;
use crate::sys::{self, SignalInfo, SIGNALFD_SIGINFO_SIZE};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::process::{wait, WaitOptions};

/// Runs until the main child `child` has exited; returns usher's exit code.
pub fn supervise(plan: &Plan, signals: &OwnedFd, child: i32) -> Result<u8, Error<'static>> {
    loop {
        let info = next_signal(signals)?;
        match plan.policy.action(info.signo) {
            SignalAction::Reap => {
                if let Some(fate) = reap_all(plan, child)? {
                    report_fate(plan, child, fate);
                    return Ok(plan.exit_code(fate));
                }
            }
            SignalAction::Forward => forward(plan, child, info.signo),
            SignalAction::Ignore => {}
        }
    }
}

fn next_signal(signals: &OwnedFd) -> Result<SignalInfo, Error<'static>> {
    let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
    loop {
        match rustix::io::read(signals, &mut record) {
            Ok(SIGNALFD_SIGINFO_SIZE) => return Ok(SignalInfo::from_bytes(&record)),
            Ok(_) => return Err(Error::step(b"reading the signalfd", Errno::IO)),
            Err(Errno::INTR) => {}
            Err(errno) => return Err(Error::step(b"reading the signalfd", errno)),
        }
    }
}

/// Sends `signo` to the child, or to its process group with `-g`.
fn forward(plan: &Plan, child: i32, signo: u32) {
    let target = if plan.process_group { -child } else { child };
    if plan.verbosity >= 2 {
        let template: &[u8] = if plan.process_group {
            b"forwarding \x01 to group \x02"
        } else {
            b"forwarding \x01 to pid \x02"
        };
        say(
            template,
            &[Part::Signal(signo), Part::Number(i64::from(child))],
        );
    }
    match sys::kill(target, signo) {
        Ok(()) => {}
        // The child is exiting; its SIGCHLD is on the way.
        Err(Errno::SRCH) => {
            if plan.verbosity >= 2 {
                say(b"the child was already gone", &[]);
            }
        }
        Err(errno) => {
            if plan.warnings {
                Error::step(b"forwarding a signal", errno).report();
            }
        }
    }
}

/// Reaps every child that has exited. Returns the main child's fate if it
/// was among them.
fn reap_all(plan: &Plan, child: i32) -> Result<Option<ChildFate>, Error<'static>> {
    let mut main_fate = None;
    loop {
        let (pid, status) = match wait(WaitOptions::NOHANG) {
            Ok(Some(reaped)) => reaped,
            Ok(None) | Err(Errno::CHILD) => return Ok(main_fate),
            Err(Errno::INTR) => continue,
            Err(errno) => return Err(Error::step(b"wait4", errno)),
        };
        let pid = pid.as_raw_nonzero().get();
        if pid == child {
            main_fate = match (status.exit_status(), status.terminating_signal()) {
                (Some(code), _) => Some(ChildFate::Exited(code)),
                (None, Some(signo)) => Some(ChildFate::Killed(signo as u32)),
                // Stopped or continued: not an exit (WUNTRACED is not asked for).
                _ => main_fate,
            };
        } else if plan.warn_reaped || plan.verbosity >= 2 {
            say(b"reaped orphan pid \x01", &[Part::Number(i64::from(pid))]);
        }
    }
}

fn report_fate(plan: &Plan, child: i32, fate: ChildFate) {
    if plan.verbosity < 1 {
        return;
    }
    let (template, part): (&[u8], Part) = match fate {
        ChildFate::Exited(code) => (
            b"child pid \x01 exited with status \x02",
            Part::Number(i64::from(code)),
        ),
        ChildFate::Killed(signo) => (b"child pid \x01 was killed by \x02", Part::Signal(signo)),
    };
    say(template, &[Part::Number(i64::from(child)), part]);
}
