//! /etc/passwd: finds the first well-formed line for a name or a uid.
//!
//! A line is well formed when it has exactly the 7 fields of passwd(5) and its
//! uid and gid are plain numbers up to 2^31-1. Any other line is skipped and
//! never matches: gosu would read `alice` alone as uid 0, gid 0.

use super::{Copied, Line, Scanner, Source, HOME_CAPACITY, NAME_CAPACITY};
use rustix::io::Errno;

/// What to look for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Query<'q> {
    Name(&'q [u8]),
    Uid(u32),
}

/// A matched line.
pub struct Entry {
    pub name: Copied<NAME_CAPACITY>,
    pub uid: u32,
    pub gid: u32,
    pub home: Copied<HOME_CAPACITY>,
}

/// The first well-formed line that answers `query`, if any.
// Not inlined: keeps the passwd scan off the group scan's caller, as one copy.
#[inline(never)]
pub fn find<S: Source>(
    scanner: &mut Scanner<'_, S>,
    query: Query<'_>,
) -> Result<Option<Entry>, Errno> {
    let want = match query {
        Query::Name(name) => name,
        Query::Uid(_) => b"",
    };
    let mut line = Line::new(want, b"");
    while scanner.next_line(&mut line)? {
        let (Some(uid), Some(gid)) = (line.numbers[0].get(), line.numbers[1].get()) else {
            continue;
        };
        let hit = match query {
            Query::Name(_) => line.name.is_match(),
            Query::Uid(wanted) => uid == wanted,
        };
        if line.fields == 7 && hit {
            return Ok(Some(Entry {
                name: line.name_copy,
                uid,
                gid,
                home: line.home,
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Chunked, Rng};
    use super::super::READ_CAPACITY;
    use super::*;

    fn lookup(text: &[u8], query: Query<'_>) -> Option<(Vec<u8>, u32, u32, Vec<u8>)> {
        let mut buf = [0; READ_CAPACITY];
        let mut fields = Scanner::new(
            Chunked {
                bytes: text,
                chunk: 7,
            },
            &mut buf,
        );
        find(&mut fields, query).unwrap().map(|entry| {
            (
                entry.name.bytes.to_vec(),
                entry.uid,
                entry.gid,
                entry.home.bytes.to_vec(),
            )
        })
    }

    const FILE: &[u8] = b"root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:App,,,:/home/app:/bin/sh
  spaced:x:1001:1001::/home/spaced:/bin/sh
nohome:x:1002:1002:::/bin/sh
app:x:2000:2000::/second:/bin/sh
broken
short:x:1003:1003
badid:x:abc:1:::
neg:x:-1:1:::
big:x:2147483648:1:::
extra:x:1004:1:::/bin/sh:more
9lives:x:1005:1005::/nine:
";

    #[test]
    fn finds_by_name_first_match_wins() {
        assert_eq!(
            lookup(FILE, Query::Name(b"app")),
            Some((b"app".to_vec(), 1000, 1000, b"/home/app".to_vec()))
        );
        assert_eq!(
            lookup(FILE, Query::Name(b"spaced")),
            Some((b"spaced".to_vec(), 1001, 1001, b"/home/spaced".to_vec()))
        );
        assert_eq!(
            lookup(FILE, Query::Name(b"nohome")),
            Some((b"nohome".to_vec(), 1002, 1002, b"".to_vec()))
        );
        assert_eq!(
            lookup(FILE, Query::Name(b"9lives")).map(|entry| entry.1),
            Some(1005)
        );
    }

    #[test]
    fn finds_by_uid() {
        assert_eq!(
            lookup(FILE, Query::Uid(2000)).map(|entry| entry.0),
            Some(b"app".to_vec())
        );
        assert_eq!(
            lookup(FILE, Query::Uid(0)).map(|entry| entry.0),
            Some(b"root".to_vec())
        );
        assert_eq!(lookup(FILE, Query::Uid(77)), None);
    }

    #[test]
    fn malformed_lines_never_match() {
        for name in [
            &b"broken"[..],
            b"short",
            b"badid",
            b"neg",
            b"big",
            b"extra",
            b"ap",
            b"",
        ] {
            assert_eq!(lookup(FILE, Query::Name(name)), None, "{name:?}");
        }
        // `broken` would be uid 0 to gosu; it must not make uid 0 match it.
        assert_eq!(lookup(b"broken\n", Query::Uid(0)), None);
    }

    #[test]
    fn crlf_and_a_missing_final_newline() {
        let text = b"a:x:1:2::/h:/bin/sh\r\nb:x:3:4::/hb:/bin/sh";
        assert_eq!(
            lookup(text, Query::Name(b"a")).map(|entry| entry.2),
            Some(2)
        );
        assert_eq!(
            lookup(text, Query::Name(b"b")).map(|entry| entry.3),
            Some(b"/hb".to_vec())
        );
    }

    #[test]
    fn a_line_longer_than_the_buffer() {
        let mut text = b"long:x:5:6:".to_vec();
        text.extend(std::iter::repeat_n(b'g', 10 * READ_CAPACITY));
        text.extend(b":/home/long:/bin/sh\nafter:x:7:8::/a:/bin/sh\n");
        assert_eq!(
            lookup(&text, Query::Name(b"long")).map(|entry| entry.3),
            Some(b"/home/long".to_vec())
        );
        assert_eq!(
            lookup(&text, Query::Uid(7)).map(|entry| entry.0),
            Some(b"after".to_vec())
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x5eed);
        for _ in 0..2000 {
            let text = rng.bytes_between(0, 300, b"ab0123:\n \t#,\r\x00\xff");
            let _ = lookup(&text, Query::Name(b"ab"));
            let _ = lookup(&text, Query::Uid(1));
        }
    }

    #[test]
    fn generated_files_find_exactly_their_entries() {
        let mut rng = Rng(0x1234_5678);
        for _ in 0..300 {
            let mut text = Vec::new();
            let mut entries: Vec<(Vec<u8>, u32, u32, Vec<u8>)> = Vec::new();
            for _ in 0..rng.below(20) {
                if rng.below(4) == 0 {
                    // Noise that must never match: too few fields, bad ids.
                    text.extend(rng.bytes_between(0, 12, b"xyz019 "));
                    text.extend(b":x:nope:1:::\n");
                    continue;
                }
                let name = rng.bytes_between(1, 8, b"abcdef0123_-.");
                let uid = rng.below(1 << 31) as u32;
                let gid = rng.below(70000) as u32;
                let home = rng.bytes_between(0, 40, b"/abc ");
                let lead = rng.bytes_between(0, 3, b" \t");
                text.extend(&lead);
                text.extend(&name);
                text.extend(format!(":x:{uid}:{gid}:gecos:").as_bytes());
                text.extend(&home);
                text.extend(b":/bin/sh\n");
                entries.push((name, uid, gid, home));
            }
            for (index, entry) in entries.iter().enumerate() {
                let first_by_name = entries.iter().find(|other| other.0 == entry.0).unwrap();
                let first_by_uid = entries.iter().find(|other| other.1 == entry.1).unwrap();
                assert_eq!(
                    lookup(&text, Query::Name(&entry.0)).as_ref(),
                    Some(first_by_name),
                    "{index}"
                );
                assert_eq!(
                    lookup(&text, Query::Uid(entry.1)).as_ref(),
                    Some(first_by_uid)
                );
            }
            let absent = b"not-generated-name";
            assert_eq!(lookup(&text, Query::Name(absent)), None);
        }
    }
}
