//! The binary: no std, no allocator, no Rust runtime. musl's C start calls
//! `main`, which hands argv, envp and the storage for the environment
//! options to `usher::run` and exits with its code.
#![no_std]
#![no_main]

use core::ffi::{c_char, c_int};
use usher::cstr::CStrArray;
use usher::plan::Lists;
use usher::sys;

// musl's static C start, memcpy and friends.
#[link(name = "c")]
extern "C" {}

/// # Safety
/// Called only by the C start, with the process's own argv and envp.
#[no_mangle]
pub unsafe extern "C" fn main(
    _argc: c_int,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    // SAFETY: the C start passes argv and envp as NULL-terminated arrays of
    // NUL-terminated strings that stay valid and unchanged for the whole
    // process; usher never writes to them.
    let (argv, envp) = unsafe { (CStrArray::from_raw(argv), CStrArray::from_raw(envp)) };
    // The environment options and the mounts, in static storage: zero-fill
    // pages that cost nothing until an option is pushed, where a stack frame
    // would take its whole size from every run's stack. Their section is a
    // segment of its own (linker/layout.ld), apart from the data musl's
    // start writes.
    #[link_section = ".bss.usher_storage"]
    static mut LISTS: Lists<'static> = Lists::new();
    // SAFETY: `main` runs once, on usher's only thread, so this is the one
    // reference to LISTS there will ever be.
    let lists = unsafe { &mut *core::ptr::addr_of_mut!(LISTS) };
    sys::exit(usher::run(argv, envp, lists))
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
