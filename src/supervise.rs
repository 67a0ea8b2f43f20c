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
//! would take the container down, so a failed `poll`, signalfd read or
//! `wait4` is reported and retried after a short pause.

use crate::error::{say, Error, Part};
use crate::plan::{ChildFate, Personality, Plan};
use crate::pty::Relay;
use crate::signal::{
    is_job_control, is_terminating, SignalAction, SIGCHLD, SIGKILL, SIGSTOP, SIGTERM, SIGWINCH,
};
use crate::signal::{SignalInfo, SIGNALFD_SIGINFO_SIZE};
use crate::sys;
use crate::sys::stdio::stdin;
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::process::{getpid, wait, WaitOptions};

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
    let (fate, others_left) = loop {
        let Some(info) = next_event(signals, None, relay.as_deref_mut()) else {
            continue;
        };
        match plan.policy.action(info.signo) {
            SignalAction::Reap => {
                let reaped = reap_all(plan, child);
                if let Some(fate) = reaped.main {
                    break (fate, reaped.children_left);
                }
            }
            // With a relay, the command's terminal takes the new size and
            // signals its own foreground group.
            SignalAction::Forward
                if info.signo == SIGWINCH
                    && relay.as_deref().is_some_and(Relay::copy_window_size) => {}
            SignalAction::Forward => {
                let bit = 1u64 << (info.signo % 64);
                if state.swallow & bit != 0 {
                    state.swallow &= !bit;
                    if plan.verbosity >= 2 {
                        say(
                            b"dropping \x01 (from handing the terminal over)",
                            &[Part::Signal(info.signo)],
                        );
                    }
                } else {
                    forward(plan, &state, info.signo);
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

/// Reports a failed call of the loop, then pauses, so that a call that
/// fails for good cannot spin. The caller retries (see the module's doc).
#[cold]
// Not inlined: keeps the message's line buffer off the event loop's frame.
#[inline(never)]
fn warn_and_pause(step: &'static [u8], errno: Errno) {
    Error::step(step, errno).report();
    let pause = rustix::time::Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    let _ = rustix::thread::nanosleep(&pause);
}

fn next_signal(signals: &OwnedFd) -> SignalInfo {
    let mut record = [0u8; SIGNALFD_SIGINFO_SIZE];
    loop {
        match rustix::io::read(signals, &mut record) {
            Ok(SIGNALFD_SIGINFO_SIZE) => return SignalInfo::from_bytes(&record),
            Ok(_) => warn_and_pause(b"reading the signalfd", Errno::IO),
            Err(Errno::INTR) => {}
            Err(errno) => warn_and_pause(b"reading the signalfd", errno),
        }
    }
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
}

/// Reaps every child that has exited. A failed `wait4` is reported and
/// tried again: its SIGCHLD has been read, and no other may come.
fn reap_all(plan: &Plan, child: i32) -> Reaped {
    let mut main = None;
    loop {
        let (pid, status) = match wait(WaitOptions::NOHANG) {
            Ok(Some(reaped)) => reaped,
            Ok(None) => {
                return Reaped {
                    main,
                    children_left: true,
                }
            }
            Err(Errno::CHILD) => {
                return Reaped {
                    main,
                    children_left: false,
                }
            }
            Err(Errno::INTR) => continue,
            Err(errno) => {
                warn_and_pause(b"wait4", errno);
                continue;
            }
        };
        let pid = pid.as_raw_nonzero().get();
        if pid == child {
            main = match (status.exit_status(), status.terminating_signal()) {
                (Some(code), _) => Some(ChildFate::Exited(code)),
                (None, Some(signo)) => Some(ChildFate::Killed(signo as u32)),
                // Stopped or continued: not an exit (WUNTRACED is not asked for).
                _ => main,
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
                if termed.contains(&pid) {
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
    let mut timer = None;
    let mut phase = Phase::Waiting;
    // Without --wait-all the grace starts at once, as if asked to end.
    let mut event = if plan.wait_all { None } else { Some(SIGTERM) };
    loop {
        if let Some(signo) = event {
            let terminating = is_terminating(signo);
            if signo == SIGCHLD {
                if !reap_all(plan, 0).children_left {
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
                match grace_timer(plan.grace_ms) {
                    Ok(grace) => timer = Some(grace),
                    // No timer, no grace: KILL what is left at once.
                    Err(errno) => {
                        Error::step(b"timerfd", errno).report();
                        event = Some(0);
                        continue;
                    }
                }
            } else if (terminating || signo == 0) && phase == Phase::Grace {
                // The grace is over (0), or a second signal cuts it short.
                if plan.verbosity >= 1 {
                    say(b"grace over: sending SIGKILL to what is left", &[]);
                }
                timer = None;
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
        // 0 stands for the timer.
        event = Some(
            next_event(signals, timer.as_ref(), relay.as_deref_mut()).map_or(0, |info| info.signo),
        );
    }
}

/// A timerfd that fires once, `millis` from now.
// Not inlined: keeps the timer's set-up off the shutdown loop's path.
#[inline(never)]
fn grace_timer(millis: u32) -> Result<OwnedFd, Errno> {
    use rustix::time::{
        timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags,
        TimerfdTimerFlags, Timespec,
    };
    let timer = timerfd_create(TimerfdClockId::Monotonic, TimerfdFlags::CLOEXEC)?;
    let spec = Itimerspec {
        it_interval: Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: Timespec {
            tv_sec: i64::from(millis / 1000),
            tv_nsec: i64::from(millis % 1000) * 1_000_000,
        },
    };
    timerfd_settime(&timer, TimerfdTimerFlags::empty(), &spec)?;
    Ok(timer)
}

/// The next signal, or `None` when `timer` fires first. The relay, when
/// there is one, is served meanwhile.
fn next_event(
    signals: &OwnedFd,
    timer: Option<&OwnedFd>,
    mut relay: Option<&mut Relay>,
) -> Option<SignalInfo> {
    if timer.is_none() && relay.is_none() {
        return Some(next_signal(signals));
    }
    // Fixed slots: signals, timer, master, stdin. An unused slot polls the
    // signalfd for nothing, which never reports.
    let unused = signals.as_fd();
    loop {
        let (master, input, timeout) = match relay.as_deref() {
            Some(relay) => relay.interest(),
            None => (PollFlags::empty(), PollFlags::empty(), None),
        };
        let mut fds = [
            PollFd::new(signals, PollFlags::IN),
            slot(timer.map(AsFd::as_fd), PollFlags::IN, unused),
            slot(relay.as_deref().map(Relay::master), master, unused),
            slot(Some(stdin()), input, unused),
        ];
        match poll(&mut fds, timeout.as_ref()) {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(errno) => {
                warn_and_pause(b"poll", errno);
                continue;
            }
        }
        let [signalled, timed_out, master, input] = fds.map(|fd| fd.revents());
        if let Some(relay) = relay.as_deref_mut() {
            relay.service(master, input);
        }
        // Signals first: a reap that empties the tree ends things before
        // the timer could send a needless KILL.
        if !signalled.is_empty() {
            return Some(next_signal(signals));
        }
        if !timed_out.is_empty() {
            return None;
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
