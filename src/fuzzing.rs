//! The fuzz targets' entry points (issue 18): each takes the fuzzer's bytes,
//! runs one pure parser and checks its documented contract, panicking when
//! it is broken. `fuzz/` (cargo fuzz, nightly) calls them through the
//! `fuzzing` feature; the unit tests below replay every checked-in corpus
//! file through the same functions on stable, so a fixed finding stays
//! fixed. Never part of the binary.
//!
//! The contract: a command line gives a Plan with a command (none for
//! pause), a text to print, or one error, whose message is one line of
//! printable bytes that starts with `usher: `; a user spec gives credentials or one such line; the
//! environment planner gives a bounded list or an error, never a panic.

extern crate std;

use crate::cstr::CStrList;
use crate::env::{self, PlanStorage};
use crate::plan::{Lists, Personality, Plan};
use crate::user::spec::{self, Caller, Split};
use std::boxed::Box;
use std::ffi::CString;
use std::string::ToString;
use std::vec::Vec;

/// The names the command line is tried under (the first input byte
/// picks one).
const NAMES: [&[u8]; 11] = [
    b"usher",
    b"tini",
    b"docker-init",
    b"dumb-init",
    b"gosu",
    b"su-exec",
    b"/usr/local/bin/usher",
    b"pause",
    b"catatonit",
    b"podman-init",
    b"pychroot",
];

/// Splits `data` at the first `0xff` into two parts.
fn halves(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&byte| byte == 0xff) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// NUL-separated words (a trailing NUL makes no empty last word).
fn words(part: &[u8]) -> Vec<&[u8]> {
    if part.is_empty() {
        return Vec::new();
    }
    let part = part.strip_suffix(b"\0").unwrap_or(part);
    part.split(|&byte| byte == 0).collect()
}

/// An error message: `usher: `, then printable ASCII, and no newline but an
/// optional last one.
pub fn check_line(line: &[u8]) {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    assert!(
        text.starts_with(b"usher: "),
        "an error without the prefix: {}",
        line.escape_ascii()
    );
    assert!(
        text.iter().all(|&byte| (0x20..0x7f).contains(&byte)),
        "an error that is not one printable line: {}",
        line.escape_ascii()
    );
}

/// A command line: byte 0 picks the program name, then NUL-separated
/// arguments, `0xff`, and NUL-separated environment entries.
pub fn command_line(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (args, env) = halves(rest);
    let mut argv = Vec::from([NAMES[usize::from(pick) % NAMES.len()]]);
    argv.extend(words(args));
    let envp = words(env);
    let mut plan = Plan::new(Personality::Native, 0);
    let mut lists = Box::new(Lists::new());
    let action = crate::cli::parse(&argv[..], &envp[..], &mut plan, &mut lists);
    match action {
        crate::cli::Action::Fail { error, .. } => check_line(error.line().as_bytes()),
        crate::cli::Action::Print { .. } => {}
        crate::cli::Action::Run if plan.pause => {
            // catatonit -P may be given a program, which it never runs.
            if plan.personality == Personality::Pause {
                assert_eq!(plan.command, argv.len(), "pause runs one of its arguments");
            }
        }
        crate::cli::Action::Run => {
            // pychroot without a command runs $SHELL -i, built from the edits.
            assert!(
                plan.command < argv.len()
                    || (plan.personality == Personality::Pychroot && lists.edits.len() == 2),
                "a Plan without a command"
            );
            if plan.sandbox.root.is_some() {
                // The sandbox's steps: bounded, each inside the new root.
                let mut steps = crate::setup::sandbox::steps::Steps::new();
                crate::setup::sandbox::steps::steps(
                    &plan.sandbox,
                    &lists.mounts,
                    pick % 2 == 0,
                    &mut steps,
                );
                assert!(steps.len() <= crate::setup::sandbox::steps::STEP_CAPACITY);
            }
        }
    }
}

/// A user spec (byte 0: gosu's or su-exec's split, and the caller's ids),
/// then `0xff`, /etc/passwd, `0xff`, /etc/group.
pub fn user_spec(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (spec_text, files) = halves(rest);
    if spec_text.contains(&0) {
        // A spec comes from argv: it has no NUL.
        return;
    }
    let (passwd, group) = halves(files);
    let how = if pick & 1 == 0 {
        Split::Gosu
    } else {
        Split::SuExec
    };
    let caller = Caller {
        uid: u32::from(pick >> 1),
        gid: u32::from(pick >> 2),
    };
    match spec::resolve(spec_text, how, caller, passwd, group) {
        Ok(credentials) => {
            assert!(credentials.uid <= 0x7fff_ffff && credentials.gid <= 0x7fff_ffff);
            assert_eq!(credentials.home.last(), Some(&0), "HOME without its NUL");
            assert!(credentials.home.starts_with(b"HOME="));
        }
        Err(error) => check_line(error.line(spec_text).as_bytes()),
    }
}

/// The environment planner, after the native command line that feeds it
/// (the planner takes the edits as the parser checked them):
/// NUL-separated arguments, `0xff`, the NUL-separated environment. HOME
/// comes from a `--user` when byte 0 is odd.
pub fn environment(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (args, env) = halves(rest);
    let argv: Vec<CString> = core::iter::once(&b"usher"[..])
        .chain(words(args))
        .map(|word| CString::new(word).expect("split on NUL"))
        .collect();
    let envs: Vec<CString> = words(env)
        .into_iter()
        .map(|word| CString::new(word).expect("split on NUL"))
        .collect();
    let arg_bytes: Vec<&[u8]> = argv.iter().map(|arg| arg.to_bytes()).collect();
    let env_bytes: Vec<&[u8]> = envs.iter().map(|entry| entry.to_bytes()).collect();
    let mut plan = Plan::new(Personality::Native, 0);
    let mut lists = Box::new(Lists::new());
    let action = crate::cli::parse(&arg_bytes[..], &env_bytes[..], &mut plan, &mut lists);
    if action != crate::cli::Action::Run {
        return;
    }
    let mut arg_room = std::vec![core::mem::MaybeUninit::uninit(); argv.len() + 1];
    let mut command = CStrList::new(&mut arg_room);
    for arg in &argv[plan.command..] {
        command.push(arg);
    }
    let mut env_room = std::vec![core::mem::MaybeUninit::uninit(); envs.len() + 1];
    let mut envp = CStrList::new(&mut env_room);
    for entry in &envs {
        envp.push(entry);
    }
    let (command, envp) = (command.as_array(), envp.as_array());
    let mut storage = Box::new(PlanStorage::new());
    let storage = &mut *storage;
    let mut arena = env::Arena::new(&mut storage.bytes);
    let mut planned = env::Planned::new(&mut storage.env, &mut storage.args);
    let home = (pick & 1 == 1).then_some(&b"HOME=/home/app\0"[..]);
    let planned_ok = env::plan_environment(
        command,
        envp,
        false,
        home,
        &lists.edits,
        &mut arena,
        &mut planned,
    )
    .is_ok();
    if planned_ok {
        assert!(planned.env.len() <= env::ENV_CAPACITY);
        assert!(planned.args.len() >= command.len(), "an argument is gone");
    }
}

/// A file handed out `chunk` bytes per read, so that lines and fields
/// cross the reader's buffer everywhere.
struct Chunked<'a> {
    bytes: &'a [u8],
    chunk: usize,
}

impl crate::user::Source for Chunked<'_> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, rustix::io::Errno> {
        let len = self.bytes.len().min(buf.len()).min(self.chunk);
        buf[..len].copy_from_slice(&self.bytes[..len]);
        self.bytes = &self.bytes[len..];
        Ok(len)
    }
}

/// The lines of a passwd or group file as passwd(5) and group(5) read
/// them, whole, each without its leading white space, split at `:`. The
/// last line counts when it has something other than white space.
fn reference_lines(file: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut lines: Vec<&[u8]> = file.split(|&byte| byte == b'\n').collect();
    if lines
        .last()
        .is_some_and(|last| last.iter().all(|&byte| crate::text::is_space(byte)))
    {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|line| {
            let start = line
                .iter()
                .position(|&byte| !crate::text::is_space(byte))
                .unwrap_or(line.len());
            line[start..].split(|&byte| byte == b':').collect()
        })
        .collect()
}

/// An id field: digits only, at most 2^31-1.
fn reference_id(field: &[u8]) -> Option<u32> {
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(field)
        .ok()?
        .parse::<u64>()
        .ok()
        .filter(|&id| id <= u64::from(crate::user::MAX_ID))
        .map(|id| id as u32)
}

/// The streaming passwd and group readers against the whole-file reading
/// of [`reference_lines`]: byte 0 picks the chunk size and the query
/// (passwd by name or uid, group by name or member), then the wanted name
/// (or uid in decimal), `0xff`, and the file.
pub fn etc_files(data: &[u8]) {
    use crate::user::{group, passwd, Scanner, READ_CAPACITY};
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (want, file) = halves(rest);
    let chunk = usize::from(pick >> 2).max(1);
    let mut buf = [0u8; READ_CAPACITY];
    let mut scanner = Scanner::new(Chunked { bytes: file, chunk }, &mut buf);
    let lines = reference_lines(file);
    let trimmed = |field: &[u8]| {
        let end = field
            .iter()
            .rposition(|&byte| !crate::text::is_space(byte))
            .map_or(0, |at| at + 1);
        field[..end].to_vec()
    };
    match pick & 3 {
        0 | 1 => {
            let query = if pick & 1 == 0 {
                passwd::Query::Name(want)
            } else {
                match reference_id(want) {
                    Some(uid) => passwd::Query::Uid(uid),
                    None => return,
                }
            };
            let found = passwd::find(&mut scanner, query).expect("a slice never fails");
            let expected = lines.iter().find(|fields| {
                let ids = fields.len() == 7
                    && reference_id(fields[2]).is_some()
                    && reference_id(fields[3]).is_some();
                ids && match query {
                    passwd::Query::Name(name) => fields[0] == name,
                    passwd::Query::Uid(uid) => reference_id(fields[2]) == Some(uid),
                }
            });
            match (found, expected) {
                (None, None) => {}
                (Some(entry), Some(fields)) => {
                    assert_eq!(Some(entry.uid), reference_id(fields[2]));
                    assert_eq!(Some(entry.gid), reference_id(fields[3]));
                    // A name or home that does not fit is flagged, and its
                    // kept part is the start of the field.
                    for (copied, overflow, field) in [
                        (&entry.name.bytes[..], entry.name.overflow, fields[0]),
                        (&entry.home.bytes[..], entry.home.overflow, fields[5]),
                    ] {
                        assert_eq!(overflow, copied.len() < field.len());
                        assert!(field.starts_with(copied));
                    }
                }
                (found, expected) => panic!(
                    "the reader found {:?}, the reference {:?}",
                    found.map(|entry| entry.uid),
                    expected
                ),
            }
        }
        _ => {
            let query = if pick & 1 == 0 {
                group::Query::Name(want)
            } else {
                group::Query::Member(want)
            };
            let mut found = group::Groups::new();
            let result = group::find(&mut scanner, query, &mut found);
            let groups = lines.iter().filter(|fields| {
                fields.len() == 4
                    && !fields[0].starts_with(b"#")
                    && reference_id(fields[2]).is_some()
            });
            match query {
                group::Query::Name(name) => {
                    let expected = groups
                        .clone()
                        .find(|fields| fields[0] == name)
                        .and_then(|fields| reference_id(fields[2]));
                    assert_eq!(result, Ok(expected));
                }
                group::Query::Member(user) => {
                    let expected: Vec<u32> = groups
                        .filter(|fields| {
                            !user.is_empty()
                                && fields[3].split(|&byte| byte == b',').enumerate().any(
                                    |(at, member)| {
                                        let last =
                                            at == fields[3].split(|&b| b == b',').count() - 1;
                                        if last {
                                            trimmed(member) == user
                                        } else {
                                            member == user
                                        }
                                    },
                                )
                        })
                        .filter_map(|fields| reference_id(fields[2]))
                        .collect();
                    if expected.len() > crate::user::GROUPS_CAPACITY {
                        assert_eq!(result, Err(group::GroupError::TooMany));
                    } else {
                        assert_eq!(result, Ok(None));
                        assert_eq!(&found[..], &expected[..]);
                    }
                }
            }
        }
    }
}

/// The value parsers of the options, each against its documented range
/// and a round trip: byte 0 picks the parser, the rest is the value.
pub fn values(data: &[u8]) {
    use crate::cli::{c_numbers, options};
    use crate::signal;
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    match pick % 7 {
        0 => {
            let Some(signo) = signal::parse(text) else {
                assert_eq!(signal::parse(&text.to_ascii_lowercase()), None);
                return;
            };
            assert!((1..=signal::SIGRTMAX).contains(&signo));
            // Its printed name and its number both read back as itself,
            // in any case.
            let mut line = crate::error::Line::new();
            crate::error::push_signal(&mut line, signo);
            assert_eq!(signal::parse(line.as_bytes()), Some(signo));
            assert_eq!(signal::parse(signo.to_string().as_bytes()), Some(signo));
            assert_eq!(signal::parse(&text.to_ascii_lowercase()), Some(signo));
        }
        1 => {
            if let Some(signo) = signal::parse_tini(text) {
                assert_eq!(signal::parse(text), Some(signo));
                assert!(signo <= 31 && text.starts_with(b"SIG"));
            }
        }
        2 => {
            if let Some((from, to)) = signal::parse_rewrite(text) {
                assert!((1..=signal::SIGRTMAX).contains(&from));
                assert!(to <= signal::SIGRTMAX);
            }
        }
        3 => {
            if let Some(millis) = options::parse_duration(text) {
                assert!(millis <= 24 * 60 * 60 * 1000);
                let again = std::format!("{millis}ms");
                assert_eq!(options::parse_duration(again.as_bytes()), Some(millis));
            }
        }
        4 => {
            if let Some(code) = options::parse_exit_code(text) {
                assert_eq!(reference_id(text), Some(u32::from(code)));
            }
        }
        5 => {
            if let Some(code) = c_numbers::parse_strtol_code(text) {
                // strtol's reading: white space, a sign, digits, nothing after.
                let start = text
                    .iter()
                    .position(|&byte| !crate::text::is_space(byte))
                    .unwrap_or(text.len());
                let body = &text[start..];
                let digits = body
                    .strip_prefix(b"+")
                    .or(body.strip_prefix(b"-"))
                    .unwrap_or(body);
                assert!(text.is_empty() || reference_big(digits) == Some(u64::from(code)));
            }
        }
        _ => {
            if let Some((from, to)) = c_numbers::parse_sscanf_rewrite(text) {
                assert!((1..=31).contains(&from) && to <= 31);
            }
        }
    }
}

/// Digits only, as a number that saturates.
fn reference_big(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |value, &digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays every file of `fuzz/corpus/TARGET` through `target`.
    fn replay(name: &str, target: fn(&[u8])) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(name);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).expect("the corpus") {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let caught = std::panic::catch_unwind(|| target(&data));
            assert!(caught.is_ok(), "{} breaks the contract", path.display());
            count += 1;
        }
        assert!(count > 0, "an empty corpus: {}", dir.display());
    }

    #[test]
    fn the_command_line_corpus_keeps_the_contract() {
        replay("command_line", command_line);
    }

    #[test]
    fn the_user_spec_corpus_keeps_the_contract() {
        replay("user_spec", user_spec);
    }

    #[test]
    fn the_environment_corpus_keeps_the_contract() {
        replay("environment", environment);
    }

    #[test]
    fn the_etc_files_corpus_keeps_the_contract() {
        replay("etc_files", etc_files);
    }

    #[test]
    fn the_values_corpus_keeps_the_contract() {
        replay("values", values);
    }

    #[test]
    fn the_checks_can_fail() {
        // A message with a newline in it, as an unescaped value makes.
        let forged = std::panic::catch_unwind(|| check_line(b"usher: bad\nusher: x\n"));
        assert!(forged.is_err());
        assert!(std::panic::catch_unwind(|| check_line(b"no prefix\n")).is_err());
        check_line(b"usher: unknown option --x\n");
    }
}
