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
use crate::plan::{ChildFate, Lists, Namespaces, Personality, Plan};
use crate::signal::Policy;
use crate::sys;
use core::ffi::CStr;
use mounts::{c_path, mount_step, open_dir, Created, PATH_CAPACITY};
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

/// The paths the inner usher made, as the outer one reads them: for each,
/// `d` or `f`, the path relative to the root, and a NUL.
const CREATED_CAPACITY: usize = 8192;

/// Starts the sandbox of `plan` (whose `sandbox.root` is set).
// Not inlined: keeps the sandbox's code and its path buffers off a plain run's path and stack.
#[inline(never)]
pub fn enter(plan: &Plan, lists: &Lists) -> Role {
    match outer(plan, lists) {
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

fn outer(plan: &Plan, lists: &Lists) -> Result<Role, Reported> {
    let root_path = plan.sandbox.root.unwrap_or(b"/");
    let mut buffer = [0u8; PATH_CAPACITY];
    let root_c =
        c_path(&mut buffer, &[root_path]).map_err(|errno| failed_on(b"root", root_path, errno))?;
    // The root must be a directory, and stays open for the clean-up.
    let root_fd = open_dir(root_c).map_err(|errno| failed_on(b"root", root_path, errno))?;
    let (uid, gid) = (rustix::process::geteuid(), rustix::process::getegid());
    let flags = namespaces(plan, uid.is_root())?;
    // Signals wait in the signalfd from now on, so none is lost or kills
    // the outer usher while the inner one starts.
    let (signals, _) = super::collect_signals(Policy::Native)?;
    // A time namespace is had by unshare, for the children made after it.
    if flags & Namespaces::TIME != 0 {
        sys::unshare_time().map_err(|errno| failed(b"unshare of a time namespace", errno))?;
    }
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
        return match self::inner(plan, lists, &go_read, report_write, root_c, user_ns, flags) {
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
    // failed).
    let mut created = [0u8; CREATED_CAPACITY];
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
    remove_created(root_fd.as_fd(), &created[..filled]);
    Ok(Role::Outer(match fate {
        ChildFate::Exited(code) => (code & 0xff) as u8,
        ChildFate::Killed(signo) => (128 + signo) as u8,
    }))
}

/// The inner usher, before it runs the engine: waits for its maps, makes
/// the mounts and switches root.
#[allow(clippy::too_many_arguments)]
fn inner(
    plan: &Plan,
    lists: &Lists,
    go: &OwnedFd,
    report: OwnedFd,
    root: &CStr,
    user_ns: bool,
    flags: u32,
) -> Result<(), Reported> {
    // Nothing outlives the outer usher.
    let _ = sys::set_pdeathsig(crate::signal::SIGKILL);
    let mut byte = [0u8; 1];
    if !matches!(rustix::io::read(go, &mut byte), Ok(1)) {
        // The outer usher is gone.
        sys::exit(1);
    }
    let sandbox = &plan.sandbox;
    let mut cwd_buffer = [0u8; PATH_CAPACITY];
    let cwd = if sandbox.skip_chdir {
        sys::current_dir(&mut cwd_buffer[..PATH_CAPACITY - 1])
    } else {
        None
    };
    let cwd_len = cwd.map_or(0, <[u8]>::len);
    let root_bytes = root.to_bytes();
    // No mount may reach the caller's namespace. Inside a chroot `/` is no
    // mount point (EINVAL): the root's own bind is made a slave instead.
    use rustix::mount::{mount_bind_recursive, mount_change, MountPropagationFlags};
    let slave = MountPropagationFlags::DOWNSTREAM | MountPropagationFlags::REC;
    let in_chroot = match mount_change(c"/", slave) {
        Ok(()) => false,
        Err(Errno::INVAL) => true,
        Err(errno) => return Err(failed_on(b"making / a slave mount", b"", errno)),
    };
    mount_bind_recursive(root, root)
        .map_err(|errno| failed_on(b"binding the root", root_bytes, errno))?;
    if in_chroot {
        mount_change(root, slave)
            .map_err(|errno| failed_on(b"making a slave mount of", root_bytes, errno))?;
    }
    let root_fd = open_dir(root).map_err(|errno| failed_on(b"root", root_bytes, errno))?;
    // The steps, then the mounts, each made path told to the outer usher.
    let fresh_sysfs = flags & Namespaces::NET != 0 || !user_ns;
    let mut steps = steps::Steps::new();
    steps::steps(sandbox, &lists.mounts, fresh_sysfs, &mut steps);
    let mut tell = |parent: BorrowedFd<'_>, name: &[u8], kind: Created| {
        tell_created(&report, root_bytes, parent, name, kind);
    };
    for step in &steps {
        mount_step(root_fd.as_fd(), step, &mut tell)?;
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
        let mut buffer = [0u8; PATH_CAPACITY];
        if let Ok(path) = c_path(&mut buffer, &[cwd]) {
            let _ = rustix::process::chdir(path);
        }
    }
    Ok(())
}

/// `pivot_root(".", ".")` into the root, then a detached unmount of the old
/// root, which leaves no way back. Where pivot_root says EINVAL (a root in
/// an initramfs or a chroot) the root is moved onto `/` and chrooted.
fn switch_root(root: &OwnedFd, path: &[u8]) -> Result<(), Reported> {
    let fail = |errno| failed_on(b"switching to the root", path, errno);
    rustix::process::fchdir(root).map_err(fail)?;
    match rustix::process::pivot_root(c".", c".") {
        Ok(()) => {
            rustix::mount::unmount(c".", rustix::mount::UnmountFlags::DETACH).map_err(fail)?;
        }
        Err(Errno::INVAL) => {
            rustix::mount::mount_move(c".", c"/").map_err(fail)?;
            rustix::process::chroot(c".").map_err(fail)?;
        }
        Err(errno) => return Err(fail(errno)),
    }
    rustix::process::chdir(c"/").map_err(fail)
}

/// Tells the outer usher that `name` in `parent` was made: the path as
/// seen from the root (through /proc/self/fd, which names where a symlink
/// inside the root led), so that it can be removed without following any.
fn tell_created(report: &OwnedFd, root: &[u8], parent: BorrowedFd<'_>, name: &[u8], kind: Created) {
    let mut target = [0u8; PATH_CAPACITY];
    let mut link = Line::new();
    let fd = rustix::fd::AsRawFd::as_raw_fd(&parent);
    link.push_parts(b"/proc/self/fd/\x01\0", &[Part::Number(i64::from(fd))]);
    let Some(link) = crate::cstr::until_nul(link.as_bytes()) else {
        return;
    };
    let Ok(len) = rustix::fs::readlinkat_raw(rustix::fs::CWD, link, &mut target[..]) else {
        return;
    };
    let parent_path = &target[..len.min(target.len())];
    // The root's own path, then `/` or nothing.
    let Some(inside) = parent_path.strip_prefix(root) else {
        return;
    };
    let inside = inside.strip_prefix(b"/").unwrap_or(inside);
    let kind: &[u8] = if kind == Created::Directory {
        b"d"
    } else {
        b"f"
    };
    let slash: &[u8] = if inside.is_empty() { b"" } else { b"/" };
    for part in [kind, inside, slash, name, b"\0"] {
        let _ = rustix::io::write(report, part);
    }
}

/// Removes what the inner usher made, last first, each only if it is still
/// empty, relative to the root's descriptor and following no symlink.
fn remove_created(root: BorrowedFd<'_>, records: &[u8]) {
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
        let mut buffer = [0u8; PATH_CAPACITY];
        let mut name_buffer = [0u8; PATH_CAPACITY];
        let (Ok(parent), Ok(name)) = (
            c_path(
                &mut buffer,
                &[b".", if parent.is_empty() { b"" } else { b"/" }, parent],
            ),
            c_path(&mut name_buffer, &[name]),
        ) else {
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

/// The uid and gid maps of a rootless sandbox: the caller is root inside.
/// `deny` goes to setgroups first, as the kernel requires.
fn write_maps(pid: i32, uid: u32, gid: u32) -> Result<(), Errno> {
    for (file, id) in [
        (&b"setgroups"[..], None),
        (b"uid_map", Some(uid)),
        (b"gid_map", Some(gid)),
    ] {
        let mut path = Line::new();
        path.push_parts(
            b"/proc/\x01/\x02\0",
            &[Part::Number(i64::from(pid)), Part::Bytes(file)],
        );
        let mut map = Line::new();
        let text = match id {
            None => &b"deny"[..],
            Some(id) => map
                .push_parts(b"0 \x01 1", &[Part::Number(i64::from(id))])
                .as_bytes(),
        };
        let path = crate::cstr::until_nul(path.as_bytes()).ok_or(Errno::INVAL)?;
        let fd = rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
        rustix::io::write(&fd, text)?;
    }
    Ok(())
}

/// The setting that disables user namespaces here, read from /proc/sys,
/// and the value it has; `None` when none does.
fn userns_knob() -> Option<(&'static [u8], &'static [u8])> {
    // Word tables, not a table of slices (a relocation each, paid by musl's
    // start on every run): the knob, its file under /proc/sys/, and the
    // value that disables user namespaces.
    const KNOBS: &[u8] = b"user.max_user_namespaces\0kernel.unprivileged_userns_clone\0\
kernel.apparmor_restrict_unprivileged_userns\0";
    const FILES: &[u8] = b"user/max_user_namespaces\0kernel/unprivileged_userns_clone\0\
kernel/apparmor_restrict_unprivileged_userns\0";
    const VALUES: &[u8] = b"0\x000\x001\x00";
    let mut buffer = [0u8; PATH_CAPACITY];
    for index in 0..3 {
        let file = crate::text::word_at(FILES, index);
        let Ok(path) = c_path(&mut buffer, &[b"/proc/sys/", file]) else {
            continue;
        };
        let Ok(fd) = rustix::fs::open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()) else {
            continue;
        };
        let mut content = [0u8; 16];
        let value = crate::text::word_at(VALUES, index);
        if let Ok(len) = rustix::io::read(&fd, &mut content) {
            let content = &content[..len];
            if content.strip_suffix(b"\n").unwrap_or(content) == value {
                return Some((crate::text::word_at(KNOBS, index), value));
            }
        }
    }
    None
}
