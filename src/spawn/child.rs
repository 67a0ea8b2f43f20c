//! The child's side of a spawn, everything between clone and exec, and the
//! same road in place for gosu and su-exec: its own process group or session
//! (and terminal), its signal state put back, the user switch (groups, then
//! gid, then uid, checked, then the capability sets), no_new_privs, the
//! workdir, and the exec. Only raw syscalls run here (rustix and `sys`),
//! never a musl function (see `sys::fork`).

use super::path::{exec_command, ExecFailure};
use crate::cstr::CStrArray;
use crate::env::{Environment, DEFAULT_PATH};
use crate::signal::{SigSet, SIGCHLD};
use crate::sys::{self, Disposition};
use crate::text::word_at;
use crate::user::spec::Credentials;
use core::ffi::CStr;
use rustix::fd::BorrowedFd;
use rustix::io::Errno;
use rustix::process::{getpid, setpgid};
use rustix::thread::{
    set_capabilities, set_thread_res_gid, set_thread_res_uid, CapabilitySet, CapabilitySets,
};

/// What the child must put back before exec.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChildSignals {
    /// usher found SIGCHLD ignored by its own parent and reset it to default
    /// for itself (an ignored SIGCHLD makes the kernel reap behind our back);
    /// the child gets the SIG_IGN back, as tini keeps inherited SIG_IGNs.
    pub sigchld_ignored: bool,
}

/// Which preparation step failed in the child (or in place).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum ChildStep {
    Exec = 0,
    ProcessGroup = 1,
    SignalMask = 2,
    SignalDisposition = 3,
    Groups = 4,
    Gid = 5,
    Uid = 6,
    IdCheck = 7,
    Capabilities = 8,
    NoNewPrivs = 9,
    EmptyPath = 10,
    Session = 11,
    Workdir = 12,
    Terminal = 13,
}

/// Every step, by its number.
const STEPS: [ChildStep; 14] = [
    ChildStep::Exec,
    ChildStep::ProcessGroup,
    ChildStep::SignalMask,
    ChildStep::SignalDisposition,
    ChildStep::Groups,
    ChildStep::Gid,
    ChildStep::Uid,
    ChildStep::IdCheck,
    ChildStep::Capabilities,
    ChildStep::NoNewPrivs,
    ChildStep::EmptyPath,
    ChildStep::Session,
    ChildStep::Workdir,
    ChildStep::Terminal,
];

/// What each step was doing, by number, for `usher: <step> <object>: ...`.
const STEP_NAMES: &[u8] = b"exec\0setpgid in the child\0restoring the signal mask in the child\0\
restoring SIGCHLD in the child\0setting the groups of\0setting the group id of\0\
setting the user id of\0checking the switched ids of\0clearing the capabilities of\0\
setting no_new_privs for\0searching an unset or empty PATH for\0setsid in the child for\0workdir\0\
giving the pseudo-terminal to\0";

impl ChildStep {
    pub(super) fn from_raw(raw: u32) -> ChildStep {
        STEPS.get(raw as usize).copied().unwrap_or(ChildStep::Exec)
    }

    pub fn name(self) -> &'static [u8] {
        word_at(STEP_NAMES, self as usize)
    }

    /// Whether the step is about the user (its message names the spec) rather
    /// than the command.
    pub fn is_switch(self) -> bool {
        matches!(
            self,
            ChildStep::Groups
                | ChildStep::Gid
                | ChildStep::Uid
                | ChildStep::IdCheck
                | ChildStep::Capabilities
        )
    }
}

/// What every command gets besides its signal state and its terminal: made
/// once per run, for the `--pre` commands and the command alike.
#[derive(Clone, Copy, Default)]
pub struct ChildSetup<'c> {
    pub credentials: Option<&'c Credentials>,
    pub no_new_privs: bool,
    /// A new session (with usher's terminal, when it can be had) in place
    /// of a new process group.
    pub setsid: bool,
    /// Without a new session: the command stays in usher's process group
    /// (dumb-init's single-child mode) rather than getting its own.
    pub keep_group: bool,
    /// `--workdir`: entered after the switch, before exec.
    pub workdir: Option<&'c CStr>,
}

/// The child's side. Returns only on failure.
/// `terminal` (`--pty`'s slave) becomes the command's controlling terminal
/// and its stdin, stdout and stderr, in a new session.
pub fn prepare_and_exec(
    argv: CStrArray<'_>,
    envp: CStrArray<'_>,
    signals: ChildSignals,
    setup: &ChildSetup<'_>,
    terminal: Option<BorrowedFd<'_>>,
) -> (ChildStep, Errno) {
    let stdin = sys::stdio::stdin();
    if let Some(terminal) = terminal {
        if let Err(errno) = take_terminal(terminal) {
            return (ChildStep::Terminal, errno);
        }
    } else if setup.setsid {
        if let Err(errno) = rustix::process::setsid() {
            return (ChildStep::Session, errno);
        }
        // Claim the terminal usher let go of. It stays another session's
        // when usher did not lead its own (EPERM): the command then runs
        // without one, as under dumb-init.
        let _ = rustix::process::ioctl_tiocsctty(stdin);
    } else if !setup.keep_group {
        if let Err(errno) = setpgid(None, None) {
            return (ChildStep::ProcessGroup, errno);
        }
        // Take the terminal's foreground when stdin is one. SIGTTOU is still
        // blocked here, so a background caller cannot stop us. No terminal
        // (ENOTTY) or a terminal we may not claim is not a reason to refuse.
        if rustix::termios::isatty(stdin) {
            let _ = rustix::termios::tcsetpgrp(stdin, getpid());
        }
    }
    if signals.sigchld_ignored {
        if let Err(errno) = sys::set_disposition(SIGCHLD, Disposition::Ignore) {
            return (ChildStep::SignalDisposition, errno);
        }
    }
    if let Err(errno) = sys::set_signal_mask(SigSet::EMPTY) {
        return (ChildStep::SignalMask, errno);
    }
    // The command's final environment only changes HOME, so its PATH is ours.
    let search = envp.var(b"PATH").unwrap_or(DEFAULT_PATH);
    switch_and_exec(argv, envp, setup, Some(search))
}

/// A new session whose controlling terminal is `terminal`, as stdin, stdout
/// and stderr; every other descriptor closes at the exec, so nothing of the
/// caller's terminal is left to the command (no TIOCSTI on it).
fn take_terminal(terminal: BorrowedFd<'_>) -> Result<(), Errno> {
    rustix::process::setsid()?;
    sys::dup_onto_stdio(terminal)?;
    rustix::process::ioctl_tiocsctty(sys::stdio::stdin())?;
    sys::close_on_exec_from(3)
}

/// gosu and su-exec: becomes the user and then the command, in this process.
/// The caller's PATH is searched, and an unset or empty one finds nothing.
/// Returns only on failure.
pub fn become_command(
    argv: CStrArray<'_>,
    envp: CStrArray<'_>,
    setup: &ChildSetup<'_>,
) -> (ChildStep, Errno) {
    let search = envp.var(b"PATH").filter(|path| !path.is_empty());
    switch_and_exec(argv, envp, setup, search)
}

/// The user switch, no_new_privs, HOME, then the exec. Returns only on failure.
fn switch_and_exec(
    argv: CStrArray<'_>,
    envp: CStrArray<'_>,
    setup: &ChildSetup<'_>,
    search: Option<&[u8]>,
) -> (ChildStep, Errno) {
    if let Some(credentials) = setup.credentials.filter(|credentials| credentials.switch) {
        if let Err(failed) = switch(credentials) {
            return failed;
        }
    }
    if setup.no_new_privs {
        if let Err(errno) = rustix::thread::set_no_new_privs(true) {
            return (ChildStep::NoNewPrivs, errno);
        }
    }
    if let Some(dir) = setup.workdir {
        if let Err(errno) = rustix::process::chdir(dir) {
            return (ChildStep::Workdir, errno);
        }
    }
    match exec_command(argv, envp, search) {
        ExecFailure::Exec(errno) => (ChildStep::Exec, errno),
        ExecFailure::NoPath => (ChildStep::EmptyPath, Errno::NOENT),
    }
}

/// Becomes `credentials` for good. On failure, returns the step that failed.
pub fn switch(credentials: &Credentials) -> Result<(), (ChildStep, Errno)> {
    sys::set_groups(&credentials.groups).map_err(|errno| (ChildStep::Groups, errno))?;
    let gid = rustix::process::Gid::from_raw(credentials.gid);
    set_thread_res_gid(gid, gid, gid).map_err(|errno| (ChildStep::Gid, errno))?;
    let uid = rustix::process::Uid::from_raw(credentials.uid);
    set_thread_res_uid(uid, uid, uid).map_err(|errno| (ChildStep::Uid, errno))?;
    let (u, g) = (credentials.uid, credentials.gid);
    if sys::ids() != [u, u, u, g, g, g] {
        return Err((ChildStep::IdCheck, Errno::PERM));
    }
    if credentials.uid != 0 {
        // Leaving root already emptied the permitted, effective and ambient
        // sets; the inheritable one stays unless it is cleared by hand.
        let none = CapabilitySet::empty();
        set_capabilities(
            None,
            CapabilitySets {
                effective: none,
                permitted: none,
                inheritable: none,
            },
        )
        .map_err(|errno| (ChildStep::Capabilities, errno))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_steps_round_trip() {
        for (number, step) in STEPS.iter().enumerate() {
            assert_eq!(*step as usize, number);
            assert_eq!(ChildStep::from_raw(*step as u32), *step);
        }
        // One name per step, in the same order.
        assert_eq!(STEP_NAMES.split(|&byte| byte == 0).count(), STEPS.len() + 1);
        assert_eq!(ChildStep::Exec.name(), b"exec");
        assert_eq!(ChildStep::Uid.name(), b"setting the user id of");
        assert_eq!(
            ChildStep::EmptyPath.name(),
            b"searching an unset or empty PATH for"
        );
    }
}
