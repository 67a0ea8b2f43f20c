//! The memory floor for `make bench`: the smallest musl static-pie program,
//! built like usher, that only blocks in read(0). Its idle Anonymous memory is
//! what the C start and the kernel's initial stack cost before any code of
//! usher's own runs. x86_64 only (one raw syscall).
#![no_std]
#![no_main]

#[link(name = "c")]
extern "C" {}

#[no_mangle]
pub extern "C" fn main() -> i32 {
    let mut byte = [0u8; 1];
    // SAFETY: read(0, byte, 1) into a live one-byte buffer.
    unsafe {
        core::arch::asm!("syscall", inlateout("rax") 0usize => _, in("rdi") 0usize,
            in("rsi") byte.as_mut_ptr(), in("rdx") 1usize, lateout("rcx") _, lateout("r11") _);
    }
    0
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[no_mangle]
extern "C" fn rust_eh_personality() {}
