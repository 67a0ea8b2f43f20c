//! The tini personality (invoked as `tini` or `docker-init`): tini 0.19's
//! command line `-h -s -p -v -w -g -e -l`, `--version` alone, and the variables
//! TINI_SUBREAPER, TINI_KILL_PROCESS_GROUP and TINI_VERBOSITY. Unlike glibc's
//! getopt, arguments are never permuted: options end at the first operand.

use super::c_numbers::atoi;
use super::options::{names, parse_argv, Names, Parsed, HELP as HELP_ID};
use super::options::{LICENSE, PDEATHSIG, PGROUP, REMAP_EXIT, SUBREAPER, VERBOSE, WARN_REAPED};
use super::{Action, Arguments, ErrorKind, Text};
use crate::env::Environment;
use crate::error::Stream;
use crate::plan::{Lists, Plan, Subreaper};
use crate::signal::Policy;

/// tini's default verbosity: warnings on, info off.
const DEFAULT_VERBOSITY: u32 = 1;

/// tini's letters, by the ids of the native options (see `native`); tini
/// has no long options.
const NAMES: Names = names!(
    &[
        (HELP_ID, b'h', ""),
        (LICENSE, b'l', ""),
        (SUBREAPER, b's', ""),
        (PGROUP, b'g', ""),
        (WARN_REAPED, b'w', ""),
        (VERBOSE, b'v', ""),
        (PDEATHSIG, b'p', ""),
        (REMAP_EXIT, b'e', ""),
    ],
    prefixes: false
);

/// The options and variables. After a bad option, a missing value or no
/// command, the usage follows the message, as getopt and tini do.
pub fn parse<'a, A, E>(args: &A, env: &E, plan: &mut Plan<'a>, lists: &mut Lists<'a>) -> Action<'a>
where
    A: Arguments<'a> + ?Sized,
    E: Environment<'a> + ?Sized,
{
    // argv[0] is there: the personality was chosen by it.
    let name = args.arg(0);
    let usage = Text::TiniUsage { name };
    if args.count() == 2 && args.arg(1) == b"--version" {
        return Action::Print {
            text: Text::TiniVersion,
            stream: Stream::Stdout,
        };
    }
    plan.subreaper = Subreaper::Off;
    plan.policy = Policy::Tini;
    match parse_argv(args, plan, lists, &NAMES) {
        Ok(Parsed::Print(id)) => {
            return Action::Print {
                text: if id == HELP_ID { usage } else { Text::License },
                stream: Stream::Stdout,
            }
        }
        Ok(Parsed::Command(_)) => {}
        Err(error) => {
            let bad_value = matches!(
                error.kind,
                ErrorKind::BadTiniSignal | ErrorKind::BadExitCode
            );
            return Action::Fail {
                error,
                usage: (!bad_value).then_some(usage),
            };
        }
    }
    // tini starts at verbosity 1, and each -v adds one.
    let mut verbosity = DEFAULT_VERBOSITY.saturating_add(plan.verbosity);
    if env.var(b"TINI_SUBREAPER").is_some() {
        plan.subreaper = Subreaper::On;
    }
    if env.var(b"TINI_KILL_PROCESS_GROUP").is_some() {
        plan.process_group = true;
    }
    if let Some(value) = env.var(b"TINI_VERBOSITY") {
        verbosity = atoi(value) as u32;
    }
    plan.warnings = verbosity >= 1;
    plan.verbosity = verbosity.saturating_sub(1);
    plan.warn_reaped &= plan.warnings;
    plan.warn_not_reaper = plan.warnings;
    Action::Run
}

macro_rules! version {
    () => {
        concat!("tini version 0.19.0 - git.", env!("BUILD_COMMIT"))
    };
}

pub const VERSION_LINE: &str = concat!(version!(), "\n");

/// The start of tini's usage; `\x01` is the name it was invoked as.
pub const USAGE_HEAD: &str = concat!(
    "\x01 (",
    version!(),
    ")\nUsage: \x01 [OPTIONS] PROGRAM -- [ARGS] | --version\n\n"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{action_of as parse, plan_of as plan};

    #[test]
    fn defaults_follow_tini() {
        let plan = plan(&[b"tini", b"--", b"true"], &[]);
        assert_eq!(plan.command, 2);
        assert_eq!(plan.subreaper, Subreaper::Off);
        assert_eq!(plan.policy, Policy::Tini);
        assert!(plan.warnings && plan.warn_not_reaper && !plan.warn_reaped);
        assert_eq!(plan.verbosity, 0);
    }

    #[test]
    fn tini_flags_reach_the_plan() {
        let args: &[&[u8]] = &[
            b"tini",
            b"-s",
            b"-g",
            b"-pSIGTERM",
            b"-e",
            b"143",
            b"-vvw",
            b"--",
            b"x",
        ];
        let plan = plan(args, &[]);
        assert_eq!(plan.subreaper, Subreaper::On);
        assert!(plan.process_group && plan.warn_reaped);
        assert_eq!(plan.pdeathsig, Some(15));
        assert!(plan.remap_exit.contains(143));
        assert_eq!(plan.verbosity, 2);
    }

    #[test]
    fn variables_set_even_empty_mean_on() {
        let env: &[&[u8]] = &[
            b"TINI_SUBREAPER=",
            b"TINI_KILL_PROCESS_GROUP=",
            b"TINI_VERBOSITY=0",
        ];
        let quiet = plan(&[b"tini", b"-w", b"x"], env);
        assert_eq!(quiet.subreaper, Subreaper::On);
        assert!(quiet.process_group);
        assert!(!quiet.warnings && !quiet.warn_not_reaper && !quiet.warn_reaped);
        let env: &[&[u8]] = &[b"TINI_VERBOSITY=3"];
        assert_eq!(plan(&[b"tini", b"-v", b"x"], env).verbosity, 2);
    }

    #[test]
    fn version_only_when_alone() {
        assert_eq!(
            parse(&[&b"tini"[..], b"--version"][..], &[][..]),
            Action::Print {
                text: Text::TiniVersion,
                stream: Stream::Stdout,
            }
        );
        assert!(matches!(
            parse(&[&b"tini"[..], b"--version", b"x"][..], &[][..]),
            Action::Fail { usage: Some(_), .. }
        ));
    }

    #[test]
    fn help_license_and_usage_print_and_errors_add_the_usage() {
        let args: &[&[u8]] = &[b"/sbin/tini", b"-h", b"x"];
        assert_eq!(
            parse(args, &[][..]),
            Action::Print {
                text: Text::TiniUsage {
                    name: b"/sbin/tini"
                },
                stream: Stream::Stdout,
            }
        );
        assert!(matches!(
            parse(&[&b"tini"[..], b"-l"][..], &[][..]),
            Action::Print {
                text: Text::License,
                ..
            }
        ));
        assert!(matches!(
            parse(&[&b"tini"[..]][..], &[][..]),
            Action::Fail { usage: Some(_), .. }
        ));
        assert!(matches!(
            parse(&[&b"tini"[..], b"-x", b"y"][..], &[][..]),
            Action::Fail { usage: Some(_), .. }
        ));
        assert!(matches!(
            parse(&[&b"tini"[..], b"-p"][..], &[][..]),
            Action::Fail { usage: Some(_), .. }
        ));
        assert!(matches!(
            parse(&[&b"tini"[..], b"-p", b"TERM", b"x"][..], &[][..]),
            Action::Fail { usage: None, .. }
        ));
        assert!(matches!(
            parse(&[&b"tini"[..], b"-e", b"256", b"x"][..], &[][..]),
            Action::Fail { usage: None, .. }
        ));
    }
}
