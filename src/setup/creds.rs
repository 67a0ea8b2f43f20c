//! Credentials: reading /etc/passwd and /etc/group for a user spec (before
//! anything starts), and switching to the result (in the child, or in place
//! for gosu and su-exec): groups, then gid, then uid, then a check that all
//! three of each took, then the capability sets. Only rustix and `sys` calls,
//! since the switch runs between clone and exec.

use crate::spawn::ChildStep;
use crate::sys;
use crate::user::spec::{self, Caller, Credentials, SpecError};
use crate::user::Source;
use core::ffi::CStr;
use rustix::fd::OwnedFd;
use rustix::fs::{open, Mode, OFlags};
use rustix::io::Errno;
use rustix::process::{getgid, getuid};
use rustix::thread::{
    set_capabilities, set_thread_res_gid, set_thread_res_uid, CapabilitySet, CapabilitySets,
};

/// A file read for user lookup. One that cannot be opened reads as empty,
/// as gosu treats it; a read error after that is reported.
struct FileSource {
    path: &'static CStr,
    fd: Option<OwnedFd>,
    opened: bool,
}

impl Source for FileSource {
    #[inline(never)]
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.opened {
            self.opened = true;
            self.fd = open(self.path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).ok();
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

/// Resolves `spec` against this system's files, for this caller.
pub fn resolve(spec: &[u8], how: spec::Split) -> Result<Credentials, SpecError<'_>> {
    let caller = Caller {
        uid: getuid().as_raw(),
        gid: getgid().as_raw(),
    };
    spec::resolve(spec, how, caller, file(c"/etc/passwd"), file(c"/etc/group"))
}

/// Becomes `credentials` for good. On failure, returns the step that failed.
#[inline(never)]
pub fn switch(credentials: &Credentials) -> Result<(), (ChildStep, Errno)> {
    sys::set_groups(&credentials.groups).map_err(|errno| (ChildStep::Groups, errno))?;
    let gid = rustix::process::Gid::from_raw(credentials.gid);
    set_thread_res_gid(gid, gid, gid).map_err(|errno| (ChildStep::Gid, errno))?;
    let uid = rustix::process::Uid::from_raw(credentials.uid);
    set_thread_res_uid(uid, uid, uid).map_err(|errno| (ChildStep::Uid, errno))?;
    let (u, g) = (credentials.uid, credentials.gid);
    if sys::ids() != [u, u, u, g, g, g] {
        return Err((ChildStep::IdCheck, Errno::PERM));
    }
    if credentials.uid != 0 {
        // Leaving root already emptied the permitted, effective and ambient
        // sets; the inheritable one stays unless it is cleared by hand.
        let none = CapabilitySet::empty();
        set_capabilities(
            None,
            CapabilitySets {
                effective: none,
                permitted: none,
                inheritable: none,
            },
        )
        .map_err(|errno| (ChildStep::Capabilities, errno))?;
    }
    Ok(())
}
