//! The catatonit personality (invoked as `catatonit` or `podman-init`, as
//! podman's `--init` names it): catatonit 0.1.7's `-g -h -L -P -V` and
//! `--version` (and its prefixes, as getopt_long takes them). Options end
//! at the first operand, as everywhere in usher (catatonit's getopt
//! permutes; podman always passes `--`).

use super::options::{
    names, parse_argv, Names, Parsed, HELP, LICENSE, PAUSE_MODE, PGROUP, VERSION,
};
use super::{Action, Arguments, ErrorKind, Text};
use crate::error::Stream;
use crate::plan::{Lists, Plan, Subreaper};
use crate::signal::Policy;

const NAMES: Names = names!(
    &[
        (PGROUP, b'g', ""),
        (HELP, b'h', ""),
        (LICENSE, b'L', ""),
        (PAUSE_MODE, b'P', ""),
        (VERSION, b'V', "version"),
    ],
    prefixes: true
);

pub fn parse<'a, A: Arguments<'a> + ?Sized>(
    args: &A,
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
) -> Action<'a> {
    // Not PID 1: a subreaper, or nothing runs.
    plan.subreaper = Subreaper::On;
    // TSTP, TTOU and TTIN neither stop it nor are forwarded.
    plan.policy = Policy::Catatonit;
    match parse_argv(args, plan, lists, &NAMES) {
        Ok(Parsed::Print(id)) => Action::Print {
            text: match id {
                HELP => Text::CatatonitHelp,
                LICENSE => Text::License,
                _ => Text::CatatonitVersion,
            },
            stream: if id == HELP {
                Stream::Stderr
            } else {
                Stream::Stdout
            },
        },
        Ok(Parsed::Command(_)) => Action::Run,
        Err(error) if error.kind == ErrorKind::NoCommand && plan.pause => {
            plan.command = args.count();
            Action::Run
        }
        Err(error) => Action::Fail {
            error,
            usage: Some(Text::CatatonitUsage),
        },
    }
}

/// The usage. It names catatonit under either name, as catatonit does.
pub const USAGE: &str = "usage: catatonit [-ghLPV] [--] PROGRAM [ARG]...\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{action_of, plan_of, ErrorKind};
    use crate::plan::Personality;

    #[test]
    fn both_names_take_catatonit_and_its_defaults() {
        for name in [&b"catatonit"[..], b"/usr/bin/catatonit", b"podman-init"] {
            assert_eq!(Personality::from_invocation(name), Personality::Catatonit);
            let args = [name, b"--", b"sh", b"-c", b"x"];
            let plan = plan_of(&args, &[]);
            assert_eq!(plan.command, 2);
            assert_eq!(plan.subreaper, Subreaper::On);
            assert_eq!(plan.policy, Policy::Catatonit);
            assert!(!plan.process_group && !plan.pause);
        }
        // Near names are not it.
        for name in [&b"catatonix"[..], b"podman-initx", b"docker-init"] {
            assert_ne!(Personality::from_invocation(name), Personality::Catatonit);
        }
    }

    #[test]
    fn options_set_the_plan_and_end_at_the_first_operand() {
        let plan = plan_of(&[b"catatonit", b"-g", b"sh", b"-c", b"x"], &[]);
        assert!(plan.process_group);
        assert_eq!(plan.command, 2);
        // -P runs no program, given or not.
        let alone = plan_of(&[b"catatonit", b"-P"], &[]);
        assert!(alone.pause);
        assert_eq!(alone.command, 2);
        let given = plan_of(&[b"catatonit", b"-gP", b"--", b"sh"], &[]);
        assert!(given.pause && given.process_group);
    }

    #[test]
    fn texts_go_where_catatonit_prints_them() {
        for (args, text, stream) in [
            (
                &[&b"catatonit"[..], b"-h"][..],
                Text::CatatonitHelp,
                Stream::Stderr,
            ),
            (
                &[b"catatonit", b"-h", b"x"],
                Text::CatatonitHelp,
                Stream::Stderr,
            ),
            (&[b"catatonit", b"-L"], Text::License, Stream::Stdout),
            (
                &[b"catatonit", b"-V"],
                Text::CatatonitVersion,
                Stream::Stdout,
            ),
            (
                &[b"catatonit", b"--version"],
                Text::CatatonitVersion,
                Stream::Stdout,
            ),
            (
                &[b"catatonit", b"--vers"],
                Text::CatatonitVersion,
                Stream::Stdout,
            ),
        ] {
            assert_eq!(
                action_of(args, &[]),
                Action::Print { text, stream },
                "{args:?}"
            );
            assert_eq!(text.status(stream), 0, "{args:?}");
        }
    }

    #[test]
    fn usage_errors_fail_with_the_usage() {
        for (args, kind) in [
            (&[&b"catatonit"[..]][..], ErrorKind::NoCommand),
            (&[b"catatonit", b"-g"], ErrorKind::NoCommand),
            (&[b"catatonit", b"--"], ErrorKind::NoCommand),
            (&[b"catatonit", b"-x", b"true"], ErrorKind::UnknownOption),
            (&[b"catatonit", b"--bogus"], ErrorKind::UnknownOption),
        ] {
            match action_of(args, &[]) {
                Action::Fail {
                    error,
                    usage: Some(Text::CatatonitUsage),
                } => assert_eq!(error.kind, kind, "{args:?}"),
                other => panic!("{args:?}: {other:?}"),
            }
        }
    }
}
