//! Messages without a heap or `core::fmt`: a fixed stack buffer that collects
//! one line and writes it with a single syscall, and the one `Error` type
//! (failing step, object, errno) that every effectful step returns.

use crate::cli::help::{expand, ERRNO_LONGEST, ERRNO_TEXTS};
use core::sync::atomic::{AtomicBool, Ordering};
use rustix::io::Errno;

/// Capacity of one message line. Longer input is cut with "..." so that a
/// huge argument can never make a message fail.
pub const LINE_CAPACITY: usize = 512;

/// The most bytes of one input value that a message quotes.
pub const QUOTE_LIMIT: usize = 64;

/// Whether messages start as pychroot's do: set once parsing chose that
/// personality, before anything is reported. An atomic only so that it
/// needs no unsafe; usher has one thread.
static PYCHROOT: AtomicBool = AtomicBool::new(false);

/// From now on, messages start with `pychroot: error: `.
pub fn speak_as_pychroot() {
    PYCHROOT.store(true, Ordering::Relaxed);
}

/// One line being built on the stack.
pub struct Line {
    buf: [u8; LINE_CAPACITY],
    len: usize,
    cut: bool,
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

impl Line {
    pub const fn new() -> Line {
        Line {
            buf: [0; LINE_CAPACITY],
            len: 0,
            cut: false,
        }
    }

    /// A line that starts with `usher: ` (`pychroot: error: ` in that
    /// personality).
    pub fn usher() -> Line {
        let mut line = Line::new();
        line.push(if PYCHROOT.load(Ordering::Relaxed) {
            b"pychroot: error: "
        } else {
            b"usher: "
        });
        line
    }

    pub fn push(&mut self, bytes: &[u8]) -> &mut Line {
        // Keep room for "...\n" so a cut line still ends cleanly.
        const ROOM: usize = LINE_CAPACITY - 4;
        for &byte in bytes {
            if self.len < ROOM {
                self.buf[self.len] = byte;
                self.len += 1;
            } else if !self.cut {
                self.buf[ROOM..ROOM + 3].copy_from_slice(b"...");
                self.len = ROOM + 3;
                self.cut = true;
            }
        }
        self
    }

    pub fn push_u64(&mut self, mut value: u64) -> &mut Line {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.push(&digits[at..])
    }

    pub fn push_i64(&mut self, value: i64) -> &mut Line {
        if value < 0 {
            self.push(b"-");
        }
        self.push_u64(value.unsigned_abs())
    }

    /// Appends `template`, with each byte 1 to 5 in it replaced by the
    /// part it numbers (`\x01` is `parts[0]`). One template per message
    /// costs less code than a push per piece.
    pub fn push_parts(&mut self, template: &[u8], parts: &[Part]) -> &mut Line {
        for &byte in template {
            match parts.get(usize::from(byte).wrapping_sub(1)) {
                Some(&part) if byte <= 5 => match part {
                    Part::Bytes(bytes) => self.push_quoted(bytes),
                    Part::Text(text) => {
                        self.push(text);
                    }
                    Part::Number(value) => {
                        self.push_i64(value);
                    }
                    Part::Signal(signo) => push_signal(self, signo),
                    Part::Errno(errno) => push_errno(self, errno),
                },
                _ => {
                    self.push(&[byte]);
                }
            }
        }
        self
    }

    /// Appends input as a message may quote it: one printable line. Bytes
    /// outside printable ASCII are escaped (`\\n`, `\\t`, `\\e`, `\\xNN`),
    /// and a value longer than [`QUOTE_LIMIT`] bytes is cut with `...`.
    pub fn push_quoted(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (at, &byte) in bytes.iter().enumerate() {
            if at == QUOTE_LIMIT {
                self.push(b"...");
                return;
            }
            let mut out = [
                b'\\',
                byte,
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 15)],
            ];
            let len = match byte {
                b' '..=b'~' => {
                    out[0] = byte;
                    1
                }
                b'\n' | b'\t' | 0x1b => {
                    out[1] = match byte {
                        b'\n' => b'n',
                        b'\t' => b't',
                        _ => b'e',
                    };
                    2
                }
                _ => {
                    out[1] = b'x';
                    4
                }
            };
            self.push(&out[..len]);
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Ends the line with a newline if it has none, and writes it.
    pub fn write_to(&mut self, fd: Stream) {
        if self.buf[..self.len].last() != Some(&b'\n') {
            // There is always room: push keeps four bytes free.
            self.buf[self.len] = b'\n';
            self.len += 1;
        }
        write_all(fd, self.as_bytes());
    }
}

/// What a template's placeholder stands for (see [`Line::push_parts`]).
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    /// Input, or a name made from it: escaped and cut (`Line::push_quoted`).
    Bytes(&'a [u8]),
    /// usher's own words, as they are.
    Text(&'static [u8]),
    Number(i64),
    /// A signal, by its conventional name.
    Signal(u32),
    /// An errno, by its text.
    Errno(Errno),
}

/// Writes `usher: ` and the filled-in template as one line on stderr.
// Not inlined: keeps the line buffer off every caller's frame.
#[inline(never)]
pub fn say(template: &[u8], parts: &[Part]) {
    Line::usher()
        .push_parts(template, parts)
        .write_to(Stream::Stderr);
}

/// Where output goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Writes every byte, retrying on partial writes. Errors are dropped: there
/// is nowhere left to report a failure to write a report.
pub fn write_all(stream: Stream, mut bytes: &[u8]) {
    let fd = match stream {
        Stream::Stdout => crate::sys::stdio::stdout(),
        Stream::Stderr => crate::sys::stdio::stderr(),
    };
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) => return,
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::INTR) => {}
            Err(_) => return,
        }
    }
}

/// A failed effectful step: `usher: <step> <object>: <errno text>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error<'a> {
    pub step: &'static [u8],
    pub object: &'a [u8],
    pub errno: Errno,
}

impl<'a> Error<'a> {
    pub fn new(step: &'static [u8], object: &'a [u8], errno: Errno) -> Error<'a> {
        Error {
            step,
            object,
            errno,
        }
    }

    /// A step with no object worth naming.
    // Not inlined: keeps one copy of the error's making off its callers' paths.
    #[inline(never)]
    pub fn step(step: &'static [u8], errno: Errno) -> Error<'static> {
        Error {
            step,
            object: b"",
            errno,
        }
    }

    pub fn line(&self) -> Line {
        let template: &[u8] = if self.object.is_empty() {
            b"\x01: \x03"
        } else {
            b"\x01 \x02: \x03"
        };
        let mut line = Line::usher();
        line.push_parts(
            template,
            &[
                Part::Bytes(self.step),
                Part::Bytes(self.object),
                Part::Errno(self.errno),
            ],
        );
        line
    }

    pub fn report(&self) {
        self.line().write_to(Stream::Stderr);
    }
}

/// An error that was reported on stderr where it was met; usher exits 1.
/// The failing steps of usher's own set-up and supervision return this
/// rather than an `Error`, so that a failure travels back through every `?`
/// as nothing at all instead of as a whole `Error`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reported;

/// Reports that `step` failed with `errno`.
#[cold]
// Not inlined: keeps the line buffer off the set-up steps' frames.
#[inline(never)]
pub fn failed(step: &'static [u8], errno: Errno) -> Reported {
    Error::step(step, errno).report();
    Reported
}

/// Reports that `step` failed on `object` with `errno`.
#[cold]
pub fn failed_on(step: &'static [u8], object: &[u8], errno: Errno) -> Reported {
    Error::new(step, object, errno).report();
    Reported
}

/// The text of `errno` as strerror words it, unpacked into `out`; `None`
/// for an errno usher does not expect (it prints as `errno N`). The errnos
/// and their texts are src/errnos.txt, which build.rs packs like the help
/// texts into `ERRNO_TEXTS`: each errno's number as a byte, its packed
/// text, a NUL. musl's strerror is not used so that the child side and the
/// parent share one path and no libc table is linked.
// Not inlined: keeps the table search off the paths of the parent's and child's messages, as one copy.
#[inline(never)]
pub fn errno_text(errno: Errno, out: &mut [u8; ERRNO_LONGEST]) -> Option<&[u8]> {
    let raw = errno.raw_os_error();
    // One pass: a byte after a NUL (or the first) is a number, and the
    // text after the wanted one is unpacked up to its NUL.
    let (mut len, mut at_number, mut found) = (0, true, false);
    for &byte in ERRNO_TEXTS {
        if at_number {
            found = i32::from(byte) == raw;
            at_number = false;
        } else if byte == 0 {
            if found {
                return out.get(..len);
            }
            at_number = true;
        } else if found {
            expand(byte, out, &mut len);
        }
    }
    None
}

/// Appends a signal's conventional name: `SIGTERM`, `SIGRTMIN+3`, or the
/// number.
pub fn push_signal(line: &mut Line, signo: u32) {
    use crate::signal::{classic_name, SIGRTMAX, SIGRTMIN};
    if let Some(name) = classic_name(signo) {
        line.push(b"SIG").push(name);
    } else if (SIGRTMIN..=SIGRTMAX).contains(&signo) {
        line.push(b"SIGRTMIN");
        if signo > SIGRTMIN {
            line.push(b"+").push_u64(u64::from(signo - SIGRTMIN));
        }
    } else {
        line.push_u64(u64::from(signo));
    }
}

pub fn push_errno(line: &mut Line, errno: Errno) {
    match errno_text(errno, &mut [0; ERRNO_LONGEST]) {
        Some(text) => line.push(text),
        None => line.push(b"errno ").push_u64(errno.raw_os_error() as u64),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_line_names_step_object_and_errno() {
        let error = Error::new(b"exec", b"/bin/nope", Errno::NOENT);
        assert_eq!(
            error.line().as_bytes(),
            b"usher: exec /bin/nope: No such file or directory"
        );
        let bare = Error::step(b"signalfd", Errno::MFILE);
        assert_eq!(
            bare.line().as_bytes(),
            b"usher: signalfd: No file descriptors available"
        );
        let unknown = Error::step(b"x", Errno::from_raw_os_error(200));
        assert_eq!(unknown.line().as_bytes(), b"usher: x: errno 200");
    }

    #[test]
    fn errno_texts_line_up() {
        let expect = [
            (Errno::PERM, "Operation not permitted"),
            (Errno::NOENT, "No such file or directory"),
            (Errno::TOOBIG, "Argument list too long"),
            (Errno::ACCESS, "Permission denied"),
            (Errno::NOTDIR, "Not a directory"),
            (Errno::MFILE, "No file descriptors available"),
            (Errno::LOOP, "Symbolic link loop"),
            (Errno::NAMETOOLONG, "Filename too long"),
            (Errno::NOSYS, "Function not implemented"),
            (Errno::LIBBAD, "Accessing a corrupted shared library"),
            (Errno::BUSY, "Device or resource busy"),
            (Errno::EXIST, "File exists"),
            (Errno::XDEV, "Invalid cross-device link"),
            (Errno::NODEV, "No such device"),
            (Errno::NOSPC, "No space left on device"),
            (Errno::ROFS, "Read-only file system"),
            (Errno::NOTEMPTY, "Directory not empty"),
            (Errno::OPNOTSUPP, "Operation not supported"),
        ];
        for (errno, text) in expect {
            let mut out = [0; ERRNO_LONGEST];
            assert_eq!(
                errno_text(errno, &mut out),
                Some(text.as_bytes()),
                "{errno:?}"
            );
        }
        let mut out = [0; ERRNO_LONGEST];
        assert_eq!(errno_text(Errno::from_raw_os_error(200), &mut out), None);
        // Every line of the file, unpacked.
        let file = include_str!("errnos.txt");
        assert_eq!(
            ERRNO_TEXTS.iter().filter(|&&byte| byte == 0).count(),
            file.lines().count()
        );
        for line in file.lines() {
            let (number, text) = line.split_once(' ').unwrap();
            let errno = Errno::from_raw_os_error(number.parse().unwrap());
            assert_eq!(errno_text(errno, &mut out), Some(text.as_bytes()));
        }
    }

    #[test]
    fn numbers_print_in_decimal() {
        let mut line = Line::new();
        line.push_u64(0)
            .push(b" ")
            .push_u64(18446744073709551615)
            .push(b" ")
            .push_i64(-42);
        assert_eq!(line.as_bytes(), b"0 18446744073709551615 -42");
    }

    #[test]
    fn quoted_input_is_escaped_and_cut() {
        let mut line = Line::new();
        line.push_quoted(b"a\nb\tc\x1bd\x00\x7f\xff\\ ~");
        assert_eq!(line.as_bytes(), b"a\\nb\\tc\\ed\\x00\\x7f\\xff\\ ~");
        let mut line = Line::new();
        line.push_quoted(&[b'x'; QUOTE_LIMIT]);
        assert_eq!(line.as_bytes(), &[b'x'; QUOTE_LIMIT][..]);
        let mut line = Line::new();
        line.push_quoted(&[b'y'; QUOTE_LIMIT + 1]);
        assert_eq!(line.as_bytes().len(), QUOTE_LIMIT + 3);
        assert!(line.as_bytes().ends_with(b"y..."));
    }

    #[test]
    fn only_parts_of_input_are_quoted() {
        let mut line = Line::new();
        let own: &'static [u8] =
            b"(own words\tkept as they are, however long the hint is: 70 bytes)";
        line.push_parts(b"\x01|\x02\n", &[Part::Bytes(b"in\nput"), Part::Text(own)]);
        let mut expect = b"in\\nput|".to_vec();
        expect.extend_from_slice(own);
        expect.push(b'\n');
        assert_eq!(line.as_bytes(), &expect[..]);
    }

    #[test]
    fn a_full_line_is_cut_once_and_ends_cleanly() {
        let mut line = Line::new();
        line.push(&[b'a'; LINE_CAPACITY - 5])
            .push(b"bc")
            .push(b"de");
        assert_eq!(line.as_bytes().len(), LINE_CAPACITY - 1);
        // write_to's newline still fits.
        assert!(line.as_bytes().ends_with(b"ab..."));
    }

    #[test]
    fn overlong_input_is_cut_not_lost() {
        let mut line = Line::new();
        let long = [b'a'; 3000];
        line.push(&long).push(b"tail");
        assert!(line.as_bytes().ends_with(b"aaa..."));
        assert!(line.as_bytes().len() < LINE_CAPACITY);
    }
}
