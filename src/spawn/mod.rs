//! Starting the command: the parent's side of `clone(SIGCHLD)`. The child's
//! side, up to the exec, is `child` (with the PATH search in `path`). A
//! failure in the child is sent to the parent over a CLOEXEC pipe, so the
//! parent can name it precisely; a successful exec closes the pipe and the
//! parent reads end-of-file.

pub mod child;
pub mod path;

pub use child::{become_command, ChildSetup, ChildSignals, ChildStep};

use crate::cstr::CStrArray;
use crate::error::{failed, Reported};
use crate::sys;
use child::prepare_and_exec;
use rustix::fd::{BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::process::{setpgid, Pid};

/// Why there is no running command.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpawnError {
    /// The child could not get to, or through, exec.
    Child { step: ChildStep, errno: Errno },
    /// usher's own side failed (pipe, fork), and said so.
    Reported,
}

impl From<Reported> for SpawnError {
    fn from(_: Reported) -> Self {
        SpawnError::Reported
    }
}

/// `--root`: clones this process into the new namespaces of `flags`
/// (`CLONE_NEW*`). `None` in the clone, which goes on as the inner usher
/// (PID 1 of the sandbox), and the clone's pid in the outer usher.
pub fn clone_inner(flags: u32) -> Result<Option<i32>, Errno> {
    // The second call of the clone wrapper, beside the fork below.
    #[allow(unsafe_code)]
    // SAFETY: usher has one thread, and the inner usher runs only usher's
    // own code (rustix and sys, never a musl function) until it execs the
    // command or exits.
    unsafe {
        sys::clone(flags)
    }
}

/// Starts `argv` (its first element is the command) with `envp`, and returns
/// the child's pid once it has exec'd. `terminal` is `--pty`'s slave.
pub fn spawn(
    argv: CStrArray<'_>,
    envp: CStrArray<'_>,
    signals: ChildSignals,
    setup: &ChildSetup<'_>,
    terminal: Option<BorrowedFd<'_>>,
) -> Result<i32, SpawnError> {
    let (report_read, report_write) =
        pipe_with(PipeFlags::CLOEXEC).map_err(|errno| failed(b"pipe", errno))?;
    // The one call of the clone wrapper, so the one unsafe block outside
    // sys, cstr and main.rs: its contract is for the caller to keep.
    #[allow(unsafe_code)]
    // SAFETY: usher has one thread, and the child runs only
    // `prepare_and_exec` (raw syscalls) until its exec or `sys::exit`.
    let forked = unsafe { sys::fork() };
    match forked.map_err(|errno| failed(b"fork", errno))? {
        None => {
            drop(report_read);
            let (step, errno) = prepare_and_exec(argv, envp, signals, setup, terminal);
            report_to_parent(&report_write, step, errno);
            sys::exit(127)
        }
        Some(pid) => {
            drop(report_write);
            // Also set the group from this side, so that a signal forwarded to
            // the group right away cannot miss it. Once the child has exec'd this
            // fails with EACCES, which is fine: the child did it itself. Not
            // with setsid, which a group leader may not call.
            let own_group = !(setup.setsid || setup.keep_group || terminal.is_some());
            if let (Some(child), true) = (Pid::from_raw(pid), own_group) {
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
    // The child's one write of eight bytes is atomic, so it is read whole:
    // end-of-file (the exec closed the pipe) reads nothing.
    let len = loop {
        match rustix::io::read(pipe, &mut record) {
            Err(Errno::INTR) => {}
            read => break read.unwrap_or(0),
        }
    };
    if len < record.len() {
        return None;
    }
    let step = u32::from_ne_bytes([record[0], record[1], record[2], record[3]]);
    let errno = u32::from_ne_bytes([record[4], record[5], record[6], record[7]]);
    Some((
        ChildStep::from_raw(step),
        Errno::from_raw_os_error(errno as i32),
    ))
}
