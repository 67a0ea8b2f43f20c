//! The binary: no std, no allocator, no Rust runtime. usher has its own
//! start (`usher_start` below, the entry; build.rs sets it, and the cfg
//! `usher_own_start` where it does): it applies the
//! static-pie relocations and calls `entry` with the kernel's stack. On
//! powerpc64 and s390x, where rustix calls musl's functions (its raw
//! backend needs an unstable asm there), musl's C start sets musl up and
//! calls `main`. Either way argv, envp and the storage for the environment
//! options go to `usher::run`, and the process exits with its code. musl's
//! `libc.a` still gives `memcpy` and friends.
#![no_std]
#![no_main]

use core::ffi::c_char;
use usher::cstr::CStrArray;
use usher::plan::Lists;
use usher::sys;

/// The auxiliary vector's entry that says the exec raised privileges.
const AT_SECURE: core::ffi::c_ulong = 23;

// musl's memcpy and friends, and its C start where usher has none.
#[link(name = "c")]
extern "C" {}

/// Runs usher with the process's argv and envp, and exits. `secure` is the
/// kernel's AT_SECURE.
///
/// # Safety
/// Called once, on the only thread, with NULL-terminated arrays of
/// NUL-terminated strings that stay valid and unchanged for the whole
/// process.
unsafe fn run(argv: *const *const c_char, envp: *const *const c_char, secure: bool) -> ! {
    // SAFETY: as this function's contract says; usher never writes to them.
    let (argv, envp) = unsafe { (CStrArray::from_raw(argv), CStrArray::from_raw(envp)) };
    // The environment options and the mounts, in static storage: zero-fill
    // pages that cost nothing until an option is pushed, where a stack frame
    // would take its whole size from every run's stack. Their section is a
    // segment of its own (linker/layout.ld), apart from the data that the
    // start relocates and writes.
    #[link_section = ".bss.usher_storage"]
    static mut LISTS: Lists<'static> = Lists::new();
    // SAFETY: `run` runs once, on usher's only thread, so this is the one
    // reference to LISTS there will ever be.
    let lists = unsafe { &mut *core::ptr::addr_of_mut!(LISTS) };
    sys::exit(usher::run(argv, envp, lists, secure))
}

/// # Safety
/// Called only by the C start (musl's on powerpc64 and s390x, glibc's in
/// the tests' host build), with the process's own argv and envp.
#[cfg(not(usher_own_start))]
#[no_mangle]
pub unsafe extern "C" fn main(
    _argc: core::ffi::c_int,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> core::ffi::c_int {
    extern "C" {
        fn getauxval(kind: core::ffi::c_ulong) -> core::ffi::c_ulong;
    }
    // SAFETY: the C start passes the process's argv and envp; getauxval
    // reads the auxiliary vector that the C start recorded.
    unsafe { run(argv, envp, getauxval(AT_SECURE) != 0) }
}

// The process's first instructions (build.rs makes them the entry). The
// kernel leaves argc, then argv's pointers, a NULL, envp's pointers and a
// NULL at the stack pointer, which is kept in a callee-saved register
// across `relocate`. The addresses of
// `_DYNAMIC` and of the ELF header (the load base: the image is linked at
// 0) are PC-relative, so they need no relocation themselves. Calling
// `relocate` and `entry` from here keeps every read of relocated data after
// the relocation, where the compiler cannot reorder it.
#[cfg(all(usher_own_start, target_arch = "x86_64"))]
core::arch::global_asm!(
    ".globl usher_start",
    ".type usher_start, @function",
    "usher_start:",
    "xor ebp, ebp",
    "mov rbx, rsp",
    "and rsp, -16",
    "lea rdi, [rip + _DYNAMIC]",
    "lea rsi, [rip + __ehdr_start]",
    "call {relocate}",
    "mov rdi, rbx",
    "call {entry}",
    "ud2",
    relocate = sym relocate,
    entry = sym entry,
);

#[cfg(all(usher_own_start, target_arch = "aarch64"))]
core::arch::global_asm!(
    ".globl usher_start",
    ".type usher_start, %function",
    "usher_start:",
    "mov x29, #0",
    "mov x30, #0",
    "mov x19, sp",
    "adrp x0, _DYNAMIC",
    "add x0, x0, :lo12:_DYNAMIC",
    "adrp x1, __ehdr_start",
    "add x1, x1, :lo12:__ehdr_start",
    "bl {relocate}",
    "mov x0, x19",
    "bl {entry}",
    "brk #0",
    relocate = sym relocate,
    entry = sym entry,
);

// i686: cdecl, arguments on the stack, which is 16-byte aligned at each
// call; the PC comes from a call to the next instruction.
#[cfg(all(usher_own_start, target_arch = "x86"))]
core::arch::global_asm!(
    ".globl usher_start",
    ".type usher_start, @function",
    "usher_start:",
    "xorl %ebp, %ebp",
    "movl %esp, %esi",
    "andl $-16, %esp",
    "call .Lusher_pc",
    ".Lusher_pc:",
    "popl %ebx",
    "leal _DYNAMIC-.Lusher_pc(%ebx), %eax",
    "leal __ehdr_start-.Lusher_pc(%ebx), %ecx",
    "subl $8, %esp",
    "pushl %ecx",
    "pushl %eax",
    "call {relocate}",
    "movl %esi, (%esp)",
    "call {entry}",
    "ud2",
    relocate = sym relocate,
    entry = sym entry,
    options(att_syntax),
);

// 32-bit ARM (ARM state): each address is an offset from the PC, which reads
// as the instruction's own address plus 8.
#[cfg(all(usher_own_start, target_arch = "arm"))]
core::arch::global_asm!(
    ".globl usher_start",
    ".type usher_start, %function",
    "usher_start:",
    "mov fp, #0",
    "mov lr, #0",
    "mov r4, sp",
    "bic r0, r4, #15",
    "mov sp, r0",
    "ldr r0, .Lusher_dynamic",
    "ldr r1, .Lusher_header",
    ".Lusher_pc0:",
    "add r0, pc, r0",
    ".Lusher_pc1:",
    "add r1, pc, r1",
    "bl {relocate}",
    "mov r0, r4",
    "bl {entry}",
    "b .",
    ".Lusher_dynamic:",
    ".word _DYNAMIC - (.Lusher_pc0 + 8)",
    ".Lusher_header:",
    ".word __ehdr_start - (.Lusher_pc1 + 8)",
    relocate = sym relocate,
    entry = sym entry,
);

// riscv64: no linker relaxation here, since gp is not set up.
#[cfg(all(usher_own_start, target_arch = "riscv64"))]
core::arch::global_asm!(
    ".globl usher_start",
    ".type usher_start, @function",
    "usher_start:",
    ".option push",
    ".option norelax",
    "li s0, 0",
    "li ra, 0",
    "mv s1, sp",
    "andi sp, sp, -16",
    "lla a0, _DYNAMIC",
    "lla a1, __ehdr_start",
    "call {relocate}",
    "mv a0, s1",
    "call {entry}",
    "unimp",
    ".option pop",
    relocate = sym relocate,
    entry = sym entry,
);

/// Applies the static-pie's relative relocations: the RELR list that
/// `-zpack-relative-relocs` makes (lld writes every relative relocation
/// there), the way musl's start does.
///
/// # Safety
/// Called once by `usher_start`, before any code reads a relocated pointer,
/// with the run-time addresses of `_DYNAMIC` and of the image's start.
#[cfg(usher_own_start)]
unsafe extern "C" fn relocate(dynamic: *const usize, base: usize) {
    const DT_RELRSZ: usize = 35;
    const DT_RELR: usize = 36;
    let (mut table, mut size) = (0, 0);
    let mut entry = dynamic;
    // SAFETY: `_DYNAMIC` is an array of (tag, value) pairs ended by tag 0,
    // and DT_RELR's entries lie in the image; each address that the list
    // names is a word of the writable segment, inside the image.
    unsafe {
        while *entry != 0 {
            match *entry {
                DT_RELR => table = *entry.add(1),
                DT_RELRSZ => size = *entry.add(1),
                _ => {}
            }
            entry = entry.add(2);
        }
        let mut next = (base + table) as *const usize;
        let end = (base + table + size) as *const usize;
        let mut word: *mut usize = core::ptr::null_mut();
        while next < end {
            let item = *next;
            if item & 1 == 0 {
                // An address: relocate that word; a bitmap may follow.
                word = (base + item) as *mut usize;
                *word += base;
                word = word.add(1);
            } else {
                // A bitmap of the next 63 (or 31) words after the last.
                let mut bits = item >> 1;
                let mut at = word;
                while bits != 0 {
                    if bits & 1 != 0 {
                        *at += base;
                    }
                    bits >>= 1;
                    at = at.add(1);
                }
                word = word.add(usize::BITS as usize - 1);
            }
            next = next.add(1);
        }
    }
}

/// # Safety
/// Called once by `usher_start`, after `relocate`, with the kernel's stack
/// pointer.
#[cfg(usher_own_start)]
unsafe extern "C" fn entry(stack: *const usize) -> ! {
    // SAFETY: the kernel's stack starts with argc, then argc argv pointers
    // and a NULL, then envp's pointers and a NULL, then the auxiliary
    // vector's (type, value) pairs, ended by type 0.
    unsafe {
        let argc = *stack;
        let argv = stack.add(1) as *const *const c_char;
        let envp = argv.add(argc + 1);
        let mut aux = envp;
        while !(*aux).is_null() {
            aux = aux.add(1);
        }
        let mut aux = aux.add(1) as *const usize;
        let mut secure = false;
        while *aux != 0 {
            secure |= *aux == AT_SECURE as usize && *aux.add(1) != 0;
            aux = aux.add(2);
        }
        run(argv, envp, secure)
    }
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // The message is not formatted: core::fmt would cost kilobytes, and a
    // panic is a bug that the tests must catch, not a user-facing error.
    usher::error::write_all(usher::error::Stream::Stderr, b"usher: internal error\n");
    sys::exit(1)
}

/// Dev builds (unwinding by default in std targets' test profile) still
/// reference this symbol; release builds abort and never call it.
#[no_mangle]
extern "C" fn rust_eh_personality() {}
