//! Leaf helpers over bytes, shared by the parsers and the messages: tables
//! of NUL-separated words, packed short words, decimal and boolean values,
//! white space and basenames. Nothing here imports another usher module.

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

/// Parses a small decimal number made only of digits (no sign, no spaces).
pub fn parse_decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in text {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(byte - b'0');
    }
    Some(value)
}

/// Whitespace as trimmed from each line (ASCII only).
pub fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The last `/`-separated part of a path: what a program was invoked as.
pub fn basename(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&byte| byte == b'/') {
        Some(slash) => &path[slash + 1..],
        None => path,
    }
}

/// The Levenshtein distance between `a` and `b` (insertions, deletions
/// and substitutions of bytes), when it is at most `most`; `None` when it is
/// more, or when `b` is longer than `LONGEST` bytes. For "did you mean".
pub fn edit_distance_within(a: &[u8], b: &[u8], most: usize) -> Option<usize> {
    const LONGEST: usize = 31;
    if b.len() > LONGEST || a.len().abs_diff(b.len()) > most {
        return None;
    }
    // One row of the table: distances from a[..i] to each prefix of b.
    let mut row = [0usize; LONGEST + 1];
    for (j, cell) in row.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for (i, &from) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &to) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(from != to);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    (row[b.len()] <= most).then_some(row[b.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn edit_distances_count_single_byte_edits() {
        assert_eq!(edit_distance_within(b"USR", b"USER", 2), Some(1));
        assert_eq!(edit_distance_within(b"USER", b"USER", 2), Some(0));
        assert_eq!(edit_distance_within(b"GRCAE", b"GRACE", 2), Some(2));
        assert_eq!(edit_distance_within(b"PGROPU", b"PGROUP", 2), Some(2));
        assert_eq!(edit_distance_within(b"WAITALL", b"WAIT_ALL", 2), Some(1));
        assert_eq!(edit_distance_within(b"X", b"USER", 2), None);
        assert_eq!(edit_distance_within(b"ABCD", b"WXYZ", 2), None);
        assert_eq!(edit_distance_within(b"", b"", 0), Some(0));
        assert_eq!(edit_distance_within(b"a", &[b'a'; 40], 50), None);
    }

    #[test]
    fn booleans_take_four_words_each_way_in_any_case() {
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
}
