//! Command lines: a pull parser in lexopt's style (but heap-free and stopping
//! at the first non-option, never permuting), the bad-input errors every
//! personality shares, and the dispatch on the invocation name. Nothing here
//! makes a syscall.

pub mod dumb_init;
pub mod gosu;
pub mod native;
pub mod tini;

use crate::env::Environment;
use crate::error::{Line, Part, Stream};
use crate::plan::{Personality, Plan};
use crate::sys::CStrArray;

/// Anything that holds argv.
pub trait Arguments {
    fn count(&self) -> usize;
    fn arg(&self, index: usize) -> &[u8];
}

impl Arguments for CStrArray {
    fn count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> &[u8] {
        self.get(index).map_or(b"", |arg| arg.to_bytes())
    }
}

impl Arguments for [&[u8]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn arg(&self, index: usize) -> &[u8] {
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
/// non-option ends them too.
pub struct Parser<'a, A: Arguments + ?Sized> {
    args: &'a A,
    /// Next argv index to look at.
    next: usize,
    /// Inside a cluster of shorts: (argv index, byte offset of the next short).
    shorts: Option<(usize, usize)>,
    /// The `=value` of the last long option, not yet taken.
    attached: Option<&'a [u8]>,
    last: Option<Opt<'a>>,
    done: bool,
}

impl<'a, A: Arguments + ?Sized> Parser<'a, A> {
    /// Starts after argv[0].
    #[inline(never)]
    pub fn new(args: &'a A) -> Self {
        Parser {
            args,
            next: 1,
            shorts: None,
            attached: None,
            last: None,
            done: false,
        }
    }

    pub fn next_arg(&mut self) -> Result<Option<Arg<'a>>, CliError<'a>> {
        if let (Some(name), Some(_)) = (self.last, self.attached) {
            return Err(CliError::new(ErrorKind::UnexpectedValue, name));
        }
        if let Some((index, offset)) = self.shorts {
            let arg = self.args.arg(index);
            let letter = arg[offset];
            self.shorts = (offset + 1 < arg.len()).then_some((index, offset + 1));
            let opt = Opt::Short(letter);
            self.last = Some(opt);
            return Ok(Some(Arg::Opt(opt)));
        }
        if self.done || self.next >= self.args.count() {
            return Ok(None);
        }
        let index = self.next;
        let arg = self.args.arg(index);
        self.next += 1;
        if arg == b"--" {
            self.done = true;
            return Ok((self.next < self.args.count()).then_some(Arg::Command(self.next)));
        }
        if let Some(long) = arg.strip_prefix(&b"--"[..]) {
            let (name, value) = match long.iter().position(|&byte| byte == b'=') {
                Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
                None => (long, None),
            };
            let opt = Opt::Long(name);
            self.attached = value;
            self.last = Some(opt);
            return Ok(Some(Arg::Opt(opt)));
        }
        if arg.len() > 1 && arg[0] == b'-' {
            self.shorts = Some((index, 1));
            return self.next_arg();
        }
        self.done = true;
        Ok(Some(Arg::Command(index)))
    }

    /// The value of the option just pulled: attached, or the next argument
    /// (whatever it looks like, as getopt does).
    pub fn value(&mut self) -> Result<&'a [u8], CliError<'a>> {
        let opt = self.last.unwrap_or(Opt::Short(b'?'));
        if let Some(value) = self.attached.take() {
            return Ok(value);
        }
        if let Some((index, offset)) = self.shorts.take() {
            return Ok(&self.args.arg(index)[offset..]);
        }
        if self.next < self.args.count() {
            self.next += 1;
            return Ok(self.args.arg(self.next - 1));
        }
        Err(CliError::new(ErrorKind::MissingValue, opt))
    }
}

/// What kind of bad input.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ErrorKind {
    UnknownOption,
    /// A prefix of more than one long name (dumb-init's getopt_long).
    AmbiguousOption,
    MissingValue,
    UnexpectedValue,
    BadSignal(&'static [u8]),
    BadExitCode,
    BadDuration,
    /// A value without the form its option needs (the form follows).
    BadForm(&'static [u8]),
    NoCommand,
    /// A twin variable held a value its option would refuse (the error's
    /// `opt` holds the variable's name).
    BadVariable,
}

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
        CliError {
            kind: ErrorKind::NoCommand,
            opt: None,
            value: b"",
        }
    }

    pub fn variable(name: &'a [u8], value: &'a [u8]) -> Self {
        CliError {
            kind: ErrorKind::BadVariable,
            opt: Some(Opt::Long(name)),
            value,
        }
    }

    /// Writes the message to stderr. Not inlined, so that its line buffer
    /// is not part of the caller's stack frame for the whole run.
    #[inline(never)]
    pub fn report(&self) {
        self.line().write_to(Stream::Stderr);
    }

    /// The one-line message, naming the option (or variable) and the value.
    pub fn line(&self) -> Line {
        let template: &[u8] = match self.kind {
            ErrorKind::UnknownOption => b"unknown option \x01\x02",
            ErrorKind::AmbiguousOption => b"ambiguous option \x01\x02",
            ErrorKind::MissingValue => b"option \x01\x02 needs a value",
            ErrorKind::UnexpectedValue => b"option \x01\x02 takes no value",
            ErrorKind::BadSignal(_) => b"bad signal for \x01\x02: '\x03'\x04",
            ErrorKind::BadExitCode => {
                b"bad exit code for \x01\x02: '\x03' (a number from 0 to 255)"
            }
            ErrorKind::BadDuration => {
                b"bad duration for \x01\x02: '\x03' (like 10s, 500ms, or 10 for seconds)"
            }
            ErrorKind::BadForm(_) => b"bad value for \x01\x02: '\x03'\x04",
            ErrorKind::NoCommand => b"no command given",
            ErrorKind::BadVariable => b"bad value in \x02: '\x03'",
        };
        let (dashes, name): (&[u8], &[u8]) = match &self.opt {
            Some(Opt::Short(letter)) => (b"-", core::slice::from_ref(letter)),
            Some(Opt::Long(name)) => (b"--", name),
            None => (b"", b""),
        };
        let extra = match self.kind {
            ErrorKind::BadSignal(text) | ErrorKind::BadForm(text) => text,
            _ => b"",
        };
        let mut line = Line::usher();
        line.push_parts(
            template,
            &[
                Part::Bytes(dashes),
                Part::Bytes(name),
                Part::Bytes(self.value),
                Part::Bytes(extra),
            ],
        );
        line
    }
}

/// What the command line asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action<'a> {
    /// Run the Plan that parsing filled in.
    Run,
    /// Print a fixed text (help, version, licence) and exit: 0 after
    /// stdout, 1 after stderr (gosu's usage when it has too few arguments).
    Print { text: Text<'a>, stream: Stream },
    /// Bad input: report it (and the usage when `usage` is set) and exit 1.
    Fail {
        error: CliError<'a>,
        usage: Option<Text<'a>>,
    },
}

/// The texts a personality can print.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Text<'a> {
    NativeHelp,
    NativeVersion,
    TiniVersion,
    /// tini's usage, which names the program as invoked.
    TiniUsage {
        name: &'a [u8],
    },
    License,
    /// gosu's or su-exec's usage, which names the program as invoked.
    SwitchUsage {
        name: &'a [u8],
        personality: Personality,
    },
    GosuVersion,
    /// dumb-init's help, on stderr with status 0; it names the program.
    DumbInitHelp {
        name: &'a [u8],
    },
    DumbInitVersion,
    /// dumb-init's short usage when no command is given (status 1).
    DumbInitUsage {
        name: &'a [u8],
    },
}

impl Text<'_> {
    /// usher's exit status after printing this text on `stream`: 0 after
    /// stdout, 1 after stderr, except dumb-init's help and version, which
    /// go to stderr with status 0.
    pub fn status(self, stream: Stream) -> i32 {
        match self {
            Text::DumbInitHelp { .. } | Text::DumbInitVersion => 0,
            _ => i32::from(stream == Stream::Stderr),
        }
    }
}

/// Parses argv and the environment into an Action, by personality, filling
/// in `plan` (made with `Plan::new`) for `Action::Run`. The Plan is filled
/// in place, never moved: it is the largest value usher has.
pub fn parse<'a, A, E>(args: &'a A, env: &'a E, plan: &mut Plan<'a>) -> Action<'a>
where
    A: Arguments + ?Sized,
    E: Environment + ?Sized,
{
    let argv0 = if args.count() > 0 {
        args.arg(0)
    } else {
        b"usher"
    };
    plan.personality = Personality::from_invocation(argv0);
    match plan.personality {
        Personality::Native => native::parse(args, env, plan),
        Personality::Tini => tini::parse(args, env, plan),
        Personality::DumbInit => dumb_init::parse(args, env, plan),
        _ => gosu::parse(args, plan),
    }
}

/// Parses test arguments: the Action and the Plan.
#[cfg(test)]
pub(crate) fn parse_plan<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> (Action<'a>, Plan<'a>) {
    let mut plan = Plan::new(Personality::Native, 0);
    let action = parse(args, env, &mut plan);
    (action, plan)
}

/// What a command line asks for (the tests of every personality).
#[cfg(test)]
pub(crate) fn action_of<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Action<'a> {
    parse_plan(args, env).0
}

/// The Plan of a command line that must run; anything else fails the test.
#[cfg(test)]
pub(crate) fn plan_of<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Plan<'a> {
    let (action, plan) = parse_plan(args, env);
    assert_eq!(action, Action::Run, "expected a plan");
    plan
}

/// Parses a duration into milliseconds: `10s`, `500ms`, or a bare number of
/// seconds. At most a day, so that a typo cannot hang a shutdown for ever.
pub fn parse_duration(text: &[u8]) -> Option<u32> {
    const DAY_MS: u64 = 24 * 60 * 60 * 1000;
    let (digits, scale) = if let Some(digits) = text.strip_suffix(&b"ms"[..]) {
        (digits, 1)
    } else if let Some(digits) = text.strip_suffix(&b"s"[..]) {
        (digits, 1000)
    } else {
        (text, 1000)
    };
    let millis = crate::signal::parse_decimal(digits)?.checked_mul(scale)?;
    (millis <= DAY_MS).then_some(millis as u32)
}

/// Parses an exit code 0..=255 (digits only).
pub fn parse_exit_code(text: &[u8]) -> Option<u8> {
    crate::signal::parse_decimal(text).and_then(|code| u8::try_from(code).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull_all<'a>(args: &'a [&'a [u8]]) -> Vec<Result<Option<Arg<'a>>, CliError<'a>>> {
        let mut parser = Parser::new(args);
        let mut out = Vec::new();
        loop {
            let item = parser.next_arg();
            let stop = !matches!(item, Ok(Some(Arg::Opt(_))));
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
                Ok(Some(Arg::Opt(Opt::Short(b'g')))),
                Ok(Some(Arg::Opt(Opt::Short(b'v')))),
                Ok(Some(Arg::Command(2)))
            ]
        );
    }

    #[test]
    fn double_dash_ends_options() {
        let args: &[&[u8]] = &[b"usher", b"--", b"-v"];
        assert_eq!(pull_all(args), vec![Ok(Some(Arg::Command(2)))]);
        let args: &[&[u8]] = &[b"usher", b"-v", b"--"];
        assert_eq!(
            pull_all(args),
            vec![Ok(Some(Arg::Opt(Opt::Short(b'v')))), Ok(None)]
        );
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
        assert_eq!(parser.next_arg(), Ok(Some(Arg::Opt(Opt::Short(b'p')))));
        assert_eq!(parser.value(), Ok(&b"TERM"[..]));
        assert_eq!(
            parser.next_arg(),
            Ok(Some(Arg::Opt(Opt::Long(b"pdeathsig"))))
        );
        assert_eq!(parser.value(), Ok(&b"HUP"[..]));
        assert_eq!(parser.next_arg(), Ok(Some(Arg::Opt(Opt::Short(b'e')))));
        assert_eq!(parser.value(), Ok(&b"-3"[..]));
        assert_eq!(
            parser.next_arg(),
            Ok(Some(Arg::Opt(Opt::Long(b"remap-exit"))))
        );
        assert_eq!(parser.value(), Ok(&b"4"[..]));
        assert_eq!(parser.next_arg(), Ok(None));
    }

    #[test]
    fn an_unwanted_value_is_an_error() {
        let args: &[&[u8]] = &[b"usher", b"--pgroup=1", b"cmd"];
        let mut parser = Parser::new(args);
        assert_eq!(parser.next_arg(), Ok(Some(Arg::Opt(Opt::Long(b"pgroup")))));
        assert_eq!(
            parser.next_arg(),
            Err(CliError::new(
                ErrorKind::UnexpectedValue,
                Opt::Long(b"pgroup")
            ))
        );
    }

    #[test]
    fn a_missing_value_is_an_error() {
        let args: &[&[u8]] = &[b"usher", b"-p"];
        let mut parser = Parser::new(args);
        parser.next_arg().unwrap();
        assert_eq!(
            parser.value(),
            Err(CliError::new(ErrorKind::MissingValue, Opt::Short(b'p')))
        );
    }

    #[test]
    fn a_lone_dash_is_a_command() {
        let args: &[&[u8]] = &[b"usher", b"-", b"x"];
        assert_eq!(pull_all(args), vec![Ok(Some(Arg::Command(1)))]);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(parse_exit_code(b"0"), Some(0));
        assert_eq!(parse_exit_code(b"255"), Some(255));
        assert_eq!(parse_exit_code(b"256"), None);
        assert_eq!(parse_exit_code(b"-1"), None);
        assert_eq!(parse_exit_code(b""), None);
        assert_eq!(parse_exit_code(b"1x"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration(b"10s"), Some(10_000));
        assert_eq!(parse_duration(b"10"), Some(10_000));
        assert_eq!(parse_duration(b"500ms"), Some(500));
        assert_eq!(parse_duration(b"0"), Some(0));
        assert_eq!(parse_duration(b"0ms"), Some(0));
        assert_eq!(parse_duration(b"86400"), Some(86_400_000));
        for bad in [
            &b""[..],
            b"s",
            b"ms",
            b"-1",
            b"1.5s",
            b"10m",
            b"10 s",
            b"86401",
            b"99999999999999999999",
            b"5sms",
        ] {
            assert_eq!(parse_duration(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn rewrite_tables() {
        let table_of = |args: &'static [&'static [u8]], env: &'static [&'static [u8]]| {
            plan_of(args, env).rewrites
        };
        assert_eq!(
            table_of(&[b"usher", b"x"], &[]),
            crate::signal::Rewrites::default()
        );
        let table = table_of(
            &[b"usher", b"-r", b"TERM:QUIT", b"--rewrite=INT:0", b"x"],
            &[],
        );
        assert_eq!(table.apply(15), Some(3));
        assert_eq!(table.apply(2), None);
        assert_eq!(table.apply(20), Some(20));
        // The twin, when argv has none; argv wins, and lists are not merged.
        let env: &'static [&'static [u8]] = &[b"USHER_REWRITE=TERM:QUIT,USR1:USR2"];
        let table = table_of(&[b"usher", b"x"], env);
        assert_eq!((table.apply(15), table.apply(10)), (Some(3), Some(12)));
        let table = table_of(&[b"usher", b"-r", b"HUP:0", b"x"], env);
        assert_eq!((table.apply(15), table.apply(1)), (Some(15), None));
        // dumb-init: numbers.
        let table = table_of(&[b"dumb-init", b"-r", b"15:3", b"-r", b"20:0", b"x"], &[]);
        assert_eq!(
            (table.apply(15), table.apply(20), table.apply(21)),
            (Some(3), None, Some(21))
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
        let error = CliError::variable(b"USHER_REMAP_EXIT", b"256");
        assert_eq!(
            error.line().as_bytes(),
            b"usher: bad value in USHER_REMAP_EXIT: '256'"
        );
    }
}
