//! The memory floor for `make bench`: the smallest static-pie program,
//! built like usher with a start of its own, that only blocks in read(0).
//! Its idle Anonymous memory is what the kernel's initial stack costs
//! before any code of usher's own runs. x86_64 only (raw syscalls).
#![no_std]
#![no_main]

// read(0, a byte on the stack, 1), then exit_group(0). No data, so nothing
// to relocate and no data page to dirty.
core::arch::global_asm!(
    ".globl _start",
    "_start:",
    "xor eax, eax",
    "xor edi, edi",
    "lea rsi, [rsp - 8]",
    "mov edx, 1",
    "syscall",
    "mov eax, 231",
    "xor edi, edi",
    "syscall",
);

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}
