//! /etc/group: the gid of a group name, or every group that lists a user.
//!
//! Blank lines and lines starting with `#` are skipped, as gosu does. A line
//! is well formed when it has exactly the 4 fields of group(5) and its gid is
//! a plain number up to 2^31-1; any other line is skipped and never matches.
//! The member list is matched member by member as it streams, so a group with
//! thousands of members needs no buffer of its size.

use super::{Line, Scanner, Source, GROUPS_CAPACITY};
use rustix::io::Errno;

/// Why a group search failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GroupError {
    Read(Errno),
    /// The user is in more groups than [`GROUPS_CAPACITY`].
    TooMany,
}

impl From<Errno> for GroupError {
    fn from(errno: Errno) -> Self {
        GroupError::Read(errno)
    }
}

/// What to look for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Query<'q> {
    /// The first group of this name: its gid goes into the result.
    Name(&'q [u8]),
    /// Every group whose member list names this user, in file order.
    Member(&'q [u8]),
}

pub type Groups = heapless::Vec<u32, GROUPS_CAPACITY>;

/// Runs `query`. For a name, returns its gid (and `found` stays empty); for a
/// member, fills `found` and returns `None`.
pub fn find<S: Source>(
    scanner: &mut Scanner<'_, S>,
    query: Query<'_>,
    found: &mut Groups,
) -> Result<Option<u32>, GroupError> {
    let mut line = match query {
        Query::Name(name) => Line::new(name, b""),
        Query::Member(user) => Line::new(b"", user),
    };
    while scanner.next_line(&mut line)? {
        let Some(gid) = line.numbers[0].get() else {
            continue;
        };
        if line.comment || line.fields != 4 {
            continue;
        }
        match query {
            Query::Name(_) if line.name.is_match() => return Ok(Some(gid)),
            Query::Member(_) if line.listed => found.push(gid).map_err(|_| GroupError::TooMany)?,
            _ => {}
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Chunked, Rng};
    use super::super::READ_CAPACITY;
    use super::*;

    fn run(text: &[u8], query: Query<'_>) -> Result<(Option<u32>, Vec<u32>), GroupError> {
        let mut buf = [0; READ_CAPACITY];
        let mut fields = Scanner::new(
            Chunked {
                bytes: text,
                chunk: 5,
            },
            &mut buf,
        );
        let mut found = Groups::new();
        let gid = find(&mut fields, query, &mut found)?;
        Ok((gid, found.to_vec()))
    }

    fn gid_of(text: &[u8], name: &[u8]) -> Option<u32> {
        run(text, Query::Name(name)).unwrap().0
    }

    fn groups_of(text: &[u8], user: &[u8]) -> Vec<u32> {
        run(text, Query::Member(user)).unwrap().1
    }

    const FILE: &[u8] = b"root:x:0:
# comment:x:50:app
#hidden:x:51:app
wheel:x:10:root,app
  users:x:100:bob,app  \r
empty:x:101:
trail:x:102:app,
dup:x:103:app
dup:x:104:app
nospace:x:105:bob, app
short:x:106
bad:x:1x:app
extra:x:107:app:more

1000:x:1000:
";

    #[test]
    fn gid_by_name_first_match_wins() {
        assert_eq!(gid_of(FILE, b"wheel"), Some(10));
        assert_eq!(gid_of(FILE, b"users"), Some(100));
        assert_eq!(gid_of(FILE, b"dup"), Some(103));
        assert_eq!(gid_of(FILE, b"1000"), Some(1000));
        for absent in [
            &b"short"[..],
            b"bad",
            b"extra",
            b"#hidden",
            b"# comment",
            b"nobody",
            b"",
        ] {
            assert_eq!(gid_of(FILE, absent), None, "{absent:?}");
        }
    }

    #[test]
    fn memberships_come_in_file_order() {
        assert_eq!(groups_of(FILE, b"app"), vec![10, 100, 102, 103, 104]);
        assert_eq!(groups_of(FILE, b"bob"), vec![100, 105]);
        assert_eq!(groups_of(FILE, b"root"), vec![10]);
        assert_eq!(groups_of(FILE, b"ap"), Vec::<u32>::new());
        assert_eq!(groups_of(FILE, b""), Vec::<u32>::new());
    }

    #[test]
    fn thousands_of_members_stream_through() {
        let mut text = b"big:x:500:".to_vec();
        for index in 0..5000 {
            text.extend(format!("user{index},").as_bytes());
        }
        text.extend(b"needle\nnext:x:501:user4999\n");
        assert!(text.len() > 20 * READ_CAPACITY);
        assert_eq!(groups_of(&text, b"needle"), vec![500]);
        assert_eq!(groups_of(&text, b"user4999"), vec![500, 501]);
        assert_eq!(groups_of(&text, b"user0"), vec![500]);
        assert_eq!(groups_of(&text, b"user"), Vec::<u32>::new());
        assert_eq!(gid_of(&text, b"next"), Some(501));
    }

    #[test]
    fn too_many_groups_is_an_error() {
        let mut text = Vec::new();
        for gid in 0..=GROUPS_CAPACITY {
            text.extend(format!("g{gid}:x:{gid}:app\n").as_bytes());
        }
        assert_eq!(run(&text, Query::Member(b"app")), Err(GroupError::TooMany));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(77);
        for _ in 0..2000 {
            let text = rng.bytes_between(0, 300, b"ab0123:\n \t#,\r\x00\xff");
            let _ = run(&text, Query::Name(b"ab"));
            let _ = run(&text, Query::Member(b"ab"));
        }
    }

    #[test]
    fn generated_files_find_exactly_their_entries() {
        let mut rng = Rng(0xfeed);
        let users: [&[u8]; 4] = [b"app", b"bob", b"carol", b"d.e-f"];
        for _ in 0..300 {
            let mut text = Vec::new();
            // (name, gid, members) of each well-formed line.
            type Line<'u> = (Vec<u8>, u32, Vec<&'u [u8]>);
            let mut lines: Vec<Line<'_>> = Vec::new();
            for _ in 0..rng.below(25) {
                match rng.below(6) {
                    0 => text.extend(b"# app:x:1:app,bob\n"),
                    1 => text.extend(b"noise:x:x:app\n"),
                    _ => {
                        let name = rng.bytes_between(1, 6, b"abcxyz019_");
                        let gid = rng.below(1 << 31) as u32;
                        let members: Vec<&[u8]> = users
                            .iter()
                            .copied()
                            .filter(|_| rng.below(2) == 0)
                            .collect();
                        text.extend(&name);
                        text.extend(format!(":x:{gid}:").as_bytes());
                        text.extend(members.join(&b","[..]));
                        text.extend(rng.bytes_between(0, 2, b" \t"));
                        text.push(b'\n');
                        lines.push((name, gid, members));
                    }
                }
            }
            for user in users {
                let expected: Vec<u32> = lines
                    .iter()
                    .filter(|line| line.2.contains(&user))
                    .map(|line| line.1)
                    .collect();
                assert_eq!(groups_of(&text, user), expected);
            }
            for line in &lines {
                let first = lines.iter().find(|other| other.0 == line.0).unwrap();
                assert_eq!(gid_of(&text, &line.0), Some(first.1));
            }
        }
    }
}
