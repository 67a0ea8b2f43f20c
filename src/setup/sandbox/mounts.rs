//! The inner usher's side of `--root`, before the root switch: the mounts
//! of `steps`, each destination resolved inside the new root, then the
//! switch itself. Every failing step names the path as the user wrote it.

use super::steps::{How, Source, Step};
use crate::error::{failed_on, Reported};
use crate::plan::MountOpt;
use core::ffi::CStr;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{mkdirat, open, openat, openat2, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use rustix::mount::{
    fsconfig_create, fsconfig_set_flag, fsconfig_set_string, fsmount, fsopen, move_mount,
    open_tree, FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags, OpenTreeFlags,
};

/// Longest path a step builds, with its NUL.
pub const PATH_CAPACITY: usize = 4096;

/// A path as a C string in `buffer`: `parts` joined, with the `\,` and
/// `\:` of a twin or a spec unescaped. `ENAMETOOLONG` when it does not fit.
pub fn c_path<'b>(buffer: &'b mut [u8; PATH_CAPACITY], parts: &[&[u8]]) -> Result<&'b CStr, Errno> {
    let mut len = 0;
    let mut put = |byte: u8| -> Result<(), Errno> {
        *buffer.get_mut(len).ok_or(Errno::NAMETOOLONG)? = byte;
        len += 1;
        Ok(())
    };
    for part in parts {
        let mut escaped = false;
        for &byte in *part {
            if byte == 0 {
                return Err(Errno::INVAL);
            }
            if byte == b'\\' && !escaped {
                escaped = true;
                continue;
            }
            // A backslash that escapes nothing stays.
            if escaped && !matches!(byte, b',' | b':' | b'\\') {
                put(b'\\')?;
            }
            escaped = false;
            put(byte)?;
        }
        if escaped {
            put(b'\\')?;
        }
    }
    put(0)?;
    crate::cstr::until_nul(&buffer[..len]).ok_or(Errno::INVAL)
}

/// What a created path is, for the outer usher's clean-up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Created {
    Directory,
    File,
}

/// Carries out one step inside the root `root` (an `O_PATH` descriptor of
/// the new root's own mount). `created` is told each path made for it.
/// `buffers` are its three path buffers: the source's, the destination's
/// part, a name made.
pub fn mount_step(
    root: BorrowedFd<'_>,
    step: &Step<'_>,
    buffers: [&mut [u8; PATH_CAPACITY]; 3],
    created: &mut dyn FnMut(BorrowedFd<'_>, &[u8], Created) -> bool,
) -> Result<(), Reported> {
    let [buffer, prefix_buffer, name_buffer] = buffers;
    // The source, before anything is made for it.
    let (source, is_dir) = match step.source {
        Source::Path(path) => {
            let fail = |errno| failed_on(b"mount source", path, errno);
            let source = c_path(buffer, &[path]).map_err(fail)?;
            // An O_PATH open and fstat, not `stat`: a second caller would take
            // `stat` out of line from installed_setuid, on every run.
            let kind = open(source, OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
                .and_then(|fd| rustix::fs::fstat(&fd));
            match kind {
                Ok(stat) => (
                    Some(source),
                    rustix::fs::FileType::from_raw_mode(stat.st_mode)
                        == rustix::fs::FileType::Directory,
                ),
                Err(Errno::NOENT) if step.optional => return Ok(()),
                Err(errno) => return Err(fail(errno)),
            }
        }
        Source::Fresh(_) => (None, true),
    };
    let dest = resolve(
        root,
        step.dest,
        is_dir,
        [prefix_buffer, &mut *name_buffer],
        created,
    )
    .map_err(|errno| failed_on(b"mount destination", step.dest, errno))?;
    let tree = match (step.source, source) {
        (Source::Fresh(kind), _) => fresh(kind, step.how, name_buffer),
        (_, Some(source)) => bind(source, step.how),
        _ => Err(Errno::INVAL),
    };
    let what: &[u8] = match step.source {
        Source::Path(path) => path,
        Source::Fresh(kind) => kind,
    };
    let tree = tree.map_err(|errno| failed_on(b"mount", what, errno))?;
    let flags = MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH;
    move_mount(&tree, c"", &dest, c"", flags)
        .map_err(|errno| failed_on(b"mount on", step.dest, errno))
}

/// A new, detached filesystem of type `kind`; with `How::Dev`, made into
/// `--minimal-dev`'s `/dev`.
fn fresh(kind: &[u8], how: How, buffer: &mut [u8; PATH_CAPACITY]) -> Result<OwnedFd, Errno> {
    let name = c_path(buffer, &[kind])?;
    let context = fsopen(name, FsOpenFlags::FSOPEN_CLOEXEC)?;
    if kind == b"devpts" {
        // A new instance whose ptmx anyone may open, as bubblewrap's.
        fsconfig_set_flag(&context, c"newinstance")?;
        fsconfig_set_string(&context, c"ptmxmode", c"0666")?;
        fsconfig_set_string(&context, c"mode", c"0620")?;
    }
    if how == How::Dev {
        // Not tmpfs' sticky 1777: in a user namespace, opening a device
        // of the caller's with O_CREAT there would be refused (as in a
        // sticky /tmp, for a file of another owner).
        fsconfig_set_string(&context, c"mode", c"0755")?;
    }
    fsconfig_create(&context)?;
    let tree = fsmount(
        &context,
        FsMountFlags::FSMOUNT_CLOEXEC,
        MountAttrFlags::empty(),
    )?;
    if how == How::Dev {
        dev_links(&tree)?;
    }
    Ok(tree)
}

/// bubblewrap's symlinks in `--minimal-dev`'s `/dev`, each name then its
/// target.
const DEV_LINKS: &[u8] = b"fd\0/proc/self/fd\0stdin\0/proc/self/fd/0\0stdout\0/proc/self/fd/1\0\
stderr\0/proc/self/fd/2\0ptmx\0pts/ptmx\0";

/// Makes DEV_LINKS in `dev`, a new tmpfs not mounted yet: nothing but
/// usher can reach it, so no path needs resolving.
fn dev_links(dev: &OwnedFd) -> Result<(), Errno> {
    let mut rest = DEV_LINKS;
    while let Some(name) = crate::cstr::until_nul(rest) {
        rest = &rest[name.to_bytes().len() + 1..];
        let target = crate::cstr::until_nul(rest).ok_or(Errno::INVAL)?;
        rest = &rest[target.to_bytes().len() + 1..];
        rustix::fs::symlinkat(target, dev, name)?;
    }
    Ok(())
}

/// A detached copy of `source`'s mount (and its submounts, unless a plain
/// bind), read-only all the way down for `How::ReadOnly`.
fn bind(source: &CStr, how: How) -> Result<OwnedFd, Errno> {
    let mut flags = OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC;
    if how != How::Bind {
        flags |= OpenTreeFlags::AT_RECURSIVE;
    }
    let tree = open_tree(rustix::fs::CWD, source, flags)?;
    if how == How::ReadOnly {
        crate::sys::mount_read_only(tree.as_fd(), true)?;
    }
    Ok(tree)
}

/// Resolves `dest` inside the root, as if the root were `/`: a symlink is
/// followed inside it, and `..` stops at it (`RESOLVE_IN_ROOT`). What is
/// missing is made, inside the root in the same way, a directory or (for a
/// last part whose source is a file) an empty file; `created` is told each.
fn resolve(
    root: BorrowedFd<'_>,
    dest: &[u8],
    is_dir: bool,
    buffers: [&mut [u8; PATH_CAPACITY]; 2],
    created: &mut dyn FnMut(BorrowedFd<'_>, &[u8], Created) -> bool,
) -> Result<OwnedFd, Errno> {
    let [buffer, name_buffer] = buffers;
    // The end of each part of `dest`, in turn.
    let mut end = 0;
    let mut parent: Option<OwnedFd> = None;
    loop {
        let rest = &dest[end..];
        let start = end
            + rest
                .iter()
                .position(|&byte| byte != b'/')
                .unwrap_or(rest.len());
        let rest = &dest[start..];
        if rest.is_empty() {
            // Nothing left: the root itself, or the last part opened.
            return match parent {
                Some(fd) => Ok(fd),
                None => open_in_root(root, c".", OFlags::empty()),
            };
        }
        end = start
            + rest
                .iter()
                .position(|&byte| byte == b'/')
                .unwrap_or(rest.len());
        let last = dest[end..].iter().all(|&byte| byte == b'/');
        let prefix = c_path(buffer, &[&dest[..end]])?;
        match open_in_root(root, prefix, OFlags::empty()) {
            Ok(fd) => parent = Some(fd),
            Err(Errno::NOENT) => {
                let name = &dest[start..end];
                let base = parent.as_ref().map_or(root, AsFd::as_fd);
                let inside = open_in_root(base, c".", OFlags::DIRECTORY)?;
                let name_c = c_path(name_buffer, &[name])?;
                // Told before it is made, so that nothing made goes untold
                // (removing what a failure did not make is harmless).
                let file = last && !is_dir;
                let kind = if file {
                    Created::File
                } else {
                    Created::Directory
                };
                if !created(inside.as_fd(), name, kind) {
                    return Err(Errno::NAMETOOLONG);
                }
                if file {
                    let mode = Mode::from_raw_mode(0o644);
                    let create = OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW;
                    drop(openat(&inside, name_c, create | OFlags::CLOEXEC, mode)?);
                } else {
                    mkdirat(&inside, name_c, Mode::from_raw_mode(0o755))?;
                }
                parent = Some(open_in_root(root, prefix, OFlags::empty())?);
            }
            Err(errno) => return Err(errno),
        }
    }
}

/// `O_PATH` opens `path` below `dir` as if `dir` were `/`: a symlink is
/// followed inside it, and `..` stops at it. `extra`: more open flags.
// Not inlined: keeps one copy of openat2's arguments off resolve's four calls.
#[inline(never)]
fn open_in_root(dir: BorrowedFd<'_>, path: &CStr, extra: OFlags) -> Result<OwnedFd, Errno> {
    let how = ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS;
    let flags = OFlags::PATH | OFlags::CLOEXEC | extra;
    openat2(dir, path, flags, Mode::empty(), how)
}

/// Mounts an overlay on `root` (`--layer`, `--upper`): the layers of
/// `mounts`, the last given on top, over the root itself. Changes go to
/// `upper`'s `diff` (overlayfs' scratch in its `work`), each made when
/// missing, or to a tmpfs that goes with the sandbox, mounted on the root
/// once the root is a lower layer. Each path is its own `lowerdir+` (Linux
/// 6.8), so none needs escaping; a rootless overlay keeps its whiteouts in
/// user xattrs.
#[inline(never)]
pub fn overlay_root(
    root: &CStr,
    mounts: &[(MountOpt, &[u8])],
    upper: Option<&[u8]>,
    user_ns: bool,
    buffer: &mut [u8; PATH_CAPACITY],
) -> Result<(), Reported> {
    let fail = |errno| failed_on(b"overlay on", root.to_bytes(), errno);
    let overlay = fsopen(c"overlay", FsOpenFlags::FSOPEN_CLOEXEC).map_err(fail)?;
    for &(kind, layer) in mounts.iter().rev() {
        if kind == MountOpt::Layer {
            c_path(buffer, &[layer])
                .and_then(|path| fsconfig_set_string(&overlay, c"lowerdir+", path))
                .map_err(|errno| failed_on(b"layer", layer, errno))?;
        }
    }
    fsconfig_set_string(&overlay, c"lowerdir+", root).map_err(fail)?;
    let base = match upper {
        Some(dir) => dir,
        None => {
            let tmpfs = fresh(b"tmpfs", How::Bind, buffer).map_err(fail)?;
            let flags = MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH;
            move_mount(&tmpfs, c"", rustix::fs::CWD, root, flags).map_err(fail)?;
            root.to_bytes()
        }
    };
    for (name, key) in [
        (&b""[..], None),
        (b"diff", Some(c"upperdir")),
        (b"work", Some(c"workdir")),
    ] {
        let path = crate::spawn::path::join_path(buffer, base, name).ok_or(Errno::NAMETOOLONG);
        let made =
            path.and_then(
                |path| match rustix::fs::mkdir(path, Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => Ok(path),
                    Err(errno) => Err(errno),
                },
            );
        let made = made.map_err(|errno| failed_on(b"upper", base, errno))?;
        if let Some(key) = key {
            fsconfig_set_string(&overlay, key, made).map_err(fail)?;
        }
    }
    if user_ns {
        fsconfig_set_flag(&overlay, c"userxattr").map_err(fail)?;
    }
    fsconfig_create(&overlay).map_err(fail)?;
    let tree = fsmount(
        &overlay,
        FsMountFlags::FSMOUNT_CLOEXEC,
        MountAttrFlags::empty(),
    )
    .map_err(fail)?;
    let flags = MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH;
    move_mount(&tree, c"", rustix::fs::CWD, root, flags).map_err(fail)
}

/// Opens a directory on the caller's side, as `O_PATH`.
pub fn open_dir(path: &CStr) -> Result<OwnedFd, Errno> {
    open(
        path,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_unescape_commas_colons_and_backslashes_only() {
        let mut buffer = [0u8; PATH_CAPACITY];
        let path = |buffer: &mut [u8; PATH_CAPACITY], parts: &[&[u8]]| {
            c_path(buffer, parts).map(|path| path.to_bytes().to_vec())
        };
        assert_eq!(path(&mut buffer, &[b"/a\\,b"]), Ok(b"/a,b".to_vec()));
        assert_eq!(path(&mut buffer, &[b"/a\\:b"]), Ok(b"/a:b".to_vec()));
        assert_eq!(path(&mut buffer, &[b"/a\\\\b"]), Ok(b"/a\\b".to_vec()));
        assert_eq!(path(&mut buffer, &[b"/a\\nb"]), Ok(b"/a\\nb".to_vec()));
        assert_eq!(path(&mut buffer, &[b"/a\\"]), Ok(b"/a\\".to_vec()));
        assert_eq!(path(&mut buffer, &[b"/x", b"/y"]), Ok(b"/x/y".to_vec()));
        assert_eq!(path(&mut buffer, &[b"a\0b"]), Err(Errno::INVAL));
        let long = vec![b'a'; PATH_CAPACITY];
        assert_eq!(path(&mut buffer, &[&long]), Err(Errno::NAMETOOLONG));
    }
}
