//! usher's own command line: `usher [OPTIONS] [--] COMMAND [ARG]...`, where
//! every option has an environment twin and argv wins over the twin.

use super::{parse_exit_code, Action, Arg, Arguments, CliError, ErrorKind, Opt, Parser, Text};
use crate::env::{parse_bool, Environment};
use crate::error::Stream;
use crate::plan::{ExitCodes, Personality, Plan, Subreaper};
use crate::signal;

const SIGNAL_FORMS: &str = " (a name like TERM or SIGTERM, a number 1-64, RTMIN+N or RTMAX-N)";

/// The options as argv gave them; `None` means "not on argv, ask the twin".
#[derive(Default)]
struct Given {
    subreaper: Option<Subreaper>,
    process_group: Option<bool>,
    pdeathsig: Option<u32>,
    remap_exit: Option<ExitCodes>,
    verbosity: Option<u32>,
    warn_reaped: Option<bool>,
}

pub fn parse<'a, A, E>(args: &'a A, env: &'a E) -> Action<'a>
where
    A: Arguments + ?Sized,
    E: Environment + ?Sized,
{
    match parse_options(args) {
        Ok(Parsed::Print(text)) => Action::Print {
            text,
            stream: Stream::Stdout,
            code: 0,
        },
        Ok(Parsed::Command(command, given)) => match apply_twins(given, env) {
            Ok(mut plan) => {
                plan.command = command;
                Action::Run(plan)
            }
            Err(error) => fail(error),
        },
        Err(error) => fail(error),
    }
}

fn fail(error: CliError<'_>) -> Action<'_> {
    Action::Fail {
        error,
        usage: None,
        code: 1,
    }
}

enum Parsed {
    Print(Text<'static>),
    Command(usize, Given),
}

fn parse_options<A: Arguments + ?Sized>(args: &A) -> Result<Parsed, CliError<'_>> {
    let mut parser = Parser::new(args);
    let mut given = Given::default();
    while let Some(arg) = parser.next_arg()? {
        let opt = match arg {
            Arg::Command(index) => return Ok(Parsed::Command(index, given)),
            Arg::Opt(opt) => opt,
        };
        match opt {
            Opt::Short(b'h') | Opt::Long(b"help") => return Ok(Parsed::Print(Text::NativeHelp)),
            Opt::Short(b'V') | Opt::Long(b"version") => {
                return Ok(Parsed::Print(Text::NativeVersion))
            }
            Opt::Short(b's') | Opt::Long(b"subreaper") => given.subreaper = Some(Subreaper::On),
            Opt::Long(b"no-subreaper") => given.subreaper = Some(Subreaper::Off),
            Opt::Short(b'g') | Opt::Long(b"pgroup") => given.process_group = Some(true),
            Opt::Short(b'w') | Opt::Long(b"warn-reaped") => given.warn_reaped = Some(true),
            Opt::Short(b'v') | Opt::Long(b"verbose") => {
                given.verbosity = Some(given.verbosity.unwrap_or(0).saturating_add(1));
            }
            Opt::Short(b'p') | Opt::Long(b"pdeathsig") => {
                let value = parser.value()?;
                let signo = signal::parse(value).ok_or(CliError::with_value(
                    ErrorKind::BadSignal(SIGNAL_FORMS),
                    opt,
                    value,
                ))?;
                given.pdeathsig = Some(signo);
            }
            Opt::Short(b'e') | Opt::Long(b"remap-exit") => {
                let value = parser.value()?;
                let code = parse_exit_code(value).ok_or(CliError::with_value(
                    ErrorKind::BadExitCode,
                    opt,
                    value,
                ))?;
                given
                    .remap_exit
                    .get_or_insert_with(ExitCodes::default)
                    .insert(code);
            }
            _ => return Err(CliError::new(ErrorKind::UnknownOption, opt)),
        }
    }
    Err(CliError::no_command())
}

/// Fills what argv did not give from the twins, each checked as strictly as
/// its option.
fn apply_twins<'a, E: Environment + ?Sized>(
    given: Given,
    env: &'a E,
) -> Result<Plan, CliError<'a>> {
    let boolean = |name: &'static str| -> Result<Option<bool>, CliError<'a>> {
        match env.var(name.as_bytes()) {
            None => Ok(None),
            Some(value) => parse_bool(value)
                .map(Some)
                .ok_or(CliError::variable(name, value)),
        }
    };
    let mut plan = Plan::new(Personality::Native, 0);
    plan.subreaper = match given.subreaper {
        Some(choice) => choice,
        None => match boolean("USHER_SUBREAPER")? {
            Some(true) => Subreaper::On,
            Some(false) => Subreaper::Off,
            None => Subreaper::Auto,
        },
    };
    plan.process_group = match given.process_group {
        Some(on) => on,
        None => boolean("USHER_PGROUP")?.unwrap_or(false),
    };
    plan.warn_reaped = match given.warn_reaped {
        Some(on) => on,
        None => boolean("USHER_WARN_REAPED")?.unwrap_or(false),
    };
    plan.pdeathsig = match given.pdeathsig {
        Some(signo) => Some(signo),
        None => match env.var(b"USHER_PDEATHSIG") {
            None => None,
            Some(value) => {
                Some(signal::parse(value).ok_or(CliError::variable("USHER_PDEATHSIG", value))?)
            }
        },
    };
    plan.remap_exit = match given.remap_exit {
        Some(codes) => codes,
        None => match env.var(b"USHER_REMAP_EXIT") {
            None => ExitCodes::default(),
            Some(value) => {
                parse_code_list(value).ok_or(CliError::variable("USHER_REMAP_EXIT", value))?
            }
        },
    };
    plan.verbosity = match given.verbosity {
        Some(count) => count,
        None => match env.var(b"USHER_VERBOSE") {
            None => 0,
            Some(b"") => 0,
            Some(value) => signal::parse_decimal(value)
                .and_then(|level| u32::try_from(level).ok())
                .ok_or(CliError::variable("USHER_VERBOSE", value))?,
        },
    };
    plan.warnings = plan.verbosity >= 1;
    Ok(plan)
}

/// `143,130`: comma-separated codes, each 0..=255. Empty means none.
fn parse_code_list(value: &[u8]) -> Option<ExitCodes> {
    let mut codes = ExitCodes::default();
    if value.is_empty() {
        return Some(codes);
    }
    for item in value.split(|&byte| byte == b',') {
        codes.insert(parse_exit_code(item)?);
    }
    Some(codes)
}

pub const HELP: &str = "\
Usage: usher [OPTIONS] [--] COMMAND [ARG]...
Runs COMMAND, forwards signals to it, reaps zombies, exits with its status.

  -s, --subreaper        be a subreaper (default when not PID 1)  USHER_SUBREAPER=1
      --no-subreaper     never be a subreaper                     USHER_SUBREAPER=0
  -g, --pgroup           signal the child's process group         USHER_PGROUP=1
  -p, --pdeathsig SIG    get SIG when usher's parent dies; forward USHER_PDEATHSIG=SIG
  -e, --remap-exit CODE  exit 0 on status CODE (repeatable)       USHER_REMAP_EXIT=143,130
  -v, --verbose          diagnostics on stderr (repeatable)       USHER_VERBOSE=N
  -w, --warn-reaped      report reaped orphans                    USHER_WARN_REAPED=1
  -h, --help             print this help
  -V, --version          print the version

SIG: TERM, SIGTERM, 15, RTMIN+3, RTMAX-2. Booleans: 1/true/yes/on, 0/false/no/off.
Exit: the child's status; 128+N for signal N; 126 not executable; 127 not
found; 1 usher's own error. As tini or docker-init, usher takes tini's options.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Action<'a> {
        parse(args, env)
    }

    fn plan<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Plan {
        match run(args, env) {
            Action::Run(plan) => plan,
            other => panic!("expected a plan, got {other:?}"),
        }
    }

    fn error<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Vec<u8> {
        match run(args, env) {
            Action::Fail {
                error,
                usage: None,
                code: 1,
            } => error.line().as_bytes().to_vec(),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let plan = plan(&[b"usher", b"true"], &[]);
        assert_eq!(plan.command, 1);
        assert_eq!(plan.subreaper, Subreaper::Auto);
        assert!(!plan.process_group && !plan.warn_reaped && !plan.warnings);
        assert_eq!(plan.pdeathsig, None);
        assert_eq!(plan.verbosity, 0);
        assert!(plan.remap_exit.is_empty());
    }

    #[test]
    fn every_option() {
        let args: &[&[u8]] = &[
            b"usher",
            b"-s",
            b"-g",
            b"-p",
            b"TERM",
            b"-e",
            b"3",
            b"--remap-exit=143",
            b"-vvw",
            b"--",
            b"sh",
            b"-c",
            b"x",
        ];
        let plan = plan(args, &[]);
        assert_eq!(plan.command, 10);
        assert_eq!(plan.subreaper, Subreaper::On);
        assert!(plan.process_group && plan.warn_reaped);
        assert_eq!(plan.pdeathsig, Some(15));
        assert!(
            plan.remap_exit.contains(3)
                && plan.remap_exit.contains(143)
                && !plan.remap_exit.contains(0)
        );
        assert_eq!(plan.verbosity, 2);
    }

    #[test]
    fn arguments_are_never_permuted() {
        let plan = plan(&[b"usher", b"sh", b"-c", b"-v"], &[]);
        assert_eq!(plan.command, 1);
        assert_eq!(plan.verbosity, 0);
    }

    #[test]
    fn help_and_version_win_even_with_a_command() {
        for (arg, text) in [
            (&b"-h"[..], Text::NativeHelp),
            (b"--help", Text::NativeHelp),
            (b"-V", Text::NativeVersion),
            (b"--version", Text::NativeVersion),
        ] {
            let args: &[&[u8]] = &[b"usher", arg, b"true"];
            assert_eq!(
                run(args, &[]),
                Action::Print {
                    text,
                    stream: Stream::Stdout,
                    code: 0
                }
            );
        }
    }

    #[test]
    fn bad_input() {
        assert_eq!(error(&[b"usher"], &[]), b"usher: no command given");
        assert_eq!(error(&[b"usher", b"-v"], &[]), b"usher: no command given");
        assert_eq!(
            error(&[b"usher", b"--bogus", b"x"], &[]),
            b"usher: unknown option --bogus"
        );
        assert_eq!(
            error(&[b"usher", b"-x", b"x"], &[]),
            b"usher: unknown option -x"
        );
        assert_eq!(
            error(&[b"usher", b"-p"], &[]),
            b"usher: option -p needs a value"
        );
        assert_eq!(
            error(&[b"usher", b"--pgroup=yes", b"x"], &[]),
            b"usher: option --pgroup takes no value"
        );
        assert!(error(&[b"usher", b"-p", b"0", b"x"], &[])
            .starts_with(b"usher: bad signal for -p: '0'"));
        assert!(error(&[b"usher", b"--pdeathsig=BOGUS", b"x"], &[])
            .starts_with(b"usher: bad signal for --pdeathsig: 'BOGUS'"));
        assert!(error(&[b"usher", b"-e", b"256", b"x"], &[])
            .starts_with(b"usher: bad exit code for -e: '256'"));
        assert!(error(&[b"usher", b"-e", b"-1", b"x"], &[])
            .starts_with(b"usher: bad exit code for -e: '-1'"));
    }

    #[test]
    fn twins_fill_what_argv_left() {
        let env: &[&[u8]] = &[
            b"USHER_SUBREAPER=0",
            b"USHER_PGROUP=yes",
            b"USHER_PDEATHSIG=RTMIN+2",
            b"USHER_REMAP_EXIT=143,130",
            b"USHER_VERBOSE=2",
            b"USHER_WARN_REAPED=on",
        ];
        let plan = plan(&[b"usher", b"x"], env);
        assert_eq!(plan.subreaper, Subreaper::Off);
        assert!(plan.process_group && plan.warn_reaped);
        assert_eq!(plan.pdeathsig, Some(36));
        assert!(
            plan.remap_exit.contains(143)
                && plan.remap_exit.contains(130)
                && !plan.remap_exit.contains(0)
        );
        assert_eq!(plan.verbosity, 2);
    }

    #[test]
    fn argv_wins_and_lists_are_not_merged() {
        let env: &[&[u8]] = &[
            b"USHER_REMAP_EXIT=143",
            b"USHER_PDEATHSIG=HUP",
            b"USHER_VERBOSE=3",
            b"USHER_SUBREAPER=0",
        ];
        let plan = plan(
            &[b"usher", b"-e", b"1", b"-p", b"INT", b"-v", b"-s", b"x"],
            env,
        );
        assert!(plan.remap_exit.contains(1) && !plan.remap_exit.contains(143));
        assert_eq!(plan.pdeathsig, Some(2));
        assert_eq!(plan.verbosity, 1);
        assert_eq!(plan.subreaper, Subreaper::On);
    }

    #[test]
    fn bad_twins_are_bad_input() {
        let cases: &[(&[u8], &[u8])] = &[
            (
                b"USHER_REMAP_EXIT=256",
                b"usher: bad value in USHER_REMAP_EXIT: '256'",
            ),
            (
                b"USHER_REMAP_EXIT=1,,2",
                b"usher: bad value in USHER_REMAP_EXIT: '1,,2'",
            ),
            (b"USHER_PGROUP=2", b"usher: bad value in USHER_PGROUP: '2'"),
            (
                b"USHER_SUBREAPER=maybe",
                b"usher: bad value in USHER_SUBREAPER: 'maybe'",
            ),
            (
                b"USHER_PDEATHSIG=0",
                b"usher: bad value in USHER_PDEATHSIG: '0'",
            ),
            (
                b"USHER_VERBOSE=loud",
                b"usher: bad value in USHER_VERBOSE: 'loud'",
            ),
            (
                b"USHER_WARN_REAPED=x",
                b"usher: bad value in USHER_WARN_REAPED: 'x'",
            ),
        ];
        for (entry, message) in cases {
            let env: &[&[u8]] = &[entry];
            assert_eq!(error(&[b"usher", b"x"], env), *message);
        }
    }

    #[test]
    fn empty_twins_are_off() {
        let env: &[&[u8]] = &[b"USHER_PGROUP=", b"USHER_REMAP_EXIT=", b"USHER_VERBOSE="];
        let plan = plan(&[b"usher", b"x"], env);
        assert!(!plan.process_group && plan.remap_exit.is_empty());
        assert_eq!(plan.verbosity, 0);
    }
}
