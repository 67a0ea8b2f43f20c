//! `strip-sections FILE...`: removes the section header table (and whatever
//! lies past the last loaded segment, which is the `.shstrtab` lld writes)
//! from 64-bit little-endian ELF executables, in place. The kernel, musl's
//! static-pie start, qemu-user and valgrind read only the program headers, so
//! the binary runs the same; `strip` cannot drop the table, and this saves
//! about 1.3 KB of a 26 KB binary. The result is byte-identical to
//! `llvm-objcopy --strip-sections`. A file that has no section headers is
//! left as it is, so running it twice is harmless.
//!
//! Built by the Makefile with plain `rustc`; it is not part of usher.
use std::process::ExitCode;

fn u16_at(data: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([data[at], data[at + 1]]))
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&data[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// The stripped image (`None`: it has no section headers to strip), or why
/// the file is not one this tool handles.
fn strip(mut data: Vec<u8>) -> Result<Option<Vec<u8>>, &'static str> {
    if data.len() < 64 || &data[..4] != b"\x7fELF" {
        return Err("not an ELF file");
    }
    if data[4] != 2 || data[5] != 1 {
        return Err("not a 64-bit little-endian ELF file");
    }
    if u64_at(&data, 0x28) == 0 {
        return Ok(None);
    }
    let program_headers = u64_at(&data, 0x20) as usize;
    let entry_size = u16_at(&data, 0x36);
    let count = u16_at(&data, 0x38);
    if entry_size < 56 || program_headers + entry_size * count > data.len() {
        return Err("program headers outside the file");
    }
    let mut end = program_headers + entry_size * count;
    for index in 0..count {
        let header = program_headers + index * entry_size;
        let offset = u64_at(&data, header + 8);
        let file_size = u64_at(&data, header + 32);
        end = end.max((offset + file_size) as usize);
    }
    if end > data.len() {
        return Err("a segment ends past the end of the file");
    }
    data.truncate(end);
    // e_shoff, then e_shentsize, e_shnum and e_shstrndx.
    data[0x28..0x30].fill(0);
    data[0x3a..0x40].fill(0);
    Ok(Some(data))
}

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in std::env::args_os().skip(1) {
        let shown = path.to_string_lossy().into_owned();
        let result = std::fs::read(&path)
            .map_err(|error| error.to_string())
            .and_then(|data| match strip(data).map_err(String::from)? {
                Some(stripped) => {
                    std::fs::write(&path, stripped).map_err(|error| error.to_string())
                }
                None => Ok(()),
            });
        if let Err(error) = result {
            eprintln!("strip-sections: {shown}: {error}");
            status = ExitCode::FAILURE;
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian ELF header with one program header that loads
    /// `[0, loaded)`, and `trailing` bytes of "section data" after it.
    fn image(loaded: u64, trailing: usize) -> Vec<u8> {
        let mut data = vec![0u8; loaded as usize + trailing];
        data[..6].copy_from_slice(b"\x7fELF\x02\x01");
        data[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        data[0x28..0x30].copy_from_slice(&loaded.to_le_bytes());
        data[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        data[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        data[0x3a..0x40].copy_from_slice(&[64, 0, 3, 0, 2, 0]);
        data[64 + 32..64 + 40].copy_from_slice(&loaded.to_le_bytes());
        data
    }

    #[test]
    fn drops_what_no_segment_loads_and_the_table() {
        let stripped = strip(image(200, 300)).unwrap().unwrap();
        assert_eq!(stripped.len(), 200);
        assert_eq!(u64_at(&stripped, 0x28), 0);
        assert_eq!(&stripped[0x3a..0x40], &[0; 6]);
        // Already stripped: nothing to do.
        assert_eq!(strip(stripped), Ok(None));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        assert!(strip(b"#!/bin/sh\n".to_vec()).is_err());
        let mut big_endian = image(200, 0);
        big_endian[5] = 2;
        assert!(strip(big_endian).is_err());
        let mut short = image(200, 0);
        short.truncate(150);
        assert!(strip(short).is_err());
    }
}
