//! Signal names and numbers, and the pure classification of every signal
//! usher can read: forward it, reap on it, or drop it. Numbers are Linux's
//! generic ones (x86_64 and aarch64 agree); real-time signals are named
//! relative to RTMIN = 34 and RTMAX = 64, as glibc and util-linux `kill` do.

use crate::text::{packed, packed_lower, parse_decimal, word_at, word_index};

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGILL: u32 = 4;
pub const SIGTRAP: u32 = 5;
pub const SIGABRT: u32 = 6;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGKILL: u32 = 9;
pub const SIGSEGV: u32 = 11;
pub const SIGTERM: u32 = 15;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
pub const SIGWINCH: u32 = 28;
pub const SIGSYS: u32 = 31;
pub const SIGRTMIN: u32 = 34;
pub const SIGRTMAX: u32 = 64;

/// The classic names, signal 1 first, then the other spellings that `kill
/// -l` and glibc accept (`ALIASES` numbers them). One string of words
/// rather than a table of slices: slices would cost a dynamic relocation
/// each in a static-pie binary.
const NAMES: &[u8] = b"HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0\
PIPE\0ALRM\0TERM\0STKFLT\0CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0VTALRM\0PROF\0\
WINCH\0IO\0PWR\0SYS\0IOT\0CLD\0POLL\0";

/// How many classic names `NAMES` starts with.
const CLASSIC: usize = 31;

/// The numbers of the spellings after the classic names.
const ALIASES: [u8; 3] = [6, 17, 29];

/// The number of a name in `NAMES` (upper case, without `SIG`), and
/// whether it is a classic name.
fn number_of(name: &[u8]) -> Option<(u32, bool)> {
    let index = word_index(NAMES, name)?;
    Some(match index.checked_sub(CLASSIC) {
        Some(alias) => (u32::from(ALIASES[alias]), false),
        None => (index as u32 + 1, true),
    })
}

/// Parses `TERM`, `SIGTERM`, `sigterm`, `15`, `RTMIN`, `RTMIN+3`, `SIGRTMAX-2`.
/// Returns a number in 1..=64; 0 is not a signal.
pub fn parse(text: &[u8]) -> Option<u32> {
    if let Some(number) = parse_decimal(text) {
        return (1..=u64::from(SIGRTMAX))
            .contains(&number)
            .then_some(number as u32);
    }
    // Upper-case once; every name below is compared exactly. No name is
    // longer than "SIGRTMIN+30".
    let mut upper = [0u8; 12];
    if text.len() > upper.len() {
        return None;
    }
    for (to, from) in upper.iter_mut().zip(text) {
        *to = from.to_ascii_uppercase();
    }
    let upper = &upper[..text.len()];
    let name = upper.strip_prefix(&b"SIG"[..]).unwrap_or(upper);
    if let Some(rest) = name.strip_prefix(&b"RTMIN"[..]) {
        return realtime_offset(rest, b'+').map(|offset| SIGRTMIN + offset);
    }
    if let Some(rest) = name.strip_prefix(&b"RTMAX"[..]) {
        return realtime_offset(rest, b'-').map(|offset| SIGRTMAX - offset);
    }
    number_of(name).map(|(number, _)| number)
}

/// `""` is 0; `"+N"` (or `"-N"` for RTMAX) is N, within the 31 RT signals.
fn realtime_offset(rest: &[u8], sign: u8) -> Option<u32> {
    if rest.is_empty() {
        return Some(0);
    }
    if rest[0] != sign {
        return None;
    }
    let offset = parse_decimal(&rest[1..])?;
    (offset <= u64::from(SIGRTMAX - SIGRTMIN)).then_some(offset as u32)
}

/// tini's `-p` accepts only the upper-case `SIG` names of its own table: no
/// numbers, no lower case, no STKFLT/IO/PWR and no real-time signals.
pub fn parse_tini(text: &[u8]) -> Option<u32> {
    let name = text.strip_prefix(&b"SIG"[..])?;
    let (number, classic) = number_of(name)?;
    (classic && !matches!(number, 16 | 29 | 30)).then_some(number)
}

/// The classic name of signals 1 to 31, without `SIG` (`TERM`).
pub fn classic_name(signo: u32) -> Option<&'static [u8]> {
    (1..=31)
        .contains(&signo)
        .then(|| word_at(NAMES, signo as usize - 1))
}

/// A set of signals 1..=64, as the kernel's `sigset_t` on x86_64 and aarch64.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SigSet(pub u64);

static_assertions::assert_eq_size!(SigSet, linux_raw_sys::general::kernel_sigset_t);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);
    pub const FULL: SigSet = SigSet(!0);

    pub fn contains(self, signo: u32) -> bool {
        (1..=64).contains(&signo) && self.0 & (1 << (signo - 1)) != 0
    }

    pub fn without(self, signo: u32) -> SigSet {
        SigSet(self.0 & !(1u64 << (signo - 1)))
    }
}

/// The size of `struct signalfd_siginfo`, which linux-raw-sys does not define.
pub const SIGNALFD_SIGINFO_SIZE: usize = 128;

/// The fields of `struct signalfd_siginfo` that usher reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    pub signo: u32,
    pub code: i32,
    pub pid: u32,
}

impl SignalInfo {
    /// Decodes the kernel's 128-byte record: ssi_signo at 0, ssi_code at 8,
    /// ssi_pid at 12.
    pub fn from_bytes(raw: &[u8; SIGNALFD_SIGINFO_SIZE]) -> SignalInfo {
        let word = |at: usize| [raw[at], raw[at + 1], raw[at + 2], raw[at + 3]];
        SignalInfo {
            signo: u32::from_ne_bytes(word(0)),
            code: i32::from_ne_bytes(word(8)),
            pid: u32::from_ne_bytes(word(12)),
        }
    }
}

/// `FROM:TO` for `--rewrite`: two signals in any form [`parse`] takes, and
/// `TO` may also be `0` or `NONE` (any case), which drops the signal.
/// Returns (FROM, TO) with TO = 0 for a drop.
pub fn parse_rewrite(text: &[u8]) -> Option<(u32, u32)> {
    let colon = text.iter().position(|&byte| byte == b':')?;
    let from = parse(&text[..colon])?;
    let to = &text[colon + 1..];
    // TO is 0 or NONE in any case. Packed words compare as integers: less
    // code than two slice tests.
    const DROPS: [u64; 2] = [packed(b"0", false), packed(b"none", false)];
    let to = if packed_lower(to).is_some_and(|key| DROPS.contains(&key)) {
        0
    } else {
        parse(to)?
    };
    Some((from, to))
}

/// Whether a signal asks to end things: a second one during the grace
/// skips to SIGKILL, and one after the main child is gone (`--wait-all`)
/// starts the shutdown.
pub fn is_terminating(signo: u32) -> bool {
    matches!(signo, SIGTERM | SIGINT | SIGHUP | SIGQUIT)
}

/// Whether a signal is one of the terminal's job-control stops.
pub fn is_job_control(signo: u32) -> bool {
    matches!(signo, SIGTSTP | SIGTTIN | SIGTTOU)
}

/// What each signal becomes when forwarded, by number: 0 leaves it alone,
/// `DROPPED` drops it, anything else replaces it. All zeros (the default)
/// costs a plain run nothing to set up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rewrites([u8; SIGRTMAX as usize]);

const DROPPED: u8 = 0xff;

impl Default for Rewrites {
    // Not inlined: keeps the table's zeroing off each Plan constructor, as one copy.
    #[inline(never)]
    fn default() -> Self {
        Rewrites([0; SIGRTMAX as usize])
    }
}

impl Rewrites {
    /// Sends `to` in place of `from` (0: drops `from`). A later rewrite of
    /// the same signal wins.
    pub fn set(&mut self, from: u32, to: u32) {
        if let Some(slot) = self.0.get_mut((from as usize).wrapping_sub(1)) {
            *slot = if to == 0 { DROPPED } else { to as u8 };
        }
    }

    /// Whether `from` was given a rewrite.
    pub fn is_set(&self, from: u32) -> bool {
        self.0
            .get((from as usize).wrapping_sub(1))
            .is_some_and(|&to| to != 0)
    }

    /// The signal to send for `from`, or `None` when it is dropped.
    pub fn apply(&self, from: u32) -> Option<u32> {
        match self.0.get((from as usize).wrapping_sub(1)) {
            Some(&DROPPED) => None,
            Some(&to) if to != 0 => Some(u32::from(to)),
            _ => Some(from),
        }
    }
}

/// What the supervisor does with a signal it read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignalAction {
    /// Send it on to the child (or its group).
    Forward,
    /// A child changed state: reap everything that has exited.
    Reap,
    /// Read and dropped.
    Ignore,
}

/// Which signals usher collects and how it treats them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Policy {
    /// Everything is blocked and read; everything but SIGCHLD is forwarded,
    /// the synchronous signals too, since a blocked one can only have been
    /// sent from outside (a real fault is delivered by force).
    Native,
    /// tini 0.19: the synchronous signals stay unblocked, so they act on usher
    /// itself as they would on tini; SIGTTIN and SIGTTOU are read and dropped
    /// (tini ignores them).
    Tini,
    /// catatonit: everything is read, as natively, and SIGTSTP, SIGTTIN and
    /// SIGTTOU are dropped (they would stop a background init).
    Catatonit,
}

const TINI_UNBLOCKED: [u32; 7] = [SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS];

impl Policy {
    /// The signals usher blocks and reads from its signalfd.
    pub fn collected(self) -> SigSet {
        match self {
            Policy::Native | Policy::Catatonit => SigSet::FULL,
            Policy::Tini => TINI_UNBLOCKED
                .iter()
                .fold(SigSet::FULL, |set, &signo| set.without(signo)),
        }
    }

    pub fn action(self, signo: u32) -> SignalAction {
        match (self, signo) {
            (_, SIGCHLD) => SignalAction::Reap,
            (_, SIGKILL | SIGSTOP) => SignalAction::Ignore,
            (Policy::Tini, SIGTTIN | SIGTTOU) => SignalAction::Ignore,
            (Policy::Catatonit, SIGTSTP | SIGTTIN | SIGTTOU) => SignalAction::Ignore,
            _ => SignalAction::Forward,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_cases() {
        assert_eq!(parse(b"TERM"), Some(15));
        assert_eq!(parse(b"SIGTERM"), Some(15));
        assert_eq!(parse(b"sigterm"), Some(15));
        assert_eq!(parse(b"Term"), Some(15));
        assert_eq!(parse(b"15"), Some(15));
        assert_eq!(parse(b"HUP"), Some(1));
        assert_eq!(parse(b"SYS"), Some(31));
        assert_eq!(parse(b"WINCH"), Some(28));
        assert_eq!(parse(b"iot"), Some(6));
        assert_eq!(parse(b"CLD"), Some(17));
        assert_eq!(parse(b"SIGIOT"), Some(6));
        assert_eq!(parse(b"poll"), Some(29));
        assert_eq!(parse_tini(b"SIGIOT"), None);
        assert_eq!(parse(b"64"), Some(64));
    }

    #[test]
    fn realtime_names_follow_kill() {
        assert_eq!(parse(b"RTMIN"), Some(34));
        assert_eq!(parse(b"RTMIN+3"), Some(37));
        assert_eq!(parse(b"SIGRTMIN+30"), Some(64));
        assert_eq!(parse(b"RTMAX"), Some(64));
        assert_eq!(parse(b"RTMAX-2"), Some(62));
        assert_eq!(parse(b"rtmax-30"), Some(34));
        assert_eq!(parse(b"RTMIN+31"), None);
        assert_eq!(parse(b"RTMAX-31"), None);
        assert_eq!(parse(b"RTMIN-1"), None);
        assert_eq!(parse(b"RTMAX+1"), None);
        assert_eq!(parse(b"RTMIN+"), None);
    }

    #[test]
    fn bad_names_are_rejected() {
        for bad in [
            &b"0"[..],
            b"65",
            b"",
            b"SIG",
            b"TERMX",
            b"-15",
            b"+15",
            b" 15",
            b"1.5",
            b"99999999999999999999999",
        ] {
            assert_eq!(parse(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn tini_names_are_tinis_table() {
        assert_eq!(parse_tini(b"SIGTERM"), Some(15));
        assert_eq!(parse_tini(b"SIGKILL"), Some(9));
        assert_eq!(parse_tini(b"TERM"), None);
        assert_eq!(parse_tini(b"sigterm"), None);
        assert_eq!(parse_tini(b"15"), None);
        assert_eq!(parse_tini(b"SIGSTKFLT"), None);
        assert_eq!(parse_tini(b"SIGPWR"), None);
        assert_eq!(parse_tini(b"SIGRTMIN"), None);
    }

    #[test]
    fn rewrites_change_drop_or_leave_alone() {
        assert_eq!(parse_rewrite(b"TERM:QUIT"), Some((15, 3)));
        assert_eq!(parse_rewrite(b"sigint:0"), Some((2, 0)));
        assert_eq!(parse_rewrite(b"INT:none"), Some((2, 0)));
        assert_eq!(parse_rewrite(b"RTMIN+1:RTMAX"), Some((35, 64)));
        assert_eq!(parse_rewrite(b"10:12"), Some((10, 12)));
        for bad in [
            &b"TERM"[..],
            b"TERM:",
            b":TERM",
            b"0:TERM",
            b"TERM:65",
            b"TERM:QUIT:1",
        ] {
            assert_eq!(parse_rewrite(bad), None, "{:?}", core::str::from_utf8(bad));
        }
        let mut table = Rewrites::default();
        for signo in 1..=65 {
            assert_eq!(table.apply(signo), Some(signo));
        }
        table.set(15, 3);
        table.set(2, 0);
        table.set(64, 34);
        assert_eq!(table.apply(15), Some(3));
        assert_eq!(table.apply(2), None);
        assert_eq!(table.apply(64), Some(34));
        assert_eq!(table.apply(3), Some(3));
        assert!(table.is_set(15) && table.is_set(2) && !table.is_set(3));
        assert!(!table.is_set(0) && !table.is_set(65));
        assert_eq!(table.apply(0), Some(0));
        // A later rewrite of the same signal wins.
        table.set(15, 10);
        assert_eq!(table.apply(15), Some(10));
    }

    #[test]
    fn names_print_back() {
        for (signo, text) in [
            (15, &b"SIGTERM"[..]),
            (34, b"SIGRTMIN"),
            (37, b"SIGRTMIN+3"),
            (64, b"SIGRTMIN+30"),
        ] {
            let mut line = crate::error::Line::new();
            crate::error::push_signal(&mut line, signo);
            assert_eq!(line.as_bytes(), text);
            assert_eq!(parse(text), Some(signo));
        }
    }

    #[test]
    fn a_sigset_holds_signals_1_to_64() {
        let set = SigSet::FULL.without(9).without(64);
        assert!(set.contains(1));
        assert!(!set.contains(9));
        assert!(!set.contains(64));
        assert!(!set.contains(0));
        assert!(!set.contains(65));
    }

    #[test]
    fn signalfd_record_decodes() {
        let mut raw = [0u8; SIGNALFD_SIGINFO_SIZE];
        raw[0..4].copy_from_slice(&15u32.to_ne_bytes());
        raw[8..12].copy_from_slice(&0i32.to_ne_bytes());
        raw[12..16].copy_from_slice(&4242u32.to_ne_bytes());
        assert_eq!(
            SignalInfo::from_bytes(&raw),
            SignalInfo {
                signo: 15,
                code: 0,
                pid: 4242
            }
        );
    }

    #[test]
    fn native_forwards_everything_but_chld() {
        for signo in 1..=64 {
            let expected = match signo {
                SIGCHLD => SignalAction::Reap,
                SIGKILL | SIGSTOP => SignalAction::Ignore,
                _ => SignalAction::Forward,
            };
            assert_eq!(Policy::Native.action(signo), expected, "signal {signo}");
            assert!(Policy::Native.collected().contains(signo));
        }
    }

    #[test]
    fn tini_leaves_synchronous_signals_alone() {
        let collected = Policy::Tini.collected();
        for signo in [SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS] {
            assert!(!collected.contains(signo));
        }
        assert!(
            collected.contains(SIGTERM) && collected.contains(SIGTTIN) && collected.contains(40)
        );
        assert_eq!(Policy::Tini.action(SIGTTIN), SignalAction::Ignore);
        assert_eq!(Policy::Tini.action(SIGTTOU), SignalAction::Ignore);
        assert_eq!(Policy::Tini.action(SIGTERM), SignalAction::Forward);
        assert_eq!(Policy::Tini.action(40), SignalAction::Forward);
    }
}
