//! The user lookup: a user spec resolved against this root's /etc/passwd and
//! /etc/group, as the process that reads them sees them (after a root switch,
//! the new root's). The switch to the result is the child's
//! (`spawn::child::switch`).

use crate::user::spec::{self, Caller, Credentials, SpecError};
use crate::user::Source;
use core::ffi::CStr;
use rustix::fd::OwnedFd;
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno;
use rustix::process::{getgid, getuid};

/// A file read for user lookup. One that is missing reads as empty, as
/// gosu treats it; any other error, opening or reading, is reported.
struct FileSource {
    path: &'static CStr,
    fd: Option<OwnedFd>,
    opened: bool,
}

impl Source for FileSource {
    // Not inlined: keeps one read loop for both /etc files off the scanners' paths.
    #[inline(never)]
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.opened {
            self.opened = true;
            // Only a missing file reads as empty (gosu's rule): any other
            // failure, EMFILE or EACCES, is an error, never "no such user".
            self.fd = match open(self.path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()) {
                Ok(fd) => Some(fd),
                Err(Errno::NOENT) => None,
                Err(errno) => return Err(errno),
            };
        }
        let Some(fd) = &self.fd else {
            return Ok(0);
        };
        loop {
            match rustix::io::read(fd, &mut *buf) {
                Err(Errno::INTR) => {}
                other => return other,
            }
        }
    }
}

fn file(path: &'static CStr) -> FileSource {
    FileSource {
        path,
        fd: None,
        opened: false,
    }
}

/// What a process needs to become the user of `credentials`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Switch {
    /// It already runs as them: real, effective and saved ids, and the
    /// same supplementary groups.
    Already,
    /// It may switch (root, or CAP_SETUID and CAP_SETGID), and does, as
    /// before: the switch also clears the capability sets.
    Permitted,
    /// It may not: the caller's real uid, for the message.
    NotPermitted(u32),
}

/// Whether this process runs as `credentials` already, or may switch.
/// `ours` receives the caller's supplementary groups.
pub fn switch_needed(
    credentials: &Credentials,
    ours: &mut [u32; crate::user::GROUPS_CAPACITY],
) -> Switch {
    let (uid, gid) = (credentials.uid, credentials.gid);
    let ids = crate::sys::ids();
    let same_groups = crate::sys::groups(ours).is_ok_and(|count| {
        let ours = &ours[..count];
        let theirs = &credentials.groups[..];
        // Not `contains`: for integers it brings an unrolled search.
        #[allow(clippy::manual_contains)]
        let within = |these: &[u32], those: &[u32]| {
            these
                .iter()
                .all(|gid| those.iter().any(|other| other == gid))
        };
        within(ours, theirs) && within(theirs, ours)
    });
    let needed = rustix::thread::CapabilitySet::SETUID | rustix::thread::CapabilitySet::SETGID;
    let capable =
        rustix::thread::capabilities(None).is_ok_and(|sets| sets.effective.contains(needed));
    if ids[1] == 0 || capable {
        Switch::Permitted
    } else if ids == [uid, uid, uid, gid, gid, gid] && same_groups {
        Switch::Already
    } else {
        Switch::NotPermitted(ids[0])
    }
}

/// Resolves `spec` against this system's files, for this caller, into
/// `credentials`.
pub fn resolve<'s>(
    spec: &'s [u8],
    how: spec::Split,
    credentials: &mut Credentials,
) -> Result<(), SpecError<'s>> {
    let caller = Caller {
        uid: getuid().as_raw(),
        gid: getgid().as_raw(),
    };
    let (passwd, group) = (file(c"/etc/passwd"), file(c"/etc/group"));
    spec::resolve_into(spec, how, caller, passwd, group, credentials)
}
