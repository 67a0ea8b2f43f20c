//! The only place with raw `sc` calls: the syscalls rustix 1.1 does not expose
//! (fork, execve, exit_group, signal masks and dispositions, signalfd, kill with
//! any signal number, getresuid/getresgid), plus the view of the C
//! `argv`/`envp` arrays and the arrays usher builds for `execve`. Each wrapper
//! is safe to call and carries its safety argument beside the `unsafe` block.

use core::ffi::{c_char, CStr};
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use rustix::io::Errno;

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

/// A NULL-terminated array of C strings that lives as long as the process: the
/// `argv` and `envp` that the C start hands to `main`. Its tails are still
/// NULL-terminated arrays, which is how the command's argv reaches `execve`
/// without a copy.
#[derive(Clone, Copy)]
pub struct CStrArray {
    ptr: *const *const c_char,
    len: usize,
}

impl CStrArray {
    /// # Safety
    /// `ptr` must be NULL or point to an array of pointers to NUL-terminated
    /// strings, ended by a NULL pointer, all valid and unchanged for the rest of
    /// the process (as `argv` and `envp` are).
    pub unsafe fn from_raw(ptr: *const *const c_char) -> Self {
        let mut len = 0;
        if !ptr.is_null() {
            // SAFETY: the caller guarantees a NULL-terminated array, so every
            // index up to and including the terminator is readable.
            while !unsafe { *ptr.add(len) }.is_null() {
                len += 1;
            }
        }
        CStrArray { ptr, len }
    }

    #[inline(never)]
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, index: usize) -> Option<&'static CStr> {
        if index >= self.len {
            return None;
        }
        // SAFETY: `index < len`, so the slot holds a non-NULL pointer to a
        // NUL-terminated string that lives for the whole process (from_raw).
        Some(unsafe { CStr::from_ptr(*self.ptr.add(index)) })
    }

    /// The value of the first `NAME=value` entry, for an environment. The
    /// entries are compared byte by byte in place: building a `CStr` for each
    /// would take a `strlen` of every entry on every lookup.
    pub fn value_of(&self, name: &[u8]) -> Option<&'static [u8]> {
        (0..self.len).find_map(|index| {
            // SAFETY: `index < len`: the slot holds a valid NUL-terminated
            // string. The loop stops at its NUL, or earlier at a mismatch (a
            // NUL never equals a name byte or `=`), so no byte past it is read.
            let entry = unsafe { *self.ptr.add(index) } as *const u8;
            let matched = name
                .iter()
                .chain(b"=")
                .enumerate()
                .all(|(at, &wanted)| unsafe { *entry.add(at) } == wanted);
            matched.then(|| {
                // SAFETY: the name and `=` matched, so the value starts right
                // after them, inside the same NUL-terminated string.
                unsafe { CStr::from_ptr(entry.add(name.len() + 1).cast()) }.to_bytes()
            })
        })
    }

    /// The first entry at `start` or after it that starts with `prefix`, and
    /// its index. Compared in place, as in `value_of`: only a match is
    /// measured with `strlen`.
    pub fn next_with_prefix(&self, prefix: &[u8], start: usize) -> Option<(usize, &'static [u8])> {
        (start..self.len).find_map(|index| {
            // SAFETY: as in `value_of`: the slot holds a valid NUL-terminated
            // string, and the comparison stops at its NUL or sooner (a NUL
            // never equals a byte of the prefix, which has none).
            let entry = unsafe { *self.ptr.add(index) } as *const u8;
            let matched = prefix
                .iter()
                .enumerate()
                .all(|(at, &wanted)| unsafe { *entry.add(at) } == wanted);
            // SAFETY: the entry is a valid NUL-terminated string.
            matched.then(|| (index, unsafe { CStr::from_ptr(entry.cast()) }.to_bytes()))
        })
    }

    /// The array from `index` on; it shares the original terminator.
    pub fn tail(&self, index: usize) -> CStrArray {
        let index = index.min(self.len);
        CStrArray {
            // SAFETY: `index <= len`, so the result points inside the array or
            // at its NULL terminator.
            ptr: if self.ptr.is_null() {
                self.ptr
            } else {
                unsafe { self.ptr.add(index) }
            },
            len: self.len - index,
        }
    }

    fn as_ptr(&self) -> *const *const c_char {
        self.ptr
    }
}

/// A NULL-terminated array of C strings that usher builds (the child's edited
/// environment), with room for `N - 1` strings. It borrows its strings for
/// `'a`, so they outlive it.
///
/// Only `ptrs[..=len]` is ever written (the strings, then a NULL), so the
/// array is not zeroed first: 32 KB of stores for the environment's list.
pub struct CStrList<'a, const N: usize> {
    ptrs: [MaybeUninit<*const c_char>; N],
    len: usize,
    strings: PhantomData<&'a CStr>,
}

impl<'a, const N: usize> Default for CStrList<'a, N> {
    fn default() -> Self {
        const { assert!(N > 0, "a list needs room for its NULL") };
        let mut list = CStrList {
            ptrs: [const { MaybeUninit::uninit() }; N],
            len: 0,
            strings: PhantomData,
        };
        list.ptrs[0] = MaybeUninit::new(core::ptr::null());
        list
    }
}

impl<'a, const N: usize> CStrList<'a, N> {
    /// Appends a string; false when the list is full.
    pub fn push(&mut self, string: &'a CStr) -> bool {
        if self.len + 1 >= N {
            return false;
        }
        self.ptrs[self.len] = MaybeUninit::new(string.as_ptr());
        self.len += 1;
        self.ptrs[self.len] = MaybeUninit::new(core::ptr::null());
        true
    }

    /// Appends a string given as bytes that end with a NUL (an earlier NUL
    /// ends it sooner, as C reads it); false when full or when there is no
    /// final NUL.
    pub fn push_with_nul(&mut self, string: &'a [u8]) -> bool {
        if string.last() != Some(&0) || self.len + 1 >= N {
            return false;
        }
        self.ptrs[self.len] = MaybeUninit::new(string.as_ptr().cast());
        self.len += 1;
        self.ptrs[self.len] = MaybeUninit::new(core::ptr::null());
        true
    }

    /// The list as an array for `execve`. The array points into `self`, so
    /// it is used while `self` is alive: handed straight to `execve`.
    pub fn as_array(&self) -> CStrArray {
        // `ptrs[..len]` hold strings and `ptrs[len]` is NULL (see the type).
        CStrArray {
            ptr: self.ptrs.as_ptr().cast(),
            len: self.len,
        }
    }
}

/// A bump allocator for NUL-terminated strings over a caller's buffer, which
/// need not be initialized: only the bytes handed out are ever written, so a
/// large buffer costs nothing until it is used.
pub struct Arena<'a> {
    free: &'a mut [MaybeUninit<u8>],
}

impl<'a> Arena<'a> {
    pub fn new(buffer: &'a mut [MaybeUninit<u8>]) -> Self {
        Arena { free: buffer }
    }

    /// The parts joined, with a final NUL (included in the slice); `None`
    /// when they do not fit in what is left.
    pub fn join(&mut self, parts: &[&[u8]]) -> Option<&'a [u8]> {
        let len = parts.iter().map(|part| part.len()).sum::<usize>() + 1;
        if len > self.free.len() {
            return None;
        }
        let (joined, rest) = core::mem::take(&mut self.free).split_at_mut(len);
        self.free = rest;
        let mut at = 0;
        for part in parts {
            joined[at..at + part.len()].write_copy_of_slice(part);
            at += part.len();
        }
        joined[at].write(0);
        // SAFETY: the loop and the NUL above wrote every one of the `len`
        // bytes of `joined`, and MaybeUninit<u8> has u8's layout.
        Some(unsafe { &*(joined as *const [MaybeUninit<u8>] as *const [u8]) })
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

/// A set of signals 1..=64, as the kernel's `sigset_t` on x86_64 and aarch64.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SigSet(pub u64);

static_assertions::assert_eq_size!(SigSet, linux_raw_sys::general::kernel_sigset_t);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);
    pub const FULL: SigSet = SigSet(!0);

    pub fn contains(self, signo: u32) -> bool {
        (1..=64).contains(&signo) && self.0 & (1 << (signo - 1)) != 0
    }

    pub fn without(self, signo: u32) -> SigSet {
        SigSet(self.0 & !(1u64 << (signo - 1)))
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
        sc::syscall!(
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
        sc::syscall!(
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
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: usize,
    restorer: usize,
    mask: SigSet,
}

static_assertions::assert_eq_size!(KernelSigaction, linux_raw_sys::general::kernel_sigaction);

impl KernelSigaction {
    fn with_handler(handler: usize) -> KernelSigaction {
        KernelSigaction {
            handler,
            flags: 0,
            restorer: 0,
            mask: SigSet::EMPTY,
        }
    }
}

/// Reads the disposition of `signo`.
#[inline(never)]
pub fn disposition(signo: u32) -> Result<Disposition, Errno> {
    let mut old = KernelSigaction::with_handler(SIG_DFL);
    // SAFETY: the new-action pointer is NULL (query only) and the old-action
    // pointer is to a live KernelSigaction, whose layout is the kernel's.
    check(unsafe {
        sc::syscall!(
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
        sc::syscall!(
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
        sc::syscall!(
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

/// The size of `struct signalfd_siginfo`, which linux-raw-sys does not define.
pub const SIGNALFD_SIGINFO_SIZE: usize = 128;

/// The fields of `struct signalfd_siginfo` that usher reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    pub signo: u32,
    pub code: i32,
    pub pid: u32,
}

impl SignalInfo {
    /// Decodes the kernel's 128-byte record: ssi_signo at 0, ssi_code at 8,
    /// ssi_pid at 12.
    pub fn from_bytes(raw: &[u8; SIGNALFD_SIGINFO_SIZE]) -> SignalInfo {
        let word = |at: usize| [raw[at], raw[at + 1], raw[at + 2], raw[at + 3]];
        SignalInfo {
            signo: u32::from_ne_bytes(word(0)),
            code: i32::from_ne_bytes(word(8)),
            pid: u32::from_ne_bytes(word(12)),
        }
    }
}

/// `clone(SIGCHLD)`, the portable fork (aarch64 has no fork syscall).
/// Returns `None` in the child and the child's pid in the parent.
///
/// The child must call only raw syscalls until it execs or exits: musl's
/// per-thread state is a copy that still describes the parent.
pub fn fork() -> Result<Option<i32>, Errno> {
    let sigchld = linux_raw_sys::general::SIGCHLD as usize;
    // SAFETY: with no CLONE_VM and a NULL stack, clone behaves as fork: the
    // child gets a copy of our address space and continues from here.
    let pid = check(unsafe { sc::syscall!(CLONE, sigchld, 0usize, 0usize, 0usize, 0usize) })?;
    Ok(if pid == 0 { None } else { Some(pid as i32) })
}

/// `execve`; returns only on failure, with the errno. `path` must end with
/// a NUL byte (EINVAL otherwise): the kernel reads it up to its first NUL,
/// so an interior NUL only shortens the path and never reads past the slice.
pub fn execve(path: &[u8], argv: CStrArray, envp: CStrArray) -> Errno {
    if path.last() != Some(&0) {
        return Errno::INVAL;
    }
    // SAFETY: `path` is NUL-terminated within its slice (checked above);
    // `argv` and `envp` are NULL-terminated arrays of C strings (CStrArray's
    // invariant). A NULL envp is accepted by Linux as an empty environment.
    let ret = unsafe { sc::syscall!(EXECVE, path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    match check(ret) {
        Err(errno) => errno,
        Ok(_) => Errno::INVAL,
    }
}

/// Ends the process with `code`, without running any destructor or atexit.
pub fn exit(code: i32) -> ! {
    loop {
        // SAFETY: exit_group takes an int and does not return.
        unsafe { sc::syscall!(EXIT_GROUP, code as isize) };
    }
}

/// `kill(pid, signo)` for any signal number, real-time ones included, and any
/// pid form (`-pgid` for a group, `-1` for everything we may signal).
pub fn kill(pid: i32, signo: u32) -> Result<(), Errno> {
    // SAFETY: kill takes two integers and touches no memory of ours.
    check(unsafe { sc::syscall!(KILL, pid as isize, signo as usize) })?;
    Ok(())
}

/// `ioctl(fd, TIOCNOTTY)`: gives up `fd` as the controlling terminal. When
/// the caller leads its session, the kernel sends SIGHUP and SIGCONT to the
/// terminal's foreground group, and the terminal is free for another
/// session to claim. rustix has no wrapper for it.
pub fn detach_terminal(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    const TIOCNOTTY: u32 = linux_raw_sys::ioctl::TIOCNOTTY;
    // SAFETY: TIOCNOTTY takes no argument and writes no memory of ours.
    check(unsafe { sc::syscall!(IOCTL, fd.as_raw_fd() as usize, TIOCNOTTY as usize, 0usize) })?;
    Ok(())
}

/// A terminal's modes as `TCGETS` returns them: what glibc's `tcgetattr`
/// and `script` use. rustix's `tcgetattr` asks `TCGETS2`, which qemu-user
/// 7.2 rejects and which needs speed decoding code; the pty's speeds mean
/// nothing, and writing back what `TCGETS` read restores it exactly.
pub type Termios = linux_raw_sys::general::termios;

/// Modes of nothing, to be filled by `terminal_modes`.
pub const NO_MODES: Termios = Termios {
    c_iflag: 0,
    c_oflag: 0,
    c_cflag: 0,
    c_lflag: 0,
    c_line: 0,
    c_cc: [0; 19],
};

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
        sc::syscall!(
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
            if check(sc::syscall!(
                FCNTL,
                fd,
                linux_raw_sys::general::F_GETFD as usize
            )) == Err(Errno::BADF)
            {
                sc::syscall!(
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
                sc::syscall!(FCNTL, raw, linux_raw_sys::general::F_SETFD as usize, 0usize)
            } else {
                sc::syscall!(DUP3, raw, target, 0usize)
            }
        })?;
    }
    Ok(())
}

/// Marks every descriptor from `first` on close-on-exec (`close_range` with
/// CLOSE_RANGE_CLOEXEC, Linux 5.11), so none of them reaches the command,
/// while the error pipe to the parent still works until the exec.
pub fn close_on_exec_from(first: u32) -> Result<(), Errno> {
    const CLOSE_RANGE_CLOEXEC: usize = 1 << 2;
    // SAFETY: close_range takes integers and touches no memory of ours.
    check(unsafe {
        sc::syscall!(
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
        sc::syscall!(
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
    check(unsafe { sc::syscall!(SETGROUPS, groups.len(), groups.as_ptr()) })?;
    Ok(())
}

/// The real, effective and saved user ids, then the same for groups
/// (`getresuid`, `getresgid`; rustix has neither).
pub fn ids() -> [u32; 6] {
    let mut ids = [0u32; 6];
    let [ruid, euid, suid, rgid, egid, sgid] = &mut ids;
    // SAFETY: each call writes three u32s through pointers to our locals,
    // and cannot fail with valid pointers.
    unsafe {
        sc::syscall!(
            GETRESUID,
            ruid as *mut u32,
            euid as *mut u32,
            suid as *mut u32
        );
        sc::syscall!(
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
    fn values_are_found_in_place() {
        let entries = [
            c"PATHX=1",
            c"PATH=/bin",
            c"EMPTY=",
            c"NOVALUE",
            c"P",
            c"PATH=/second",
        ];
        let mut raw: Vec<*const c_char> = entries.iter().map(|e| e.as_ptr()).collect();
        raw.push(core::ptr::null());
        // SAFETY: a NULL-terminated array of C strings that outlive the test.
        let env = unsafe { CStrArray::from_raw(raw.as_ptr()) };
        assert_eq!(env.value_of(b"PATH"), Some(&b"/bin"[..]));
        assert_eq!(env.value_of(b"EMPTY"), Some(&b""[..]));
        assert_eq!(env.value_of(b"NOVALUE"), None);
        assert_eq!(env.value_of(b"PAT"), None);
        assert_eq!(env.value_of(b"PATHXY"), None);
        assert_eq!(env.value_of(b"MISSING"), None);
        // A family of variables in one pass: every entry with the prefix.
        assert_eq!(env.next_with_prefix(b"PATH", 0), Some((0, &b"PATHX=1"[..])));
        assert_eq!(
            env.next_with_prefix(b"PATH", 1),
            Some((1, &b"PATH=/bin"[..]))
        );
        assert_eq!(
            env.next_with_prefix(b"PATH", 2),
            Some((5, &b"PATH=/second"[..]))
        );
        assert_eq!(env.next_with_prefix(b"PATH", 6), None);
        assert_eq!(env.next_with_prefix(b"NOVALUEX", 0), None);
        assert_eq!(env.next_with_prefix(b"", 4), Some((4, &b"P"[..])));
    }

    #[test]
    fn a_list_is_null_terminated_and_bounded() {
        let mut list = CStrList::<3>::default();
        assert!(list.push(c"A=1"));
        assert!(list.push(c"B=2"));
        assert!(!list.push(c"C=3"));
        assert!(!list.push_with_nul(b"D=4\0"));
        let mut other = CStrList::<3>::default();
        assert!(!other.push_with_nul(b"no NUL"));
        assert!(other.push_with_nul(b"E=5\0"));
        assert_eq!(other.as_array().get(0), Some(c"E=5"));
        let array = list.as_array();
        assert_eq!(array.len(), 2);
        assert_eq!(array.get(1), Some(c"B=2"));
        assert_eq!(array.get(2), None);
    }

    #[test]
    fn sigset_membership() {
        let set = SigSet::FULL.without(9).without(64);
        assert!(set.contains(1));
        assert!(!set.contains(9));
        assert!(!set.contains(64));
        assert!(!set.contains(0));
        assert!(!set.contains(65));
    }

    #[test]
    fn signalfd_record_decodes() {
        let mut raw = [0u8; SIGNALFD_SIGINFO_SIZE];
        raw[0..4].copy_from_slice(&15u32.to_ne_bytes());
        raw[8..12].copy_from_slice(&0i32.to_ne_bytes());
        raw[12..16].copy_from_slice(&4242u32.to_ne_bytes());
        assert_eq!(
            SignalInfo::from_bytes(&raw),
            SignalInfo {
                signo: 15,
                code: 0,
                pid: 4242
            }
        );
    }

    #[test]
    fn execve_refuses_a_path_without_its_nul() {
        let none: [*const c_char; 1] = [core::ptr::null()];
        // SAFETY: a one-element array holding only the NULL terminator.
        let empty = unsafe { CStrArray::from_raw(none.as_ptr()) };
        assert_eq!(execve(b"/bin/true", empty, empty), Errno::INVAL);
    }

    #[test]
    fn check_decodes_errno() {
        assert_eq!(check(-2isize as usize), Err(Errno::NOENT));
        assert_eq!(check(7), Ok(7));
    }
}
