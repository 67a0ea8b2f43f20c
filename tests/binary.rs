//! The release binary itself, read from its program headers: static-pie
//! (ET_DYN, no interpreter), and its writable data in one segment on one
//! page, as linker/layout.ld lays it out. Every page of that segment is
//! dirtied by the start's relocation and stays resident for the whole run. usher's
//! own storage (the environment options) is a zero-fill segment of its own,
//! which a plain run never touches: it is checked in a running usher.

mod common;

use common::usher;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PF_W: u32 = 2;
const PAGE: u64 = 4096;

struct Segment {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

fn segments(elf: &[u8]) -> (u16, Vec<Segment>) {
    assert_eq!(&elf[..5], b"\x7fELF\x02", "a 64-bit ELF file");
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    let (phoff, entsize, count) = (u64_at(0x20) as usize, u16_at(0x36), u16_at(0x38));
    let segments = (0..usize::from(count))
        .map(|index| {
            let at = phoff + index * usize::from(entsize);
            Segment {
                kind: u32_at(at),
                flags: u32_at(at + 4),
                offset: u64_at(at + 8),
                vaddr: u64_at(at + 16),
                filesz: u64_at(at + 32),
                memsz: u64_at(at + 40),
            }
        })
        .collect();
    (u16_at(0x10), segments)
}

#[test]
fn static_pie_with_its_writable_data_on_one_page() {
    let elf = std::fs::read(usher()).expect("the release binary (run make)");
    let (kind, segments) = segments(&elf);
    assert_eq!(kind, 3, "ET_DYN: a position-independent executable");
    assert!(
        segments.iter().all(|segment| segment.kind != PT_INTERP),
        "no interpreter: static"
    );
    let writable: Vec<&Segment> = segments
        .iter()
        .filter(|segment| segment.kind == PT_LOAD && segment.flags & PF_W != 0)
        .filter(|segment| segment.filesz > 0)
        .collect();
    assert_eq!(writable.len(), 1, "one writable segment with contents");
    let data = writable[0];
    let (first, last) = (data.vaddr / PAGE, (data.vaddr + data.memsz - 1) / PAGE);
    assert_eq!(
        first,
        last,
        "the writable segment ({} bytes at page offset {:#x}) spans {} pages",
        data.memsz,
        data.vaddr % PAGE,
        last - first + 1
    );
}

/// What usher's own start (src/main.rs) relies on: the image is linked at
/// address 0 with its ELF header loaded (`__ehdr_start` is the load base),
/// every relocation is in the RELR list it applies, and there is no
/// constructor, which it would not run.
#[test]
fn what_the_start_relies_on() {
    let elf = std::fs::read(usher()).expect("the release binary (run make)");
    let (_, segments) = segments(&elf);
    let first = segments
        .iter()
        .find(|segment| segment.kind == PT_LOAD)
        .expect("a PT_LOAD");
    assert_eq!(
        (first.vaddr, first.offset),
        (0, 0),
        "the first PT_LOAD holds the header at 0"
    );
    let dynamic = segments
        .iter()
        .find(|segment| segment.kind == PT_DYNAMIC)
        .expect("a PT_DYNAMIC (static-pie)");
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    let tags: Vec<u64> = (0..dynamic.filesz as usize / 16)
        .map(|index| u64_at(dynamic.offset as usize + index * 16))
        .take_while(|&tag| tag != 0)
        .collect();
    const DT_RELA: u64 = 7;
    const DT_REL: u64 = 17;
    const DT_TEXTREL: u64 = 22;
    const DT_JMPREL: u64 = 23;
    const DT_INIT_ARRAY: u64 = 25;
    const DT_PREINIT_ARRAY: u64 = 32;
    const DT_RELR: u64 = 36;
    for (tag, name) in [
        (DT_RELA, "DT_RELA"),
        (DT_REL, "DT_REL"),
        (DT_TEXTREL, "DT_TEXTREL"),
        (DT_JMPREL, "DT_JMPREL"),
        (DT_INIT_ARRAY, "DT_INIT_ARRAY"),
        (DT_PREINIT_ARRAY, "DT_PREINIT_ARRAY"),
    ] {
        assert!(
            !tags.contains(&tag),
            "{name} in the dynamic section: {tags:?}"
        );
    }
    assert!(tags.contains(&DT_RELR), "RELR relocations: {tags:?}");
}

/// The zero-fill segments: writable, with nothing in the file.
fn storage_segments(segments: &[Segment]) -> Vec<&Segment> {
    segments
        .iter()
        .filter(|segment| segment.kind == PT_LOAD && segment.flags & PF_W != 0)
        .filter(|segment| segment.filesz == 0)
        .collect()
}

/// Anonymous KiB of the mappings of a running usher that hold `segment`.
fn resident_kib(pid: u32, binary: &std::path::Path, segment: &Segment) -> u64 {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).expect("smaps");
    // The load address: the binary's mapping at file offset 0.
    let base = smaps
        .lines()
        .find(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() == 6
                && fields[2] == "00000000"
                && std::path::Path::new(fields[5]) == binary
        })
        .map(|line| u64::from_str_radix(line.split('-').next().unwrap(), 16).unwrap())
        .expect("the binary's first mapping");
    let (start, end) = (
        (base + segment.vaddr) / PAGE * PAGE,
        base + segment.vaddr + segment.memsz,
    );
    let mut total = 0;
    let mut inside = false;
    for line in smaps.lines() {
        let range = line.split_whitespace().next().unwrap_or("");
        if let Some((from, to)) = range.split_once('-') {
            if let (Ok(from), Ok(to)) = (u64::from_str_radix(from, 16), u64::from_str_radix(to, 16))
            {
                inside = from < end && to > start;
                continue;
            }
        }
        if inside {
            if let Some(kib) = line.strip_prefix("Anonymous:") {
                total += kib.trim().trim_end_matches(" kB").parse::<u64>().unwrap();
            }
        }
    }
    total
}

#[test]
fn a_plain_run_never_touches_usher_s_storage() {
    let binary = usher().canonicalize().expect("the release binary");
    let elf = std::fs::read(&binary).expect("the release binary (run make)");
    let (_, segments) = segments(&elf);
    let storage = storage_segments(&segments);
    assert_eq!(
        storage.len(),
        1,
        "one zero-fill segment for usher's storage"
    );
    let measure = |args: &[&str]| {
        let mut child = std::process::Command::new(&binary)
            .args(args)
            .args(["--", "sleep", "10"])
            .spawn()
            .expect("usher");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let kib = resident_kib(child.id(), &binary, storage[0]);
        let _ = child.kill();
        let _ = child.wait();
        kib
    };
    assert_eq!(measure(&[]), 0, "a plain run dirtied the storage");
    // The same measure sees the storage once an environment option is kept.
    assert!(
        measure(&["--env", "A=1"]) > 0,
        "an edit never reached the storage"
    );
}

/// DESIGN.md §3: one budget for the whole x86_64 binary, every feature
/// included (below tini's static musl build alone). Other architectures'
/// sizes are reported by `make size` and `docs/benchmarks.md`.
#[test]
fn the_x86_64_binary_fits_the_size_budget() {
    const BUDGET: u64 = 56 * 1024;
    const EM_X86_64: u16 = 62;
    let elf = std::fs::read(usher()).unwrap();
    if u16::from_le_bytes([elf[18], elf[19]]) != EM_X86_64 {
        return;
    }
    let size = elf.len() as u64;
    assert!(
        size <= BUDGET,
        "the binary is {size} bytes, over the budget of {BUDGET}"
    );
}
