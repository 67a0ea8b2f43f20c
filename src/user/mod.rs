//! Who the command runs as: `USER[:GROUP]` specs resolved against
//! /etc/passwd and /etc/group with gosu's rules. The files are read as a
//! stream of fields through one small buffer, so a file of any size and a line
//! of any length (a group with thousands of members) work without a heap.
//! Nothing here makes a syscall: the bytes come from a [`Source`].

pub mod group;
pub mod passwd;
pub mod spec;

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

/// One item of a colon-separated file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Event {
    /// A byte of the current field.
    Byte(u8),
    /// A `:`: the next field starts.
    FieldEnd,
    /// The end of a line (or of a last line without its newline).
    LineEnd,
}

/// Whitespace as trimmed from each line (ASCII only).
pub fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Turns a file into [`Event`]s. Leading whitespace of each line is skipped
/// here; trailing whitespace only matters in a line's last field, whose
/// parser ignores it.
pub struct Fields<'b, S: Source> {
    source: S,
    buf: &'b mut [u8; READ_CAPACITY],
    at: usize,
    end: usize,
    line_start: bool,
    finished: bool,
}

impl<'b, S: Source> Fields<'b, S> {
    pub fn new(source: S, buf: &'b mut [u8; READ_CAPACITY]) -> Self {
        Fields {
            source,
            buf,
            at: 0,
            end: 0,
            line_start: true,
            finished: false,
        }
    }

    pub fn next_event(&mut self) -> Result<Option<Event>, Errno> {
        loop {
            if self.at == self.end {
                if self.finished {
                    return Ok(None);
                }
                self.at = 0;
                self.end = self.source.fill(self.buf)?;
                if self.end == 0 {
                    self.finished = true;
                    if !self.line_start {
                        self.line_start = true;
                        return Ok(Some(Event::LineEnd));
                    }
                    return Ok(None);
                }
            }
            let byte = self.buf[self.at];
            self.at += 1;
            if byte == b'\n' {
                self.line_start = true;
                return Ok(Some(Event::LineEnd));
            }
            if self.line_start && is_space(byte) {
                continue;
            }
            self.line_start = false;
            return Ok(Some(if byte == b':' {
                Event::FieldEnd
            } else {
                Event::Byte(byte)
            }));
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

    fn events(text: &[u8]) -> Vec<Event> {
        let mut buf = [0; READ_CAPACITY];
        let mut fields = Fields::new(
            Chunked {
                bytes: text,
                chunk: 3,
            },
            &mut buf,
        );
        let mut out = Vec::new();
        while let Some(event) = fields.next_event().unwrap() {
            out.push(event);
        }
        out
    }

    #[test]
    fn fields_skip_leading_space_and_end_the_last_line() {
        use Event::*;
        assert_eq!(
            events(b"  a:b\n\n c"),
            vec![
                Byte(b'a'),
                FieldEnd,
                Byte(b'b'),
                LineEnd,
                LineEnd,
                Byte(b'c'),
                LineEnd
            ]
        );
        assert_eq!(events(b"a\n  \t"), vec![Byte(b'a'), LineEnd]);
        assert_eq!(events(b""), vec![]);
    }

    fn matches(want: &[u8], field: &[u8]) -> (bool, bool) {
        let mut matcher = Matcher::new(want);
        field.iter().for_each(|&byte| matcher.push(byte));
        (matcher.is_match(), matcher.is_match_trimmed())
    }

    #[test]
    fn matcher_exact_and_trimmed() {
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
