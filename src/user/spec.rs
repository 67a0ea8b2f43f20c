//! `USER[:GROUP]` → the ids, groups and HOME a command runs with, by gosu's
//! rules (DESIGN.md §5): a field of digits (with an optional sign) is always
//! an id; a name must exist; a uid without an entry keeps the caller's gid and
//! gets HOME=/; supplementary groups only for a found user with no group given.

use super::group::{self, GroupError, Groups};
use super::passwd;
use super::{Scanner, Source, HOME_CAPACITY, MAX_ID, READ_CAPACITY};
use crate::error::{Line, Part, Stream};
use rustix::io::Errno;

/// Which file a read error came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum File {
    Passwd,
    Group,
}

/// Why a spec does not resolve. Every one is fatal, and none falls back.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpecError<'s> {
    NoSuchUser(&'s [u8]),
    NoSuchGroup(&'s [u8]),
    /// A numeric field outside 0..=2^31-1 (`user` tells which field).
    OutOfRange {
        user: bool,
        field: &'s [u8],
    },
    /// The user is in more than [`super::GROUPS_CAPACITY`] groups.
    TooManyGroups,
    /// The matched passwd line has a name or home longer than usher keeps.
    TooLong,
    Read(File, Errno),
}

// The messages below spell out these limits.
static_assertions::const_assert_eq!(super::GROUPS_CAPACITY, 1024);
static_assertions::const_assert_eq!(super::NAME_CAPACITY, 256);
static_assertions::const_assert_eq!(HOME_CAPACITY - b"HOME=".len() - 1, 1018);

impl SpecError<'_> {
    /// Writes the message to stderr.
    pub fn report(&self, spec: &[u8]) {
        self.line(spec).write_to(Stream::Stderr);
    }

    /// The one-line message, naming `spec` where the error itself does not.
    pub fn line(&self, spec: &[u8]) -> Line {
        let (template, part): (&[u8], Part) = match *self {
            SpecError::NoSuchUser(name) => (b"no such user \x02", Part::Bytes(name)),
            SpecError::NoSuchGroup(name) => (b"no such group \x02", Part::Bytes(name)),
            SpecError::OutOfRange { user: true, field } => (
                b"user id \x02 is out of range (0 to 2147483647)",
                Part::Bytes(field),
            ),
            SpecError::OutOfRange { user: false, field } => (
                b"group id \x02 is out of range (0 to 2147483647)",
                Part::Bytes(field),
            ),
            SpecError::TooManyGroups => (
                b"\x01 is in more than 1024 groups, usher's limit",
                Part::Bytes(b""),
            ),
            SpecError::TooLong => (
                b"the passwd entry of \x01 has a name or home longer than usher keeps (256, 1018 bytes)",
                Part::Bytes(b""),
            ),
            SpecError::Read(File::Passwd, errno) => {
                (b"reading /etc/passwd: \x02", Part::Errno(errno))
            }
            SpecError::Read(File::Group, errno) => (b"reading /etc/group: \x02", Part::Errno(errno)),
        };
        let mut line = Line::usher();
        line.push_parts(template, &[Part::Bytes(spec), part]);
        line
    }
}

/// One field of a spec.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Field<'s> {
    Absent,
    Id(u32),
    Name(&'s [u8]),
    /// Digits outside 0..=2^31-1: an error, never a name.
    OutOfRange,
}

/// Reads one field. Digits with an optional sign are an id, and must lie in
/// 0..=2^31-1 (`-0` is 0, as Go's Atoi reads it).
pub fn parse_field(field: &[u8]) -> Field<'_> {
    let (negative, digits) = match field.split_first() {
        None => return Field::Absent,
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        Some(_) => (false, field),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Field::Name(field);
    }
    let mut value: u64 = 0;
    for &digit in digits {
        value = value * 10 + u64::from(digit - b'0');
        if value > u64::from(MAX_ID) {
            return Field::OutOfRange;
        }
    }
    if negative && value != 0 {
        return Field::OutOfRange;
    }
    Field::Id(value as u32)
}

/// The result: who to become.
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    pub groups: Groups,
    /// `HOME=<home>` and a NUL, ready to be an environment entry.
    pub home: heapless::Vec<u8, HOME_CAPACITY>,
    /// The command's process must switch to these ids: false when it
    /// already runs as them (`--user app` under Kubernetes' runAsUser).
    pub switch: bool,
}

impl Credentials {
    pub const fn new() -> Self {
        Credentials {
            uid: 0,
            gid: 0,
            groups: Groups::new(),
            home: heapless::Vec::new(),
            // All zero, for static storage; `resolve_into` sets it.
            switch: false,
        }
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Self::new()
    }
}

/// The caller's ids, used when the spec leaves them open.
#[derive(Clone, Copy)]
pub struct Caller {
    pub uid: u32,
    pub gid: u32,
}

/// How a spec splits into its USER and GROUP fields.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Split {
    /// gosu's (and `--user`'s): the spec is colon-separated fields, and
    /// those after the second are ignored, so `app:web:x` is `app:web`.
    Gosu,
    /// su-exec's: GROUP is everything after the first colon, so a second
    /// colon makes a group name that cannot exist.
    SuExec,
}

/// The USER and GROUP fields of `spec`.
pub fn split(spec: &[u8], how: Split) -> (&[u8], &[u8]) {
    let Some(colon) = spec.iter().position(|&byte| byte == b':') else {
        return (spec, b"");
    };
    let (user, rest) = (&spec[..colon], &spec[colon + 1..]);
    let group = match rest.iter().position(|&byte| byte == b':') {
        Some(end) if how == Split::Gosu => &rest[..end],
        _ => rest,
    };
    (user, group)
}

/// [`resolve_into`] a new value (for the tests and the fuzz targets; usher
/// itself resolves into static storage, off its stack).
#[cfg(any(test, feature = "fuzzing"))]
pub fn resolve<'s, P: Source, G: Source>(
    spec: &'s [u8],
    how: Split,
    caller: Caller,
    passwd_file: P,
    group_file: G,
) -> Result<Credentials, SpecError<'s>> {
    let mut credentials = Credentials::new();
    resolve_into(spec, how, caller, passwd_file, group_file, &mut credentials).map(|()| credentials)
}

/// Resolves `spec`, split as `how` says, for `caller` against the passwd
/// and group files, into `credentials` (all of it is set).
pub fn resolve_into<'s, P: Source, G: Source>(
    spec: &'s [u8],
    how: Split,
    caller: Caller,
    passwd_file: P,
    group_file: G,
    credentials: &mut Credentials,
) -> Result<(), SpecError<'s>> {
    let (user_text, group_text) = split(spec, how);
    let (user, group) = (parse_field(user_text), parse_field(group_text));
    if user == Field::OutOfRange {
        return Err(SpecError::OutOfRange {
            user: true,
            field: user_text,
        });
    }
    if group == Field::OutOfRange {
        return Err(SpecError::OutOfRange {
            user: false,
            field: group_text,
        });
    }

    let mut buf = [0u8; READ_CAPACITY];
    let query = match user {
        Field::Id(uid) => passwd::Query::Uid(uid),
        Field::Name(name) => passwd::Query::Name(name),
        // Absent (out of range was refused above): the caller's own entry.
        _ => passwd::Query::Uid(caller.uid),
    };
    let entry = passwd::find(&mut Scanner::new(passwd_file, &mut buf), query)
        .map_err(|errno| SpecError::Read(File::Passwd, errno))?;
    credentials.uid = caller.uid;
    credentials.gid = caller.gid;
    credentials.groups.clear();
    credentials.home.clear();
    credentials.switch = true;
    let mut home: &[u8] = b"/";
    let mut matched_name: &[u8] = b"";
    match (&entry, user) {
        (Some(entry), _) => {
            if entry.name.overflow || entry.home.overflow {
                return Err(SpecError::TooLong);
            }
            credentials.uid = entry.uid;
            credentials.gid = entry.gid;
            home = &entry.home.bytes;
            matched_name = &entry.name.bytes;
        }
        (None, Field::Id(uid)) => credentials.uid = uid,
        (None, Field::Name(name)) => return Err(SpecError::NoSuchUser(name)),
        (None, _) => {}
    }

    let mut group_fields = Scanner::new(group_file, &mut buf);
    let read_error = |error| match error {
        GroupError::Read(errno) => SpecError::Read(File::Group, errno),
        GroupError::TooMany => SpecError::TooManyGroups,
    };
    match group {
        Field::Id(gid) => credentials.gid = gid,
        Field::Name(name) => {
            credentials.gid = group::find(
                &mut group_fields,
                group::Query::Name(name),
                &mut credentials.groups,
            )
            .map_err(read_error)?
            .ok_or(SpecError::NoSuchGroup(name))?;
        }
        Field::Absent if !matched_name.is_empty() => {
            group::find(
                &mut group_fields,
                group::Query::Member(matched_name),
                &mut credentials.groups,
            )
            .map_err(read_error)?;
        }
        Field::Absent | Field::OutOfRange => {}
    }

    if how == Split::SuExec {
        // su-exec's groups are musl's getgrouplist's: the gid in use first,
        // then, for a user of passwd given no group, each group that lists
        // them (gosu's lists neither that gid nor, for a uid or a group
        // given, any group).
        credentials
            .groups
            .insert(0, credentials.gid)
            .map_err(|_| SpecError::TooManyGroups)?;
    }
    let fits = credentials.home.extend_from_slice(b"HOME=").is_ok()
        && credentials.home.extend_from_slice(home).is_ok()
        && credentials.home.push(0).is_ok();
    if !fits {
        return Err(SpecError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_of_digits_is_an_id_in_range() {
        assert_eq!(parse_field(b""), Field::Absent);
        assert_eq!(parse_field(b"0"), Field::Id(0));
        assert_eq!(parse_field(b"+5"), Field::Id(5));
        assert_eq!(parse_field(b"-0"), Field::Id(0));
        assert_eq!(parse_field(b"007"), Field::Id(7));
        assert_eq!(parse_field(b"2147483647"), Field::Id(MAX_ID));
        assert_eq!(parse_field(b"2147483648"), Field::OutOfRange);
        assert_eq!(parse_field(b"4294967296"), Field::OutOfRange);
        assert_eq!(
            parse_field(b"99999999999999999999999999"),
            Field::OutOfRange
        );
        assert_eq!(parse_field(b"-1"), Field::OutOfRange);
        assert_eq!(parse_field(b"0day"), Field::Name(b"0day"));
        assert_eq!(parse_field(b"+"), Field::Name(b"+"));
        assert_eq!(parse_field(b"-"), Field::Name(b"-"));
        assert_eq!(parse_field(b"1 "), Field::Name(b"1 "));
    }

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh
daemon:x:1:1::/usr/sbin:/bin/sh
games:x:5:60:games:/usr/games:/bin/sh
app:x:1100:1100::/home/app:/bin/sh
lost:x:1001:4242::/home/lost:/bin/sh
nohome:x:1002:1002:::/bin/sh
app:x:1003:1003::/home/dup:/bin/sh
9lives:x:1004:1004::/nine:/bin/sh
1234:x:1005:1005::/digits:/bin/sh
";
    const GROUP: &[u8] = b"root:x:0:root
daemon:x:1:
games:x:60:
users:x:100:games,app
wheel:x:10:root,app,9lives
1000:x:1000:
5678:x:5678:app
";
    const CALLER: Caller = Caller { uid: 0, gid: 0 };

    fn ids(spec: &[u8]) -> Result<(u32, u32, Vec<u32>, Vec<u8>), SpecError<'_>> {
        ids_as(spec, CALLER)
    }

    fn ids_as(spec: &[u8], caller: Caller) -> Result<(u32, u32, Vec<u32>, Vec<u8>), SpecError<'_>> {
        resolve(spec, Split::Gosu, caller, PASSWD, GROUP).map(|credentials| {
            let home = &credentials.home[5..credentials.home.len() - 1];
            (
                credentials.uid,
                credentials.gid,
                credentials.groups.to_vec(),
                home.to_vec(),
            )
        })
    }

    fn ok(uid: u32, gid: u32, groups: &[u32], home: &[u8]) -> (u32, u32, Vec<u32>, Vec<u8>) {
        (uid, gid, groups.to_vec(), home.to_vec())
    }

    /// gosu's published cases (Dockerfile.test-*), with a root caller.
    #[test]
    fn specs_resolve_as_gosu_resolves_them() {
        assert_eq!(ids(b"0"), Ok(ok(0, 0, &[0, 10], b"/root")));
        assert_eq!(ids(b"0:0"), Ok(ok(0, 0, &[], b"/root")));
        assert_eq!(ids(b"root"), Ok(ok(0, 0, &[0, 10], b"/root")));
        assert_eq!(ids(b"0:root"), Ok(ok(0, 0, &[], b"/root")));
        assert_eq!(ids(b"root:0"), Ok(ok(0, 0, &[], b"/root")));
        assert_eq!(ids(b"root:root"), Ok(ok(0, 0, &[], b"/root")));
        // As in gosu's images, uid 1000 has no passwd entry.
        assert_eq!(ids(b"1000"), Ok(ok(1000, 0, &[], b"/")));
        assert_eq!(ids(b"0:1000"), Ok(ok(0, 1000, &[], b"/root")));
        assert_eq!(ids(b"1000:1000"), Ok(ok(1000, 1000, &[], b"/")));
        assert_eq!(ids(b"root:1000"), Ok(ok(0, 1000, &[], b"/root")));
        assert_eq!(ids(b"1000:root"), Ok(ok(1000, 0, &[], b"/")));
        assert_eq!(ids(b"1000:daemon"), Ok(ok(1000, 1, &[], b"/")));
        assert_eq!(ids(b"games"), Ok(ok(5, 60, &[100], b"/usr/games")));
        assert_eq!(ids(b"games:daemon"), Ok(ok(5, 1, &[], b"/usr/games")));
        assert_eq!(ids(b"0:"), Ok(ok(0, 0, &[0, 10], b"/root")));
        assert_eq!(ids(b""), Ok(ok(0, 0, &[0, 10], b"/root")));
        assert_eq!(ids(b":0"), Ok(ok(0, 0, &[], b"/root")));
        assert_eq!(ids(b"bogus"), Err(SpecError::NoSuchUser(b"bogus")));
        assert_eq!(ids(b"0day"), Err(SpecError::NoSuchUser(b"0day")));
        assert_eq!(ids(b"0:bogus"), Err(SpecError::NoSuchGroup(b"bogus")));
        assert_eq!(ids(b"0:0day"), Err(SpecError::NoSuchGroup(b"0day")));
    }

    #[test]
    fn fields_after_the_second_are_gosus_to_ignore() {
        // (spec, gosu's fields, su-exec's fields)
        type Fields = (&'static [u8], &'static [u8]);
        let cases: &[(&[u8], Fields, Fields)] = &[
            (b"app", (b"app", b""), (b"app", b"")),
            (b"app:", (b"app", b""), (b"app", b"")),
            (b"app:web", (b"app", b"web"), (b"app", b"web")),
            (b"app:web:", (b"app", b"web"), (b"app", b"web:")),
            (b"app:web:x:y", (b"app", b"web"), (b"app", b"web:x:y")),
            (b"app::web", (b"app", b""), (b"app", b":web")),
            (b"::", (b"", b""), (b"", b":")),
        ];
        for &(spec, gosu, su_exec) in cases {
            assert_eq!(split(spec, Split::Gosu), gosu, "{spec:?}");
            assert_eq!(split(spec, Split::SuExec), su_exec, "{spec:?}");
        }
        // As gosu resolves them: the third field changes nothing.
        assert_eq!(ids(b"root:root:"), ids(b"root:root"));
        assert_eq!(ids(b"app:0:wheel"), Ok(ok(1100, 0, &[], b"/home/app")));
        assert_eq!(ids(b"app::wheel"), ids(b"app"));
        assert_eq!(ids(b"::"), ids(b""));
        assert_eq!(ids(b"0:bogus:0"), Err(SpecError::NoSuchGroup(b"bogus")));
        let su_exec = |spec| resolve(spec, Split::SuExec, CALLER, PASSWD, GROUP).map(|c| c.gid);
        assert_eq!(su_exec(b"root:root"), Ok(0));
        assert_eq!(
            su_exec(b"root:root:"),
            Err(SpecError::NoSuchGroup(b"root:"))
        );
        assert_eq!(su_exec(b"::"), Err(SpecError::NoSuchGroup(b":")));
    }

    #[test]
    fn su_exec_sets_the_gid_in_use_first_as_musls_getgrouplist_does() {
        let groups = |spec, caller| {
            resolve(spec, Split::SuExec, caller, PASSWD, GROUP).map(|c| (c.gid, c.groups.to_vec()))
        };
        // In passwd, no group given: the primary gid, then each group that
        // lists the user, in file order.
        assert_eq!(
            groups(b"app", CALLER),
            Ok((1100, vec![1100, 100, 10, 5678]))
        );
        assert_eq!(groups(b"root", CALLER), Ok((0, vec![0, 0, 10])));
        // A group given: that one gid alone.
        assert_eq!(groups(b"app:wheel", CALLER), Ok((10, vec![10])));
        assert_eq!(groups(b"app:7", CALLER), Ok((7, vec![7])));
        // A uid with no passwd entry: the gid in use alone.
        let caller = Caller { uid: 0, gid: 77 };
        assert_eq!(groups(b"4000", caller), Ok((77, vec![77])));
        assert_eq!(groups(b"4000:5", caller), Ok((5, vec![5])));
        // gosu's lists are unchanged.
        assert_eq!(ids(b"app:wheel").map(|found| found.2), Ok(vec![]));
        assert_eq!(ids(b"app").map(|found| found.2), Ok(vec![100, 10, 5678]));
    }

    #[test]
    fn uid_without_entry_keeps_the_callers_gid() {
        let caller = Caller { uid: 0, gid: 77 };
        assert_eq!(ids_as(b"4000", caller), Ok(ok(4000, 77, &[], b"/")));
        assert_eq!(ids_as(b"4000:5", caller), Ok(ok(4000, 5, &[], b"/")));
        // An unknown caller uid with an empty user field: HOME=/ as well.
        let stranger = Caller { uid: 3333, gid: 44 };
        assert_eq!(ids_as(b"", stranger), Ok(ok(3333, 44, &[], b"/")));
        assert_eq!(ids_as(b":1", stranger), Ok(ok(3333, 1, &[], b"/")));
    }

    #[test]
    fn names_may_start_with_digits_and_the_first_entry_wins() {
        assert_eq!(
            ids(b"app"),
            Ok(ok(1100, 1100, &[100, 10, 5678], b"/home/app"))
        );
        assert_eq!(
            ids(b"1100"),
            Ok(ok(1100, 1100, &[100, 10, 5678], b"/home/app"))
        );
        assert_eq!(ids(b"9lives"), Ok(ok(1004, 1004, &[10], b"/nine")));
        // All digits: an id, even though a user named 1234 exists.
        assert_eq!(ids(b"1234"), Ok(ok(1234, 0, &[], b"/")));
        assert_eq!(ids(b"1005"), Ok(ok(1005, 1005, &[], b"/digits")));
        // A group named 5678 exists with gid 5678; 1000 is a gid either way.
        assert_eq!(ids(b"app:5678"), Ok(ok(1100, 5678, &[], b"/home/app")));
        assert_eq!(ids(b"app:1000"), Ok(ok(1100, 1000, &[], b"/home/app")));
        assert_eq!(ids(b"lost"), Ok(ok(1001, 4242, &[], b"/home/lost")));
        assert_eq!(ids(b"nohome"), Ok(ok(1002, 1002, &[], b"")));
        // Found by uid, the line's name (app) picks the groups.
        assert_eq!(
            ids(b"1003"),
            Ok(ok(1003, 1003, &[100, 10, 5678], b"/home/dup"))
        );
    }

    #[test]
    fn ids_out_of_range_are_refused() {
        for spec in [&b"2147483648"[..], b"4294967296", b"-1", b"4294967295"] {
            assert_eq!(
                ids(spec),
                Err(SpecError::OutOfRange {
                    user: true,
                    field: spec
                }),
                "{spec:?}"
            );
        }
        assert_eq!(
            ids(b"0:-1"),
            Err(SpecError::OutOfRange {
                user: false,
                field: b"-1"
            })
        );
        assert_eq!(ids(b"a:b:c"), Err(SpecError::NoSuchUser(b"a")));
        // gosu names the group field alone: `unable to find group b`.
        assert_eq!(ids(b"root:b:c"), Err(SpecError::NoSuchGroup(b"b")));
    }

    #[test]
    fn missing_files_are_empty_files() {
        let resolve_empty = |spec| {
            resolve(
                spec,
                Split::Gosu,
                Caller { uid: 0, gid: 9 },
                &b""[..],
                &b""[..],
            )
            .map(|c| (c.uid, c.gid))
        };
        assert_eq!(resolve_empty(b"1000"), Ok((1000, 9)));
        assert_eq!(resolve_empty(b"1000:5"), Ok((1000, 5)));
        assert_eq!(resolve_empty(b"root"), Err(SpecError::NoSuchUser(b"root")));
    }

    #[test]
    fn spec_errors_name_what_was_not_found() {
        let line = |error: SpecError<'_>| error.line(b"app:web").as_bytes().to_vec();
        assert_eq!(
            line(SpecError::NoSuchUser(b"app")),
            b"usher: no such user app"
        );
        assert_eq!(
            line(SpecError::NoSuchGroup(b"web")),
            b"usher: no such group web"
        );
        assert_eq!(
            line(SpecError::OutOfRange {
                user: true,
                field: b"-1"
            }),
            b"usher: user id -1 is out of range (0 to 2147483647)"
        );
        assert_eq!(
            line(SpecError::Read(File::Group, Errno::IO)),
            b"usher: reading /etc/group: I/O error"
        );
        assert_eq!(
            line(SpecError::TooManyGroups),
            b"usher: app:web is in more than 1024 groups, usher's limit"
        );
    }

    #[test]
    fn home_too_long_is_an_error() {
        let mut passwd = b"long:x:1:1::".to_vec();
        passwd.extend(std::iter::repeat_n(b'h', HOME_CAPACITY));
        passwd.extend(b":/bin/sh\n");
        assert_eq!(
            resolve(b"long", Split::Gosu, CALLER, &passwd[..], &b""[..]).map(|_| ()),
            Err(SpecError::TooLong)
        );
    }
}
