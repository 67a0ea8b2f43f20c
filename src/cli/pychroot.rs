//! The pychroot personality: pychroot 0.10.4's command line, read as its
//! argparse parser (Python 3.11) reads it, into usher's `--root` sandbox.
//!
//! argparse first sorts every argument: `--` (the first one) ends the
//! options, an argument that names an option (exactly, by a unique prefix of
//! a long name, or a short one with its value attached) is an option, one
//! that would name several is an error there and then, `-1` or `-` or one
//! with a space is an operand, and any other `-x` is an unknown option.
//! Then it takes them in order: each option acts (`-h` and `--version` print
//! and end the parse), unknown ones are set aside, and the first operand is
//! PATH, after which everything is the command. A missing PATH, then any
//! unknown option, is an error. Usage errors exit 2.

use super::options::prefix_of;
use super::{Action, Arguments, CliError, ErrorKind, Opt, Text};
use crate::env::{EnvEdit, Environment};
use crate::error::Stream;
use crate::plan::{Lists, MountOpt, Plan};
use crate::text::word_at;

/// The long names: one per action, in the actions' order (`name_of`),
/// then `--readonly`, the second name of `--ro`.
const LONGS: &[u8] = b"help\0version\0no-mounts\0skip-chdir\0hostname\0bind\0rbind\0ro\0readonly\0";
/// The action of each long name in `LONGS`: `--readonly` is `--ro`.
const LONG_ACTIONS: [u8; 9] = [0, 1, 2, 3, 4, 5, 6, 7, 7];
/// The short letters, by action (`-` for none).
const SHORTS: &[u8; 8] = b"h----BR-";

const HELP: u8 = 0;
const VERSION: u8 = 1;
const NO_MOUNTS: u8 = 2;
const HOSTNAME: u8 = 4;
/// The first action that takes a value (the mounts follow it).
const VALUED: u8 = 4;

/// What one argument is, before anything acts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sort<'a> {
    Operand,
    /// The first `--`.
    EndOfOptions,
    /// A known option, with its value when one is attached (`--bind=x`,
    /// `-Bx`).
    Option(u8, Option<&'a [u8]>),
    Unknown,
}

/// Sorts `arg` as argparse's `_parse_optional` does; an argument that is
/// a prefix of several long names is an error.
fn sort(arg: &[u8]) -> Result<Sort<'_>, CliError<'_>> {
    if arg.len() < 2 || arg[0] != b'-' {
        return Ok(Sort::Operand);
    }
    let eq = arg.iter().position(|&byte| byte == b'=');
    let attached = eq.map(|eq| &arg[eq + 1..]);
    let name = &arg[..eq.unwrap_or(arg.len())];
    if name.len() >= 2 && name[1] == b'-' {
        match prefix_of(LONGS, &name[2..]) {
            (0, _) => {}
            (1, index) => return Ok(Sort::Option(LONG_ACTIONS[index], attached)),
            _ => {
                return Err(CliError::new(
                    ErrorKind::AmbiguousOption,
                    Opt::Long(&name[2..]),
                ))
            }
        }
    } else if let Some(action) = short_action(arg[1]) {
        // `-B`, `-Bvalue`, `-B=value`: argparse tries the whole argument
        // before its first two bytes, so `-B=x` is `x`.
        let value = if name.len() == 2 {
            attached
        } else {
            Some(&arg[2..])
        };
        return Ok(Sort::Option(action, value));
    }
    // A negative number (`-1`, `-1.5`, `-.5`) or anything with a space is
    // an operand.
    let mut dots = 0;
    let mut number = arg[arg.len() - 1].is_ascii_digit();
    for &byte in &arg[1..] {
        if byte == b'.' {
            dots += 1;
        } else if byte == b' ' {
            return Ok(Sort::Operand);
        } else if !byte.is_ascii_digit() {
            number = false;
        }
    }
    Ok(if number && dots < 2 {
        Sort::Operand
    } else {
        Sort::Unknown
    })
}

/// The long name of `action` (`ro` for `--ro`): the first with it.
fn name_of(action: u8) -> &'static [u8] {
    word_at(LONGS, usize::from(action))
}

/// The action of a short option's letter.
fn short_action(letter: u8) -> Option<u8> {
    if letter == b'-' {
        return None;
    }
    SHORTS
        .iter()
        .position(|&short| short == letter)
        .map(|action| action as u8)
}

/// The sort of `arg`, once a `--` has ended the options or not.
fn sort_at(arg: &[u8], after_end: bool) -> Sort<'_> {
    if after_end {
        Sort::Operand
    } else if arg == b"--" {
        Sort::EndOfOptions
    } else {
        // Ambiguities were found by the first pass.
        sort(arg).unwrap_or(Sort::Unknown)
    }
}

pub fn parse<'a, A, E>(args: &A, env: &E, plan: &mut Plan<'a>, lists: &mut Lists<'a>) -> Action<'a>
where
    A: Arguments<'a> + ?Sized,
    E: Environment<'a> + ?Sized,
{
    match walk(args, env, plan, lists) {
        Ok(Some(text)) => Action::Print {
            text,
            stream: Stream::Stdout,
        },
        Ok(None) => Action::Run,
        Err(error) => Action::Fail { error, usage: None },
    }
}

// Not inlined: keeps pychroot's walk off run's frame, which every run has.
#[inline(never)]
fn walk<'a, A, E>(
    args: &A,
    env: &E,
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
) -> Result<Option<Text<'a>>, CliError<'a>>
where
    A: Arguments<'a> + ?Sized,
    E: Environment<'a> + ?Sized,
{
    let count = args.count();
    // argparse sorts every argument, the command's too, before any acts.
    for index in 1..count {
        let arg = args.arg(index);
        if arg == b"--" {
            break;
        }
        sort(arg)?;
    }
    let mut after_end = false;
    let mut unknown = None;
    let mut index = 1;
    loop {
        if index >= count {
            return Err(CliError::no_command());
        }
        let arg = args.arg(index);
        index += 1;
        let (mut action, mut attached) = match sort_at(arg, after_end) {
            Sort::EndOfOptions => {
                after_end = true;
                continue;
            }
            Sort::Unknown => {
                // The first one is reported, once PATH is known to be there.
                unknown = unknown.or(Some(arg));
                continue;
            }
            Sort::Operand if unknown.is_some() => {
                let unknown = unknown.unwrap_or(b"--");
                let opt = match unknown.strip_prefix(b"--") {
                    Some(long) => Opt::Long(long),
                    None => Opt::Short(unknown[1]),
                };
                return Err(CliError::new(ErrorKind::UnknownOption, opt));
            }
            Sort::Operand => {
                plan.sandbox.root = Some(arg);
                // A `--` right after PATH goes with it (argparse's pattern
                // for one value); the command keeps any later one.
                if !after_end && index < count && args.arg(index) == b"--" {
                    index += 1;
                }
                break;
            }
            Sort::Option(action, attached) => (action, attached),
        };
        // `-h` with more attached: argparse reads the rest as more short
        // options (`-hB x`), and anything else is an error. Once the whole
        // cluster is read, the help wins.
        let helped = action == HELP;
        while action == HELP && arg[1] != b'-' {
            let Some(next) = attached
                .and_then(|rest| rest.first().copied())
                .and_then(short_action)
            else {
                break;
            };
            action = next;
            attached = attached
                .and_then(|rest| rest.get(1..))
                .filter(|more| !more.is_empty());
        }
        let opt = Opt::Long(name_of(action));
        if action < VALUED {
            if let Some(value) = attached {
                return Err(CliError::with_value(ErrorKind::UnexpectedValue, opt, value));
            }
            match action {
                HELP => return Ok(Some(Text::PychrootHelp)),
                VERSION => return Ok(Some(Text::PychrootVersion)),
                NO_MOUNTS => plan.sandbox.no_mounts = true,
                _ => plan.sandbox.skip_chdir = true,
            }
            continue;
        }
        let value = match attached {
            Some(value) => value,
            None if index < count && sort_at(args.arg(index), after_end) == Sort::Operand => {
                index += 1;
                args.arg(index - 1)
            }
            None => return Err(CliError::new(ErrorKind::MissingValue, opt)),
        };
        if helped {
            return Ok(Some(Text::PychrootHelp));
        }
        if action == HOSTNAME {
            // A bad name is the kernel's to refuse, as in pychroot.
            plan.sandbox.hostname = Some(value);
            continue;
        }
        let kind = [MountOpt::Bind, MountOpt::RBind, MountOpt::ReadOnly][usize::from(action - 5)];
        // `$NAME[:DEST]` is the variable's value, on itself: pychroot's
        // expansion.
        let mut bad = ErrorKind::BadMount;
        let mut mount = value;
        if let Some(spec) = value.strip_prefix(b"$") {
            let name = &spec[..spec
                .iter()
                .position(|&byte| byte == b':')
                .unwrap_or(spec.len())];
            mount = env.var(name).unwrap_or(b"");
            bad = ErrorKind::BadMountVariable;
        }
        if mount.is_empty() || mount[0] == b':' {
            return Err(CliError::with_value(bad, opt, value));
        }
        // Mounts are a dictionary keyed by SRC[:DEST] in pychroot: the same
        // one again takes the first one's place with the later option.
        if let Some(same) = lists.mounts.iter_mut().find(|(_, each)| *each == mount) {
            same.0 = kind;
        } else if lists.mounts.push((kind, mount)).is_err() {
            return Err(CliError::bare(ErrorKind::TooManyMounts));
        }
    }
    // pychroot's --no-mounts drops the -B, -R and --ro mounts too.
    if plan.sandbox.no_mounts {
        lists.mounts.clear();
    }
    plan.command = index;
    if index == count {
        // No command: $SHELL -i, or /bin/sh -i. The edits are empty here
        // (pychroot has no environment options), so there is room.
        plan.edits_env = true;
        let _ = lists.edits.push((EnvEdit::ArgEnv, b"SHELL=/bin/sh"));
        let _ = lists.edits.push((EnvEdit::Arg, b"-i"));
    }
    Ok(None)
}

/// usher's exit status for a failed parse: argparse's 2 for usage errors,
/// pychroot's 1 for a value it would only refuse when mounting.
pub fn failure_status(error: &CliError) -> i32 {
    if matches!(
        error.kind,
        ErrorKind::BadMount | ErrorKind::BadMountVariable | ErrorKind::TooManyMounts
    ) {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{action_of, parse_plan, plan_of};
    use crate::plan::Personality;

    fn fails<'a>(args: &'a [&'a [u8]]) -> (ErrorKind, i32, Vec<u8>) {
        match action_of(args, &[]) {
            Action::Fail { error, usage: None } => {
                let line = error.line();
                let text = line.as_bytes();
                (error.kind, failure_status(&error), text[7..].to_vec())
            }
            other => panic!("expected a failure from {args:?}, got {other:?}"),
        }
    }

    fn prints<'a>(args: &'a [&'a [u8]]) -> Text<'a> {
        match action_of(args, &[]) {
            Action::Print { text, stream } => {
                assert_eq!(text.status(stream), 0);
                text
            }
            other => panic!("expected a text, got {other:?}"),
        }
    }

    #[test]
    fn the_name_takes_the_personality() {
        assert_eq!(
            Personality::from_invocation(b"/usr/bin/pychroot"),
            Personality::Pychroot
        );
        assert_eq!(
            Personality::from_invocation(b"pychroots"),
            Personality::Native
        );
        let plan = plan_of(&[b"pychroot", b"/srv/root", b"ls", b"-l"], &[]);
        assert_eq!(plan.personality, Personality::Pychroot);
        assert_eq!(plan.sandbox.root, Some(&b"/srv/root"[..]));
        assert_eq!(plan.command, 2);
    }

    #[test]
    fn without_a_command_it_runs_the_shell_interactively() {
        let (action, plan, lists) = parse_plan(&[b"pychroot", b"/r"], &[]);
        assert_eq!(action, Action::Run);
        assert_eq!(plan.command, 2);
        assert!(plan.edits_env);
        assert_eq!(
            &lists.edits[..],
            &[
                (EnvEdit::ArgEnv, &b"SHELL=/bin/sh"[..]),
                (EnvEdit::Arg, b"-i")
            ]
        );
    }

    #[test]
    fn options_come_before_path_and_the_rest_is_the_command() {
        let (action, plan, lists) = parse_plan(
            &[
                b"pychroot",
                b"--host",
                b"box",
                b"-B",
                b"/a",
                b"-R/b:/c",
                b"--readonly=/d",
                b"--ro",
                b"/e",
                b"--skip-chdir",
                b"/r",
                b"sh",
                b"-h",
                b"-x",
            ],
            &[],
        );
        assert_eq!(action, Action::Run);
        assert_eq!(plan.sandbox.hostname, Some(&b"box"[..]));
        assert!(plan.sandbox.skip_chdir && !plan.sandbox.no_mounts);
        assert_eq!(plan.sandbox.root, Some(&b"/r"[..]));
        assert_eq!(plan.command, 11);
        assert_eq!(
            &lists.mounts[..],
            &[
                (MountOpt::Bind, &b"/a"[..]),
                (MountOpt::RBind, b"/b:/c"),
                (MountOpt::ReadOnly, b"/d"),
                (MountOpt::ReadOnly, b"/e"),
            ]
        );
        assert!(lists.edits.is_empty());
    }

    #[test]
    fn a_variable_names_a_source_and_the_same_mount_again_takes_its_place() {
        let env: &[&[u8]] = &[b"DATA=/srv/data"];
        let (action, _, lists) = parse_plan(
            &[
                b"pychroot",
                b"-B",
                b"$DATA:/x",
                b"-B",
                b"/a",
                b"-R",
                b"/srv/data",
                b"/r",
            ],
            env,
        );
        assert_eq!(action, Action::Run);
        assert_eq!(
            &lists.mounts[..],
            &[
                (MountOpt::RBind, &b"/srv/data"[..]),
                (MountOpt::Bind, b"/a")
            ]
        );
        let (action, _, _) = parse_plan(&[b"pychroot", b"-B", b"$NOPE", b"/r"], env);
        let Action::Fail { error, .. } = action else {
            panic!("{action:?}");
        };
        assert_eq!(failure_status(&error), 1);
        assert!(String::from_utf8_lossy(error.line().as_bytes()).contains("'$NOPE'"));
    }

    #[test]
    fn no_mounts_drops_the_binds_too() {
        let (_, plan, lists) = parse_plan(&[b"pychroot", b"-B", b"/a", b"--no", b"/r", b"x"], &[]);
        assert!(plan.sandbox.no_mounts);
        assert!(lists.mounts.is_empty());
    }

    #[test]
    fn operands_as_argparse_sorts_them() {
        let root_of = |args: &'static [&'static [u8]]| plan_of(args, &[]).sandbox.root.unwrap();
        assert_eq!(root_of(&[b"pychroot", b"-1", b"x"]), b"-1");
        assert_eq!(root_of(&[b"pychroot", b"-1.5"]), b"-1.5");
        assert_eq!(root_of(&[b"pychroot", b"-"]), b"-");
        assert_eq!(root_of(&[b"pychroot", b"--", b"-h"]), b"-h");
        assert_eq!(root_of(&[b"pychroot", b"-- x", b"y"]), b"-- x");
        let plan = plan_of(
            &[b"pychroot", b"-BR", b"--hostname=-x", b"/r", b"--", b"c"],
            &[],
        );
        assert_eq!(plan.sandbox.hostname, Some(&b"-x"[..]));
        // The `--` right after PATH goes with it; a later one is the command's.
        assert_eq!(plan.command, 5);
        assert_eq!(
            plan_of(&[b"pychroot", b"--", b"/r", b"--", b"c"], &[]).command,
            3
        );
        let (_, _, lists) = parse_plan(&[b"pychroot", b"-B=/a", b"--hostname", b"-1", b"/r"], &[]);
        assert_eq!(&lists.mounts[..], &[(MountOpt::Bind, &b"/a"[..])]);
    }

    #[test]
    fn help_and_version_act_where_argparse_meets_them() {
        for args in [
            &[&b"pychroot"[..], b"-h"][..],
            &[b"pychroot", b"--bogus", b"-h"],
            &[b"pychroot", b"--he", b"/r"],
            &[b"pychroot", b"-hB", b"x", b"/r"],
            &[b"pychroot", b"-h", b"-B"],
        ] {
            assert_eq!(prints(args), Text::PychrootHelp, "{args:?}");
        }
        for args in [
            &[&b"pychroot"[..], b"--version", b"-h"][..],
            &[b"pychroot", b"-B", b"/a", b"--v"],
        ] {
            assert_eq!(prints(args), Text::PychrootVersion, "{args:?}");
        }
    }

    #[test]
    fn usage_errors_exit_2_and_name_what_is_wrong() {
        use ErrorKind::*;
        type Case<'c> = (&'c [&'c [u8]], ErrorKind, &'c [u8]);
        let cases: &[Case] = &[
            (&[b"pychroot"], NoCommand, b"no command given"),
            (&[b"pychroot", b"-x"], NoCommand, b"no command given"),
            (
                &[b"pychroot", b"--no-mounts", b"--"],
                NoCommand,
                b"no command given",
            ),
            (
                &[b"pychroot", b"-x", b"-y", b"/r"],
                UnknownOption,
                b"unknown option -x",
            ),
            (
                &[b"pychroot", b"--xx=1", b"/r"],
                UnknownOption,
                b"unknown option --xx=1",
            ),
            (
                &[b"pychroot", b"--r", b"/r"],
                AmbiguousOption,
                b"ambiguous option --r",
            ),
            (
                &[b"pychroot", b"-h", b"--h"],
                AmbiguousOption,
                b"ambiguous option --h",
            ),
            (
                &[b"pychroot", b"/r", b"ls", b"--r"],
                AmbiguousOption,
                b"ambiguous option --r",
            ),
            (
                &[b"pychroot", b"-B"],
                MissingValue,
                b"option --bind needs a value",
            ),
            (
                &[b"pychroot", b"-B", b"-h", b"/r"],
                MissingValue,
                b"option --bind needs a value",
            ),
            (
                &[b"pychroot", b"-B", b"--", b"/r"],
                MissingValue,
                b"option --bind needs a value",
            ),
            (
                &[b"pychroot", b"-hB"],
                MissingValue,
                b"option --bind needs a value",
            ),
            (
                &[b"pychroot", b"--ro"],
                MissingValue,
                b"option --ro needs a value",
            ),
            (
                &[b"pychroot", b"--no-mounts=1", b"/r"],
                UnexpectedValue,
                b"option --no-mounts takes no value",
            ),
            (
                &[b"pychroot", b"--skip-chdir=", b"/r"],
                UnexpectedValue,
                b"option --skip-chdir takes no value",
            ),
            (
                &[b"pychroot", b"-hx"],
                UnexpectedValue,
                b"option --help takes no value",
            ),
            (
                &[b"pychroot", b"--help=B"],
                UnexpectedValue,
                b"option --help takes no value",
            ),
        ];
        for &(args, kind, message) in cases {
            let (got, status, line) = fails(args);
            assert_eq!((got, status), (kind, 2), "{args:?}");
            assert_eq!(
                String::from_utf8_lossy(&line).trim_end(),
                String::from_utf8_lossy(message)
            );
        }
    }

    #[test]
    fn a_bad_bind_exits_1_as_pychroot_does_when_it_mounts() {
        for args in [
            &[&b"pychroot"[..], b"--bind=", b"/r"][..],
            &[b"pychroot", b"-R", b":/x", b"/r"],
        ] {
            let (kind, status, _) = fails(args);
            assert_eq!(kind, ErrorKind::BadMount, "{args:?}");
            assert_eq!(status, 1);
        }
    }
}
