//! The environment as usher reads it: looking up a variable in `envp` (or a
//! slice in tests), the boolean and number forms of the option twins, and the
//! PATH search order. No copy of the environment is ever made.

use crate::sys::CStrArray;

/// The PATH used for the search when PATH is unset (it is not added to the
/// child's environment).
pub const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Anything that can answer `getenv`.
pub trait Environment {
    fn var(&self, name: &[u8]) -> Option<&[u8]>;
}

/// Splits `NAME=value`; an entry without `=` has no value.
fn value_of<'a>(entry: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let rest = entry.strip_prefix(name)?;
    rest.strip_prefix(b"=")
}

impl Environment for CStrArray {
    fn var(&self, name: &[u8]) -> Option<&[u8]> {
        (0..self.len())
            .filter_map(|index| self.get(index))
            .find_map(|entry| value_of(entry.to_bytes(), name))
    }
}

impl Environment for [&[u8]] {
    fn var(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter().find_map(|entry| value_of(entry, name))
    }
}

/// A boolean twin: `1 true yes on` are on; `0 false no off` and empty are off.
/// Case-insensitive. Anything else is `None`, which callers report as bad input.
pub fn parse_bool(value: &[u8]) -> Option<bool> {
    let mut lower = [0u8; 5];
    if value.len() > lower.len() {
        return None;
    }
    for (to, from) in lower.iter_mut().zip(value) {
        *to = from.to_ascii_lowercase();
    }
    match &lower[..value.len()] {
        b"1" | b"true" | b"yes" | b"on" => Some(true),
        b"" | b"0" | b"false" | b"no" | b"off" => Some(false),
        _ => None,
    }
}

/// The directories of a PATH value, in order. An empty entry means the
/// current directory, as POSIX and musl's execvp have it.
pub fn path_dirs(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|&byte| byte == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_matches_whole_names_only() {
        let env: &[&[u8]] = &[
            b"PATHX=1",
            b"PATH=/bin",
            b"EMPTY=",
            b"NOVALUE",
            b"PATH=/second",
        ];
        assert_eq!(env.var(b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(env.var(b"EMPTY"), Some(&b""[..]));
        assert_eq!(env.var(b"NOVALUE"), None);
        assert_eq!(env.var(b"PAT"), None);
        assert_eq!(env.var(b"MISSING"), None);
    }

    #[test]
    fn booleans() {
        for on in [&b"1"[..], b"true", b"YES", b"On"] {
            assert_eq!(parse_bool(on), Some(true));
        }
        for off in [&b""[..], b"0", b"false", b"No", b"OFF"] {
            assert_eq!(parse_bool(off), Some(false));
        }
        for bad in [&b"2"[..], b"y", b" 1", b"enable"] {
            assert_eq!(parse_bool(bad), None);
        }
    }

    #[test]
    fn path_entries_keep_empty_ones() {
        let dirs: Vec<&[u8]> = path_dirs(b"/a::/b:").collect();
        assert_eq!(dirs, vec![&b"/a"[..], b"", b"/b", b""]);
    }
}
