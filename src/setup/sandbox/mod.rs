//! `--root DIR`: the command in another root, in new mount, UTS, IPC and PID
//! namespaces (and, for a caller that is not root, user and network ones),
//! with usher as PID 1 inside (bubblewrap's shape, DESIGN.md §1).
//!
//! The outer usher clones an inner one into the namespaces, writes its uid
//! and gid maps when rootless, then only forwards every signal to it,
//! mirrors its exit status and removes the mountpoints made for the run.
//! The inner usher mounts (`mounts`), switches root (pivot_root) and goes
//! on as the usual engine, as PID 1: `run`'s phases 2 to 6.

pub mod mounts;
pub mod steps;

use crate::error::{failed, failed_on, say, Line, Part, Reported};
use crate::plan::{
    ChildFate, Lists, MountOpt, MountPaths, Mounts, Namespaces, Personality, Plan, SandboxScratch,
};
use crate::signal::Policy;
use crate::sys;
use core::ffi::CStr;
use mounts::{mount_step, open_dir, Created, PATH_CAPACITY};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};

/// Which usher this process is, once `enter` returns.
pub enum Role {
    /// The outer usher, done: its exit code.
    Outer(u8),
    /// The inner usher, in the new root and namespaces, to run the command
    /// as PID 1. `user_ns`: in a user namespace of its own (rootless), where
    /// only uid 0 and gid 0 exist.
    Inner { user_ns: bool },
}

/// The outer usher's record of what the inner one made.
const CREATED_CAPACITY: usize = crate::plan::SCRATCH_CREATED;
static_assertions::const_assert_eq!(PATH_CAPACITY, crate::plan::SCRATCH_PATH);

/// Starts the sandbox of `plan` (whose `sandbox.root` is set).
// Not inlined: keeps the sandbox's code and its path buffers off a plain run's path and stack.
#[inline(never)]
pub fn enter<'a>(plan: &Plan<'a>, lists: &mut Lists<'a>) -> Role {
    let Lists {
        mounts, sandbox, ..
    } = lists;
    match outer(plan, mounts, sandbox) {
        Ok(role) => role,
        Err(Reported) => Role::Outer(1),
    }
}

/// The namespaces to make: pychroot's four, and user and net for a caller
/// that is not root, then `--unshare`'s, less `--share`'s.
fn namespaces(plan: &Plan, root: bool) -> Result<u32, Reported> {
    let sandbox = &plan.sandbox;
    let share = sandbox.share;
    if share.has(Namespaces::USER) && !root {
        say(b"--share user needs root", &[]);
        return Err(Reported);
    }
    if share.has(Namespaces::UTS) && sandbox.hostname.is_some() {
        say(
            b"--share uts with --hostname would rename the caller's host",
            &[],
        );
        return Err(Reported);
    }
    let mut flags = Namespaces::MOUNT | Namespaces::UTS | Namespaces::IPC | Namespaces::PID;
    if !root {
        flags |= Namespaces::USER | Namespaces::NET;
    }
    flags |= sandbox.unshare.0;
    Ok(flags & !(share.0 & !Namespaces::MOUNT))
}

fn outer<'a>(
    plan: &Plan<'a>,
    mounts: &Mounts<'a>,
    scratch: &mut SandboxScratch<'a>,
) -> Result<Role, Reported> {
    let SandboxScratch {
        root,
        created,
        cwd,
        canonical,
        steps,
        paths,
    } = scratch;
    let root_path = plan.sandbox.root.unwrap_or(b"/");
    // As written: escapes are for the mount lists' twins, not for the root.
    let root_c = crate::spawn::path::join_path(root, b"", root_path)
        .ok_or(Errno::NAMETOOLONG)
        .map_err(|errno| failed_on(b"root", root_path, errno))?;
    // The root must be a directory, and stays open for the clean-up.
    let root_fd = open_dir(root_c).map_err(|errno| failed_on(b"root", root_path, errno))?;
    let (uid, gid) = (rustix::process::geteuid(), rustix::process::getegid());
    let flags = namespaces(plan, uid.is_root())?;
    // Signals wait in the signalfd from now on, so none is lost or kills
    // the outer usher while the inner one starts.
    let (signals, _) = super::collect_signals(Policy::Native)?;
    // A time namespace is had by unshare, not clone: the inner usher makes
    // it for its children, once it has its user namespace.
    let new_time = flags & Namespaces::TIME != 0;
    let flags = flags & !Namespaces::TIME;
    let (go_read, go_write) =
        pipe_with(PipeFlags::CLOEXEC).map_err(|errno| failed(b"pipe", errno))?;
    let (report_read, report_write) =
        pipe_with(PipeFlags::CLOEXEC).map_err(|errno| failed(b"pipe", errno))?;
    let inner = crate::spawn::clone_inner(flags).map_err(|errno| {
        match userns_knob().filter(|_| flags & Namespaces::USER != 0) {
            Some((knob, value)) => {
                say(
                    b"user namespaces are disabled here: \x01 is \x02",
                    &[Part::Bytes(knob), Part::Bytes(value)],
                );
                Reported
            }
            None => failed(b"clone into new namespaces", errno),
        }
    })?;
    let Some(inner) = inner else {
        // The inner usher.
        drop((go_write, report_read, signals));
        let user_ns = flags & Namespaces::USER != 0;
        let buffers = InnerBuffers {
            cwd,
            canonical,
            steps,
            paths,
        };
        return match self::inner(
            plan,
            mounts,
            buffers,
            &go_read,
            report_write,
            root_c,
            user_ns,
            flags,
            new_time,
        ) {
            Ok(()) => Ok(Role::Inner { user_ns }),
            Err(Reported) => sys::exit(1),
        };
    };
    drop((go_read, report_write));
    if flags & Namespaces::USER != 0 {
        if let Err(errno) = write_maps(inner, uid.as_raw(), gid.as_raw()) {
            let _ = sys::kill(inner, crate::signal::SIGKILL);
            let _ = rustix::process::waitpid(
                rustix::process::Pid::from_raw(inner),
                rustix::process::WaitOptions::empty(),
            );
            return Err(failed(b"writing the uid and gid maps", errno));
        }
    }
    let _ = rustix::io::write(&go_write, b"g");
    drop(go_write);
    // What the inner usher made, until it closes the pipe (switched, or
    // failed). It refuses to make more than the buffer holds.
    let mut filled = 0;
    loop {
        match rustix::io::read(&report_read, &mut created[filled..]) {
            Ok(0) => break,
            Ok(len) => filled += len,
            Err(Errno::INTR) => {}
            Err(_) => break,
        }
        if filled == created.len() {
            break;
        }
    }
    drop(report_read);
    // Forward every signal to the inner usher, and mirror its status.
    let mut outer_plan = Plan::new(Personality::Native, 0);
    outer_plan.verbosity = plan.verbosity.saturating_sub(1);
    let state = crate::supervise::Supervision {
        child: inner,
        reaps_orphans: false,
        swallow: 0,
        shut_down: false,
    };
    let fate = crate::supervise::supervise(&outer_plan, &signals, state, None);
    // Under `--upper`, what the inner usher made is in UPPER/diff: it is
    // removed there (a tmpfs upper went with the sandbox).
    let diff = plan.sandbox.upper.and_then(|upper| {
        crate::spawn::path::join_path(root, upper, b"diff").and_then(|diff| open_dir(diff).ok())
    });
    let base = diff.as_ref().map_or(root_fd.as_fd(), |diff| diff.as_fd());
    remove_created(base, &created[..filled], [cwd, canonical]);
    Ok(Role::Outer(match fate {
        ChildFate::Exited(code) => (code & 0xff) as u8,
        ChildFate::Killed(signo) => (128 + signo) as u8,
    }))
}

/// The inner usher's part of the scratch.
struct InnerBuffers<'s, 'a> {
    cwd: &'s mut [u8; PATH_CAPACITY],
    canonical: &'s mut [u8; PATH_CAPACITY],
    steps: &'s mut steps::Steps<'a>,
    paths: &'s mut MountPaths,
}

/// The inner usher, before it runs the engine: waits for its maps, makes
/// the mounts and switches root.
#[allow(clippy::too_many_arguments)]
fn inner<'a>(
    plan: &Plan<'a>,
    mounts: &Mounts<'a>,
    buffers: InnerBuffers<'_, 'a>,
    go: &OwnedFd,
    report: OwnedFd,
    root: &CStr,
    user_ns: bool,
    flags: u32,
    new_time: bool,
) -> Result<(), Reported> {
    // Nothing outlives the outer usher.
    let _ = sys::set_pdeathsig(crate::signal::SIGKILL);
    let mut byte = [0u8; 1];
    if !matches!(rustix::io::read(go, &mut byte), Ok(1)) {
        // The outer usher is gone.
        sys::exit(1);
    }
    if new_time {
        sys::unshare_time().map_err(|errno| failed(b"unshare of a time namespace", errno))?;
    }
    let sandbox = &plan.sandbox;
    let InnerBuffers {
        cwd: cwd_buffer,
        canonical,
        steps,
        paths,
    } = buffers;
    let MountPaths {
        source,
        prefix,
        name: name_buffer,
        parent: parent_buffer,
    } = paths;
    let cwd = if sandbox.skip_chdir {
        sys::current_dir(&mut cwd_buffer[..PATH_CAPACITY - 1])
    } else {
        None
    };
    let cwd_len = cwd.map_or(0, <[u8]>::len);
    let root_bytes = root.to_bytes();
    // No mount may reach the caller's namespace. Inside a chroot `/` is no
    // mount point (EINVAL), and neither a slave `/` nor pivot_root can be
    // had: refused rather than run with a bare chroot, which the command
    // could escape.
    use rustix::mount::{mount_bind_recursive, mount_change, MountPropagationFlags};
    let slave = MountPropagationFlags::DOWNSTREAM | MountPropagationFlags::REC;
    mount_change(c"/", slave).map_err(|errno| {
        if errno == Errno::INVAL {
            say(
                b"--root needs / to be a mount point (not inside a chroot)",
                &[],
            );
            Reported
        } else {
            failed_on(b"making / a slave mount", b"", errno)
        }
    })?;
    let layered = mounts.iter().any(|(kind, _)| *kind == MountOpt::Layer);
    if layered || sandbox.upper.is_some() {
        mounts::overlay_root(root, mounts, sandbox.upper, user_ns, source)?;
    } else {
        mount_bind_recursive(root, root)
            .map_err(|errno| failed_on(b"binding the root", root_bytes, errno))?;
    }
    let root_fd = open_dir(root).map_err(|errno| failed_on(b"root", root_bytes, errno))?;
    // Where the root is, as the kernel names it (not as written), and its
    // mount: only a path made on the root's own mount is told to the outer
    // usher for removal (one made in a mount of the sandbox's goes with it).
    let canonical_len = fd_path(root_fd.as_fd(), canonical).map_or(0, <[u8]>::len);
    let root_path = &canonical[..canonical_len];
    let root_mount = mount_id(root_fd.as_fd());
    let mut told = 0;
    // The steps, then the mounts, each made path told to the outer usher.
    let fresh_sysfs = flags & Namespaces::NET != 0 || !user_ns;
    steps.clear();
    steps::steps(sandbox, mounts, fresh_sysfs, steps);
    let mut tell = |parent: BorrowedFd<'_>, name: &[u8], kind: Created| {
        if mount_id(parent) != root_mount {
            return true;
        }
        tell_created(
            &report,
            root_path,
            parent,
            name,
            kind,
            parent_buffer,
            &mut told,
        )
    };
    for step in steps.iter() {
        let buffers = [&mut *source, &mut *prefix, &mut *name_buffer];
        mount_step(root_fd.as_fd(), step, buffers, &mut tell)?;
    }
    if let Some(name) = sandbox.hostname {
        rustix::system::sethostname(name)
            .map_err(|errno| failed_on(b"setting the hostname", name, errno))?;
    }
    if flags & Namespaces::NET != 0 {
        sys::loopback_up().map_err(|errno| failed_on(b"bringing up", b"lo", errno))?;
    }
    if sandbox.ro_root {
        sys::mount_read_only(root_fd.as_fd(), false)
            .map_err(|errno| failed_on(b"making the root read-only", root_bytes, errno))?;
    }
    switch_root(&root_fd, root_bytes)?;
    drop(report);
    // `--skip-chdir`: the same directory inside the new root, or `/`.
    if let Some(cwd) = cwd_buffer.get(..cwd_len).filter(|cwd| !cwd.is_empty()) {
        if let Some(path) = crate::spawn::path::join_path(source, b"", cwd) {
            let _ = rustix::process::chdir(path);
        }
    }
    Ok(())
}

/// `pivot_root(".", ".")` into the root, then a detached unmount of the old
/// root, which leaves no way back.
fn switch_root(root: &OwnedFd, path: &[u8]) -> Result<(), Reported> {
    let fail = |errno| failed_on(b"switching to the root", path, errno);
    rustix::process::fchdir(root).map_err(fail)?;
    rustix::process::pivot_root(c".", c".").map_err(fail)?;
    rustix::mount::unmount(c".", rustix::mount::UnmountFlags::DETACH).map_err(fail)?;
    rustix::process::chdir(c"/").map_err(fail)
}

/// The mount a descriptor lies in (statx's mount id; 0 when unknown).
fn mount_id(fd: BorrowedFd<'_>) -> u64 {
    sys::mount_id(fd).unwrap_or(0)
}

/// The path of `fd`, from /proc/self/fd, in `buffer`.
fn fd_path<'b>(fd: BorrowedFd<'_>, buffer: &'b mut [u8; PATH_CAPACITY]) -> Option<&'b [u8]> {
    let mut link = Line::new();
    let raw = rustix::fd::AsRawFd::as_raw_fd(&fd);
    link.push_parts(b"/proc/self/fd/\x01\0", &[Part::Number(i64::from(raw))]);
    let link = crate::cstr::until_nul(link.as_bytes())?;
    let len = rustix::fs::readlinkat_raw(rustix::fs::CWD, link, &mut buffer[..]).ok()?;
    buffer.get(..len)
}

/// Tells the outer usher that `name` in `parent` was made: the path as
/// seen from the root (through /proc/self/fd, which names where a symlink
/// inside the root led), so that it can be removed without following any.
fn tell_created(
    report: &OwnedFd,
    root: &[u8],
    parent: BorrowedFd<'_>,
    name: &[u8],
    kind: Created,
    target: &mut [u8; PATH_CAPACITY],
    told: &mut usize,
) -> bool {
    let Some(parent_path) = fd_path(parent, target) else {
        return true;
    };
    // Below the root's own path: nothing, or `/` and the rest.
    let inside = match parent_path.strip_prefix(root) {
        Some(b"") => &b""[..],
        Some([b'/', rest @ ..]) => rest,
        _ => return true,
    };
    let kind: &[u8] = if kind == Created::Directory {
        b"d"
    } else {
        b"f"
    };
    let slash: &[u8] = if inside.is_empty() { b"" } else { b"/" };
    let parts = [kind, inside, slash, name, b"\0"];
    // The outer usher keeps CREATED_CAPACITY bytes: no more is made.
    *told += parts.iter().map(|part| part.len()).sum::<usize>();
    if *told > CREATED_CAPACITY {
        return false;
    }
    for part in parts {
        let _ = rustix::io::write(report, part);
    }
    true
}

/// Removes what the inner usher made, last first, each only if it is still
/// empty, relative to the root's descriptor and following no symlink.
/// `buffers` hold a record's parent and name as C strings.
fn remove_created(root: BorrowedFd<'_>, records: &[u8], buffers: [&mut [u8; PATH_CAPACITY]; 2]) {
    let [buffer, name_buffer] = buffers;
    use rustix::fs::{openat2, statat, unlinkat, AtFlags};
    // Only whole records (each ends with its NUL).
    let whole = records
        .iter()
        .rposition(|&byte| byte == 0)
        .map_or(0, |end| end + 1);
    for record in records[..whole].split(|&byte| byte == 0).rev() {
        let Some((&kind, path)) = record.split_first() else {
            continue;
        };
        let (parent, name) = match path.iter().rposition(|&byte| byte == b'/') {
            Some(slash) => (&path[..slash], &path[slash + 1..]),
            None => (&b""[..], path),
        };
        let join = crate::spawn::path::join_path;
        let (Some(parent), Some(name)) = (join(buffer, b".", parent), join(name_buffer, b"", name))
        else {
            continue;
        };
        let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let Ok(dir) = openat2(root, parent, flags, Mode::empty(), how) else {
            continue;
        };
        if kind == b'd' {
            let _ = unlinkat(&dir, name, AtFlags::REMOVEDIR);
        } else if statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|stat| {
            stat.st_size == 0
                && rustix::fs::FileType::from_raw_mode(stat.st_mode)
                    == rustix::fs::FileType::RegularFile
        }) {
            let _ = unlinkat(&dir, name, AtFlags::empty());
        }
    }
}

/// The files of a rootless sandbox's maps, in the order the kernel
/// requires: `setgroups` before `gid_map`.
const MAP_FILES: &[u8] = b"setgroups\0uid_map\0gid_map\0";

/// The uid and gid maps of a rootless sandbox: the caller is root inside.
/// `deny` goes to setgroups first, as the kernel requires.
// Not inlined: keeps its line buffer off the frame of enter, which only rootless runs need.
#[inline(never)]
fn write_maps(pid: i32, uid: u32, gid: u32) -> Result<(), Errno> {
    for (index, id) in [0, uid, gid].into_iter().enumerate() {
        // The path, its NUL, then what is written: one line for both.
        let template: &[u8] = if index == 0 {
            b"/proc/\x01/\x02\0deny"
        } else {
            b"/proc/\x01/\x02\x000 \x03 1"
        };
        let mut line = Line::new();
        let file = crate::text::word_at(MAP_FILES, index);
        line.push_parts(
            template,
            &[
                Part::Number(i64::from(pid)),
                Part::Bytes(file),
                Part::Number(i64::from(id)),
            ],
        );
        let bytes = line.as_bytes();
        let path = crate::cstr::until_nul(bytes).ok_or(Errno::INVAL)?;
        let text = &bytes[path.to_bytes().len() + 1..];
        let fd = rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
        rustix::io::write(&fd, text)?;
    }
    Ok(())
}

/// The settings that can disable user namespaces (files under /proc/sys),
/// each after the value that does: one string rather than a table of
/// pointers and lengths.
const USERNS_KNOBS: &[u8] = b"0/proc/sys/user/max_user_namespaces\0\
0/proc/sys/kernel/unprivileged_userns_clone\0\
1/proc/sys/kernel/apparmor_restrict_unprivileged_userns\0";

/// The setting that disables user namespaces here (its file under
/// /proc/sys) and the value it has; `None` when none does.
fn userns_knob() -> Option<(&'static [u8], &'static [u8])> {
    let mut rest = USERNS_KNOBS;
    while let Some((disabling, after)) = rest.split_at_checked(1) {
        let path = crate::cstr::until_nul(after)?;
        rest = after.get(path.to_bytes().len() + 1..)?;
        let Ok(fd) = rustix::fs::open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()) else {
            continue;
        };
        let mut value = [0u8; 2];
        if rustix::io::read(&fd, &mut value).is_ok_and(|len| len > 0 && value[0] == disabling[0]) {
            return Some((path.to_bytes(), disabling));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_userns_knob_is_its_disabling_digit_then_its_path() {
        let pieces: Vec<&[u8]> = USERNS_KNOBS.split(|&byte| byte == 0).collect();
        assert_eq!(
            pieces,
            [
                &b"0/proc/sys/user/max_user_namespaces"[..],
                b"0/proc/sys/kernel/unprivileged_userns_clone",
                b"1/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
                b"",
            ]
        );
    }
}
