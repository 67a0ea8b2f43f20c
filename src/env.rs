//! The environment as usher reads it: looking up a variable in `envp` (or a
//! slice in tests), the boolean and number forms of the option twins, and the
//! PATH search order. No copy of the environment is ever made.

use crate::sys::{CStrArray, CStrList};

/// Most entries an environment usher edits may have (the child's, with its
/// HOME set). More is an error that names the limit.
pub const ENV_CAPACITY: usize = 4096;

/// The environment a switched user's command gets: `envp` byte for byte,
/// except that the first `HOME=` entry becomes `home` (`HOME=...` and a NUL;
/// or `home` is added at the end) and later `HOME=` entries are dropped.
/// False when it does not fit.
pub fn with_home<'a, const N: usize>(
    envp: &CStrArray,
    home: &'a [u8],
    out: &mut CStrList<'a, N>,
) -> bool {
    let mut placed = false;
    for index in 0..envp.len() {
        let Some(entry) = envp.get(index) else {
            continue;
        };
        let pushed = if entry.to_bytes().starts_with(b"HOME=") {
            if placed {
                continue;
            }
            placed = true;
            out.push_with_nul(home)
        } else {
            out.push(entry)
        };
        if !pushed {
            return false;
        }
    }
    placed || out.push_with_nul(home)
}

/// The PATH used for the search when PATH is unset (it is not added to the
/// child's environment).
pub const DEFAULT_PATH: &[u8] = b"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Anything that can answer `getenv`.
pub trait Environment {
    fn var(&self, name: &[u8]) -> Option<&[u8]>;

    /// The first entry at `start` or after it that starts with `prefix`:
    /// its index and its bytes. One pass over the environment for a family
    /// of variables (usher's twins), however many the family has.
    fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &[u8])>;
}

/// Splits `NAME=value`; an entry without `=` has no value.
fn value_of<'a>(entry: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let rest = entry.strip_prefix(name)?;
    rest.strip_prefix(b"=")
}

impl Environment for CStrArray {
    fn var(&self, name: &[u8]) -> Option<&[u8]> {
        self.value_of(name)
    }

    fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &[u8])> {
        self.next_with_prefix(prefix, start)
    }
}

impl Environment for [&[u8]] {
    fn var(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter().find_map(|entry| value_of(entry, name))
    }

    fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &[u8])> {
        (start..self.len()).find_map(|index| {
            let entry = self[index];
            entry.starts_with(prefix).then_some((index, entry))
        })
    }
}

/// The position of `word` in `table`, a list of NUL-terminated words. One
/// small loop instead of a `match` on byte strings, which compiles to a
/// length check and a comparison per arm.
pub fn word_index(table: &[u8], word: &[u8]) -> Option<usize> {
    // The table's final NUL leaves an empty last piece, which no word matches.
    if word.is_empty() {
        return None;
    }
    table
        .split(|&byte| byte == 0)
        .position(|entry| entry == word)
}

/// The word at `index` in `table` (as for [`word_index`]); empty past the end.
pub fn word_at(table: &[u8], index: usize) -> &[u8] {
    let mut rest = table;
    let mut skip = index;
    loop {
        let end = rest
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(rest.len());
        if skip == 0 {
            return &rest[..end];
        }
        skip -= 1;
        rest = rest.get(end + 1..).unwrap_or(b"");
    }
}

/// A word of up to 7 bytes, lower-cased and packed with its length into one
/// integer, so that a few short words compare as integers (smaller code than
/// comparing slices). `None` for longer words.
pub fn packed_lower(word: &[u8]) -> Option<u64> {
    if word.len() > 7 {
        return None;
    }
    Some(packed(word, true))
}

/// The packing of `packed_lower`, usable in constants.
pub const fn packed(word: &[u8], lower: bool) -> u64 {
    let mut key = (word.len() as u64) << 56;
    let mut at = 0;
    while at < word.len() {
        let byte = if lower {
            word[at].to_ascii_lowercase()
        } else {
            word[at]
        };
        key |= (byte as u64) << (8 * at);
        at += 1;
    }
    key
}

/// A boolean twin: `1 true yes on` are on; `0 false no off` and empty are off.
/// Case-insensitive. Anything else is `None`, which callers report as bad input.
pub fn parse_bool(value: &[u8]) -> Option<bool> {
    const ON: [u64; 4] = [
        packed(b"1", false),
        packed(b"true", false),
        packed(b"yes", false),
        packed(b"on", false),
    ];
    const OFF: [u64; 5] = [
        packed(b"", false),
        packed(b"0", false),
        packed(b"false", false),
        packed(b"no", false),
        packed(b"off", false),
    ];
    let key = packed_lower(value)?;
    if ON.contains(&key) {
        Some(true)
    } else if OFF.contains(&key) {
        Some(false)
    } else {
        None
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

    fn edited(entries: &[&core::ffi::CStr]) -> Vec<Vec<u8>> {
        let mut raw: Vec<*const core::ffi::c_char> = entries.iter().map(|e| e.as_ptr()).collect();
        raw.push(core::ptr::null());
        // SAFETY: a NULL-terminated array of C strings that outlive the test.
        let envp = unsafe { CStrArray::from_raw(raw.as_ptr()) };
        let mut out = CStrList::<4>::default();
        if !with_home(&envp, b"HOME=/home/app\0", &mut out) {
            return vec![b"(full)".to_vec()];
        }
        let array = out.as_array();
        (0..array.len())
            .map(|index| array.get(index).unwrap().to_bytes().to_vec())
            .collect()
    }

    #[test]
    fn home_is_replaced_in_place_or_added() {
        assert_eq!(
            edited(&[c"A=1", c"HOME=/root", c"HOMEX=1"]),
            vec![
                b"A=1".to_vec(),
                b"HOME=/home/app".to_vec(),
                b"HOMEX=1".to_vec()
            ]
        );
        assert_eq!(
            edited(&[c"HOME=/a", c"B=\xff", c"HOME=/b"]),
            vec![b"HOME=/home/app".to_vec(), b"B=\xff".to_vec()]
        );
        assert_eq!(
            edited(&[c"A="]),
            vec![b"A=".to_vec(), b"HOME=/home/app".to_vec()]
        );
        assert_eq!(edited(&[c"A", c"B", c"C"]), vec![b"(full)".to_vec()]);
        assert_eq!(
            edited(&[c"A", c"B", c"HOME="]),
            vec![b"A".to_vec(), b"B".to_vec(), b"HOME=/home/app".to_vec()]
        );
    }

    #[test]
    fn words_are_found_whole() {
        let table = b"tini\0docker-init\0gosu\0";
        assert_eq!(word_index(table, b"tini"), Some(0));
        assert_eq!(word_index(table, b"gosu"), Some(2));
        assert_eq!(word_index(table, b"tin"), None);
        assert_eq!(word_index(table, b"docker-init\0"), None);
        assert_eq!(word_index(table, b""), None);
        assert_eq!(word_at(table, 0), b"tini");
        assert_eq!(word_at(table, 2), b"gosu");
        // Past the last word: the empty piece after the final NUL, then nothing.
        assert_eq!(word_at(table, 3), b"");
        assert_eq!(word_at(table, 9), b"");
        assert_eq!(word_at(b"a\0\0b", 1), b"");
        assert_eq!(word_at(b"a\0\0b", 2), b"b");
    }

    #[test]
    fn path_entries_keep_empty_ones() {
        let dirs: Vec<&[u8]> = path_dirs(b"/a::/b:").collect();
        assert_eq!(dirs, vec![&b"/a"[..], b"", b"/b", b""]);
    }
}
