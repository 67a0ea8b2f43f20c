//! Command lines: the dispatch on the invocation name, what a command line
//! asks for (an [`Action`]), and the texts a personality prints. The pull
//! parser is `parser`, the options and their one walk are `options`, and each
//! personality has a file. Nothing here makes a syscall.

pub mod c_numbers;
pub mod catatonit;
pub mod dumb_init;
pub mod gosu;
pub mod help;
pub mod native;
pub mod options;
pub mod parser;
pub mod pause;
pub mod pychroot;
pub mod tini;

pub use parser::{Arg, Arguments, CliError, ErrorKind, Opt, Parser};

use crate::env::Environment;
use crate::error::Stream;
use crate::plan::{Lists, Personality, Plan};

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
    PauseVersion,
    /// catatonit's usage line.
    CatatonitUsage,
    /// catatonit's `-h`: the usage and the options, on stderr.
    CatatonitHelp,
    /// `tini version X_catatonit`, the form Docker and podman parse.
    CatatonitVersion,
    PychrootHelp,
    PychrootVersion,
}

impl Text<'_> {
    /// usher's exit status after printing this text on `stream`: 0 after
    /// stdout, 1 after stderr, except dumb-init's help and version and
    /// catatonit's help, which go to stderr with status 0.
    pub fn status(self, stream: Stream) -> i32 {
        match self {
            Text::DumbInitHelp { .. } | Text::DumbInitVersion | Text::CatatonitHelp => 0,
            _ => i32::from(stream == Stream::Stderr),
        }
    }
}

/// Parses argv and the environment into an Action, by personality, filling
/// in `plan` (made with `Plan::new`) and the environment options `edits`
/// for `Action::Run`. This is the one walk over the options and their
/// twins: nothing later reads argv for an option. The Plan is filled in
/// place, never moved.
pub fn parse<'a, A, E>(args: &A, env: &E, plan: &mut Plan<'a>, lists: &mut Lists<'a>) -> Action<'a>
where
    A: Arguments<'a> + ?Sized,
    E: Environment<'a> + ?Sized,
{
    let argv0 = if args.count() > 0 {
        args.arg(0)
    } else {
        b"usher"
    };
    plan.personality = Personality::from_invocation(argv0);
    match plan.personality {
        Personality::Native => native::parse(args, env, plan, lists),
        Personality::Tini => tini::parse(args, env, plan, lists),
        Personality::DumbInit => dumb_init::parse(args, env, plan, lists),
        Personality::Pause => pause::parse(args, plan),
        Personality::Catatonit => catatonit::parse(args, plan, lists),
        Personality::Pychroot => pychroot::parse(args, env, plan, lists),
        _ => gosu::parse(args, plan),
    }
}

/// Parses test arguments: the Action, the Plan and the environment options.
#[cfg(test)]
pub(crate) fn parse_plan<'a>(
    args: &'a [&'a [u8]],
    env: &'a [&'a [u8]],
) -> (Action<'a>, Plan<'a>, &'a Lists<'a>) {
    let mut plan = Plan::new(Personality::Native, 0);
    let lists = Box::leak(Box::new(Lists::new()));
    let action = parse(args, env, &mut plan, lists);
    (action, plan, lists)
}

/// What a command line asks for (the tests of every personality).
#[cfg(test)]
pub(crate) fn action_of<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Action<'a> {
    parse_plan(args, env).0
}

/// The Plan of a command line that must run; anything else fails the test.
#[cfg(test)]
pub(crate) fn plan_of<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Plan<'a> {
    let (action, plan, _) = parse_plan(args, env);
    assert_eq!(action, Action::Run, "expected a plan");
    plan
}

/// The environment options of a command line that must run, as owned text.
#[cfg(test)]
pub(crate) fn edits_of(args: &[&[u8]], env: &[&[u8]]) -> Vec<(crate::env::EnvEdit, Vec<u8>)> {
    let args: &'static [&'static [u8]] = Box::leak(
        args.iter()
            .map(|arg| &*Box::leak(arg.to_vec().into_boxed_slice()))
            .collect::<Vec<&'static [u8]>>()
            .into_boxed_slice(),
    );
    let env: &'static [&'static [u8]] = Box::leak(
        env.iter()
            .map(|entry| &*Box::leak(entry.to_vec().into_boxed_slice()))
            .collect::<Vec<&'static [u8]>>()
            .into_boxed_slice(),
    );
    let (action, _, lists) = parse_plan(args, env);
    assert_eq!(action, Action::Run, "expected a plan");
    lists
        .edits
        .iter()
        .map(|&(edit, value)| (edit, value.to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_build_one_table_from_argv_or_the_twin() {
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
}
