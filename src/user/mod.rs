//! Who the command runs as: `USER[:GROUP]` specs resolved against
//! /etc/passwd and /etc/group with gosu's rules. The files are read as a
//! stream of fields through one small buffer, so a file of any size and a line
//! of any length (a group with thousands of members) work without a heap.
//! Nothing here makes a syscall: the bytes come from a [`Source`].

pub mod group;
pub mod passwd;
pub mod spec;

use crate::text::is_space;
use rustix::io::Errno;

/// Bytes read from a file per `read`. Lines may be longer than this.
pub const READ_CAPACITY: usize = 512;
/// Longest user name kept from a passwd line (for the group member search).
pub const NAME_CAPACITY: usize = 256;
/// Longest home directory, with room for `HOME=` and the NUL.
pub const HOME_CAPACITY: usize = 1024;
/// Most supplementary groups usher sets for one user.
pub const GROUPS_CAPACITY: usize = 1024;
/// Largest user or group id accepted, in a spec or in a file: 2^31-1, as gosu.
pub const MAX_ID: u32 = i32::MAX as u32;

/// The lookup's result and the caller's groups, kept in static storage
/// (`plan::Lists`) so that neither is on the stack.
pub struct Storage {
    pub credentials: spec::Credentials,
    /// The caller's supplementary groups, read to compare.
    pub caller_groups: [u32; GROUPS_CAPACITY],
}

impl Storage {
    pub const fn new() -> Self {
        Storage {
            credentials: spec::Credentials::new(),
            caller_groups: [0; GROUPS_CAPACITY],
        }
    }
}

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

/// Where the lines of a file come from: a file descriptor, or a slice in tests.
pub trait Source {
    /// Fills `buf` from the start; 0 at the end of the file.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Errno>;
}

impl Source for &[u8] {
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        let n = self.len().min(buf.len());
        buf[..n].copy_from_slice(&self[..n]);
        *self = &self[n..];
        Ok(n)
    }
}

/// What one line of passwd or group held, in the fields usher looks at. Both
/// files go through this one scanner: field 0 is the name, fields 2 and 3
/// the numbers (uid and gid, or gid), field 3 also the member list, and
/// field 5 the home directory.
pub struct Line<'w> {
    /// Number of fields (1 + the number of `:`).
    pub fields: usize,
    /// The line starts with `#`.
    pub comment: bool,
    pub name: Matcher<'w>,
    pub name_copy: Copied<NAME_CAPACITY>,
    pub numbers: [Number; 2],
    member: Matcher<'w>,
    /// Field 3, as a comma-separated list, names the wanted member.
    pub listed: bool,
    pub home: Copied<HOME_CAPACITY>,
}

impl<'w> Line<'w> {
    /// A line that will match names against `name` and members against
    /// `member` (an empty `member` matches nobody).
    pub fn new(name: &'w [u8], member: &'w [u8]) -> Self {
        Line {
            fields: 1,
            comment: false,
            name: Matcher::new(name),
            name_copy: Copied::default(),
            numbers: [Number::default(); 2],
            member: Matcher::new(member),
            listed: false,
            home: Copied::default(),
        }
    }

    /// Ready for the next line. Field by field, so that the copies' buffers
    /// are not rewritten for every line.
    fn reset(&mut self) {
        self.fields = 1;
        self.comment = false;
        self.name = Matcher::new(self.name.want);
        self.name_copy.clear();
        self.numbers = [Number::default(); 2];
        self.member = Matcher::new(self.member.want);
        self.listed = false;
        self.home.clear();
    }

    // Not inlined: keeps the per-field dispatch off the scanner's per-byte loop.
    #[inline(never)]
    fn push(&mut self, byte: u8) {
        match self.fields {
            1 => {
                self.name.push(byte);
                self.name_copy.push(byte);
            }
            3 => self.numbers[0].push(byte),
            4 => {
                self.numbers[1].push(byte);
                if byte == b',' {
                    self.end_member(self.member.is_match());
                } else {
                    self.member.push(byte);
                }
            }
            6 => self.home.push(byte),
            _ => {}
        }
    }

    fn end_member(&mut self, matched: bool) {
        self.listed |= matched && !self.member.want.is_empty();
        self.member = Matcher::new(self.member.want);
    }

    /// The line is over: its last member ends without its trailing
    /// whitespace, which is trimmed from the line.
    fn end(&mut self) {
        if self.fields == 4 {
            self.end_member(self.member.is_match_trimmed());
        }
    }
}

/// Reads a file line by line into a [`Line`], through a fixed buffer, so
/// that lines of any length work. Leading whitespace of each line is skipped.
pub struct Scanner<'b, S: Source> {
    source: S,
    buf: &'b mut [u8; READ_CAPACITY],
    at: usize,
    end: usize,
}

impl<'b, S: Source> Scanner<'b, S> {
    pub fn new(source: S, buf: &'b mut [u8; READ_CAPACITY]) -> Self {
        Scanner {
            source,
            buf,
            at: 0,
            end: 0,
        }
    }

    /// Fills `line` with the next line; false at the end of the file.
    pub fn next_line(&mut self, line: &mut Line<'_>) -> Result<bool, Errno> {
        line.reset();
        let mut started = false;
        loop {
            if self.at == self.end {
                self.at = 0;
                self.end = self.source.fill(self.buf)?;
                if self.end == 0 {
                    // A last line without its newline still counts.
                    line.end();
                    return Ok(started);
                }
            }
            let byte = self.buf[self.at];
            self.at += 1;
            if byte == b'\n' {
                line.end();
                return Ok(true);
            }
            if !started {
                if is_space(byte) {
                    continue;
                }
                started = true;
                line.comment = byte == b'#';
            }
            if byte == b':' {
                line.fields += 1;
            } else {
                line.push(byte);
            }
        }
    }
}

/// Compares a field, as it streams, with a wanted value.
pub struct Matcher<'w> {
    want: &'w [u8],
    /// Bytes matched so far; `usize::MAX` once it cannot match.
    matched: usize,
    /// Whether the field without its trailing whitespace matches.
    matched_trimmed: bool,
}

impl<'w> Matcher<'w> {
    pub fn new(want: &'w [u8]) -> Self {
        Matcher {
            want,
            matched: 0,
            matched_trimmed: want.is_empty(),
        }
    }

    pub fn push(&mut self, byte: u8) {
        self.matched = match self.want.get(self.matched) {
            Some(&wanted) if wanted == byte => self.matched + 1,
            _ => usize::MAX,
        };
        if !is_space(byte) {
            self.matched_trimmed = self.is_match();
        }
    }

    pub fn is_match(&self) -> bool {
        self.matched == self.want.len()
    }

    /// For a line's last field, whose trailing whitespace is trimmed.
    pub fn is_match_trimmed(&self) -> bool {
        self.matched_trimmed
    }
}

/// A numeric field (uid, gid): digits only, at most [`MAX_ID`].
#[derive(Clone, Copy, Default)]
pub struct Number {
    value: u32,
    digits: bool,
    bad: bool,
}

impl Number {
    pub fn push(&mut self, byte: u8) {
        let digit = byte.wrapping_sub(b'0');
        let value = u64::from(self.value) * 10 + u64::from(digit);
        if digit > 9 || value > u64::from(MAX_ID) {
            self.bad = true;
        } else {
            self.value = value as u32;
            self.digits = true;
        }
    }

    pub fn get(&self) -> Option<u32> {
        (self.digits && !self.bad).then_some(self.value)
    }
}

/// A field copied into a fixed buffer; remembers whether it did not fit.
pub struct Copied<const N: usize> {
    pub bytes: heapless::Vec<u8, N>,
    pub overflow: bool,
}

impl<const N: usize> Default for Copied<N> {
    fn default() -> Self {
        Copied {
            bytes: heapless::Vec::new(),
            overflow: false,
        }
    }
}

impl<const N: usize> Copied<N> {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.overflow = false;
    }

    pub fn push(&mut self, byte: u8) {
        if self.bytes.push(byte).is_err() {
            self.overflow = true;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A source that hands out at most `chunk` bytes per read, to cross
    /// buffer boundaries everywhere.
    pub struct Chunked<'a> {
        pub bytes: &'a [u8],
        pub chunk: usize,
    }

    impl Source for Chunked<'_> {
        fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
            let n = self.bytes.len().min(buf.len()).min(self.chunk);
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// A small deterministic generator (xorshift64*) for the property tests.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        pub fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        /// `min + below(spread)` bytes drawn from `alphabet`.
        pub fn bytes_between(&mut self, min: usize, spread: u64, alphabet: &[u8]) -> Vec<u8> {
            let len = min + self.below(spread) as usize;
            (0..len)
                .map(|_| alphabet[self.below(alphabet.len() as u64) as usize])
                .collect()
        }
    }

    /// (fields, comment, name matched, numbers, listed, home) of a line.
    type Seen = (usize, bool, bool, [Option<u32>; 2], bool, Vec<u8>);

    fn lines(text: &[u8]) -> Vec<Seen> {
        let mut buf = [0; READ_CAPACITY];
        let mut scanner = Scanner::new(
            Chunked {
                bytes: text,
                chunk: 3,
            },
            &mut buf,
        );
        let mut line = Line::new(b"ab", b"me");
        let mut out = Vec::new();
        while scanner.next_line(&mut line).unwrap() {
            out.push((
                line.fields,
                line.comment,
                line.name.is_match(),
                [line.numbers[0].get(), line.numbers[1].get()],
                line.listed,
                line.home.bytes.to_vec(),
            ));
        }
        out
    }

    #[test]
    fn lines_skip_leading_space_and_end_at_eof() {
        assert_eq!(
            lines(b"  ab:x:1:2:g:/h:s\n\n#c\n x:y:3:me,you \t\r\n last:x:4:you,me"),
            vec![
                (7, false, true, [Some(1), Some(2)], false, b"/h".to_vec()),
                (1, false, false, [None, None], false, vec![]),
                (1, true, false, [None, None], false, vec![]),
                (4, false, false, [Some(3), None], true, vec![]),
                (4, false, false, [Some(4), None], true, vec![]),
            ]
        );
        assert_eq!(
            lines(b"ab\n  \t"),
            vec![(1, false, true, [None, None], false, vec![])]
        );
        assert_eq!(lines(b""), vec![]);
        // Members: trailing whitespace only at the end of the line.
        assert!(!lines(b"g:x:1:me ,you")[0].4);
        assert!(!lines(b"g:x:1:mee,you")[0].4);
        assert!(lines(b"g:x:1:you,me,")[0].4);
        assert!(!lines(b"g:x:1:")[0].4);
    }

    fn matches(want: &[u8], field: &[u8]) -> (bool, bool) {
        let mut matcher = Matcher::new(want);
        field.iter().for_each(|&byte| matcher.push(byte));
        (matcher.is_match(), matcher.is_match_trimmed())
    }

    #[test]
    fn the_matcher_takes_exact_names_and_trims_the_line_end() {
        assert_eq!(matches(b"bob", b"bob"), (true, true));
        assert_eq!(matches(b"bob", b"bob \r"), (false, true));
        assert_eq!(matches(b"bob", b"bobby"), (false, false));
        assert_eq!(matches(b"bob", b"bo"), (false, false));
        assert_eq!(matches(b"bob", b" bob"), (false, false));
        assert_eq!(matches(b"bob ", b"bob "), (true, false));
        assert_eq!(matches(b"b b", b"b b  "), (false, true));
    }

    #[test]
    fn numbers_are_plain_digits_in_range() {
        let number = |text: &[u8]| {
            let mut number = Number::default();
            text.iter().for_each(|&byte| number.push(byte));
            number.get()
        };
        assert_eq!(number(b"0"), Some(0));
        assert_eq!(number(b"001000"), Some(1000));
        assert_eq!(number(b"2147483647"), Some(MAX_ID));
        assert_eq!(number(b"2147483648"), None);
        assert_eq!(number(b"99999999999999999999999"), None);
        assert_eq!(number(b""), None);
        assert_eq!(number(b"-1"), None);
        assert_eq!(number(b"+1"), None);
        assert_eq!(number(b"1 "), None);
        assert_eq!(number(b"1a"), None);
    }
}
