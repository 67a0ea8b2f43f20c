//! The release binary itself, read from its program headers: static-pie
//! (ET_DYN, no interpreter), and its writable data in one segment on one
//! page, as linker/layout.ld lays it out. Every page of that segment is
//! dirtied by musl's start and stays resident for the whole run.

mod common;

use common::usher;

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PF_W: u32 = 2;
const PAGE: u64 = 4096;

struct Segment {
    kind: u32,
    flags: u32,
    vaddr: u64,
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
                vaddr: u64_at(at + 16),
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
        .collect();
    assert_eq!(writable.len(), 1, "one writable segment");
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
