//! The options of the native, tini and dumb-init command lines: one id each,
//! each personality's names for them (tables built at compile time from one
//! line per option), the value syntaxes, and the one walk over argv and then
//! the `USHER_` twins that fills the Plan and the environment options.

use super::c_numbers::{parse_sscanf_rewrite, parse_strtol_code};
use super::parser::{twin_byte, Arg, Arguments, CliError, ErrorKind, Opt, Parser};
use crate::env::{EnvEdit, Environment};
use crate::plan::{Lists, MountOpt, Namespaces, Personality, Plan, Subreaper};
use crate::signal;
use crate::text::{edit_distance_within, parse_bool, parse_decimal, word_index};

/// The options, one id each. Ids below `FIRST_VALUED` are flags; the rest
/// take a value.
pub const HELP: usize = 0;
pub const VERSION: usize = 1;
/// tini's `-l`.
pub const LICENSE: usize = 2;
pub const SUBREAPER: usize = 3;
pub const NO_SUBREAPER: usize = 4;
pub const PGROUP: usize = 5;
pub const WARN_REAPED: usize = 6;
pub const VERBOSE: usize = 7;
pub const NO_NEW_PRIVS: usize = 8;
pub const SETSID: usize = 9;
pub const WAIT_ALL: usize = 10;
/// dumb-init's `-c`.
pub const SINGLE_CHILD: usize = 11;
pub const CLEAR_ENV: usize = 12;
pub const PTY: usize = 13;
pub const NO_MOUNTS: usize = 14;
pub const SKIP_CHDIR: usize = 15;
pub const RO_ROOT: usize = 16;
pub const MINIMAL_DEV: usize = 17;
/// catatonit's `-P`.
pub const PAUSE_MODE: usize = 18;
const FIRST_VALUED: usize = 19;
pub const PDEATHSIG: usize = 19;
pub const REMAP_EXIT: usize = 20;
pub const USER: usize = 21;
pub const REWRITE: usize = 22;
pub const GRACE: usize = 23;
pub const ROOT: usize = 24;
pub const HOSTNAME: usize = 25;
pub const SHARE: usize = 26;
pub const UNSHARE: usize = 27;
pub const UPPER: usize = 28;
/// The mount options, in `MountOpt`'s order.
pub const BIND: usize = 29;
pub const RBIND: usize = 30;
pub const RO: usize = 31;
pub const TMPFS: usize = 32;
pub const LAYER: usize = 33;
/// The environment options, in `EnvEdit`'s order from ENV on.
pub const ENV: usize = 34;
pub const UNSET: usize = 35;
pub const ARG_ENV: usize = 36;
pub const OPT_ENV: usize = 37;
pub const REQUIRE_ENV: usize = 38;
pub const PRE: usize = 39;
pub const WORKDIR: usize = 40;
pub const VENV: usize = 41;
/// How many ids there are.
pub const OPTION_COUNT: usize = 42;

/// A set of option ids, one bit each.
type IdSet = u64;
static_assertions::const_assert!(OPTION_COUNT <= IdSet::BITS as usize);

/// One line of a personality's table: an option id, its short letter (0 for
/// none) and its long name ("" for none).
pub type Entry = (usize, u8, &'static str);

/// A personality's option names, as positional byte tables: its short
/// letter by id (`-` for none), and its long names by id, NUL-separated (an
/// empty word for none). Byte tables rather than a table of slices: slices
/// would cost a dynamic relocation each in a static-pie binary.
pub struct Names {
    pub shorts: &'static [u8],
    pub longs: &'static [u8],
    /// getopt_long's habit (dumb-init): a long name may be cut to any
    /// prefix that no other name shares.
    pub prefixes: bool,
}

/// The short letters of `entries`, by id.
pub const fn shorts_of(entries: &[Entry]) -> [u8; OPTION_COUNT] {
    let mut shorts = [b'-'; OPTION_COUNT];
    let mut at = 0;
    while at < entries.len() {
        let (id, short, _) = entries[at];
        if short != 0 {
            shorts[id] = short;
        }
        at += 1;
    }
    shorts
}

/// The length of `longs_of(entries)`: every name and a NUL per id.
pub const fn longs_len(entries: &[Entry]) -> usize {
    let mut len = OPTION_COUNT;
    let mut at = 0;
    while at < entries.len() {
        len += entries[at].2.len();
        at += 1;
    }
    len
}

/// The long names of `entries`, by id, each ended by a NUL. Each id may
/// appear once.
pub const fn longs_of<const N: usize>(entries: &[Entry]) -> [u8; N] {
    let mut longs = [0u8; N];
    let mut end = 0;
    let mut id = 0;
    while id < OPTION_COUNT {
        let mut at = 0;
        let mut seen = false;
        while at < entries.len() {
            if entries[at].0 == id {
                assert!(!seen, "an option id appears twice in a table");
                seen = true;
                let name = entries[at].2.as_bytes();
                let mut byte = 0;
                while byte < name.len() {
                    longs[end] = name[byte];
                    end += 1;
                    byte += 1;
                }
            }
            at += 1;
        }
        end += 1;
        id += 1;
    }
    assert!(end == N, "longs_of needs longs_len's length");
    longs
}

/// A personality's `Names`, from its table.
macro_rules! names {
    ($entries:expr, prefixes: $prefixes:expr) => {{
        const ENTRIES: &[$crate::cli::options::Entry] = $entries;
        const SHORTS: [u8; $crate::cli::options::OPTION_COUNT] =
            $crate::cli::options::shorts_of(ENTRIES);
        const LONGS: [u8; $crate::cli::options::longs_len(ENTRIES)] =
            $crate::cli::options::longs_of(ENTRIES);
        $crate::cli::options::Names {
            shorts: &SHORTS,
            longs: &LONGS,
            prefixes: $prefixes,
        }
    }};
}
pub(crate) use names;

/// usher's own names. The twins are read from these (`--wait-all` is
/// `USHER_WAIT_ALL`).
pub const NATIVE: Names = names!(
    &[
        (HELP, b'h', "help"),
        (VERSION, b'V', "version"),
        (SUBREAPER, b's', "subreaper"),
        (NO_SUBREAPER, 0, "no-subreaper"),
        (PGROUP, b'g', "pgroup"),
        (WARN_REAPED, b'w', "warn-reaped"),
        (VERBOSE, b'v', "verbose"),
        (NO_NEW_PRIVS, 0, "no-new-privs"),
        (SETSID, 0, "setsid"),
        (WAIT_ALL, 0, "wait-all"),
        (CLEAR_ENV, 0, "clear-env"),
        (PTY, b't', "pty"),
        (NO_MOUNTS, 0, "no-mounts"),
        (SKIP_CHDIR, 0, "skip-chdir"),
        (RO_ROOT, 0, "ro-root"),
        (MINIMAL_DEV, 0, "minimal-dev"),
        (PDEATHSIG, b'p', "pdeathsig"),
        (REMAP_EXIT, b'e', "remap-exit"),
        (USER, b'u', "user"),
        (REWRITE, b'r', "rewrite"),
        (GRACE, 0, "grace"),
        (ROOT, 0, "root"),
        (HOSTNAME, 0, "hostname"),
        (SHARE, 0, "share"),
        (UNSHARE, 0, "unshare"),
        (BIND, b'B', "bind"),
        (RBIND, b'R', "rbind"),
        (RO, 0, "ro"),
        (TMPFS, 0, "tmpfs"),
        (LAYER, 0, "layer"),
        (UPPER, 0, "upper"),
        (ENV, 0, "env"),
        (UNSET, 0, "unset"),
        (ARG_ENV, 0, "arg-env"),
        (OPT_ENV, 0, "opt-env"),
        (REQUIRE_ENV, 0, "require-env"),
        (PRE, 0, "pre"),
        (WORKDIR, b'C', "workdir"),
        (VENV, 0, "venv"),
    ],
    prefixes: false
);

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
pub fn prefix_of(longs: &[u8], name: &[u8]) -> (usize, usize) {
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

pub enum Parsed {
    /// A text to print, by the id of the option that asked for it.
    Print(usize),
    /// Options done; the bits are the ids argv gave.
    Command(IdSet),
}

/// The options up to the command, for the native, tini and dumb-init
/// personalities (`plan.personality` tells which values' syntax applies).
/// Environment options go to `edits`, in order.
pub fn parse_argv<'a, A: Arguments<'a> + ?Sized>(
    args: &A,
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
    names: &Names,
) -> Result<Parsed, CliError<'a>> {
    let mut parser = Parser::new(args);
    let mut given: IdSet = 0;
    'options: while let Some(arg) = parser.next_arg() {
        let opt = match arg {
            Arg::Command(index) => {
                plan.command = index;
                return Ok(Parsed::Command(given));
            }
            Arg::Opt(opt) => opt,
        };
        // Every error names the option as written, and the value if any.
        let mut value: &[u8] = b"";
        let kind = 'error: {
            let Some(id) = option_id(names, opt) else {
                break 'error ErrorKind::UnknownOption;
            };
            given |= 1 << id;
            if id <= LICENSE {
                return Ok(Parsed::Print(id));
            }
            if id < FIRST_VALUED {
                if let Err(kind) = set_flag(plan, lists, id, true) {
                    break 'error kind;
                }
                if parser.has_attached() {
                    break 'error ErrorKind::UnexpectedValue;
                }
                continue 'options;
            }
            let Some(given_value) = parser.value() else {
                break 'error ErrorKind::MissingValue;
            };
            value = given_value;
            if !set_value(plan, id, value) {
                break 'error bad_value_kind(id, plan.personality);
            }
            match record(plan, lists, id, value) {
                Ok(()) => continue 'options,
                Err(kind) => kind,
            }
        };
        return Err(CliError::with_value(kind, opt, value));
    }
    Err(CliError::no_command())
}

/// Adds an environment option to the edits, or a mount to the mounts (any
/// other option is neither).
fn record<'a>(
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
    id: usize,
    value: &'a [u8],
) -> Result<(), ErrorKind> {
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
    const MOUNTS: [MountOpt; 5] = [
        MountOpt::Bind,
        MountOpt::RBind,
        MountOpt::ReadOnly,
        MountOpt::Tmpfs,
        MountOpt::Layer,
    ];
    let edit = match id {
        CLEAR_ENV => EnvEdit::ClearEnv,
        ENV..=VENV => EDITS[id - ENV],
        BIND..=LAYER => {
            return lists
                .mounts
                .push((MOUNTS[id - BIND], value))
                .map_err(|_| ErrorKind::TooManyMounts);
        }
        _ => return Ok(()),
    };
    plan.edits_env = true;
    lists
        .edits
        .push((edit, value))
        .map_err(|_| ErrorKind::TooManyEdits)
}

/// The error for a bad value of option `id`, which takes a value.
fn bad_value_kind(id: usize, personality: Personality) -> ErrorKind {
    use ErrorKind::*;
    /// By id, from `FIRST_VALUED` on (`USER` takes any value).
    const KINDS: [ErrorKind; OPTION_COUNT - FIRST_VALUED] = [
        BadSignal,
        BadExitCode,
        BadDirectory,
        BadRewrite,
        BadDuration,
        BadDirectory,
        BadHostname,
        BadShare,
        BadUnshare,
        BadDirectory,
        BadMount,
        BadMount,
        BadMount,
        BadTmpfs,
        BadDirectory,
        BadEnv,
        BadVariableName,
        BadArgEnv,
        BadOptEnv,
        BadVariableName,
        BadPre,
        BadDirectory,
        BadDirectory,
    ];
    match (id, personality) {
        (PDEATHSIG, Personality::Tini) => BadTiniSignal,
        (REWRITE, Personality::DumbInit) => BadDumbInitRewrite,
        _ => KINDS[id - FIRST_VALUED],
    }
}

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
        REWRITE => {
            let rewrite = if plan.personality == Personality::DumbInit {
                parse_sscanf_rewrite(value)
            } else {
                signal::parse_rewrite(value)
            };
            match rewrite {
                Some((from, to)) => plan.rewrites.set(from, to),
                None => return false,
            }
        }
        GRACE => match parse_duration(value) {
            Some(millis) => plan.grace_ms = millis,
            None => return false,
        },
        ENV..=VENV => return env_value_is_good(id, value),
        ROOT => plan.sandbox.root = Some(value),
        UPPER => plan.sandbox.upper = Some(value),
        HOSTNAME => {
            plan.sandbox.hostname = Some(value);
            return (1..=64).contains(&value.len());
        }
        SHARE | UNSHARE => {
            let Some(set) = parse_namespaces(value, id == SHARE) else {
                return false;
            };
            if id == SHARE {
                plan.sandbox.share = set;
            } else {
                plan.sandbox.unshare = set;
            }
        }
        BIND..=LAYER => return !value.is_empty() && !value.starts_with(b":"),
        _ => {
            let code = if plan.personality == Personality::Tini {
                parse_strtol_code(value)
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

/// A comma-separated list of namespace names: `--share` takes net, ipc,
/// uts, pid and user; `--unshare` takes net, user, cgroup and time, and the
/// four that are always new (pid, mount, uts, ipc), which change nothing.
fn parse_namespaces(list: &[u8], share: bool) -> Option<Namespaces> {
    const NAMES: &[u8] = b"net\0ipc\0uts\0pid\0user\0mount\0cgroup\0time\0";
    const FLAGS: [u32; 8] = [
        Namespaces::NET,
        Namespaces::IPC,
        Namespaces::UTS,
        Namespaces::PID,
        Namespaces::USER,
        Namespaces::MOUNT,
        Namespaces::CGROUP,
        Namespaces::TIME,
    ];
    let mut set = 0;
    for name in list.split(|&byte| byte == b',') {
        let index = word_index(NAMES, name)?;
        // mount is never shared; cgroup and time are not the caller's to keep.
        if share && index > 4 {
            return None;
        }
        set |= FLAGS[index];
    }
    Some(Namespaces(set))
}

/// Whether an environment option's value has its form; the value itself is
/// used when the environment is planned.
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
    let millis = parse_decimal(digits)?.checked_mul(scale)?;
    (millis <= DAY_MS).then_some(millis as u32)
}

/// Parses an exit code 0..=255 (digits only).
pub fn parse_exit_code(text: &[u8]) -> Option<u8> {
    parse_decimal(text).and_then(|code| u8::try_from(code).ok())
}

/// Options that take a list: repeatable in argv, comma-separated in a twin.
const LISTS: IdSet = 1 << REMAP_EXIT
    | 1 << REWRITE
    | 1 << BIND
    | 1 << RBIND
    | 1 << RO
    | 1 << TMPFS
    | 1 << LAYER
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
            && long
                .iter()
                .zip(name)
                .all(|(&long, &twin)| twin == twin_byte(long))
    })?;
    (id > LICENSE).then_some(id)
}

/// The long name of the twin closest to `name` (a `USHER_` name that is no
/// twin), within two edits; "" when none is that close.
fn closest_twin(name: &[u8]) -> &'static [u8] {
    let name = name.strip_prefix(&b"USHER_"[..]).unwrap_or(name);
    let mut best: (usize, &'static [u8]) = (usize::MAX, b"");
    let mut twin = [0u8; 32];
    for (id, long) in NATIVE.longs.split(|&byte| byte == 0).enumerate() {
        if id <= LICENSE || long.is_empty() || long.len() > twin.len() {
            continue;
        }
        for (to, &from) in twin.iter_mut().zip(long) {
            *to = twin_byte(from);
        }
        if let Some(distance) = edit_distance_within(name, &twin[..long.len()], 2) {
            // Closer than a whole rewrite of the name.
            if distance < best.0 && distance < name.len() {
                best = (distance, long);
            }
        }
    }
    best.1
}

/// Fills what argv did not give from the twins, each checked as strictly as
/// its option, and adds their environment options to `edits` after argv's,
/// a list twin item by item. One pass over the environment picks out the
/// `USHER_` entries, so each twin costs nothing when it is not set. As with
/// `getenv`, the first entry of a name wins. A `USHER_` name that is no twin
/// is an error, with the closest twin's name: a typo in the configuration of
/// an image whose entrypoint is `usher --` must be as loud as one in argv.
pub fn apply_twins<'a, E: Environment<'a> + ?Sized>(
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
    mut given: IdSet,
    env: &E,
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
            return Err(CliError::unknown_variable(name, closest_twin(name)));
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
        // A capacity's message names neither the variable nor its value.
        set_twin(plan, lists, id, value)
            .map_err(|kind| CliError::with_value(kind, Opt::Long(name), value))?;
    }
    Ok(())
}

/// Applies one twin's value; `BadVariable` when it is bad.
// Not inlined: keeps the twins' value handling off the argv walk.
#[inline(never)]
fn set_twin<'a>(
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
    id: usize,
    value: &'a [u8],
) -> Result<(), ErrorKind> {
    if id == VERBOSE {
        let level = if value.is_empty() {
            Some(0)
        } else {
            parse_decimal(value)
        };
        plan.verbosity = level.map_or(0, |level| level.min(u64::from(u32::MAX)) as u32);
        return level.map(|_| ()).ok_or(ErrorKind::BadVariable);
    }
    if id == USER {
        // An empty twin is no twin: only `--user ''` asks for the caller.
        if !value.is_empty() {
            plan.user = Some(value);
        }
        return Ok(());
    }
    if id >= FIRST_VALUED {
        // A list twin is split at commas; any other is one value.
        let list = LISTS & 1 << id != 0;
        if list && value.is_empty() {
            return Ok(());
        }
        // A mount's paths may hold a comma, written `\,` (unescaped when
        // the path is used).
        let mounts = (BIND..=LAYER).contains(&id);
        let mut after_backslash = false;
        for item in value.split(|&byte| {
            let split = list && byte == b',' && !(mounts && after_backslash);
            after_backslash = byte == b'\\' && !after_backslash;
            split
        }) {
            if !set_value(plan, id, item) {
                return Err(ErrorKind::BadVariable);
            }
            record(plan, lists, id, item)?;
        }
        return Ok(());
    }
    let on = parse_bool(value).ok_or(ErrorKind::BadVariable)?;
    set_flag(plan, lists, id, on)
}

/// Turns a flag on, for argv, or on or off, for a boolean twin. Only argv
/// reaches `VERBOSE` (the twin takes a level), `SINGLE_CHILD` and
/// `PAUSE_MODE`, which have no twin.
fn set_flag<'a>(
    plan: &mut Plan<'a>,
    lists: &mut Lists<'a>,
    id: usize,
    on: bool,
) -> Result<(), ErrorKind> {
    match id {
        PGROUP => plan.process_group = on,
        NO_NEW_PRIVS => plan.no_new_privs = on,
        WARN_REAPED => plan.warn_reaped = on,
        SETSID => plan.setsid = on,
        SINGLE_CHILD => plan.setsid = false,
        WAIT_ALL => plan.wait_all = on,
        VERBOSE => plan.verbosity = plan.verbosity.saturating_add(1),
        CLEAR_ENV if on => record(plan, lists, id, b"")?,
        CLEAR_ENV => {}
        PTY => plan.pty = on,
        NO_MOUNTS => plan.sandbox.no_mounts = on,
        SKIP_CHDIR => plan.sandbox.skip_chdir = on,
        RO_ROOT => plan.sandbox.ro_root = on,
        MINIMAL_DEV => plan.sandbox.minimal_dev = on,
        PAUSE_MODE => plan.pause = on,
        NO_SUBREAPER => plan.subreaper = if on { Subreaper::Off } else { Subreaper::Auto },
        _ => plan.subreaper = if on { Subreaper::On } else { Subreaper::Off },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_built_one_line_per_option() {
        assert_eq!(NATIVE.shorts, b"hV-s-gwv-----t-----peur------BR---------C-");
        assert_eq!(
            NATIVE.longs,
            &b"help\0version\0\0subreaper\0no-subreaper\0pgroup\0warn-reaped\0verbose\0\
no-new-privs\0setsid\0wait-all\0\0clear-env\0pty\0no-mounts\0skip-chdir\0ro-root\0minimal-dev\0\0\
pdeathsig\0remap-exit\0user\0rewrite\0grace\0root\0hostname\0share\0unshare\0\
upper\0bind\0rbind\0ro\0tmpfs\0layer\0env\0unset\0arg-env\0opt-env\0require-env\0pre\0workdir\0venv\0"[..]
        );
        const SOME: Names = names!(&[(VERBOSE, b'v', ""), (HELP, 0, "help")], prefixes: false);
        assert_eq!(&SOME.shorts[..8], b"-------v");
        assert_eq!(&SOME.longs[..7], b"help\0\0\0");
        assert_eq!(SOME.longs.len(), OPTION_COUNT + 4);
    }

    #[test]
    fn twins_are_the_long_names_in_upper_case() {
        assert_eq!(twin_id(b"USHER_WAIT_ALL"), Some(WAIT_ALL));
        assert_eq!(twin_id(b"USHER_NO_SUBREAPER"), Some(NO_SUBREAPER));
        assert_eq!(twin_id(b"USHER_VENV"), Some(VENV));
        assert_eq!(twin_id(b"USHER_HELP"), None);
        assert_eq!(twin_id(b"USHER_wait_all"), None);
        assert_eq!(twin_id(b"USHER_WAIT-ALL"), None);
        assert_eq!(twin_id(b"WAIT_ALL"), None);
    }

    #[test]
    fn exit_codes_are_decimal_bytes() {
        assert_eq!(parse_exit_code(b"0"), Some(0));
        assert_eq!(parse_exit_code(b"255"), Some(255));
        assert_eq!(parse_exit_code(b"256"), None);
        assert_eq!(parse_exit_code(b"-1"), None);
        assert_eq!(parse_exit_code(b""), None);
        assert_eq!(parse_exit_code(b"1x"), None);
    }

    #[test]
    fn durations_take_seconds_or_milliseconds_up_to_a_day() {
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
}
