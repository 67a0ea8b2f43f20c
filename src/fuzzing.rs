//! The fuzz targets' entry points (issue 18): each takes the fuzzer's bytes,
//! runs one pure parser and checks its documented contract, panicking when
//! it is broken. `fuzz/` (cargo fuzz, nightly) calls them through the
//! `fuzzing` feature; the unit tests below replay every checked-in corpus
//! file through the same functions on stable, so a fixed finding stays
//! fixed. Never part of the binary.
//!
//! The contract: a command line gives a Plan, a text to print, or one
//! error, whose message is one line of printable bytes that starts with
//! `usher: `; a user spec gives credentials or one such line; the
//! environment planner gives a bounded list or an error, never a panic.

extern crate std;

use crate::cstr::CStrList;
use crate::env::{self, PlanStorage};
use crate::plan::{Lists, Personality, Plan};
use crate::user::spec::{self, Caller, Split};
use std::boxed::Box;
use std::ffi::CString;
use std::vec::Vec;

/// The names the command line is tried under (the first input byte
/// picks one).
const NAMES: [&[u8]; 7] = [
    b"usher",
    b"tini",
    b"docker-init",
    b"dumb-init",
    b"gosu",
    b"su-exec",
    b"/usr/local/bin/usher",
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
        crate::cli::Action::Run => {
            assert!(plan.command < argv.len(), "a Plan without a command");
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
    fn the_checks_can_fail() {
        // A message with a newline in it, as an unescaped value makes.
        let forged = std::panic::catch_unwind(|| check_line(b"usher: bad\nusher: x\n"));
        assert!(forged.is_err());
        assert!(std::panic::catch_unwind(|| check_line(b"no prefix\n")).is_err());
        check_line(b"usher: unknown option --x\n");
    }
}
