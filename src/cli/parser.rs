//! The pull parser, in lexopt's style but heap-free, and stopping at the
//! first non-option (it never permutes), with the bad-input errors every
//! personality shares. Nothing here makes a syscall.

use crate::cstr::CStrArray;
use crate::env::EDIT_CAPACITY;
use crate::error::{Line, Part, Stream};
use crate::plan::MOUNT_CAPACITY;
use crate::text::word_at;

/// Anything that holds argv.
pub trait Arguments<'a> {
    fn count(&self) -> usize;
    fn arg(&self, index: usize) -> &'a [u8];
}

impl<'a> Arguments<'a> for CStrArray<'a> {
    fn count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> &'a [u8] {
        self.get(index).map_or(b"", |arg| arg.to_bytes())
    }
}

impl<'a> Arguments<'a> for [&'a [u8]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> &'a [u8] {
        self[index]
    }
}

/// An option as the user wrote it, for messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Opt<'a> {
    Short(u8),
    Long(&'a [u8]),
}

/// One item pulled from argv.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arg<'a> {
    Opt(Opt<'a>),
    /// The first operand (the command): its index in argv. Parsing ends here.
    Command(usize),
}

/// Pulls options one at a time. `-abc` is three shorts, `-xVALUE` and
/// `--name=value` carry their value, `--` ends the options, and the first
/// non-option ends them too. Nothing is pulled after the command.
pub struct Parser<'p, 'a, A: Arguments<'a> + ?Sized> {
    args: &'p A,
    /// Next argv index to look at.
    next: usize,
    /// The rest of a cluster of shorts, after the one just pulled.
    shorts: &'a [u8],
    /// The `=value` of the last long option, not yet taken.
    attached: Option<&'a [u8]>,
}

impl<'p, 'a, A: Arguments<'a> + ?Sized> Parser<'p, 'a, A> {
    /// Starts after argv[0].
    pub fn new(args: &'p A) -> Self {
        Parser {
            args,
            next: 1,
            shorts: b"",
            attached: None,
        }
    }

    /// The next option or the command; `None` when argv ends first. The
    /// caller refuses an option it just pulled that takes no value while
    /// [`Parser::has_attached`] says one came with it.
    pub fn next_arg(&mut self) -> Option<Arg<'a>> {
        if let Some((&letter, rest)) = self.shorts.split_first() {
            self.shorts = rest;
            return Some(Arg::Opt(Opt::Short(letter)));
        }
        let count = self.args.count();
        if self.next >= count {
            return None;
        }
        let index = self.next;
        let arg = self.args.arg(index);
        self.next += 1;
        if arg == b"--" {
            return (self.next < count).then_some(Arg::Command(self.next));
        }
        if let Some(long) = arg.strip_prefix(&b"--"[..]) {
            let (name, value) = match long.iter().position(|&byte| byte == b'=') {
                Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
                None => (long, None),
            };
            self.attached = value;
            return Some(Arg::Opt(Opt::Long(name)));
        }
        if arg.len() > 1 && arg[0] == b'-' {
            self.shorts = &arg[1..];
            return self.next_arg();
        }
        Some(Arg::Command(index))
    }

    /// Whether the long option just pulled came with `=value`.
    pub fn has_attached(&self) -> bool {
        self.attached.is_some()
    }

    /// The value of the option just pulled: attached, or the next argument
    /// (whatever it looks like, as getopt does); `None` when argv ends.
    pub fn value(&mut self) -> Option<&'a [u8]> {
        if let Some(value) = self.attached.take() {
            return Some(value);
        }
        if !self.shorts.is_empty() {
            return Some(core::mem::take(&mut self.shorts));
        }
        if self.next < self.args.count() {
            self.next += 1;
            return Some(self.args.arg(self.next - 1));
        }
        None
    }
}

/// What kind of bad input. The plain kinds number the message templates
/// (`TEMPLATES`); from `BadSignal` on, each kind is a bad value, named by
/// the form its option needs (`FORMS`, in the same order).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum ErrorKind {
    UnknownOption,
    /// A prefix of more than one long name (dumb-init's getopt_long).
    AmbiguousOption,
    MissingValue,
    UnexpectedValue,
    NoCommand,
    /// A twin variable held a value its option would refuse (the error's
    /// `opt` holds the variable's name).
    BadVariable,
    /// More mounts than `MOUNT_CAPACITY`.
    TooManyMounts,
    /// More environment options than `EDIT_CAPACITY`.
    TooManyEdits,
    /// A `USHER_` variable that is no twin (the error's `opt` holds its
    /// name); the error's `value` is the long name of the closest twin (""
    /// for none).
    UnknownVariable,
    BadSignal = FIRST_BAD_VALUE,
    BadTiniSignal,
    BadRewrite,
    BadDumbInitRewrite,
    BadExitCode,
    BadDuration,
    BadEnv,
    BadArgEnv,
    BadOptEnv,
    BadPre,
    BadVariableName,
    BadDirectory,
    BadHostname,
    BadShare,
    BadUnshare,
    BadMount,
    BadTmpfs,
    /// pychroot's `-B $NAME` with NAME unset.
    BadMountVariable,
}

/// The first kind that is a bad value: its template follows the plain
/// kinds' and the closest twin's.
const FIRST_BAD_VALUE: u8 = ErrorKind::UnknownVariable as u8 + 2;

/// The message of each plain kind, in `ErrorKind`'s order, then the one
/// naming the closest twin, then the one of every bad value. `\x01` is the
/// option's dashes, `\x02` its name, `\x03` the value, `\x04` the limit,
/// closest twin or form, `\x05` what the value should have been.
const TEMPLATES: &[u8] = b"unknown option \x01\x02\0ambiguous option \x01\x02\0\
option \x01\x02 needs a value\0option \x01\x02 takes no value\0no command given\0\
bad value in \x02: '\x03'\0too many mounts (limit \x04)\0\
too many environment options (limit \x04)\0unknown variable \x02\0\
unknown variable \x02 (did you mean USHER_\x04?)\0bad \x05 for \x01\x02: '\x03' (\x04)";

/// The form each bad value should have, from `BadSignal` on.
const FORMS: &[u8] = b"a name like TERM or SIGTERM, a number 1-64, RTMIN+N or RTMAX-N\0\
tini takes upper-case names with SIG: SIGHUP, SIGTERM, ...\0\
FROM:TO, two signals like TERM:QUIT; TO 0 or NONE drops FROM\0\
dumb-init takes numbers S:R, with S from 1 to 31 and R from 0 to 31\0\
a number from 0 to 255\0like 10s, 500ms, or 10 for seconds\0NAME=VALUE\0\
NAME or NAME=DEFAULT\0OPT=NAME or OPT=NAME=DEFAULT\0a command and its arguments\0\
a variable name\0a directory\0a name of 1 to 64 bytes\0of net,ipc,uts,pid,user\0\
of net,user,cgroup,time,pid,mount,uts,ipc\0SRC or SRC:DEST\0a path in the new root\0\
$NAME of a variable that is set";

/// What each bad value is, from `BadSignal` on; the last word stands for
/// every kind after it.
const WHATS: &[u8] = b"signal\0signal\0signal\0signal\0exit code\0duration\0value";

/// Bad input on the command line or in a twin variable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CliError<'a> {
    pub kind: ErrorKind,
    pub opt: Option<Opt<'a>>,
    pub value: &'a [u8],
}

impl<'a> CliError<'a> {
    pub fn new(kind: ErrorKind, opt: Opt<'a>) -> Self {
        CliError {
            kind,
            opt: Some(opt),
            value: b"",
        }
    }

    pub fn with_value(kind: ErrorKind, opt: Opt<'a>, value: &'a [u8]) -> Self {
        CliError {
            kind,
            opt: Some(opt),
            value,
        }
    }

    pub fn no_command() -> Self {
        Self::bare(ErrorKind::NoCommand)
    }

    /// An error that names no option (`NoCommand`, `TooMany...`).
    pub fn bare(kind: ErrorKind) -> Self {
        CliError {
            kind,
            opt: None,
            value: b"",
        }
    }

    pub fn unknown_variable(name: &'a [u8], closest: &'static [u8]) -> Self {
        Self::with_value(ErrorKind::UnknownVariable, Opt::Long(name), closest)
    }

    /// Writes the message to stderr.
    // Not inlined: keeps the line buffer off the parser's frame.
    #[inline(never)]
    pub fn report(&self) {
        self.line().write_to(Stream::Stderr);
    }

    /// The one-line message, naming the option (or variable) and the value.
    pub fn line(&self) -> Line {
        let kind = self.kind as u8;
        let (dashes, name): (&[u8], &[u8]) = match &self.opt {
            Some(Opt::Short(letter)) => (b"-", core::slice::from_ref(letter)),
            Some(Opt::Long(name)) => (b"--", name),
            None => (b"", b""),
        };
        // A twin's name: the long name in upper case, `_` for `-`.
        let mut twin = [0u8; 32];
        let (template, extra) = match self.kind {
            ErrorKind::TooManyMounts => (kind, Part::Number(MOUNT_CAPACITY as i64)),
            ErrorKind::TooManyEdits => (kind, Part::Number(EDIT_CAPACITY as i64)),
            ErrorKind::UnknownVariable => {
                for (to, &from) in twin.iter_mut().zip(self.value) {
                    *to = twin_byte(from);
                }
                (
                    kind + u8::from(!self.value.is_empty()),
                    Part::Bytes(&twin[..self.value.len().min(twin.len())]),
                )
            }
            _ if kind >= FIRST_BAD_VALUE => {
                let form = usize::from(kind - FIRST_BAD_VALUE);
                (FIRST_BAD_VALUE, Part::Text(word_at(FORMS, form)))
            }
            _ => (kind, Part::Bytes(b"")),
        };
        let what = word_at(
            WHATS,
            usize::from(kind.saturating_sub(FIRST_BAD_VALUE)).min(6),
        );
        let mut line = Line::usher();
        line.push_parts(
            word_at(TEMPLATES, usize::from(template)),
            &[
                Part::Bytes(dashes),
                Part::Bytes(name),
                Part::Bytes(self.value),
                extra,
                Part::Text(what),
            ],
        );
        line
    }
}

/// A byte of a long name as its twin spells it: upper case, `_` for `-`.
pub fn twin_byte(long: u8) -> u8 {
    if long == b'-' {
        b'_'
    } else {
        long.to_ascii_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull_all<'a>(args: &'a [&'a [u8]]) -> Vec<Option<Arg<'a>>> {
        let mut parser = Parser::new(args);
        let mut out = Vec::new();
        loop {
            let item = parser.next_arg();
            let stop = !matches!(item, Some(Arg::Opt(_)));
            out.push(item);
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn shorts_cluster_and_stop_at_the_command() {
        let args: &[&[u8]] = &[b"usher", b"-gv", b"cmd", b"-x"];
        assert_eq!(
            pull_all(args),
            vec![
                Some(Arg::Opt(Opt::Short(b'g'))),
                Some(Arg::Opt(Opt::Short(b'v'))),
                Some(Arg::Command(2))
            ]
        );
    }

    #[test]
    fn double_dash_ends_options() {
        let args: &[&[u8]] = &[b"usher", b"--", b"-v"];
        assert_eq!(pull_all(args), vec![Some(Arg::Command(2))]);
        let args: &[&[u8]] = &[b"usher", b"-v", b"--"];
        assert_eq!(pull_all(args), vec![Some(Arg::Opt(Opt::Short(b'v'))), None]);
    }

    #[test]
    fn values_attached_or_separate() {
        let args: &[&[u8]] = &[
            b"usher",
            b"-pTERM",
            b"--pdeathsig=HUP",
            b"-e",
            b"-3",
            b"--remap-exit",
            b"4",
        ];
        let mut parser = Parser::new(args);
        assert_eq!(parser.next_arg(), Some(Arg::Opt(Opt::Short(b'p'))));
        assert_eq!(parser.value(), Some(&b"TERM"[..]));
        assert_eq!(parser.next_arg(), Some(Arg::Opt(Opt::Long(b"pdeathsig"))));
        assert_eq!(parser.value(), Some(&b"HUP"[..]));
        assert_eq!(parser.next_arg(), Some(Arg::Opt(Opt::Short(b'e'))));
        assert_eq!(parser.value(), Some(&b"-3"[..]));
        assert_eq!(parser.next_arg(), Some(Arg::Opt(Opt::Long(b"remap-exit"))));
        assert_eq!(parser.value(), Some(&b"4"[..]));
        assert_eq!(parser.next_arg(), None);
    }

    #[test]
    fn an_unwanted_value_is_seen() {
        let args: &[&[u8]] = &[b"usher", b"--pgroup=1", b"cmd"];
        let mut parser = Parser::new(args);
        assert_eq!(parser.next_arg(), Some(Arg::Opt(Opt::Long(b"pgroup"))));
        assert!(parser.has_attached());
        let args: &[&[u8]] = &[b"usher", b"--pgroup", b"cmd"];
        let mut parser = Parser::new(args);
        parser.next_arg();
        assert!(!parser.has_attached());
    }

    #[test]
    fn a_missing_value_is_none() {
        let args: &[&[u8]] = &[b"usher", b"-p"];
        let mut parser = Parser::new(args);
        parser.next_arg().unwrap();
        assert_eq!(parser.value(), None);
    }

    #[test]
    fn a_lone_dash_is_a_command() {
        let args: &[&[u8]] = &[b"usher", b"-", b"x"];
        assert_eq!(pull_all(args), vec![Some(Arg::Command(1))]);
    }

    #[test]
    fn every_kind_has_its_template_and_form() {
        assert_eq!(
            TEMPLATES.split(|&byte| byte == 0).count(),
            usize::from(FIRST_BAD_VALUE) + 1
        );
        assert_eq!(
            FORMS.split(|&byte| byte == 0).count(),
            usize::from(ErrorKind::BadMountVariable as u8 - FIRST_BAD_VALUE) + 1
        );
        let error = CliError::with_value(ErrorKind::BadMountVariable, Opt::Long(b"bind"), b"$X");
        assert_eq!(
            error.line().as_bytes(),
            b"usher: bad value for --bind: '$X' ($NAME of a variable that is set)"
        );
        let error = CliError::with_value(ErrorKind::BadTmpfs, Opt::Long(b"tmpfs"), b"");
        assert_eq!(
            error.line().as_bytes(),
            b"usher: bad value for --tmpfs: '' (a path in the new root)"
        );
        let error = CliError::with_value(ErrorKind::BadDumbInitRewrite, Opt::Short(b'r'), b"x");
        assert_eq!(
            error.line().as_bytes(),
            &b"usher: bad signal for -r: 'x' (dumb-init takes numbers S:R, with S from 1 to 31 \
and R from 0 to 31)"[..]
        );
        assert_eq!(
            CliError::bare(ErrorKind::TooManyMounts).line().as_bytes(),
            b"usher: too many mounts (limit 64)"
        );
        let error = CliError::unknown_variable(b"USHER_NO-MOUNTS", b"no-mounts");
        assert_eq!(
            error.line().as_bytes(),
            b"usher: unknown variable USHER_NO-MOUNTS (did you mean USHER_NO_MOUNTS?)"
        );
    }

    #[test]
    fn messages_are_one_line() {
        let error = CliError::with_value(ErrorKind::BadExitCode, Opt::Short(b'e'), b"300");
        assert_eq!(
            error.line().as_bytes(),
            b"usher: bad exit code for -e: '300' (a number from 0 to 255)"
        );
        let error = CliError::new(ErrorKind::UnknownOption, Opt::Long(b"frobnicate"));
        assert_eq!(
            error.line().as_bytes(),
            b"usher: unknown option --frobnicate"
        );
        let error = CliError::with_value(
            ErrorKind::BadVariable,
            Opt::Long(b"USHER_REMAP_EXIT"),
            b"256",
        );
        assert_eq!(
            error.line().as_bytes(),
            b"usher: bad value in USHER_REMAP_EXIT: '256'"
        );
    }
}
