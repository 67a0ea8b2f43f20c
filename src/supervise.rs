//! The event loop: read each signal from the signalfd, forward it (through
//! the rewrite table) or reap on it, until the main child is gone; then the
//! shutdown policy: exit at once (grace 0, tini's way), or wait for the rest
//! of the tree (`--wait-all`), TERM it and KILL what is left when the grace
//! runs out (`--grace`). Reaping always uses `wait4(-1, WNOHANG)` until
//! nothing is left, so orphans that called setsid are collected too, and a
//! burst of coalesced SIGCHLDs loses nothing. With `--pty`, the same `poll`
//! serves the relay (`pty::Relay`) all along, and its output is drained
//! before usher returns.
//!
//! Once the child runs, usher never bails (catatonit's rule): PID 1 exiting
//! would take the container down. A failed `poll`, signalfd read or `wait4`
//! is reported (the first of a run of failures only) and retried through
//! the loop every `RETRY_MS`: the reaping is tried again, and signals are
//! still read and forwarded meanwhile.

use crate::error::{say, Error, Part};
use crate::plan::{ChildFate, Personality, Plan};
use crate::pty::Relay;
use crate::signal::{
    is_job_control, is_terminating, SignalAction, SIGCHLD, SIGKILL, SIGSTOP, SIGTERM, SIGWINCH,
};
use crate::signal::{SignalInfo, SIGNALFD_SIGINFO_SIZE};
use crate::sys;
use crate::sys::stdio::stdin;
use core::sync::atomic::{AtomicBool, Ordering};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::process::{getpid, wait, WaitOptions};

/// How long after a failed call the loop tries again.
const RETRY_MS: u64 = 100;

/// A failure of the loop's calls is in progress, so it was reported: the
/// same run of failures is not reported again (one line, not one every
/// RETRY_MS).
static WAIT_FAILING: AtomicBool = AtomicBool::new(false);
static READ_FAILING: AtomicBool = AtomicBool::new(false);

/// What the loop waits for next.
enum Event {
    Signal(SignalInfo),
    /// The deadline passed.
    Deadline,
    /// A call failed (reported): whatever depended on it is tried again.
    Failed,
}

/// A deadline that never comes (on `now_ms`'s clock).
const NEVER: u64 = u64::MAX;

/// The monotonic clock, in milliseconds.
fn now_ms() -> u64 {
    sys::monotonic_ms()
}

/// What the supervisor knows besides the Plan.
pub struct Supervision {
    /// The main child's pid.
    pub child: i32,
    /// Orphans come to usher (PID 1 or a subreaper), so it can wait for them.
    pub reaps_orphans: bool,
    /// Signals, as bits by number, to drop once each before forwarding.
    pub swallow: u64,
    /// The shutdown policy (`--grace`, `--wait-all`) runs after this child:
    /// it is the command, not a `--pre` one.
    pub shut_down: bool,
}

/// Runs until the main child has exited and, for the command, the shutdown
/// policy is done; returns how the child ended. Never fails.
pub fn supervise(
    plan: &Plan,
    signals: &OwnedFd,
    mut state: Supervision,
    mut relay: Option<&mut Relay>,
) -> ChildFate {
    let child = state.child;
    // When to reap again after a failed wait4 (its SIGCHLD was read).
    let mut retry = NEVER;
    let (fate, others_left) = loop {
        let signo = next_signal(signals, NEVER, retry, relay.as_deref_mut());
        match plan.policy.action(signo) {
            SignalAction::Reap => {
                let reaped = reap_all(plan, child);
                retry = reaped.retry;
                if let Some(fate) = reaped.main {
                    break (fate, reaped.children_left);
                }
            }
            // With a relay, the command's terminal takes the new size and
            // signals its own foreground group.
            SignalAction::Forward
                if signo == SIGWINCH && relay.as_deref().is_some_and(Relay::copy_window_size) => {}
            SignalAction::Forward => {
                let bit = 1u64 << (signo % 64);
                if state.swallow & bit != 0 {
                    state.swallow &= !bit;
                    if plan.verbosity >= 2 {
                        say(
                            b"dropping \x01 (from handing the terminal over)",
                            &[Part::Signal(signo)],
                        );
                    }
                } else {
                    forward(plan, &state, signo);
                }
            }
            SignalAction::Ignore => {}
        }
    };
    report_fate(plan, child, fate);
    if plan.personality == Personality::DumbInit {
        // dumb-init's last word: TERM (after any rewrite) to the child's
        // session, or to the dead child itself in single-child mode.
        forward(plan, &state, SIGTERM);
    }
    let policy = state.shut_down && (plan.grace_ms > 0 || plan.wait_all);
    if others_left && state.reaps_orphans && policy {
        shut_down(plan, signals, relay.as_deref_mut());
    }
    if let Some(relay) = relay {
        relay.drain();
    }
    fate
}

/// The pause personality, in place of the command: every child and orphan
/// is reaped, SIGINT or SIGTERM ends it with status 0 and a line naming the
/// signal, and any other signal is ignored.
pub fn pause_mode(plan: &Plan) -> i32 {
    // pause warns and goes on; catatonit -P is a subreaper, or stops, and
    // says nothing when it is told to stop.
    let pause = plan.personality == Personality::Pause;
    if !pause {
        if crate::setup::subreaper(plan).is_err() {
            return 1;
        }
    } else if !getpid().is_init() {
        say(
            b"warning: pause is not PID 1, so orphaned processes will not come to it",
            &[],
        );
    }
    let Ok((signals, _)) = crate::setup::collect_signals(plan.policy) else {
        return 1;
    };
    if !pause {
        let_go_as_catatonit(&signals);
    }
    loop {
        match read_signal(&signals).map(|info| info.signo) {
            Some(SIGCHLD) => {
                reap_all(plan, 0);
            }
            Some(signo @ (crate::signal::SIGINT | SIGTERM)) => {
                if pause {
                    say(b"shutting down on \x01", &[Part::Signal(signo)]);
                }
                return 0;
            }
            _ => {}
        }
    }
}

/// catatonit's habits once its program runs, or in `-P` mode once its
/// signals are set up: keep no directory busy (podman unmounts the one it
/// started in; the program kept it), and hold none of the descriptors it
/// was given (the program kept those too), but its stdio and `signals`.
pub fn let_go_as_catatonit(signals: &OwnedFd) {
    let _ = rustix::process::chdir(c"/");
    sys::close_all_but(3, signals);
}

/// Reports a failed call of the loop, unless `failing` says this run of
/// failures was reported already.
#[cold]
// Not inlined: keeps the message's line buffer off the event loop's frame.
#[inline(never)]
fn warn_once(failing: &AtomicBool, step: &'static [u8], errno: Errno) {
    if !failing.swap(true, Ordering::Relaxed) {
        Error::step(step, errno).report();
    }
}

/// The next signal from the signalfd; `None` when reading it failed
/// (reported, after a pause, so that a read that fails for good cannot
/// spin).
fn read_signal(signals: &OwnedFd) -> Option<SignalInfo> {
    let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
    loop {
        let errno = match rustix::io::read(signals, &mut record) {
            Ok(SIGNALFD_SIGINFO_SIZE) => {
                READ_FAILING.store(false, Ordering::Relaxed);
                return Some(SignalInfo::from_bytes(&record));
            }
            Ok(_) => Errno::IO,
            Err(Errno::INTR) => continue,
            Err(errno) => errno,
        };
        warn_once(&READ_FAILING, b"reading the signalfd", errno);
        pause();
        return None;
    }
}

/// Waits `RETRY_MS`.
fn pause() {
    let pause = rustix::time::Timespec {
        tv_sec: 0,
        tv_nsec: RETRY_MS as i64 * 1_000_000,
    };
    let _ = rustix::thread::nanosleep(&pause);
}

/// What `signo` is sent as, or `None` when a rewrite drops it. In setsid
/// mode the terminal's job-control stops go to the child's group as
/// SIGSTOP (a new session is immune to them), unless rewritten.
fn rewritten(plan: &Plan, signo: u32) -> Option<u32> {
    let to = if plan.setsid && is_job_control(signo) && !plan.rewrites.is_set(signo) {
        Some(SIGSTOP)
    } else {
        plan.rewrites.apply(signo)
    };
    if to.is_none() && plan.verbosity >= 2 {
        say(b"dropping \x01 (--rewrite)", &[Part::Signal(signo)]);
    }
    to
}

/// Sends `signo`, rewritten, to the child, or to its process group with
/// `-g` or in setsid mode. After a job-control stop in setsid mode (and
/// always under dumb-init), usher stops itself too, so that the shell that
/// started it sees the job stop; its SIGCONT is forwarded in turn.
fn forward(plan: &Plan, state: &Supervision, signo: u32) {
    let child = state.child;
    if let Some(to) = rewritten(plan, signo) {
        let to_group = plan.process_group || plan.setsid || plan.pty;
        let target = if to_group { -child } else { child };
        if plan.verbosity >= 2 {
            let template: &[u8] = if to_group {
                b"forwarding \x01 to group \x02"
            } else {
                b"forwarding \x01 to pid \x02"
            };
            say(
                template,
                &[Part::Signal(to), Part::Number(i64::from(child))],
            );
        }
        match sys::kill(target, to) {
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
    if is_job_control(signo) && (plan.setsid || plan.personality == Personality::DumbInit) {
        let _ = sys::kill(getpid().as_raw_nonzero().get(), SIGSTOP);
    }
}

/// What one round of reaping found.
struct Reaped {
    /// The main child's fate, if it was among the reaped.
    main: Option<ChildFate>,
    /// Children are left that have not exited.
    children_left: bool,
    /// When to reap again: soon after a failed wait4 (reported), else
    /// `NEVER`.
    retry: u64,
}

/// Reaps every child that has exited. A failed `wait4` is reported, and
/// the caller tries again soon: its SIGCHLD has been read, and no other may
/// come.
fn reap_all(plan: &Plan, child: i32) -> Reaped {
    let mut reaped = Reaped {
        main: None,
        children_left: true,
        retry: NEVER,
    };
    loop {
        let (pid, status) = match wait(WaitOptions::NOHANG) {
            Ok(Some(found)) => found,
            Ok(None) => break,
            Err(Errno::CHILD) => {
                reaped.children_left = false;
                break;
            }
            Err(Errno::INTR) => continue,
            Err(errno) => {
                warn_once(&WAIT_FAILING, b"wait4", errno);
                reaped.retry = now_ms() + RETRY_MS;
                return reaped;
            }
        };
        let pid = pid.as_raw_nonzero().get();
        if pid == child {
            reaped.main = match (status.exit_status(), status.terminating_signal()) {
                (Some(code), _) => Some(ChildFate::Exited(code)),
                (None, Some(signo)) => Some(ChildFate::Killed(signo as u32)),
                // Stopped or continued: not an exit (WUNTRACED is not asked for).
                _ => reaped.main,
            };
        } else if plan.warn_reaped || plan.verbosity >= 2 {
            say(b"reaped orphan pid \x01", &[Part::Number(i64::from(pid))]);
        }
    }
    WAIT_FAILING.store(false, Ordering::Relaxed);
    reaped
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

/// Where the shutdown stands once the main child is gone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `--wait-all`: forwarding and reaping until the tree is empty.
    Waiting,
    /// TERM sent; KILL when the timer fires.
    Grace,
    /// KILL sent; reaping what is left.
    Killing,
}

/// The rest of the tree, after the main child: processes usher reaps. As
/// PID 1 that is everything in the namespace, reached with `kill(-1)`. As a
/// subreaper it is only usher's own children (orphans come to it), read
/// from /proc each time, since `kill(-1)` would reach every process of the
/// user.
struct Rest {
    pid1: bool,
    /// Children already sent the grace's TERM (as a subreaper), so that one
    /// that traps TERM gets it once. Past the capacity, a child may get it
    /// again, never miss it.
    termed: heapless::Vec<i32, 64>,
}

impl Rest {
    /// Sends `signo` to the rest. With `once`, a child that already got it
    /// (see `termed`) is skipped. False when /proc cannot list the
    /// children, so nothing could be signalled.
    fn signal(&mut self, signo: u32, once: bool) -> bool {
        if self.pid1 {
            let _ = sys::kill(-1, signo);
            return true;
        }
        let termed = &mut self.termed;
        for_each_child(&mut |pid| {
            if once {
                // Not `contains`: for integers it brings an unrolled search
                // that a list this short does not need.
                #[allow(clippy::manual_contains)]
                if termed.iter().any(|&termed| termed == pid) {
                    return;
                }
                let _ = termed.push(pid);
            }
            let _ = sys::kill(pid, signo);
        })
    }
}

/// After the main child: wait for the rest (`--wait-all`), or TERM it and
/// KILL it when the grace runs out. Returns once no child is left, or at
/// once when the rest cannot be reached.
// Not inlined: keeps the shutdown's state off the path of a run that ends with its child.
#[inline(never)]
fn shut_down(plan: &Plan, signals: &OwnedFd, mut relay: Option<&mut Relay>) {
    let mut rest = Rest {
        pid1: getpid().is_init(),
        termed: heapless::Vec::new(),
    };
    // When the grace runs out, and when to reap again after a failed wait4.
    let mut grace_end = NEVER;
    let mut retry = NEVER;
    let mut phase = Phase::Waiting;
    // Without --wait-all the grace starts at once, as if asked to end.
    let mut event = if plan.wait_all { None } else { Some(SIGTERM) };
    loop {
        if let Some(signo) = event {
            let terminating = is_terminating(signo);
            if signo == SIGCHLD {
                let reaped = reap_all(plan, 0);
                retry = reaped.retry;
                if !reaped.children_left {
                    return;
                }
                // Orphans re-parented since get what the rest got.
                let more = match phase {
                    Phase::Grace if !rest.pid1 => rewritten(plan, SIGTERM),
                    Phase::Killing => Some(SIGKILL),
                    _ => None,
                };
                if let Some(signo) = more {
                    rest.signal(signo, signo != SIGKILL);
                }
            } else if terminating && phase == Phase::Waiting {
                if plan.grace_ms == 0 {
                    return;
                }
                if plan.verbosity >= 1 {
                    say(
                        b"sending SIGTERM to the remaining processes; SIGKILL in \x01 ms",
                        &[Part::Number(i64::from(plan.grace_ms))],
                    );
                }
                if let Some(signo) = rewritten(plan, SIGTERM) {
                    if !rest.signal(signo, true) {
                        if plan.warnings {
                            say(b"warning: /proc cannot list usher's children", &[]);
                        }
                        return;
                    }
                }
                phase = Phase::Grace;
                grace_end = now_ms() + u64::from(plan.grace_ms);
            } else if (terminating || signo == 0) && phase == Phase::Grace {
                // The grace is over (0), or a second signal cuts it short.
                if plan.verbosity >= 1 {
                    say(b"grace over: sending SIGKILL to what is left", &[]);
                }
                grace_end = NEVER;
                phase = Phase::Killing;
                if !rest.signal(SIGKILL, false) {
                    return;
                }
            } else if plan.policy.action(signo) == SignalAction::Forward && !terminating {
                if let Some(to) = rewritten(plan, signo) {
                    rest.signal(to, false);
                }
            }
        }
        event = Some(next_signal(signals, grace_end, retry, relay.as_deref_mut()));
    }
}

/// The next signal's number; 0 once `grace_end` has passed, and SIGCHLD
/// (to reap again) once `retry` has, or when a call failed (a failed call
/// may have cost a SIGCHLD).
fn next_signal(signals: &OwnedFd, grace_end: u64, retry: u64, relay: Option<&mut Relay>) -> u32 {
    match next_event(signals, grace_end.min(retry), relay) {
        Event::Signal(info) => info.signo,
        Event::Deadline if grace_end != NEVER && now_ms() >= grace_end => 0,
        Event::Deadline | Event::Failed => SIGCHLD,
    }
}

/// The next signal, or `Deadline` once `deadline` (on `now_ms`'s clock,
/// or `NEVER`) has passed, or `Failed` when a call failed (reported, after a pause).
/// The relay, when there is one, is served meanwhile.
fn next_event(signals: &OwnedFd, deadline: u64, mut relay: Option<&mut Relay>) -> Event {
    if deadline == NEVER && relay.is_none() {
        return read_signal(signals).map_or(Event::Failed, Event::Signal);
    }
    // Fixed slots: signals, master, stdin. An unused slot polls the
    // signalfd for nothing, which never reports.
    let unused = signals.as_fd();
    loop {
        let (master, input, mut timeout) = match relay.as_deref() {
            Some(relay) => relay.interest(),
            None => (PollFlags::empty(), PollFlags::empty(), None),
        };
        if deadline != NEVER {
            let left = deadline.saturating_sub(now_ms());
            if left == 0 {
                return Event::Deadline;
            }
            timeout = Some(timeout.map_or(left, |relay| relay.min(left)));
        }
        let timeout = timeout.map(|ms| rustix::time::Timespec {
            tv_sec: (ms / 1000) as i64,
            tv_nsec: (ms % 1000) as i64 * 1_000_000,
        });
        let mut fds = [
            PollFd::new(signals, PollFlags::IN),
            slot(relay.as_deref().map(Relay::master), master, unused),
            slot(Some(stdin()), input, unused),
        ];
        match poll(&mut fds, timeout.as_ref()) {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(errno) => {
                warn_once(&READ_FAILING, b"poll", errno);
                pause();
                return Event::Failed;
            }
        }
        let [signalled, master, input] = fds.map(|fd| fd.revents());
        if let Some(relay) = relay.as_deref_mut() {
            relay.service(master, input);
        }
        // Signals first: a reap that empties the tree ends things before
        // the deadline could send a needless KILL.
        if !signalled.is_empty() {
            return read_signal(signals).map_or(Event::Failed, Event::Signal);
        }
    }
}

/// A poll slot for `fd`, or one that never reports (`unused`, polled for
/// nothing) when there is no fd or nothing to wait for.
fn slot<'f>(fd: Option<BorrowedFd<'f>>, events: PollFlags, unused: BorrowedFd<'f>) -> PollFd<'f> {
    match fd {
        Some(fd) if !events.is_empty() => PollFd::from_borrowed_fd(fd, events),
        _ => PollFd::from_borrowed_fd(unused, PollFlags::empty()),
    }
}

/// Calls `each` with the pid of every child of usher, from
/// /proc/thread-self/children (usher has one thread). False when /proc
/// cannot say.
fn for_each_child(each: &mut dyn FnMut(i32)) -> bool {
    use rustix::fs::{open, Mode, OFlags};
    let Ok(file) = open(
        c"/proc/thread-self/children",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return false;
    };
    let mut scanner = PidScanner::default();
    let mut buffer = [0u8; 256];
    loop {
        match rustix::io::read(&file, &mut buffer) {
            Ok(0) => break,
            Ok(len) => scanner.feed(&buffer[..len], each),
            Err(Errno::INTR) => {}
            Err(_) => return false,
        }
    }
    scanner.feed(b" ", each);
    true
}

/// Reads space-separated pids that may be split across reads.
#[derive(Default)]
struct PidScanner {
    /// The pid read so far, plus one (0: no digit yet).
    partial: u32,
}

impl PidScanner {
    fn feed(&mut self, bytes: &[u8], each: &mut dyn FnMut(i32)) {
        for &byte in bytes {
            let digit = byte.wrapping_sub(b'0');
            if digit < 10 {
                let value = self.partial.saturating_sub(1);
                self.partial = value.wrapping_mul(10).wrapping_add(u32::from(digit)) + 1;
            } else if self.partial != 0 {
                each(self.partial as i32 - 1);
                self.partial = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_split_across_reads() {
        let mut pids = Vec::new();
        let mut scanner = PidScanner::default();
        for chunk in [&b"12 3"[..], b"45 ", b"", b"6", b" 7"] {
            scanner.feed(chunk, &mut |pid| pids.push(pid));
        }
        scanner.feed(b" ", &mut |pid| pids.push(pid));
        assert_eq!(pids, [12, 345, 6, 7]);
    }
}
