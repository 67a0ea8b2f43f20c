//! Syscalls only: the ones rustix 1.1 does not expose (fork, execve,
//! exit_group, signal masks and dispositions, signalfd, kill with any signal
//! number, getresuid/getresgid, a few ioctls), one wrapper each. Every wrapper
//! but `fork` is safe to call and carries its safety argument beside its
//! `unsafe` block; `fork`'s contract is its `# Safety` section.

use crate::cstr::CStrArray;
use crate::signal::SigSet;
use core::ffi::CStr;
use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use rustix::io::Errno;

// `syscall!(NAME, args...)`: a raw syscall, its arguments as words; the
// kernel's word back (`-errno` on failure). On x86_64 and aarch64 it is
// sc's. sc's other architectures use the `llvm_asm!` that rustc no longer
// has, or are missing, so there `raw` makes the call (rustix's own raw
// syscalls are private).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use sc::syscall;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
macro_rules! syscall {
    ($nr:ident $(, $arg:expr)* $(,)?) => {
        raw::syscall(raw::nr::$nr, &[$($arg as usize),*])
    };
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod raw;

/// Turns a raw syscall return value into a `Result`, as the kernel encodes
/// errors: a value in `-4095..=-1` is `-errno`.
#[inline(always)]
fn check(ret: usize) -> Result<usize, Errno> {
    let signed = ret as isize;
    if (-4095..0).contains(&signed) {
        Err(Errno::from_raw_os_error(-signed as i32))
    } else {
        Ok(ret)
    }
}

/// The standard streams. rustix marks these unsafe without std because
/// someone could close the descriptor while it is borrowed.
pub mod stdio {
    use rustix::fd::BorrowedFd;

    pub fn stdin() -> BorrowedFd<'static> {
        // SAFETY: usher never closes fds 0-2. If one was closed before usher
        // started, using it fails with EBADF, which every caller handles.
        unsafe { rustix::stdio::stdin() }
    }

    pub fn stdout() -> BorrowedFd<'static> {
        // SAFETY: as for stdin.
        unsafe { rustix::stdio::stdout() }
    }

    pub fn stderr() -> BorrowedFd<'static> {
        // SAFETY: as for stdin.
        unsafe { rustix::stdio::stderr() }
    }
}

const SIG_BLOCK: usize = linux_raw_sys::general::SIG_BLOCK as usize;
const SIG_SETMASK: usize = linux_raw_sys::general::SIG_SETMASK as usize;
const SIGSET_SIZE: usize = core::mem::size_of::<SigSet>();

/// Adds `set` to the blocked mask and returns the mask as it was.
pub fn block_signals(set: SigSet) -> Result<SigSet, Errno> {
    let mut old = SigSet::EMPTY;
    // SAFETY: both pointers are to live 8-byte sigsets and the size passed is 8.
    check(unsafe {
        syscall!(
            RT_SIGPROCMASK,
            SIG_BLOCK,
            &set as *const SigSet,
            &mut old as *mut SigSet,
            SIGSET_SIZE
        )
    })?;
    Ok(old)
}

/// Replaces the blocked mask.
pub fn set_signal_mask(set: SigSet) -> Result<(), Errno> {
    // SAFETY: the pointer is to a live 8-byte sigset; the old-set pointer is NULL.
    check(unsafe {
        syscall!(
            RT_SIGPROCMASK,
            SIG_SETMASK,
            &set as *const SigSet,
            0usize,
            SIGSET_SIZE
        )
    })?;
    Ok(())
}

/// A signal's disposition, as far as usher ever needs to know or set it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Disposition {
    Default,
    Ignore,
    /// A handler function: only possible if our own parent left one, which
    /// exec would have reset, so usher never sees it in practice.
    Handler,
}

const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

/// The kernel's `struct sigaction` as rt_sigaction reads it, with the handler
/// as a plain word so that SIG_DFL and SIG_IGN can be written without pretending
/// they are functions.
/// Packed to 4 so that the 32-bit architectures' 4-byte-aligned mask fits
/// with no padding (the 64-bit layout is the same either way); riscv64 and
/// loongarch64 have no restorer.
#[repr(C, packed(4))]
struct KernelSigaction {
    handler: usize,
    flags: usize,
    #[cfg(not(any(target_arch = "riscv64", target_arch = "loongarch64")))]
    restorer: usize,
    mask: SigSet,
}

static_assertions::assert_eq_size!(KernelSigaction, linux_raw_sys::general::kernel_sigaction);

impl KernelSigaction {
    fn with_handler(handler: usize) -> KernelSigaction {
        KernelSigaction {
            handler,
            flags: 0,
            #[cfg(not(any(target_arch = "riscv64", target_arch = "loongarch64")))]
            restorer: 0,
            mask: SigSet::EMPTY,
        }
    }
}

/// Reads the disposition of `signo`.
pub fn disposition(signo: u32) -> Result<Disposition, Errno> {
    let mut old = KernelSigaction::with_handler(SIG_DFL);
    // SAFETY: the new-action pointer is NULL (query only) and the old-action
    // pointer is to a live KernelSigaction, whose layout is the kernel's.
    check(unsafe {
        syscall!(
            RT_SIGACTION,
            signo as usize,
            0usize,
            &mut old as *mut KernelSigaction,
            SIGSET_SIZE
        )
    })?;
    Ok(match old.handler {
        SIG_DFL => Disposition::Default,
        SIG_IGN => Disposition::Ignore,
        _ => Disposition::Handler,
    })
}

/// Sets `signo` to SIG_DFL or SIG_IGN (no handler functions: usher has none).
pub fn set_disposition(signo: u32, to: Disposition) -> Result<(), Errno> {
    let action = KernelSigaction::with_handler(match to {
        Disposition::Ignore => SIG_IGN,
        _ => SIG_DFL,
    });
    // SAFETY: the action pointer is to a live KernelSigaction holding only
    // SIG_DFL or SIG_IGN, no flags and no restorer; the old-action pointer is NULL.
    check(unsafe {
        syscall!(
            RT_SIGACTION,
            signo as usize,
            &action as *const KernelSigaction,
            0usize,
            SIGSET_SIZE
        )
    })?;
    Ok(())
}

const SFD_CLOEXEC: usize = linux_raw_sys::general::O_CLOEXEC as usize;

/// Opens a signalfd that reads the signals in `set` (they must be blocked).
pub fn signalfd(set: SigSet) -> Result<OwnedFd, Errno> {
    // SAFETY: fd -1 asks for a new signalfd; the mask pointer is to a live sigset.
    let fd = check(unsafe {
        syscall!(
            SIGNALFD4,
            -1isize,
            &set as *const SigSet,
            SIGSET_SIZE,
            SFD_CLOEXEC
        )
    })?;
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `clone(SIGCHLD)`, the portable fork (aarch64 has no fork syscall).
/// Returns `None` in the child and the child's pid in the parent.
///
/// # Safety
/// The caller must be the process's only thread (usher never starts
/// another), so that no lock or buffer is copied half-updated. In the child,
/// until it execs or exits, only raw syscalls may run (rustix and this
/// module), never a musl function: musl's per-thread state is a copy that
/// still describes the parent (its thread id, for one).
pub unsafe fn fork() -> Result<Option<i32>, Errno> {
    // SAFETY: the caller keeps fork's contract, which is clone's.
    unsafe { clone(0) }
}

/// `clone(flags | SIGCHLD)` with no new stack: fork, into the new
/// namespaces that `flags` (`CLONE_NEW*`) asks for.
///
/// # Safety
/// As for [`fork`]: the process's only thread; in the child, only raw
/// syscalls (rustix and this module) until it execs or exits.
pub unsafe fn clone(flags: u32) -> Result<Option<i32>, Errno> {
    let flags = flags as usize | linux_raw_sys::general::SIGCHLD as usize;
    // SAFETY: with no CLONE_VM and a NULL stack, clone behaves as fork: the
    // child gets a copy of our address space and continues from here.
    // s390x's clone takes the stack first, then the flags.
    #[cfg(not(target_arch = "s390x"))]
    let pid = check(unsafe { syscall!(CLONE, flags, 0usize, 0usize, 0usize, 0usize) })?;
    #[cfg(target_arch = "s390x")]
    // SAFETY: as above.
    let pid = check(unsafe { syscall!(CLONE, 0usize, flags, 0usize, 0usize, 0usize) })?;
    Ok(if pid == 0 { None } else { Some(pid as i32) })
}

/// `mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE])` setting
/// MOUNT_ATTR_RDONLY: the mount (and with `recursive`, every submount)
/// read-only. rustix has no wrapper for it.
pub fn mount_read_only(fd: BorrowedFd<'_>, recursive: bool) -> Result<(), Errno> {
    #[repr(C)]
    struct MountAttr {
        attr_set: u64,
        attr_clr: u64,
        propagation: u64,
        userns_fd: u64,
    }
    let attr = MountAttr {
        attr_set: u64::from(linux_raw_sys::general::MOUNT_ATTR_RDONLY),
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = linux_raw_sys::general::AT_EMPTY_PATH as usize;
    if recursive {
        flags |= linux_raw_sys::general::AT_RECURSIVE as usize;
    }
    // SAFETY: the path is a static empty C string, the attr pointer is to a
    // live mount_attr of the size passed; the kernel only reads both.
    check(unsafe {
        syscall!(
            MOUNT_SETATTR,
            fd.as_raw_fd() as usize,
            c"".as_ptr(),
            flags,
            &attr as *const MountAttr,
            core::mem::size_of::<MountAttr>()
        )
    })?;
    Ok(())
}

/// The id of the mount `fd` lies in (`statx` with `STATX_MNT_ID` on the
/// descriptor itself). A call of its own, not rustix's `statx`, which
/// probes once whether the syscall exists: `--root` needs a kernel that has
/// it.
pub fn mount_id(fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    let mut stat = core::mem::MaybeUninit::<linux_raw_sys::general::statx>::uninit();
    // SAFETY: the path is a static empty C string, which the kernel only
    // reads; it writes at most one `struct statx` into the live buffer.
    check(unsafe {
        syscall!(
            STATX,
            fd.as_raw_fd() as usize,
            c"".as_ptr(),
            linux_raw_sys::general::AT_EMPTY_PATH as usize,
            linux_raw_sys::general::STATX_MNT_ID as usize,
            stat.as_mut_ptr()
        )
    })?;
    // SAFETY: statx succeeded, and then the kernel writes the whole struct
    // (its unused fields zeroed).
    Ok(unsafe { stat.assume_init() }.stx_mnt_id)
}

/// `unshare(CLONE_NEWTIME)`: the children made from now on get a new time
/// namespace (clone cannot ask for one: its flag shares the bits of the
/// exit signal).
pub fn unshare_time() -> Result<(), Errno> {
    // SAFETY: unshare takes an integer; a new time namespace changes no
    // memory of ours, nor this process's own clocks.
    check(unsafe { syscall!(UNSHARE, 0x80usize) })?;
    Ok(())
}

/// Brings up the loopback interface of this network namespace (`lo`,
/// IFF_UP), as `ip link set lo up` does, with two ioctls on a socket.
pub fn loopback_up() -> Result<(), Errno> {
    #[repr(C)]
    struct IfReq {
        name: [u8; 16],
        flags: u16,
        _pad: [u8; 22],
    }
    let mut request = IfReq {
        name: *b"lo\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        flags: 0,
        _pad: [0; 22],
    };
    let (domain, kind) = (
        linux_raw_sys::net::AF_INET as usize,
        linux_raw_sys::net::SOCK_DGRAM as usize | linux_raw_sys::general::O_CLOEXEC as usize,
    );
    // SAFETY: socket takes integers; the kernel returns a descriptor we own.
    let socket = check(unsafe { syscall!(SOCKET, domain, kind, 0usize) })?;
    // SAFETY: the kernel just returned this descriptor; nothing else owns it.
    let socket = unsafe { OwnedFd::from_raw_fd(socket as i32) };
    let raw = socket.as_raw_fd() as usize;
    const SIOCGIFFLAGS: usize = 0x8913;
    const SIOCSIFFLAGS: usize = 0x8914;
    const IFF_UP: u16 = 1;
    // SAFETY: both ioctls read and write one live `struct ifreq` (40 bytes).
    check(unsafe { syscall!(IOCTL, raw, SIOCGIFFLAGS, &mut request as *mut IfReq) })?;
    request.flags |= IFF_UP;
    // SAFETY: as above.
    check(unsafe { syscall!(IOCTL, raw, SIOCSIFFLAGS, &mut request as *mut IfReq) })?;
    Ok(())
}

/// The current directory, into `buffer` (without its NUL); `None` when it
/// does not fit or is unreachable.
pub fn current_dir(buffer: &mut [u8]) -> Option<&[u8]> {
    // SAFETY: getcwd writes at most `len` bytes into a live buffer.
    let len = check(unsafe { syscall!(GETCWD, buffer.as_mut_ptr(), buffer.len()) }).ok()?;
    // The kernel counts the NUL; an unreachable directory starts with '('.
    let path = buffer.get(..len.checked_sub(1)?)?;
    path.starts_with(b"/").then_some(path)
}

/// `execve`; returns only on failure, with the errno.
pub fn execve(path: &CStr, argv: CStrArray<'_>, envp: CStrArray<'_>) -> Errno {
    // SAFETY: `path` is a C string; `argv` and `envp` are NULL-terminated
    // arrays of C strings, alive for the call (CStrArray's invariant). A NULL
    // envp is accepted by Linux as an empty environment.
    let ret = unsafe { syscall!(EXECVE, path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    match check(ret) {
        Err(errno) => errno,
        Ok(_) => Errno::INVAL,
    }
}

/// Ends the process with `code`, without running any destructor or atexit.
pub fn exit(code: i32) -> ! {
    loop {
        // SAFETY: exit_group takes an int and does not return.
        unsafe { syscall!(EXIT_GROUP, code as isize) };
    }
}

/// CLOCK_MONOTONIC in milliseconds, by the raw syscall: rustix's
/// `clock_gettime` brings in its vDSO lookup, which the shutdown's few
/// calls do not need.
pub fn monotonic_ms() -> u64 {
    let mut now = linux_raw_sys::general::__kernel_timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one kernel timespec through a pointer to
    // our local, and cannot fail for CLOCK_MONOTONIC with a valid pointer
    // (but for ENOSYS, below).
    let ret = unsafe {
        syscall!(
            CLOCK_GETTIME,
            linux_raw_sys::general::CLOCK_MONOTONIC as usize,
            &mut now as *mut linux_raw_sys::general::__kernel_timespec
        )
    };
    // A 32-bit kernel before 5.1 has no clock_gettime64: the old call, with
    // its 32-bit seconds, which monotonic time does not outgrow.
    #[cfg(target_pointer_width = "32")]
    if check(ret) == Err(Errno::NOSYS) {
        let mut old = [0i32; 2];
        // SAFETY: the old clock_gettime writes two 32-bit words (seconds,
        // nanoseconds) through a pointer to our local array.
        unsafe {
            syscall!(
                CLOCK_GETTIME32,
                linux_raw_sys::general::CLOCK_MONOTONIC as usize,
                old.as_mut_ptr()
            )
        };
        now.tv_sec = i64::from(old[0]);
        now.tv_nsec = i64::from(old[1]);
    }
    let _ = ret;
    now.tv_sec as u64 * 1000 + now.tv_nsec as u64 / 1_000_000
}

/// `kill(pid, signo)` for any signal number, real-time ones included, and any
/// pid form (`-pgid` for a group, `-1` for everything we may signal).
pub fn kill(pid: i32, signo: u32) -> Result<(), Errno> {
    // SAFETY: kill takes two integers and touches no memory of ours.
    check(unsafe { syscall!(KILL, pid as isize, signo as usize) })?;
    Ok(())
}

/// `ioctl(fd, TIOCNOTTY)`: gives up `fd` as the controlling terminal. When
/// the caller leads its session, the kernel sends SIGHUP and SIGCONT to the
/// terminal's foreground group, and the terminal is free for another
/// session to claim. rustix has no wrapper for it.
pub fn detach_terminal(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    const TIOCNOTTY: u32 = linux_raw_sys::ioctl::TIOCNOTTY;
    // SAFETY: TIOCNOTTY takes no argument and writes no memory of ours.
    check(unsafe { syscall!(IOCTL, fd.as_raw_fd() as usize, TIOCNOTTY as usize, 0usize) })?;
    Ok(())
}

/// A terminal's modes as `TCGETS` returns them: what glibc's `tcgetattr`
/// and `script` use. rustix's `tcgetattr` asks `TCGETS2`, which qemu-user
/// 7.2 rejects and which needs speed decoding code; the pty's speeds mean
/// nothing, and writing back what `TCGETS` read restores it exactly.
pub type Termios = linux_raw_sys::general::termios;

/// Modes of nothing, to be filled by `terminal_modes`. Zeroed: the fields
/// differ between architectures (powerpc64 has speeds of its own).
// SAFETY: termios is integers and arrays of them, for which all zero bits
// are a value.
pub const NO_MODES: Termios = unsafe { core::mem::zeroed() };

/// What `terminal_modes` does.
#[derive(Clone, Copy)]
#[repr(u32)]
pub enum Modes {
    /// `tcgetattr` (of a pty master: its slave's modes).
    Get = linux_raw_sys::ioctl::TCGETS,
    /// `tcsetattr(TCSANOW)`.
    SetNow = linux_raw_sys::ioctl::TCSETS,
    /// `tcsetattr(TCSADRAIN)`: after the output written so far has gone out.
    SetDrained = linux_raw_sys::ioctl::TCSETSW,
}

/// Reads the modes of the terminal `fd` into `modes`, or sets them from
/// it. One out-parameter for both ways: a returned `Termios` would travel
/// through memory at every call.
pub fn terminal_modes(fd: BorrowedFd<'_>, what: Modes, modes: &mut Termios) -> Result<(), Errno> {
    // SAFETY: TCGETS writes one whole `struct termios` (the kernel's, which
    // linux-raw-sys mirrors) to the pointer; TCSETS and TCSETSW read one.
    // It points to a live one we may write.
    check(unsafe {
        syscall!(
            IOCTL,
            fd.as_raw_fd() as usize,
            what as usize,
            modes as *mut Termios
        )
    })?;
    Ok(())
}

/// Opens /dev/null on each of stdin, stdout and stderr that is closed, so
/// that no descriptor usher opens later lands there (the relay would then
/// write the command's output into its own terminal). `open` takes the
/// lowest free number, so going in order fills each gap.
pub fn fill_closed_stdio() {
    for fd in 0..3usize {
        // SAFETY: fcntl(F_GETFD) takes integers; open reads a static C
        // string. Nothing of ours is touched.
        unsafe {
            if check(syscall!(
                FCNTL,
                fd,
                linux_raw_sys::general::F_GETFD as usize
            )) == Err(Errno::BADF)
            {
                syscall!(
                    OPENAT,
                    linux_raw_sys::general::AT_FDCWD as isize as usize,
                    c"/dev/null".as_ptr(),
                    linux_raw_sys::general::O_RDWR as usize
                );
            }
        }
    }
}

/// Makes `fd` the process's stdin, stdout and stderr (`dup2` onto 0, 1, 2).
/// When `fd` already is one of them (usher started with it closed), its
/// close-on-exec flag is cleared instead, as `dup2` onto itself would not.
pub fn dup_onto_stdio(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    let raw = fd.as_raw_fd() as usize;
    for target in 0..3usize {
        // SAFETY: dup3 and fcntl(F_SETFD) take integers; replacing 0, 1 and
        // 2, and keeping `fd` across the exec, is the point.
        check(unsafe {
            if raw == target {
                syscall!(FCNTL, raw, linux_raw_sys::general::F_SETFD as usize, 0usize)
            } else {
                syscall!(DUP3, raw, target, 0usize)
            }
        })?;
    }
    Ok(())
}

/// Closes every descriptor from `first` on but `keep` (`close_range`,
/// Linux 5.9).
pub fn close_all_but(first: u32, keep: &OwnedFd) {
    let keep = keep.as_raw_fd() as u32;
    // Below `keep` and above it, or all from `first` on when `keep` lies
    // below it (a signalfd on a closed stdin).
    let ranges = if keep < first {
        [(first, u32::MAX), (1, 0)]
    } else {
        [(first, keep - 1), (keep + 1, u32::MAX)]
    };
    for (from, to) in ranges {
        if from <= to {
            // SAFETY: close_range takes integers; the descriptors it closes
            // are none that usher uses past this point (it keeps `keep`,
            // its signalfd, and its stdio, below `first`).
            unsafe { syscall!(CLOSE_RANGE, from as usize, to as usize, 0usize) };
        }
    }
}

/// Marks every descriptor from `first` on close-on-exec (`close_range` with
/// CLOSE_RANGE_CLOEXEC, Linux 5.11), so none of them reaches the command,
/// while the error pipe to the parent still works until the exec.
pub fn close_on_exec_from(first: u32) -> Result<(), Errno> {
    const CLOSE_RANGE_CLOEXEC: usize = 1 << 2;
    // SAFETY: close_range takes integers and touches no memory of ours.
    check(unsafe {
        syscall!(
            CLOSE_RANGE,
            first as usize,
            u32::MAX as usize,
            CLOSE_RANGE_CLOEXEC
        )
    })?;
    Ok(())
}

const PR_SET_PDEATHSIG: usize = linux_raw_sys::prctl::PR_SET_PDEATHSIG as usize;

/// `prctl(PR_SET_PDEATHSIG, signo)` for any signal number; rustix's wrapper
/// takes only the named (non-real-time) signals, so this one serves all.
pub fn set_pdeathsig(signo: u32) -> Result<(), Errno> {
    // SAFETY: this prctl takes one integer argument and touches no memory.
    check(unsafe {
        syscall!(
            PRCTL,
            PR_SET_PDEATHSIG,
            signo as usize,
            0usize,
            0usize,
            0usize
        )
    })?;
    Ok(())
}

/// `setgroups` for this thread (the only one) from plain ids: rustix's
/// wrapper takes `Gid`s, which would need a copy of the list.
pub fn set_groups(groups: &[u32]) -> Result<(), Errno> {
    // SAFETY: the kernel reads `len` u32s from a valid slice.
    check(unsafe { syscall!(SETGROUPS, groups.len(), groups.as_ptr()) })?;
    Ok(())
}

/// The supplementary groups (`getgroups`) into `groups`; how many there
/// are. EINVAL when they do not fit.
pub fn groups(groups: &mut [u32]) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `len` u32s to a valid slice.
    check(unsafe { syscall!(GETGROUPS, groups.len(), groups.as_mut_ptr()) })
}

/// The real, effective and saved user ids, then the same for groups
/// (`getresuid`, `getresgid`; rustix has neither).
pub fn ids() -> [u32; 6] {
    let mut ids = [0u32; 6];
    let [ruid, euid, suid, rgid, egid, sgid] = &mut ids;
    // SAFETY: each call writes three u32s through pointers to our locals,
    // and cannot fail with valid pointers.
    unsafe {
        syscall!(
            GETRESUID,
            ruid as *mut u32,
            euid as *mut u32,
            suid as *mut u32
        );
        syscall!(
            GETRESGID,
            rgid as *mut u32,
            egid as *mut u32,
            sgid as *mut u32
        );
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_the_process() {
        let ids = ids();
        assert_eq!(ids[0], rustix::process::getuid().as_raw());
        assert_eq!(ids[1], rustix::process::geteuid().as_raw());
        assert_eq!(ids[3], rustix::process::getgid().as_raw());
        assert_eq!(ids[4], rustix::process::getegid().as_raw());
    }

    #[test]
    fn check_decodes_errno() {
        assert_eq!(check(-2isize as usize), Err(Errno::NOENT));
        assert_eq!(check(7), Ok(7));
    }
}
