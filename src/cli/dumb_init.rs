//! The dumb-init personality (invoked as `dumb-init`): dumb-init 1.2.5's
//! command line `-c -r S:R -v -h -V` (long forms too) and the variables
//! DUMB_INIT_SETSID and DUMB_INIT_DEBUG. Options end at the first operand,
//! so `#!/usr/bin/dumb-init /bin/sh` works. setsid mode is the default.

use super::options::{names, parse_argv, prefix_of, Names, Parsed, HELP as HELP_ID};
use super::options::{REWRITE, SINGLE_CHILD, VERBOSE, VERSION as VERSION_ID};
use super::{Action, Arguments, ErrorKind, Opt, Text};
use crate::env::Environment;
use crate::error::Stream;
use crate::plan::{Lists, Plan, Subreaper};

/// dumb-init's names, by the ids of the native options (see `options`).
pub(super) const NAMES: Names = names!(
    &[
        (HELP_ID, b'h', "help"),
        (VERSION_ID, b'V', "version"),
        (VERBOSE, b'v', "verbose"),
        (SINGLE_CHILD, b'c', "single-child"),
        (REWRITE, b'r', "rewrite"),
    ],
    prefixes: true
);

/// The options, then the variables. Help and version go to stderr with
/// status 0, and a missing command prints the short usage with status 1,
/// as dumb-init does.
pub fn parse<'a, A, E>(args: &A, env: &E, plan: &mut Plan<'a>, lists: &mut Lists<'a>) -> Action<'a>
where
    A: Arguments<'a> + ?Sized,
    E: Environment<'a> + ?Sized,
{
    // argv[0] is there: the personality was chosen by it.
    let name = args.arg(0);
    plan.setsid = true;
    plan.subreaper = Subreaper::Off;
    match parse_argv(args, plan, lists, &NAMES) {
        Ok(Parsed::Print(id)) => {
            return Action::Print {
                text: if id == HELP_ID {
                    Text::DumbInitHelp { name }
                } else {
                    Text::DumbInitVersion
                },
                stream: Stream::Stderr,
            }
        }
        Ok(Parsed::Command(_)) => {}
        Err(error) if error.kind == ErrorKind::NoCommand => {
            return Action::Print {
                text: Text::DumbInitUsage { name },
                stream: Stream::Stderr,
            }
        }
        Err(mut error) => {
            // getopt_long's word for a prefix of two names.
            if let (ErrorKind::UnknownOption, Some(Opt::Long(name))) = (error.kind, error.opt) {
                if prefix_of(NAMES.longs, name).0 > 1 {
                    error.kind = ErrorKind::AmbiguousOption;
                }
            }
            return Action::Fail { error, usage: None };
        }
    }
    // dumb-init has one debug level: every signal and every reap.
    if plan.verbosity > 0 || env.var(b"DUMB_INIT_DEBUG") == Some(b"1") {
        plan.verbosity = 2;
    }
    if env.var(b"DUMB_INIT_SETSID") == Some(b"0") {
        plan.setsid = false;
    }
    plan.warnings = plan.verbosity > 0;
    Action::Run
}

/// The version line, on stderr as dumb-init prints it.
pub const VERSION: &str = concat!("dumb-init v1.2.5 (usher ", env!("CARGO_PKG_VERSION"), ")\n");

/// `\x01` is the name dumb-init was invoked as.
pub const USAGE: &str = "Usage: \x01 [option] program [args]\nTry \x01 --help for full usage.\n";

pub const HELP_HEAD: &str = concat!(
    "dumb-init v1.2.5 (usher ",
    env!("CARGO_PKG_VERSION"),
    ")\nUsage: \x01 [option] command [[arg] ...]\n"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::CliError;
    use crate::cli::{action_of as run, plan_of as plan};

    #[test]
    fn defaults_follow_dumb_init() {
        let plan = plan(&[b"dumb-init", b"sh", b"-c", b"x"], &[]);
        assert_eq!(plan.command, 1);
        assert!(plan.setsid && !plan.process_group);
        assert_eq!(plan.rewrites, crate::signal::Rewrites::default());
        assert_eq!(plan.subreaper, Subreaper::Off);
        assert_eq!(plan.verbosity, 0);
        assert!(!plan.warnings);
    }

    #[test]
    fn options_and_variables_set_the_plan() {
        let given = plan(
            &[
                b"dumb-init",
                b"-c",
                b"-r",
                b"15:3",
                b"--rewrite=2:0",
                b"-v",
                b"x",
            ],
            &[],
        );
        assert!(!given.setsid);
        assert_eq!(
            (given.rewrites.apply(15), given.rewrites.apply(2)),
            (Some(3), None)
        );
        assert_eq!(given.verbosity, 2);
        assert_eq!(given.command, 6);
        let single = plan(&[b"dumb-init", b"--single-child", b"x"], &[]);
        assert!(!single.setsid);
        let env: &[&[u8]] = &[b"DUMB_INIT_SETSID=0", b"DUMB_INIT_DEBUG=1"];
        let from_env = plan(&[b"dumb-init", b"x"], env);
        assert!(!from_env.setsid);
        assert_eq!(from_env.verbosity, 2);
        // Exactly 0 and exactly 1, as dumb-init compares them.
        let env: &[&[u8]] = &[b"DUMB_INIT_SETSID=false", b"DUMB_INIT_DEBUG=yes"];
        let other = plan(&[b"dumb-init", b"x"], env);
        assert!(other.setsid);
        assert_eq!(other.verbosity, 0);
        // USHER_ twins are the native personality's, not dumb-init's.
        let env: &[&[u8]] = &[b"USHER_SETSID=0"];
        assert!(plan(&[b"dumb-init", b"x"], env).setsid);
    }

    #[test]
    fn options_end_at_the_first_operand() {
        let plan = plan(&[b"dumb-init", b"/bin/sh", b"-c", b"-v"], &[]);
        assert_eq!(plan.command, 1);
        assert_eq!(plan.verbosity, 0);
    }

    #[test]
    fn texts_go_to_stderr_as_dumb_init_prints_them() {
        for (args, text) in [
            (
                &[&b"dumb-init"[..], b"-h", b"x"][..],
                Text::DumbInitHelp { name: b"dumb-init" },
            ),
            (
                &[b"dumb-init", b"--help"],
                Text::DumbInitHelp { name: b"dumb-init" },
            ),
            (&[b"dumb-init", b"-V"], Text::DumbInitVersion),
            (&[b"dumb-init", b"--version", b"x"], Text::DumbInitVersion),
            (&[b"dumb-init"], Text::DumbInitUsage { name: b"dumb-init" }),
            (
                &[b"dumb-init", b"-v"],
                Text::DumbInitUsage { name: b"dumb-init" },
            ),
        ] {
            assert_eq!(
                run(args, &[]),
                Action::Print {
                    text,
                    stream: Stream::Stderr
                }
            );
        }
    }

    #[test]
    fn bad_input_is_refused_as_dumb_init_refuses_it() {
        let fail = |args: &'static [&'static [u8]]| match run(args, &[]) {
            Action::Fail { error, usage: None } => error,
            other => panic!("expected a failure, got {other:?}"),
        };
        let error: CliError = fail(&[b"dumb-init", b"-r", b"1:32", b"x"]);
        assert!(error
            .line()
            .as_bytes()
            .starts_with(b"usher: bad signal for -r: '1:32' (dumb-init takes numbers"));
        assert_eq!(fail(&[b"dumb-init", b"-r"]).kind, ErrorKind::MissingValue);
        assert_eq!(
            fail(&[b"dumb-init", b"-x", b"y"]).kind,
            ErrorKind::UnknownOption
        );
        assert_eq!(
            fail(&[b"dumb-init", b"--setsid", b"y"]).kind,
            ErrorKind::UnknownOption
        );
    }

    /// getopt_long takes any prefix that only one long name has.
    #[test]
    fn long_names_may_be_cut_short() {
        let single = plan(&[b"dumb-init", b"--s", b"x"], &[]);
        assert!(!single.setsid);
        for args in [
            &[&b"dumb-init"[..], b"--rew", b"15:3", b"x"][..],
            &[b"dumb-init", b"--r=15:3", b"x"],
        ] {
            assert_eq!(plan(args, &[]).rewrites.apply(15), Some(3));
        }
        assert_eq!(plan(&[b"dumb-init", b"--verb", b"x"], &[]).verbosity, 2);
        assert_eq!(
            run(&[b"dumb-init", b"--he", b"x"], &[]),
            Action::Print {
                text: Text::DumbInitHelp { name: b"dumb-init" },
                stream: Stream::Stderr
            }
        );
        assert_eq!(
            run(&[b"dumb-init", b"--vers"], &[]),
            Action::Print {
                text: Text::DumbInitVersion,
                stream: Stream::Stderr
            }
        );
        fn fail(args: &[&[u8]]) -> (ErrorKind, Vec<u8>) {
            match run(args, &[]) {
                Action::Fail { error, usage: None } => {
                    (error.kind, error.line().as_bytes().to_vec())
                }
                other => panic!("expected a failure for {args:?}, got {other:?}"),
            }
        }
        for ambiguous in [&b"--ver"[..], b"--v"] {
            let (kind, line) = fail(&[b"dumb-init", ambiguous, b"x"]);
            assert_eq!(kind, ErrorKind::AmbiguousOption);
            assert_eq!(line, [&b"usher: ambiguous option "[..], ambiguous].concat());
        }
        let (kind, _) = fail(&[b"dumb-init", b"--sing=1", b"x"]);
        assert_eq!(kind, ErrorKind::UnexpectedValue);
        for unknown in [&b"--=1"[..], b"--single-childx", b"--x"] {
            let (kind, _) = fail(&[b"dumb-init", unknown, b"x"]);
            assert_eq!(kind, ErrorKind::UnknownOption, "{unknown:?}");
        }
        // A whole name always wins because none is a prefix of another.
        let longs: Vec<&[u8]> = NAMES
            .longs
            .split(|&b| b == 0)
            .filter(|l| !l.is_empty())
            .collect();
        for a in &longs {
            for b in &longs {
                assert!(a == b || !b.starts_with(a), "{a:?} starts {b:?}");
            }
        }
    }
}
