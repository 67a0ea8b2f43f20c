//! Starting the command: `clone(SIGCHLD)`, the child's preparation (its own
//! process group, the terminal's foreground, signal state restored, the user
//! switch), the PATH search as the new user, and `execve`. gosu and su-exec
//! take the same road from the switch on, in place of a child. Between clone and exec the child makes only raw
//! syscalls (rustix and `sys`), never a musl call. A failure in the child is
//! sent to the parent over a CLOEXEC pipe, so the parent can name it precisely;
//! a successful exec closes the pipe and the parent reads end-of-file.

use crate::env::{path_dirs, word_at, Environment, DEFAULT_PATH};
use crate::error::{failed, Reported};
use crate::setup::creds;
use crate::signal::SIGCHLD;
use crate::sys::{self, CStrArray, Disposition, SigSet};
use crate::user::spec::{Credentials, SpecError};
use rustix::fd::{BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::process::{getpid, setpgid, Pid};

/// Longest path the PATH search builds (Linux's PATH_MAX, with its NUL).
pub const PATH_CAPACITY: usize = 4096;

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
#[repr(u32)]
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
    fn from_raw(raw: u32) -> ChildStep {
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

/// Why there is no running command: the error of every step up to the exec.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpawnError<'a> {
    /// The user spec did not resolve.
    User(SpecError<'a>),
    /// The child could not get to, or through, exec.
    Child { step: ChildStep, errno: Errno },
    /// Already reported: exit with this code.
    Reported(u8),
}

impl From<Reported> for SpawnError<'_> {
    fn from(_: Reported) -> Self {
        SpawnError::Reported(1)
    }
}

impl<'a> From<SpecError<'a>> for SpawnError<'a> {
    fn from(error: SpecError<'a>) -> Self {
        SpawnError::User(error)
    }
}

/// What the command gets besides its signal state.
#[derive(Clone, Copy, Default)]
pub struct ChildSetup<'c> {
    pub credentials: Option<&'c Credentials>,
    pub no_new_privs: bool,
    /// A new session (with usher's terminal, when it can be had) in place
    /// of a new process group.
    pub setsid: bool,
    /// `--workdir`, with its NUL: entered after the switch, before exec.
    pub workdir: Option<&'c [u8]>,
    /// `--pty`: the slave, which becomes the command's controlling
    /// terminal and its stdin, stdout and stderr, in a new session.
    pub terminal: Option<BorrowedFd<'c>>,
}

/// Starts `argv` (its first element is the command) with `envp`, and returns
/// the child's pid once it has exec'd.
pub fn spawn<'a>(
    argv: CStrArray,
    envp: CStrArray,
    signals: ChildSignals,
    setup: ChildSetup<'_>,
) -> Result<i32, SpawnError<'a>> {
    let (report_read, report_write) =
        pipe_with(PipeFlags::CLOEXEC).map_err(|errno| failed(b"pipe", errno))?;
    match sys::fork().map_err(|errno| failed(b"fork", errno))? {
        None => {
            drop(report_read);
            let (step, errno) = prepare_and_exec(argv, envp, signals, setup);
            report_to_parent(&report_write, step, errno);
            sys::exit(127)
        }
        Some(pid) => {
            drop(report_write);
            // Also set the group from this side, so that a signal forwarded to
            // the group right away cannot miss it. Once the child has exec'd this
            // fails with EACCES, which is fine: the child did it itself. Not
            // with setsid, which a group leader may not call.
            let new_session = setup.setsid || setup.terminal.is_some();
            if let (Some(child), false) = (Pid::from_raw(pid), new_session) {
                let _ = setpgid(Some(child), Some(child));
            }
            match read_report(&report_read) {
                None => Ok(pid),
                Some((step, errno)) => {
                    // Collect the failed child so it never lingers as a zombie.
                    let _ = rustix::process::waitpid(
                        Pid::from_raw(pid),
                        rustix::process::WaitOptions::empty(),
                    );
                    Err(SpawnError::Child { step, errno })
                }
            }
        }
    }
}

fn report_to_parent(pipe: &OwnedFd, step: ChildStep, errno: Errno) {
    let mut record = [0u8; 8];
    record[..4].copy_from_slice(&(step as u32).to_ne_bytes());
    record[4..].copy_from_slice(&(errno.raw_os_error() as u32).to_ne_bytes());
    // Eight bytes are below PIPE_BUF, so the write is atomic.
    let _ = rustix::io::write(pipe, &record);
}

fn read_report(pipe: &OwnedFd) -> Option<(ChildStep, Errno)> {
    let mut record = [0u8; 8];
    let mut filled = 0;
    while filled < record.len() {
        match rustix::io::read(pipe, &mut record[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(Errno::INTR) => {}
            Err(_) => break,
        }
    }
    if filled < record.len() {
        return None;
    }
    let step = u32::from_ne_bytes([record[0], record[1], record[2], record[3]]);
    let errno = u32::from_ne_bytes([record[4], record[5], record[6], record[7]]);
    Some((
        ChildStep::from_raw(step),
        Errno::from_raw_os_error(errno as i32),
    ))
}

/// The child's side. Returns only on failure.
fn prepare_and_exec(
    argv: CStrArray,
    envp: CStrArray,
    signals: ChildSignals,
    setup: ChildSetup<'_>,
) -> (ChildStep, Errno) {
    let stdin = sys::stdio::stdin();
    if let Some(terminal) = setup.terminal {
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
    } else {
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
#[inline(never)]
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
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
) -> (ChildStep, Errno) {
    let search = envp.var(b"PATH").filter(|path| !path.is_empty());
    switch_and_exec(argv, envp, setup, search)
}

/// The user switch, no_new_privs, HOME, then the exec. Returns only on failure.
fn switch_and_exec(
    argv: CStrArray,
    envp: CStrArray,
    setup: ChildSetup<'_>,
    search: Option<&[u8]>,
) -> (ChildStep, Errno) {
    if let Some(credentials) = setup.credentials {
        if let Err(failed) = creds::switch(credentials) {
            return failed;
        }
    }
    if setup.no_new_privs {
        if let Err(errno) = rustix::thread::set_no_new_privs(true) {
            return (ChildStep::NoNewPrivs, errno);
        }
    }
    if let Some(dir) = setup.workdir {
        let entered = core::ffi::CStr::from_bytes_with_nul(dir)
            .map_err(|_| Errno::INVAL)
            .and_then(rustix::process::chdir);
        if let Err(errno) = entered {
            return (ChildStep::Workdir, errno);
        }
    }
    exec_command(argv, envp, search)
}

/// `execvp` without libc: a command containing `/` is run as given; any other
/// is searched in `search` (`None`: there is no PATH to search).
fn exec_command(argv: CStrArray, envp: CStrArray, search: Option<&[u8]>) -> (ChildStep, Errno) {
    let command = match argv.get(0) {
        Some(command) => command,
        None => return (ChildStep::Exec, Errno::NOENT),
    };
    let name = command.to_bytes();
    if name.is_empty() {
        return (ChildStep::Exec, Errno::NOENT);
    }
    // Not `contains`: for bytes it calls core's memchr, 380 bytes of code
    // that nothing else in the binary needs.
    #[allow(clippy::manual_contains)]
    if name.iter().any(|&byte| byte == b'/') {
        return (
            ChildStep::Exec,
            sys::execve(command.to_bytes_with_nul(), argv, envp),
        );
    }
    let Some(path) = search else {
        return (ChildStep::EmptyPath, Errno::NOENT);
    };
    let mut candidate = [0u8; PATH_CAPACITY];
    let mut outcome = SearchOutcome::default();
    for dir in path_dirs(path) {
        let full = match join_path(&mut candidate, dir, name) {
            Some(full) => full,
            None => {
                outcome.too_long = true;
                continue;
            }
        };
        let errno = sys::execve(full, argv, envp);
        if !outcome.keep_searching(errno) {
            return (ChildStep::Exec, errno);
        }
    }
    (ChildStep::Exec, outcome.final_errno())
}

/// What the PATH search has met so far.
#[derive(Default)]
struct SearchOutcome {
    found_not_executable: bool,
    too_long: bool,
}

impl SearchOutcome {
    /// Like execvp: not found here means try the next directory; found but
    /// not executable is remembered and the search goes on.
    fn keep_searching(&mut self, errno: Errno) -> bool {
        match errno {
            Errno::NOENT | Errno::NOTDIR => true,
            Errno::ACCESS => {
                self.found_not_executable = true;
                true
            }
            _ => false,
        }
    }

    fn final_errno(&self) -> Errno {
        if self.found_not_executable {
            Errno::ACCESS
        } else if self.too_long {
            Errno::NAMETOOLONG
        } else {
            Errno::NOENT
        }
    }
}

/// Writes `dir/name\0` into `buffer` (just `name` for an empty dir, which is
/// the current directory) and returns it with its NUL. `None` when it does
/// not fit.
#[inline(never)]
pub fn join_path<'b>(
    buffer: &'b mut [u8; PATH_CAPACITY],
    dir: &[u8],
    name: &[u8],
) -> Option<&'b [u8]> {
    let slash = usize::from(!dir.is_empty());
    let len = dir.len() + slash + name.len();
    if len + 1 > buffer.len() {
        return None;
    }
    buffer[..dir.len()].copy_from_slice(dir);
    if slash == 1 {
        buffer[dir.len()] = b'/';
    }
    buffer[dir.len() + slash..len].copy_from_slice(name);
    buffer[len] = 0;
    Some(&buffer[..=len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths() {
        let mut buffer = [0u8; PATH_CAPACITY];
        assert_eq!(
            join_path(&mut buffer, b"/usr/bin", b"env").unwrap(),
            b"/usr/bin/env\0"
        );
        assert_eq!(join_path(&mut buffer, b"", b"env").unwrap(), b"env\0");
        let long = [b'a'; PATH_CAPACITY];
        // dir + '/' + "env" + NUL: 4091 + 1 + 3 + 1 = 4096 fits exactly.
        assert!(join_path(&mut buffer, &long[..PATH_CAPACITY - 4], b"env").is_none());
        assert!(join_path(&mut buffer, &long[..PATH_CAPACITY - 5], b"env").is_some());
    }

    #[test]
    fn search_prefers_not_executable_over_not_found() {
        let mut outcome = SearchOutcome::default();
        assert!(outcome.keep_searching(Errno::NOENT));
        assert!(outcome.keep_searching(Errno::ACCESS));
        assert!(outcome.keep_searching(Errno::NOTDIR));
        assert_eq!(outcome.final_errno(), Errno::ACCESS);
        assert!(!outcome.keep_searching(Errno::NOEXEC));
        assert_eq!(SearchOutcome::default().final_errno(), Errno::NOENT);
    }

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
