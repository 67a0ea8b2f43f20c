//! Raw syscalls on the architectures where sc cannot make them (all but
//! x86_64 and aarch64): the syscall numbers by sc's names, and one
//! syscall instruction per architecture, with up to six argument words.
//! Used by `syscall!` in `sys`; every call site there states its safety.

use core::arch::asm;

/// The numbers by the names `syscall!` is given. The 32-bit architectures
/// take their 32-bit-id and 64-bit-time versions.
pub mod nr {
    use linux_raw_sys::general as g;
    pub const RT_SIGPROCMASK: usize = g::__NR_rt_sigprocmask as usize;
    pub const RT_SIGACTION: usize = g::__NR_rt_sigaction as usize;
    pub const SIGNALFD4: usize = g::__NR_signalfd4 as usize;
    pub const MOUNT_SETATTR: usize = g::__NR_mount_setattr as usize;
    pub const STATX: usize = g::__NR_statx as usize;
    pub const CLONE: usize = g::__NR_clone as usize;
    pub const UNSHARE: usize = g::__NR_unshare as usize;
    pub const SOCKET: usize = g::__NR_socket as usize;
    pub const IOCTL: usize = g::__NR_ioctl as usize;
    pub const GETCWD: usize = g::__NR_getcwd as usize;
    pub const EXECVE: usize = g::__NR_execve as usize;
    pub const EXIT_GROUP: usize = g::__NR_exit_group as usize;
    pub const KILL: usize = g::__NR_kill as usize;
    pub const OPENAT: usize = g::__NR_openat as usize;
    pub const DUP3: usize = g::__NR_dup3 as usize;
    pub const CLOSE_RANGE: usize = g::__NR_close_range as usize;
    pub const PRCTL: usize = g::__NR_prctl as usize;
    #[cfg(target_pointer_width = "64")]
    pub use wide::*;
    #[cfg(target_pointer_width = "64")]
    mod wide {
        use super::g;
        pub const CLOCK_GETTIME: usize = g::__NR_clock_gettime as usize;
        pub const FCNTL: usize = g::__NR_fcntl as usize;
        pub const GETRESUID: usize = g::__NR_getresuid as usize;
        pub const GETRESGID: usize = g::__NR_getresgid as usize;
        pub const GETGROUPS: usize = g::__NR_getgroups as usize;
        pub const SETGROUPS: usize = g::__NR_setgroups as usize;
    }
    #[cfg(target_pointer_width = "32")]
    pub use narrow::*;
    #[cfg(target_pointer_width = "32")]
    mod narrow {
        use super::g;
        pub const CLOCK_GETTIME: usize = g::__NR_clock_gettime64 as usize;
        /// Before Linux 5.1 (32-bit seconds).
        pub const CLOCK_GETTIME32: usize = g::__NR_clock_gettime as usize;
        pub const FCNTL: usize = g::__NR_fcntl64 as usize;
        pub const GETRESUID: usize = g::__NR_getresuid32 as usize;
        pub const GETRESGID: usize = g::__NR_getresgid32 as usize;
        pub const GETGROUPS: usize = g::__NR_getgroups32 as usize;
        pub const SETGROUPS: usize = g::__NR_setgroups32 as usize;
    }
}

/// Syscall `nr` with `args` (at most six; the rest are 0).
///
/// # Safety
/// A raw syscall: the caller vouches for what the kernel does with the
/// arguments, as for any syscall.
#[inline(always)]
pub unsafe fn syscall(nr: usize, args: &[usize]) -> usize {
    // x86 has no register left for a sixth word (see its `call`).
    #[cfg(target_arch = "x86")]
    debug_assert!(args.len() <= 5);
    let mut words = [0usize; 6];
    words[..args.len()].copy_from_slice(args);
    let [a, b, c, d, e, f] = words;
    // SAFETY: the caller's.
    unsafe { call(nr, a, b, c, d, e, f) }
}

#[cfg(target_arch = "arm")]
#[inline(always)]
unsafe fn call(nr: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret;
    // SAFETY: the caller's; the EABI takes the number in r7.
    unsafe {
        asm!(
            "svc 0",
            in("r7") nr,
            inlateout("r0") a => ret,
            in("r1") b,
            in("r2") c,
            in("r3") d,
            in("r4") e,
            in("r5") f,
            options(nostack, preserves_flags)
        );
    }
    ret
}

#[cfg(target_arch = "x86")]
#[inline(always)]
unsafe fn call(nr: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret;
    // The sixth word would go in ebp, the frame pointer: no syscall made
    // here takes six.
    let _ = f;
    // SAFETY: the caller's. esi is LLVM's base pointer, so the fourth word
    // is swapped into it for the call only.
    unsafe {
        asm!(
            "xchg esi, {d}",
            "int 0x80",
            "xchg esi, {d}",
            d = in(reg) d,
            inlateout("eax") nr => ret,
            in("ebx") a,
            in("ecx") b,
            in("edx") c,
            in("edi") e,
            options(nostack, preserves_flags)
        );
    }
    ret
}

#[cfg(any(target_arch = "riscv64", target_arch = "loongarch64"))]
#[inline(always)]
unsafe fn call(nr: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret;
    #[cfg(target_arch = "riscv64")]
    macro_rules! instruction {
        () => {
            "ecall"
        };
    }
    #[cfg(target_arch = "loongarch64")]
    macro_rules! instruction {
        () => {
            "syscall 0"
        };
    }
    // SAFETY: the caller's; both take the number in a7 and the words in
    // a0 to a5. loongarch64's syscall may change t0 to t8.
    unsafe {
        #[cfg(target_arch = "riscv64")]
        asm!(
            instruction!(),
            in("a7") nr,
            inlateout("a0") a => ret,
            in("a1") b,
            in("a2") c,
            in("a3") d,
            in("a4") e,
            in("a5") f,
            options(nostack, preserves_flags)
        );
        #[cfg(target_arch = "loongarch64")]
        asm!(
            instruction!(),
            in("$a7") nr,
            inlateout("$a0") a => ret,
            in("$a1") b,
            in("$a2") c,
            in("$a3") d,
            in("$a4") e,
            in("$a5") f,
            lateout("$t0") _,
            lateout("$t1") _,
            lateout("$t2") _,
            lateout("$t3") _,
            lateout("$t4") _,
            lateout("$t5") _,
            lateout("$t6") _,
            lateout("$t7") _,
            lateout("$t8") _,
            options(nostack, preserves_flags)
        );
    }
    ret
}

#[cfg(target_arch = "powerpc64")]
#[inline(always)]
unsafe fn call(nr: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret;
    // SAFETY: the caller's. A failure sets cr0's summary-overflow bit and
    // leaves a positive errno in r3, negated here to the usual `-errno`.
    unsafe {
        asm!(
            "sc",
            "bns 0f",
            "neg 3, 3",
            "0:",
            inlateout("r0") nr => _,
            inlateout("r3") a => ret,
            inlateout("r4") b => _,
            inlateout("r5") c => _,
            inlateout("r6") d => _,
            inlateout("r7") e => _,
            inlateout("r8") f => _,
            lateout("r9") _,
            lateout("r10") _,
            lateout("r11") _,
            lateout("r12") _,
            lateout("cr0") _,
            lateout("ctr") _,
            lateout("xer") _,
            options(nostack, preserves_flags)
        );
    }
    ret
}

#[cfg(target_arch = "s390x")]
#[inline(always)]
unsafe fn call(nr: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> usize {
    let ret;
    // SAFETY: the caller's; the number goes in r1, the words in r2 to r7.
    unsafe {
        asm!(
            "svc 0",
            in("r1") nr,
            inlateout("r2") a => ret,
            in("r3") b,
            in("r4") c,
            in("r5") d,
            in("r6") e,
            in("r7") f,
            options(nostack, preserves_flags)
        );
    }
    ret
}
