//! Setup: the effects on usher's own process before anything is spawned. Each
//! step takes the part of the plan it needs and returns `Result<_, Error>`; any
//! error is fatal, and nothing has started yet. The user lookup is in
//! `users`; the root, namespace and mount steps will live beside it.

pub mod sandbox;
pub mod users;

use crate::error::{failed, say, Error, Reported};
use crate::plan::{Plan, Subreaper};
use crate::signal::{Policy, SIGCHLD, SIGCONT, SIGHUP};
use crate::spawn::ChildSignals;
use crate::sys::{self, Disposition};
use rustix::fd::OwnedFd;
use rustix::process::{getpid, getppid, set_child_subreaper};

/// usher's own process once it is set up: what supervising needs.
pub struct Prepared {
    /// Reads every signal usher collects.
    pub signals: OwnedFd,
    /// What each child must put back before its exec.
    pub child_signals: ChildSignals,
    /// Orphans come to usher (PID 1 or a subreaper), so it can wait for them.
    pub reaps_orphans: bool,
    /// Signals, as bits by number, that usher's own hand-over of the
    /// terminal raised (see `release_terminal`): dropped once each, for the
    /// first process supervised.
    pub swallow: u64,
}

/// The signals, as bits by number, that the terminal's hand-over raises.
const TERMINAL_HANDOVER: u64 = 1 << SIGHUP | 1 << SIGCONT;

/// Sets usher's own process up, as the plan asks, before anything runs:
/// stdio for the relay, the signals, the parent-death signal, the
/// subreaper, and the terminal's hand-over. Any failure is reported and
/// fatal.
pub fn prepare(plan: &Plan) -> Result<Prepared, Reported> {
    if plan.pty {
        sys::fill_closed_stdio();
    }
    let (signals, child_signals) = collect_signals(plan.policy)?;
    if let Some(signo) = plan.pdeathsig {
        parent_death_signal(signo)?;
    }
    let reaps_orphans = subreaper(plan)?;
    if !reaps_orphans && plan.warn_not_reaper {
        warn_not_reaper();
    }
    // With a pty usher keeps its terminal: the command's session is the pty's.
    let handed_over = plan.setsid && !plan.pty && release_terminal(plan);
    Ok(Prepared {
        signals,
        child_signals,
        reaps_orphans,
        swallow: if handed_over { TERMINAL_HANDOVER } else { 0 },
    })
}

/// Blocks every signal usher collects and opens the signalfd that reads them.
/// Blocked signals are never discarded by the kernel, not even for PID 1 of a
/// namespace, so `kill 1` from inside and `docker stop` from outside both
/// arrive. Also undoes an inherited SIG_IGN on SIGCHLD, under which the kernel
/// would reap our children before we could read their status.
pub(crate) fn collect_signals(policy: Policy) -> Result<(OwnedFd, ChildSignals), Reported> {
    let mut child = ChildSignals::default();
    if sys::disposition(SIGCHLD).map_err(|errno| failed(b"reading SIGCHLD's disposition", errno))?
        == Disposition::Ignore
    {
        sys::set_disposition(SIGCHLD, Disposition::Default)
            .map_err(|errno| failed(b"resetting SIGCHLD", errno))?;
        child.sigchld_ignored = true;
    }
    let set = policy.collected();
    sys::block_signals(set).map_err(|errno| failed(b"blocking signals", errno))?;
    let fd = sys::signalfd(set).map_err(|errno| failed(b"signalfd", errno))?;
    Ok((fd, child))
}

/// Asks for `signo` when usher's parent dies. If the parent died before the
/// request took hold, the signal is raised by hand so it is not lost.
fn parent_death_signal(signo: u32) -> Result<(), Reported> {
    let parent_before = getppid();
    sys::set_pdeathsig(signo).map_err(|errno| failed(b"setting the parent-death signal", errno))?;
    if getppid() != parent_before {
        sys::kill(getpid().as_raw_nonzero().get(), signo)
            .map_err(|errno| failed(b"raising the parent-death signal", errno))?;
    }
    Ok(())
}

/// Registers as a child subreaper when not PID 1, as the plan says. Returns
/// whether orphans will come to usher.
pub(crate) fn subreaper(plan: &Plan) -> Result<bool, Reported> {
    if getpid().is_init() {
        return Ok(true);
    }
    // The kernel reads prctl's argument as a flag: any pid turns it on, so
    // no second getpid is needed for it.
    let on = Some(rustix::process::Pid::INIT);
    match plan.subreaper {
        Subreaper::Off => Ok(false),
        Subreaper::On => set_child_subreaper(on)
            .map(|()| true)
            .map_err(|errno| failed(b"registering as a child subreaper", errno)),
        Subreaper::Auto => match set_child_subreaper(on) {
            Ok(()) => Ok(true),
            Err(errno) => {
                if plan.warnings {
                    Error::step(b"registering as a child subreaper", errno).report();
                }
                Ok(false)
            }
        },
    }
}

/// Lets go of usher's controlling terminal (stdin) so the child's new
/// session can claim it. Returns whether usher led its session, in which
/// case the kernel has just sent SIGHUP and SIGCONT to the terminal's
/// foreground group, ours: they are blocked, and the supervisor drops that
/// one pair (dumb-init#136) rather than forward it to the child.
fn release_terminal(plan: &Plan) -> bool {
    let stdin = sys::stdio::stdin();
    if !rustix::termios::isatty(stdin) {
        return false;
    }
    match sys::detach_terminal(stdin) {
        Ok(()) => rustix::process::getsid(None).ok() == Some(getpid()),
        Err(errno) => {
            if plan.verbosity >= 2 {
                Error::step(b"detaching from the terminal", errno).report();
            }
            false
        }
    }
}

/// Whether `path` is a directory (following symlinks), as this process
/// sees it. An `O_PATH` open rather than `stat`: a second caller of `stat`
/// would take it out of line, with all its field copies, from
/// `installed_setuid` on every run.
pub fn is_directory(path: &core::ffi::CStr) -> bool {
    use rustix::fs::{open, Mode, OFlags};
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    open(path, flags, Mode::empty()).is_ok()
}

/// tini's warning, in usher's words.
fn warn_not_reaper() {
    say(b"warning: not PID 1 and not a child subreaper, so orphaned processes will not be reaped here; use -s or set TINI_SUBREAPER", &[]);
}

/// Whether usher's own file is installed setuid or setgid, which it refuses
/// in every personality (there is no bypass). The file is found through
/// /proc/self/exe. Without /proc, the process's ids tell: a setuid or setgid
/// exec that changed them leaves the effective ids unlike the real ones.
pub fn installed_setuid() -> bool {
    const SET_ID_BITS: u32 = linux_raw_sys::general::S_ISUID | linux_raw_sys::general::S_ISGID;
    match rustix::fs::stat(c"/proc/self/exe") {
        Ok(stat) => stat.st_mode & SET_ID_BITS != 0,
        Err(_) => {
            let [ruid, euid, _, rgid, egid, _] = sys::ids();
            ruid != euid || rgid != egid
        }
    }
}
