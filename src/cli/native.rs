//! usher's own command line: `usher [OPTIONS] [--] COMMAND [ARG]...`, where
//! every option has an environment twin and argv wins over the twin. The
//! tini and dumb-init personalities share the ids and the loop, with their
//! own names.

use super::{
    parse_duration, parse_exit_code, Action, Arg, Arguments, CliError, ErrorKind, Opt, Parser, Text,
};
use crate::env::{parse_bool, word_index, EnvEdit, Environment};
use crate::error::Stream;
use crate::plan::{Personality, Plan, Subreaper};
use crate::signal;

const SIGNAL_FORMS: &[u8] = b" (a name like TERM or SIGTERM, a number 1-64, RTMIN+N or RTMAX-N)";
const REWRITE_FORMS: &[u8] = b" (FROM:TO, two signals like TERM:QUIT; TO 0 or NONE drops FROM)";

/// The options, one id each. Byte tables rather than a table of slices:
/// slices would cost a dynamic relocation each. Ids below `FIRST_VALUED`
/// are flags; the rest take a value.
pub(super) const HELP_ID: usize = 0;
pub(super) const VERSION_ID: usize = 1;
/// tini's `-l`.
pub(super) const LICENSE_ID: usize = 2;
const SUBREAPER: usize = 3;
const NO_SUBREAPER: usize = 4;
const PGROUP: usize = 5;
const WARN_REAPED: usize = 6;
const VERBOSE: usize = 7;
const NO_NEW_PRIVS: usize = 8;
const SETSID: usize = 9;
const WAIT_ALL: usize = 10;
/// dumb-init's `-c`.
pub(super) const SINGLE_CHILD: usize = 11;
const CLEAR_ENV: usize = 12;
const PTY: usize = 13;
const FIRST_VALUED: usize = 14;
const PDEATHSIG: usize = 14;
const REMAP_EXIT: usize = 15;
const USER: usize = 16;
const REWRITE: usize = 17;
const GRACE: usize = 18;
/// The environment options, in `EnvEdit`'s order from ENV on.
const ENV: usize = 19;
const UNSET: usize = 20;
const ARG_ENV: usize = 21;
const OPT_ENV: usize = 22;
const REQUIRE_ENV: usize = 23;
const PRE: usize = 24;
const WORKDIR: usize = 25;
const VENV: usize = 26;

/// A personality's option names: its short letter by id (`-` for none),
/// and its long names by id, NUL-separated (an empty word for none).
pub(super) struct Names {
    pub shorts: &'static [u8],
    pub longs: &'static [u8],
    /// getopt_long's habit (dumb-init): a long name may be cut to any
    /// prefix that no other name shares.
    pub prefixes: bool,
}

const NATIVE: Names = Names {
    shorts: b"hV-s-gwv-----tpeur-------C",
    longs: b"help\0version\0\0subreaper\0no-subreaper\0pgroup\0warn-reaped\0verbose\0\
no-new-privs\0setsid\0wait-all\0\0clear-env\0pty\0pdeathsig\0remap-exit\0user\0rewrite\0grace\0\
env\0unset\0arg-env\0opt-env\0require-env\0pre\0workdir\0venv\0",
    prefixes: false,
};

/// The id of an option as written, if the personality has it.
fn option_id(names: &Names, opt: Opt<'_>) -> Option<usize> {
    match opt {
        Opt::Short(b'-') => None,
        Opt::Short(letter) => names.shorts.iter().position(|&short| short == letter),
        // No name is a prefix of another here, so a whole name is the
        // only one it starts.
        Opt::Long(name) if names.prefixes => match prefix_of(names.longs, name) {
            (1, id) => Some(id),
            _ => None,
        },
        Opt::Long(name) => word_index(names.longs, name),
    }
}

/// How many long names start with `name`, and the id of the last one.
pub(super) fn prefix_of(longs: &[u8], name: &[u8]) -> (usize, usize) {
    let (mut count, mut last, mut id) = (0, 0, 0);
    // Bytes of `name` the current long name matches so far; past the end
    // once one differs.
    let mut matched = 0;
    for &byte in longs {
        if byte == 0 {
            id += 1;
            matched = 0;
        } else if name.get(matched) == Some(&byte) {
            matched += 1;
            if matched == name.len() {
                count += 1;
                last = id;
            }
        } else {
            matched = usize::MAX;
        }
    }
    (count, last)
}

pub fn parse<'a, A, E>(args: &'a A, env: &'a E, plan: &mut Plan<'a>) -> Action<'a>
where
    A: Arguments + ?Sized,
    E: Environment + ?Sized,
{
    match parse_argv(args, plan, &NATIVE) {
        Ok(Parsed::Print(id)) => Action::Print {
            text: if id == HELP_ID {
                Text::NativeHelp
            } else {
                Text::NativeVersion
            },
            stream: Stream::Stdout,
        },
        Ok(Parsed::Command(given)) => match apply_twins(plan, given, env) {
            Ok(()) => {
                plan.warnings = plan.verbosity >= 1;
                Action::Run
            }
            Err(error) => fail(error),
        },
        Err(error) => fail(error),
    }
}

fn fail(error: CliError<'_>) -> Action<'_> {
    Action::Fail { error, usage: None }
}

pub(super) enum Parsed {
    /// A text to print, by the id of the option that asked for it.
    Print(usize),
    /// Options done; the bits are the ids argv gave.
    Command(u32),
}

/// The options up to the command, for the native, tini and dumb-init
/// personalities (`plan.personality` tells which values' syntax applies).
pub(super) fn parse_argv<'a, A: Arguments + ?Sized>(
    args: &'a A,
    plan: &mut Plan<'a>,
    names: &Names,
) -> Result<Parsed, CliError<'a>> {
    let mut parser = Parser::new(args);
    let mut given = 0u32;
    while let Some(arg) = parser.next_arg()? {
        let opt = match arg {
            Arg::Command(index) => {
                plan.command = index;
                return Ok(Parsed::Command(given));
            }
            Arg::Opt(opt) => opt,
        };
        let id = option_id(names, opt).ok_or(CliError::new(ErrorKind::UnknownOption, opt))?;
        given |= 1 << id;
        match id {
            HELP_ID | VERSION_ID | LICENSE_ID => return Ok(Parsed::Print(id)),
            SUBREAPER => plan.subreaper = Subreaper::On,
            NO_SUBREAPER => plan.subreaper = Subreaper::Off,
            PGROUP => plan.process_group = true,
            WARN_REAPED => plan.warn_reaped = true,
            VERBOSE => plan.verbosity = plan.verbosity.saturating_add(1),
            NO_NEW_PRIVS => plan.no_new_privs = true,
            SETSID => plan.setsid = true,
            WAIT_ALL => plan.wait_all = true,
            SINGLE_CHILD => plan.setsid = false,
            CLEAR_ENV => plan.edits_env = true,
            PTY => plan.pty = true,
            _ => {
                let value = parser.value()?;
                if !set_value(plan, id, value) {
                    return Err(CliError::with_value(
                        bad_value_kind(id, plan.personality),
                        opt,
                        value,
                    ));
                }
            }
        }
    }
    Err(CliError::no_command())
}

/// The error for a bad value of option `id`.
fn bad_value_kind(id: usize, personality: Personality) -> ErrorKind {
    match (id, personality) {
        (PDEATHSIG, Personality::Tini) => ErrorKind::BadSignal(TINI_SIGNAL_FORMS),
        (PDEATHSIG, _) => ErrorKind::BadSignal(SIGNAL_FORMS),
        (REWRITE, Personality::DumbInit) => ErrorKind::BadSignal(super::dumb_init::REWRITE_FORMS),
        (REWRITE, _) => ErrorKind::BadSignal(REWRITE_FORMS),
        (GRACE, _) => ErrorKind::BadDuration,
        (ENV, _) => ErrorKind::BadForm(b" (NAME=VALUE)"),
        (ARG_ENV, _) => ErrorKind::BadForm(b" (NAME or NAME=DEFAULT)"),
        (OPT_ENV, _) => ErrorKind::BadForm(b" (OPT=NAME or OPT=NAME=DEFAULT)"),
        (PRE, _) => ErrorKind::BadForm(b" (a command and its arguments)"),
        (UNSET | REQUIRE_ENV, _) => ErrorKind::BadForm(b" (a variable name)"),
        (WORKDIR | VENV, _) => ErrorKind::BadForm(b" (a directory)"),
        _ => ErrorKind::BadExitCode,
    }
}

const TINI_SIGNAL_FORMS: &[u8] = b" (tini takes upper-case names with SIG: SIGHUP, SIGTERM, ...)";

/// Stores a valued option; false when the value is bad.
fn set_value<'a>(plan: &mut Plan<'a>, id: usize, value: &'a [u8]) -> bool {
    match id {
        // Any spec parses; it is resolved, and refused if bad, before the
        // spawn. An empty one means the caller's own user, as in gosu.
        USER => plan.user = Some(value),
        PDEATHSIG => {
            plan.pdeathsig = if plan.personality == Personality::Tini {
                signal::parse_tini(value)
            } else {
                signal::parse(value)
            };
            return plan.pdeathsig.is_some();
        }
        REWRITE => match parse_rewrite(plan.personality, value) {
            Some((from, to)) => plan.rewrites.set(from, to),
            None => return false,
        },
        GRACE => match parse_duration(value) {
            Some(millis) => plan.grace_ms = millis,
            None => return false,
        },
        ENV..=VENV => {
            plan.edits_env = true;
            return env_value_is_good(id, value);
        }
        _ => {
            let code = if plan.personality == Personality::Tini {
                super::tini::parse_strtol_code(value)
            } else {
                parse_exit_code(value)
            };
            match code {
                Some(code) => plan.remap_exit.insert(code),
                None => return false,
            }
        }
    }
    true
}

/// Whether an environment option's value has its form; the value itself is
/// used when the environment is planned (see `env_edits`).
#[inline(never)]
fn env_value_is_good(id: usize, value: &[u8]) -> bool {
    let name_end = value
        .iter()
        .position(|&byte| byte == b'=')
        .unwrap_or(value.len());
    match id {
        // NAME=VALUE, and OPT=NAME[=DEFAULT] with a NAME.
        ENV => name_end > 0 && name_end < value.len(),
        OPT_ENV => name_end > 0 && name_end + 1 < value.len() && value[name_end + 1] != b'=',
        // A name, with a default for --arg-env.
        ARG_ENV => name_end > 0,
        UNSET | REQUIRE_ENV => name_end > 0 && name_end == value.len(),
        PRE => value.iter().any(|&byte| !byte.is_ascii_whitespace()),
        _ => !value.is_empty(),
    }
}

/// A rewrite in the personality's syntax.
fn parse_rewrite(personality: Personality, value: &[u8]) -> Option<(u32, u32)> {
    if personality == Personality::DumbInit {
        super::dumb_init::parse_rewrite(value)
    } else {
        signal::parse_rewrite(value)
    }
}

/// Options that take a list: repeatable in argv, comma-separated in a twin.
const LISTS: u32 = 1 << REMAP_EXIT
    | 1 << REWRITE
    | 1 << ENV
    | 1 << UNSET
    | 1 << ARG_ENV
    | 1 << OPT_ENV
    | 1 << REQUIRE_ENV
    | 1 << PRE;

/// The option a twin stands for: `USHER_WAIT_ALL` is `--wait-all`. Options
/// that print are not twins.
fn twin_id(name: &[u8]) -> Option<usize> {
    let name = name.strip_prefix(&b"USHER_"[..])?;
    let id = NATIVE.longs.split(|&byte| byte == 0).position(|long| {
        !long.is_empty()
            && long.len() == name.len()
            && long.iter().zip(name).all(|(&long, &twin)| {
                twin == if long == b'-' {
                    b'_'
                } else {
                    long.to_ascii_uppercase()
                }
            })
    })?;
    (id > LICENSE_ID).then_some(id)
}

/// Fills what argv did not give from the twins, each checked as strictly as
/// its option. One pass over the environment picks out the `USHER_` entries,
/// so each twin costs nothing when it is not set. As with `getenv`, the
/// first entry of a name wins; `USHER_` names that are no twin are ignored.
fn apply_twins<'a, E: Environment + ?Sized>(
    plan: &mut Plan<'a>,
    mut given: u32,
    env: &'a E,
) -> Result<(), CliError<'a>> {
    let mut start = 0;
    while let Some((index, entry)) = env.next_with_prefix(b"USHER_", start) {
        start = index + 1;
        // USHER_ variables are not passed on: the environment is edited.
        plan.edits_env = true;
        let Some(eq) = entry.iter().position(|&byte| byte == b'=') else {
            continue;
        };
        let (name, value) = (&entry[..eq], &entry[eq + 1..]);
        let Some(id) = twin_id(name) else {
            continue;
        };
        // `--subreaper` and `--no-subreaper` are one setting.
        let ids = if id == SUBREAPER || id == NO_SUBREAPER {
            1 << SUBREAPER | 1 << NO_SUBREAPER
        } else {
            1 << id
        };
        // Given in argv, or by an earlier entry of the same name: skipped.
        if given & ids != 0 {
            continue;
        }
        given |= ids;
        if !set_twin(plan, id, value) {
            return Err(CliError::variable(name, value));
        }
    }
    Ok(())
}

/// Applies one twin's value; false when it is bad.
#[inline(never)]
fn set_twin<'a>(plan: &mut Plan<'a>, id: usize, value: &'a [u8]) -> bool {
    if id == VERBOSE {
        let level = if value.is_empty() {
            Some(0)
        } else {
            signal::parse_decimal(value)
        };
        plan.verbosity = level.map_or(0, |level| level.min(u64::from(u32::MAX)) as u32);
        return level.is_some();
    }
    if id == USER {
        // An empty twin is no twin: only `--user ''` asks for the caller.
        if !value.is_empty() {
            plan.user = Some(value);
        }
        return true;
    }
    if LISTS & 1 << id != 0 {
        return value.is_empty()
            || value
                .split(|&byte| byte == b',')
                .all(|item| set_value(plan, id, item));
    }
    if id >= FIRST_VALUED {
        return set_value(plan, id, value);
    }
    let Some(on) = parse_bool(value) else {
        return false;
    };
    match id {
        PGROUP => plan.process_group = on,
        NO_NEW_PRIVS => plan.no_new_privs = on,
        WARN_REAPED => plan.warn_reaped = on,
        SETSID => plan.setsid = on,
        WAIT_ALL => plan.wait_all = on,
        CLEAR_ENV => plan.edits_env |= on,
        PTY => plan.pty = on,
        NO_SUBREAPER => plan.subreaper = if on { Subreaper::Off } else { Subreaper::Auto },
        _ => plan.subreaper = if on { Subreaper::On } else { Subreaper::Off },
    }
    true
}

/// Calls `each` with every environment option of the native command line,
/// as (what, value): argv's in order, then the twins of those argv did not
/// give, in the environment's order (a list twin item by item). The values
/// were checked when the Plan was made. Stops, returning false, as soon as
/// `each` does.
#[inline(never)]
pub fn env_edits<'a, A, E>(
    args: &'a A,
    env: &'a E,
    each: &mut dyn FnMut(EnvEdit, &'a [u8]) -> bool,
) -> bool
where
    A: Arguments + ?Sized,
    E: Environment + ?Sized,
{
    let mut parser = Parser::new(args);
    let mut given = 0u32;
    while let Ok(Some(Arg::Opt(opt))) = parser.next_arg() {
        let Some(id) = option_id(&NATIVE, opt) else {
            break;
        };
        given |= 1 << id;
        let value = if id >= FIRST_VALUED {
            match parser.value() {
                Ok(value) => value,
                Err(_) => break,
            }
        } else {
            b""
        };
        if let Some(edit) = env_edit(id) {
            if !each(edit, value) {
                return false;
            }
        }
    }
    let mut start = 0;
    while let Some((index, entry)) = env.next_with_prefix(b"USHER_", start) {
        start = index + 1;
        let Some(eq) = entry.iter().position(|&byte| byte == b'=') else {
            continue;
        };
        let (Some(id), value) = (twin_id(&entry[..eq]), &entry[eq + 1..]) else {
            continue;
        };
        let Some(edit) = env_edit(id) else {
            continue;
        };
        // Given in argv, or by an earlier entry of the same name.
        if given & 1 << id != 0 {
            continue;
        }
        given |= 1 << id;
        if id == CLEAR_ENV {
            if parse_bool(value) == Some(true) && !each(edit, b"") {
                return false;
            }
            continue;
        }
        // A list twin is split at commas; any other is one value.
        let list = LISTS & 1 << id != 0;
        for item in value.split(|&byte| list && byte == b',') {
            if !item.is_empty() && !each(edit, item) {
                return false;
            }
        }
    }
    true
}

/// The environment edit an option id stands for.
#[inline(never)]
fn env_edit(id: usize) -> Option<EnvEdit> {
    const EDITS: [EnvEdit; 8] = [
        EnvEdit::Env,
        EnvEdit::Unset,
        EnvEdit::ArgEnv,
        EnvEdit::OptEnv,
        EnvEdit::RequireEnv,
        EnvEdit::Pre,
        EnvEdit::Workdir,
        EnvEdit::Venv,
    ];
    match id {
        CLEAR_ENV => Some(EnvEdit::ClearEnv),
        ENV..=VENV => Some(EDITS[id - ENV]),
        _ => None,
    }
}

pub const HELP: &str = "\
Usage: usher [OPTIONS] [--] COMMAND [ARG]...
Runs COMMAND as an init: forwards signals, reaps zombies, exits with its status.
  -s, --subreaper  --no-subreaper  -g, --pgroup  --setsid  -r, --rewrite FROM:TO
  -p, --pdeathsig SIG  --grace DURATION  --wait-all  -e, --remap-exit CODE
  -v, --verbose  -w, --warn-reaped  -u, --user USER[:GROUP]  --no-new-privs
  --env NAME=VALUE  --unset NAME  --clear-env  --arg-env NAME[=DEFAULT]
  --opt-env OPT=NAME[=DEFAULT]  --require-env NAME  --pre 'CMD ARG...'
  -C, --workdir DIR  --venv DIR  -t, --pty  -h, --help  -V, --version
Each option has a twin (--wait-all: USHER_WAIT_ALL=1; lists comma-separated).
Exit: COMMAND's status, 128+N for signal N, 126, 127, or 1. See the README.
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{action_of as run, plan_of as plan};

    fn error<'a>(args: &'a [&'a [u8]], env: &'a [&'a [u8]]) -> Vec<u8> {
        match run(args, env) {
            Action::Fail { error, usage: None } => error.line().as_bytes().to_vec(),
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
    fn user_options() {
        let parsed = plan(
            &[b"usher", b"-u", b"app:web", b"--no-new-privs", b"id"],
            &[],
        );
        assert_eq!(parsed.user, Some(&b"app:web"[..]));
        assert!(parsed.no_new_privs);
        assert_eq!(parsed.command, 4);
        let parsed = plan(&[b"usher", b"--user=", b"id"], &[]);
        assert_eq!(parsed.user, Some(&b""[..]));
        let parsed = plan(&[b"usher", b"-u1000:1000", b"id"], &[]);
        assert_eq!(parsed.user, Some(&b"1000:1000"[..]));
        let defaults = plan(&[b"usher", b"id"], &[]);
        assert_eq!(defaults.user, None);
        assert!(!defaults.no_new_privs);
        assert_eq!(
            error(&[b"usher", b"--user"], &[]),
            b"usher: option --user needs a value"
        );
        assert_eq!(
            error(&[b"usher", b"--no-new-privs=1", b"id"], &[]),
            b"usher: option --no-new-privs takes no value"
        );
    }

    #[test]
    fn an_empty_long_name_is_unknown() {
        assert_eq!(
            error(&[b"usher", b"--=x", b"true"], &[]),
            b"usher: unknown option --"
        );
    }

    #[test]
    fn user_twins() {
        let env: &[&[u8]] = &[b"USHER_USER=nobody", b"USHER_NO_NEW_PRIVS=true"];
        let twin = plan(&[b"usher", b"id"], env);
        assert_eq!(twin.user, Some(&b"nobody"[..]));
        assert!(twin.no_new_privs);
        let argv = plan(&[b"usher", b"--user", b"app", b"id"], env);
        assert_eq!(argv.user, Some(&b"app"[..]));
        let empty = plan(&[b"usher", b"id"], &[b"USHER_USER="]);
        assert_eq!(empty.user, None);
        assert_eq!(
            error(&[b"usher", b"id"], &[b"USHER_NO_NEW_PRIVS=please"]),
            b"usher: bad value in USHER_NO_NEW_PRIVS: 'please'"
        );
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
        // usher's own names are whole words: no getopt_long prefixes.
        assert_eq!(
            error(&[b"usher", b"--subreap", b"x"], &[]),
            b"usher: unknown option --subreap"
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
    fn twins_are_read_like_getenv() {
        // The first entry of a name wins, even when a later one is bad.
        let env: &[&[u8]] = &[b"USHER_PGROUP=1", b"USHER_PGROUP=maybe"];
        assert!(plan(&[b"usher", b"x"], env).process_group);
        let env: &[&[u8]] = &[b"USHER_PGROUP=0", b"USHER_PGROUP=1"];
        assert!(!plan(&[b"usher", b"x"], env).process_group);
        // Other USHER_ names, entries without `=`, and names that only start
        // like a twin are not twins.
        let env: &[&[u8]] = &[
            b"USHER_PGROUPX=1",
            b"USHER_PGROUP",
            b"USHER_=1",
            b"USHER_FROBNICATE=1",
            b"XUSHER_PGROUP=1",
        ];
        let plan = plan(&[b"usher", b"x"], env);
        assert!(!plan.process_group);
        // A bad value names the variable as it was set.
        let env: &[&[u8]] = &[b"USHER_VERBOSE=lots"];
        assert_eq!(
            error(&[b"usher", b"x"], env),
            b"usher: bad value in USHER_VERBOSE: 'lots'"
        );
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
    fn shutdown_and_session_options() {
        let plan_of =
            |args: &'static [&'static [u8]], env: &'static [&'static [u8]]| plan(args, env);
        let given = plan_of(
            &[
                b"usher",
                b"--setsid",
                b"--wait-all",
                b"--grace",
                b"500ms",
                b"-r",
                b"TERM:QUIT",
                b"x",
            ],
            &[],
        );
        assert!(given.setsid && given.wait_all);
        assert_eq!(given.rewrites.apply(15), Some(3));
        assert_eq!(given.grace_ms, 500);
        assert_eq!(given.command, 7);
        let defaults = plan_of(&[b"usher", b"x"], &[]);
        assert!(!defaults.setsid && !defaults.wait_all);
        assert_eq!(defaults.rewrites.apply(15), Some(15));
        assert_eq!(defaults.grace_ms, 0);
        let env: &'static [&'static [u8]] = &[
            b"USHER_SETSID=yes",
            b"USHER_WAIT_ALL=1",
            b"USHER_GRACE=3",
            b"USHER_REWRITE=INT:0,USR1:USR2",
        ];
        let twins = plan_of(&[b"usher", b"x"], env);
        assert!(twins.setsid && twins.wait_all);
        assert_eq!(twins.rewrites.apply(2), None);
        assert_eq!(twins.grace_ms, 3000);
        let argv_wins = plan_of(&[b"usher", b"--grace=10s", b"x"], env);
        assert_eq!(argv_wins.grace_ms, 10_000);
        // --no-subreaper has its twin too, and it is one setting with
        // --subreaper.
        let off = plan_of(&[b"usher", b"x"], &[b"USHER_NO_SUBREAPER=1"]);
        assert_eq!(off.subreaper, Subreaper::Off);
        let on = plan_of(&[b"usher", b"-s", b"x"], &[b"USHER_NO_SUBREAPER=1"]);
        assert_eq!(on.subreaper, Subreaper::On);
        // Printing options have no twin.
        let quiet = plan_of(&[b"usher", b"x"], &[b"USHER_HELP=1", b"USHER_VERSION=1"]);
        assert_eq!(quiet.command, 1);
    }

    #[test]
    fn the_pty_option_and_its_twin() {
        assert!(plan(&[b"usher", b"-t", b"x"], &[]).pty);
        assert!(plan(&[b"usher", b"--pty", b"x"], &[]).pty);
        // Grouped with another flag, as any short option.
        let grouped = plan(&[b"usher", b"-gt", b"x"], &[]);
        assert!(grouped.pty && grouped.process_group);
        assert!(!plan(&[b"usher", b"x"], &[]).pty);
        assert!(plan(&[b"usher", b"x"], &[b"USHER_PTY=on"]).pty);
        assert!(!plan(&[b"usher", b"x"], &[b"USHER_PTY=0"]).pty);
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_PTY=maybe"]),
            b"usher: bad value in USHER_PTY: 'maybe'"
        );
        assert!(error(&[b"usher", b"--pty=1", b"x"], &[])
            .starts_with(b"usher: option --pty takes no value"));
        // Not an option of the other personalities.
        assert!(!plan(&[b"usher", b"--", b"-t"], &[]).pty);
    }

    #[test]
    fn bad_shutdown_and_rewrite_values() {
        assert!(error(&[b"usher", b"--grace", b"1h", b"x"], &[])
            .starts_with(b"usher: bad duration for --grace: '1h'"));
        assert!(error(&[b"usher", b"-r", b"TERM:", b"x"], &[])
            .starts_with(b"usher: bad signal for -r: 'TERM:' (FROM:TO"));
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_REWRITE=TERM:QUIT,,"]),
            b"usher: bad value in USHER_REWRITE: 'TERM:QUIT,,'"
        );
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_GRACE=-1"]),
            b"usher: bad value in USHER_GRACE: '-1'"
        );
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_WAIT_ALL=2"]),
            b"usher: bad value in USHER_WAIT_ALL: '2'"
        );
        assert_eq!(
            error(&[b"usher", b"--setsid=1", b"x"], &[]),
            b"usher: option --setsid takes no value"
        );
    }

    #[test]
    fn environment_options_are_checked_and_walked_in_order() {
        let args: &[&[u8]] = &[
            b"usher",
            b"--env",
            b"A=1",
            b"--unset=B",
            b"--clear-env",
            b"--arg-env",
            b"N=d",
            b"--opt-env",
            b"--port=PORT",
            b"--require-env",
            b"R",
            b"--pre",
            b"migrate --fast",
            b"-C",
            b"/srv",
            b"--venv",
            b"/v",
            b"cmd",
        ];
        let env: &[&[u8]] = &[b"USHER_ENV=X=1,Y=2", b"USHER_UNSET=Z", b"USHER_CLEAR_ENV=0"];
        let parsed = plan(args, env);
        assert!(parsed.edits_env);
        assert_eq!(parsed.command, 17);
        let mut seen = Vec::new();
        assert!(env_edits(args, env, &mut |edit, value| {
            seen.push((edit, value.to_vec()));
            true
        }));
        let expected: Vec<(EnvEdit, Vec<u8>)> = [
            (EnvEdit::Env, &b"A=1"[..]),
            (EnvEdit::Unset, b"B"),
            (EnvEdit::ClearEnv, b""),
            (EnvEdit::ArgEnv, b"N=d"),
            (EnvEdit::OptEnv, b"--port=PORT"),
            (EnvEdit::RequireEnv, b"R"),
            (EnvEdit::Pre, b"migrate --fast"),
            (EnvEdit::Workdir, b"/srv"),
            (EnvEdit::Venv, b"/v"),
        ]
        .iter()
        .map(|&(edit, value)| (edit, value.to_vec()))
        .collect();
        // argv gave --env and --unset, so their twins are ignored.
        assert_eq!(seen, expected);
        // From twins alone: lists split at commas; a false boolean is no edit.
        let mut seen = Vec::new();
        env_edits(&[&b"usher"[..], b"cmd"][..], env, &mut |edit, value| {
            seen.push((edit, value.to_vec()));
            true
        });
        assert_eq!(
            seen,
            [
                (EnvEdit::Env, b"X=1".to_vec()),
                (EnvEdit::Env, b"Y=2".to_vec()),
                (EnvEdit::Unset, b"Z".to_vec())
            ]
        );
        // Any USHER_ variable means the child's environment is edited.
        assert!(plan(&[b"usher", b"x"], &[b"USHER_FROB=1"]).edits_env);
        assert!(!plan(&[b"usher", b"x"], &[b"A=1"]).edits_env);
    }

    #[test]
    fn bad_environment_options() {
        for (args, message) in [
            (
                &[&b"usher"[..], b"--env", b"A", b"x"][..],
                &b"usher: bad value for --env: 'A' (NAME=VALUE)"[..],
            ),
            (
                &[b"usher", b"--env", b"=1", b"x"],
                b"usher: bad value for --env: '=1' (NAME=VALUE)",
            ),
            (
                &[b"usher", b"--unset", b"A=1", b"x"],
                b"usher: bad value for --unset: 'A=1' (a variable name)",
            ),
            (
                &[b"usher", b"--opt-env", b"--port", b"x"],
                b"usher: bad value for --opt-env: '--port' (OPT=NAME or OPT=NAME=DEFAULT)",
            ),
            (
                &[b"usher", b"--opt-env", b"--port==1", b"x"],
                b"usher: bad value for --opt-env: '--port==1' (OPT=NAME or OPT=NAME=DEFAULT)",
            ),
            (
                &[b"usher", b"--arg-env", b"=d", b"x"],
                b"usher: bad value for --arg-env: '=d' (NAME or NAME=DEFAULT)",
            ),
            (
                &[b"usher", b"--pre", b" ", b"x"],
                b"usher: bad value for --pre: ' ' (a command and its arguments)",
            ),
            (
                &[b"usher", b"-C", b"", b"x"],
                b"usher: bad value for -C: '' (a directory)",
            ),
        ] {
            assert_eq!(error(args, &[]), message);
        }
        assert_eq!(
            error(&[b"usher", b"x"], &[b"USHER_ENV=A=1,B"]),
            b"usher: bad value in USHER_ENV: 'A=1,B'"
        );
    }

    #[test]
    fn empty_twins_are_off() {
        let env: &[&[u8]] = &[b"USHER_PGROUP=", b"USHER_REMAP_EXIT=", b"USHER_VERBOSE="];
        let plan = plan(&[b"usher", b"x"], env);
        assert!(!plan.process_group && plan.remap_exit.is_empty());
        assert_eq!(plan.verbosity, 0);
    }
}
