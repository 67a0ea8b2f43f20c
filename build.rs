//! For every musl target, links the usher binary with linker/layout.ld (but
//! on powerpc64, whose TOC needs lld's own layout): no unwind tables or
//! .comment notes (test harnesses keep theirs, since they unwind), and the
//! writable data first, so that it takes one page.
//!
//! Also for each, links musl's start files itself (`link-self-contained=no`):
//! the self-relocating `rcrt1.o`, `crti.o`, libc and `crtn.o`, from the
//! self-contained musl that rustc ships for x86_64 and aarch64, or from
//! `USHER_MUSL_DIR` (Debian's musl-dev, integration/cross.sh) for the
//! others. rustc would add the compiler's `crtbeginS.o`/`crtendS.o` too,
//! whose only work is C++ destructors and registering unwind tables: about
//! 300 bytes that usher never runs. Beyond x86_64 this also makes the
//! binary static-pie, where rustc would use musl's non-PIE `crt1.o`.
//!
//! On all but powerpc64 and s390x, the binary's entry is usher's own start
//! (`usher_start`, src/main.rs), so musl's start and all that only it uses
//! (its relocation, libc and TLS set-up, atexit) are left out by the linker,
//! which keeps only memcpy and friends from libc. The test harnesses, and
//! the binaries on powerpc64 and s390x (where rustix calls musl), keep
//! musl's start.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(usher_own_start)");
    println!("cargo:rerun-if-changed=linker/layout.ld");
    commit();
    pack_help();
    let target = std::env::var("TARGET").unwrap_or_default();
    // powerpc64's TOC must sit by its GOT, which the layout moves: it keeps
    // lld's own layout.
    if target.contains("-linux-musl") && !target.starts_with("powerpc64") {
        let script = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
            .join("linker/layout.ld");
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    }
    if !target.contains("-linux-musl") {
        return;
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc --print sysroot");
    let sysroot = PathBuf::from(
        String::from_utf8(sysroot.stdout)
            .expect("utf-8 sysroot")
            .trim(),
    );
    // The other architectures' musl comes from Debian's musl-dev for them
    // (integration/cross.sh), as rustup ships it only for these two.
    println!("cargo:rerun-if-env-changed=USHER_MUSL_DIR");
    let musl = match std::env::var_os("USHER_MUSL_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => sysroot
            .join("lib/rustlib")
            .join(&target)
            .join("lib/self-contained"),
    };
    if target != "x86_64-unknown-linux-musl" {
        for arg in ["-pie", "--no-dynamic-linker", "-z", "text"] {
            println!("cargo:rustc-link-arg={arg}");
        }
    }
    for object in ["rcrt1.o", "crti.o"] {
        println!("cargo:rustc-link-arg={}", musl.join(object).display());
    }
    println!("cargo:rustc-link-arg=-L{}", musl.display());
    println!("cargo:rustc-link-arg=-lc");
    println!("cargo:rustc-link-arg={}", musl.join("crtn.o").display());
    // The binaries have usher's own start (src/main.rs) but on powerpc64
    // and s390x: with it as the entry, nothing refers to musl's start, and
    // the linker drops it with all that only it uses. The test harnesses
    // keep musl's.
    if !target.starts_with("powerpc64") && !target.starts_with("s390x") {
        println!("cargo:rustc-cfg=usher_own_start");
        println!("cargo:rerun-if-changed=linker/own-start.ld");
        let script = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
            .join("linker/own-start.ld");
        println!("cargo:rustc-link-arg-bins=--entry=usher_start");
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    }
}

/// The short commit of the checkout, for the version lines, as
/// `BUILD_COMMIT`: `docker info` reads it from `--version`'s ` - git.COMMIT`
/// (only without a dot). Two checkouts of one commit give the same bytes.
/// "unknown" outside a git checkout.
fn commit() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    // Every commit and checkout moves HEAD's log.
    println!("cargo:rerun-if-changed=.git/logs/HEAD");
    println!("cargo:rerun-if-changed=.git/HEAD");
    let commit = Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .filter(|commit| !commit.is_empty() && commit.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BUILD_COMMIT={commit}");
}

/// The help texts, `src/cli/help/NAME.txt`, and the errno texts,
/// `src/errnos.txt`, packed by byte-pair encoding into `$OUT_DIR/help.rs`
/// for `src/cli/help.rs` and `src/error.rs`, which unpack them. Each
/// byte from 0x80 up stands for a pair of bytes (each a byte of text or an
/// earlier pair), the most frequent pair of the texts at the time it was
/// made; ties go to the lowest pair, so one set of texts always gives the
/// same bytes. The texts are ASCII, which leaves those bytes free.
fn pack_help() {
    const TEXTS: [(&str, &str); 5] = [
        ("NATIVE", "native"),
        ("TINI", "tini"),
        ("DUMB_INIT", "dumb-init"),
        ("CATATONIT", "catatonit"),
        ("PYCHROOT", "pychroot"),
    ];
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("src/cli/help");
    let mut texts: Vec<Vec<u8>> = Vec::new();
    let mut longest = 0;
    for (_, name) in TEXTS {
        let path = dir.join(format!("{name}.txt"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read(&path).expect("a help text");
        assert!(text.is_ascii(), "{} is not ASCII", path.display());
        longest = longest.max(text.len());
        texts.push(text);
    }
    // One line per errno: its number and its text. Each text is packed
    // alone, so that no pair spans two of them and a NUL still ends each.
    let errnos_path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("src/errnos.txt");
    println!("cargo:rerun-if-changed={}", errnos_path.display());
    let errnos = std::fs::read_to_string(&errnos_path).expect("src/errnos.txt");
    let mut numbers: Vec<u8> = Vec::new();
    let mut errno_longest = 0;
    for line in errnos.lines() {
        let (number, text) = line.split_once(' ').expect("an errno line: NUMBER TEXT");
        assert!(text.is_ascii() && !text.is_empty(), "errno {number}'s text");
        let number: u8 = number.parse().expect("an errno number below 256");
        assert!(number > 0, "errno 0 is no error");
        numbers.push(number);
        errno_longest = errno_longest.max(text.len());
        texts.push(text.as_bytes().to_vec());
    }
    let mut pairs: Vec<[u8; 2]> = Vec::new();
    while pairs.len() < 128 {
        let mut counts = vec![0u32; 1 << 16];
        for text in &texts {
            for pair in text.windows(2) {
                counts[usize::from(pair[0]) << 8 | usize::from(pair[1])] += 1;
            }
        }
        // The first of the most frequent: max_by_key would take the last.
        let (best, count) = counts
            .iter()
            .enumerate()
            .fold(
                (0, 0),
                |best, (pair, &count)| if count > best.1 { (pair, count) } else { best },
            );
        // A pair costs two bytes in the table; fewer than three uses do
        // not pay for it.
        if count < 3 {
            break;
        }
        let pair = [(best >> 8) as u8, best as u8];
        let token = 0x80 + pairs.len() as u8;
        pairs.push(pair);
        for text in &mut texts {
            let mut packed = Vec::with_capacity(text.len());
            let mut at = 0;
            while at < text.len() {
                if text[at..].starts_with(&pair) {
                    packed.push(token);
                    at += 2;
                } else {
                    packed.push(text[at]);
                    at += 1;
                }
            }
            *text = packed;
        }
    }
    let mut out = String::from("// Made by build.rs (pack_help) from src/cli/help/*.txt.\n");
    out += &format!(
        "pub const PAIRS: [[u8; 2]; {}] = {:?};\n",
        pairs.len(),
        pairs
    );
    out += &format!("pub const LONGEST: usize = {longest};\n");
    for ((constant, _), text) in TEXTS.iter().zip(&texts) {
        out += &format!("pub const {constant}: &[u8] = &{text:?};\n");
    }
    out += &format!("pub const ERRNO_LONGEST: usize = {errno_longest};\n");
    // Each errno's number, then its packed text and a NUL.
    let mut errno_texts: Vec<u8> = Vec::new();
    for (number, text) in numbers.iter().zip(&texts[TEXTS.len()..]) {
        errno_texts.push(*number);
        errno_texts.extend_from_slice(text);
        errno_texts.push(0);
    }
    out += &format!("pub const ERRNO_TEXTS: &[u8] = &{errno_texts:?};\n");
    let path = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("help.rs");
    std::fs::write(path, out).expect("writing help.rs");
}
