//! The PATH search, as `execvp` does it without libc: a command with a `/`
//! runs as given; any other is tried in each directory of PATH, and a file
//! found but not executable is remembered while the search goes on.

use crate::cstr::{until_nul, CStrArray};
use crate::env::path_dirs;
use crate::sys;
use core::ffi::CStr;
use rustix::io::Errno;

/// Longest path the PATH search builds (Linux's PATH_MAX, with its NUL).
pub const PATH_CAPACITY: usize = 4096;

/// Why the command could not be executed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExecFailure {
    /// `execve` failed (the last one that counts, for a search).
    Exec(Errno),
    /// A bare name, and no PATH to search it in.
    NoPath,
}

/// `execvp` without libc: a command containing `/` is run as given; any other
/// is searched in `search` (`None`: there is no PATH to search). Returns only
/// on failure.
pub fn exec_command(
    argv: CStrArray<'_>,
    envp: CStrArray<'_>,
    search: Option<&[u8]>,
) -> ExecFailure {
    let command = match argv.get(0) {
        Some(command) if !command.is_empty() => command,
        _ => return ExecFailure::Exec(Errno::NOENT),
    };
    let name = command.to_bytes();
    // Not `contains`: for bytes it calls core's memchr, code that nothing
    // else in the binary needs.
    #[allow(clippy::manual_contains)]
    if name.iter().any(|&byte| byte == b'/') {
        return ExecFailure::Exec(sys::execve(command, argv, envp));
    }
    let Some(path) = search else {
        return ExecFailure::NoPath;
    };
    let mut candidate = [0u8; PATH_CAPACITY];
    let mut outcome = SearchOutcome::default();
    for dir in path_dirs(path) {
        let full = match join_path(&mut candidate, dir, name) {
            Some(full) => full,
            None => {
                outcome.too_long = true;
                continue;
            }
        };
        let errno = sys::execve(full, argv, envp);
        if !outcome.keep_searching(errno) {
            return ExecFailure::Exec(errno);
        }
    }
    ExecFailure::Exec(outcome.final_errno())
}

/// What the PATH search has met so far.
#[derive(Default)]
struct SearchOutcome {
    found_not_executable: bool,
    too_long: bool,
}

impl SearchOutcome {
    /// Like execvp: not found here means try the next directory; found but
    /// not executable is remembered and the search goes on.
    fn keep_searching(&mut self, errno: Errno) -> bool {
        match errno {
            Errno::NOENT | Errno::NOTDIR => true,
            Errno::ACCESS => {
                self.found_not_executable = true;
                true
            }
            _ => false,
        }
    }

    fn final_errno(&self) -> Errno {
        if self.found_not_executable {
            Errno::ACCESS
        } else if self.too_long {
            Errno::NAMETOOLONG
        } else {
            Errno::NOENT
        }
    }
}

/// Writes `dir/name\0` into `buffer` (just `name` for an empty dir, which is
/// the current directory) and returns it as a C string (up to its first
/// NUL). `None` when it does not fit.
// Not inlined: keeps the join off the PATH loop's path, as one copy.
#[inline(never)]
pub fn join_path<'b>(
    buffer: &'b mut [u8; PATH_CAPACITY],
    dir: &[u8],
    name: &[u8],
) -> Option<&'b CStr> {
    let slash = usize::from(!dir.is_empty());
    let len = dir.len() + slash + name.len();
    if len + 1 > buffer.len() {
        return None;
    }
    buffer[..dir.len()].copy_from_slice(dir);
    if slash == 1 {
        buffer[dir.len()] = b'/';
    }
    buffer[dir.len() + slash..len].copy_from_slice(name);
    buffer[len] = 0;
    until_nul(&buffer[..=len])
}

/// A reason for a failed exec that says more than its errno.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Hint<'b> {
    /// ENOENT for a script that exists: its `#!` interpreter does not
    /// (shown without the `\r` of a CRLF line).
    Interpreter { path: &'b [u8], crlf: bool },
    /// EACCES: the command is a directory.
    Directory,
    /// ENOEXEC: neither a binary the kernel runs nor a script with `#!`.
    NotExecutable,
}

/// How much of a script is read for its `#!` line.
pub const HEAD: usize = 256;

/// Looks once at the file a failed exec named, after the failure (never on
/// the success path): `name` as given, found in `search` (a PATH) when it
/// has no `/`, a relative one from `workdir`. `None` when the file tells
/// nothing more than `errno` does.
pub fn explain<'b>(
    name: &[u8],
    search: Option<&[u8]>,
    workdir: Option<&[u8]>,
    errno: Errno,
    head: &'b mut [u8; HEAD],
) -> Option<Hint<'b>> {
    // Not `stat` (see setup::is_directory): `access` and `fstat`.
    use rustix::fs::{access, fstat, open, Access, FileType, Mode, OFlags};
    if !matches!(errno, Errno::NOENT | Errno::ACCESS | Errno::NOEXEC) || name.is_empty() {
        return None;
    }
    // The file the exec met: the first candidate that opens. A name with a
    // `/` is the one candidate; an empty PATH entry is the workdir.
    #[allow(clippy::manual_contains)]
    let has_slash = name.iter().any(|&byte| byte == b'/');
    let dirs = if has_slash { &b""[..] } else { search? };
    let mut buffer = [0u8; PATH_CAPACITY];
    let file = dirs
        .split(|&byte| !has_slash && byte == b':')
        .find_map(|dir| {
            let dir = match (name.first(), dir.is_empty()) {
                (Some(b'/'), _) => b"",
                (_, true) => workdir.unwrap_or(b""),
                _ => dir,
            };
            let path = join_path(&mut buffer, dir, name)?;
            open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).ok()
        })?;
    if errno == Errno::ACCESS {
        let kind = FileType::from_raw_mode(fstat(&file).ok()?.st_mode);
        return (kind == FileType::Directory).then_some(Hint::Directory);
    }
    let len = rustix::io::read(&file, &mut head[..]).ok()?;
    match (errno, shebang(&head[..len])) {
        (Errno::NOEXEC, None) => Some(Hint::NotExecutable),
        (Errno::NOENT, Some((interpreter, crlf))) => {
            let missing = join_path(&mut buffer, b"", interpreter)
                .is_some_and(|interpreter| access(interpreter, Access::EXISTS).is_err());
            missing.then_some(Hint::Interpreter {
                path: interpreter.strip_suffix(b"\r").unwrap_or(interpreter),
                crlf,
            })
        }
        _ => None,
    }
}

/// The interpreter of a script's `#!` line as the kernel reads it (the
/// first word after `#!`, up to a space, a tab or the newline: a `\r` stays
/// part of it), and whether the line ends in `\r` (CRLF line endings).
pub fn shebang(head: &[u8]) -> Option<(&[u8], bool)> {
    let line = head.strip_prefix(&b"#!"[..])?;
    let line = &line[..line
        .iter()
        .position(|&byte| byte == b'\n')
        .unwrap_or(line.len())];
    let crlf = line.last() == Some(&b'\r');
    let start = line
        .iter()
        .position(|&byte| byte != b' ' && byte != b'\t')?;
    let word = &line[start..];
    let end = word
        .iter()
        .position(|&byte| byte == b' ' || byte == b'\t')
        .unwrap_or(word.len());
    Some((&word[..end], crlf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shebang_names_its_interpreter_and_tells_crlf() {
        assert_eq!(shebang(b"#!/bin/sh\necho"), Some((&b"/bin/sh"[..], false)));
        assert_eq!(
            shebang(b"#! /usr/bin/env bash\n"),
            Some((&b"/usr/bin/env"[..], false))
        );
        assert_eq!(
            shebang(b"#!/bin/sh\r\necho\r\n"),
            Some((&b"/bin/sh\r"[..], true))
        );
        assert_eq!(
            shebang(b"#!/bin/bash -e\r\n"),
            Some((&b"/bin/bash"[..], true))
        );
        assert_eq!(shebang(b"#!/bin/sh"), Some((&b"/bin/sh"[..], false)));
        assert_eq!(shebang(b"#!\n"), None);
        assert_eq!(shebang(b"echo hi\n"), None);
        assert_eq!(shebang(b"\x7fELF"), None);
    }

    #[test]
    fn paths_are_joined_with_one_slash_within_path_max() {
        let mut buffer = [0u8; PATH_CAPACITY];
        assert_eq!(
            join_path(&mut buffer, b"/usr/bin", b"env")
                .unwrap()
                .to_bytes_with_nul(),
            b"/usr/bin/env\0"
        );
        assert_eq!(
            join_path(&mut buffer, b"", b"env")
                .unwrap()
                .to_bytes_with_nul(),
            b"env\0"
        );
        let long = [b'a'; PATH_CAPACITY];
        // dir + '/' + "env" + NUL: 4091 + 1 + 3 + 1 = 4096 fits exactly.
        assert!(join_path(&mut buffer, &long[..PATH_CAPACITY - 4], b"env").is_none());
        assert!(join_path(&mut buffer, &long[..PATH_CAPACITY - 5], b"env").is_some());
    }

    #[test]
    fn search_prefers_not_executable_over_not_found() {
        let mut outcome = SearchOutcome::default();
        assert!(outcome.keep_searching(Errno::NOENT));
        assert!(outcome.keep_searching(Errno::ACCESS));
        assert!(outcome.keep_searching(Errno::NOTDIR));
        assert_eq!(outcome.final_errno(), Errno::ACCESS);
        assert!(!outcome.keep_searching(Errno::NOEXEC));
        assert_eq!(SearchOutcome::default().final_errno(), Errno::NOENT);
    }
}
