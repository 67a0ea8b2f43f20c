//! The help texts (`help/*.txt`), and the errno texts (`src/errnos.txt`,
//! which `error` unpacks a word at a time), packed when usher is built: build.rs
//! (`pack_help`) replaces the most frequent pairs of bytes, over and over,
//! by the bytes from 0x80 up, which ASCII text leaves free. Unpacking is a
//! walk of that pair table. The texts are most of what usher would
//! otherwise carry as read-only data, and packed they take about half.

include!(concat!(env!("OUT_DIR"), "/help.rs"));

/// `packed` (one of the texts above) unpacked into `out`.
pub fn unpack<'a>(packed: &[u8], out: &'a mut [u8; LONGEST]) -> &'a [u8] {
    let mut len = 0;
    for &byte in packed {
        expand(byte, out, &mut len);
    }
    &out[..len]
}

/// Appends `byte` to `out[..*len]`, unpacked. A pair only names earlier
/// pairs, so the recursion is as deep as the table is long at most.
pub fn expand(byte: u8, out: &mut [u8], len: &mut usize) {
    match PAIRS.get(usize::from(byte).wrapping_sub(0x80)) {
        Some(&[first, second]) => {
            expand(first, out, len);
            expand(second, out, len);
        }
        None => {
            // Callers size `out` for the longest text, so there is always room.
            if let Some(slot) = out.get_mut(*len) {
                *slot = byte;
                *len += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpacked(packed: &[u8]) -> Vec<u8> {
        unpack(packed, &mut [0; LONGEST]).to_vec()
    }

    #[test]
    fn each_text_unpacks_to_its_file() {
        assert_eq!(unpacked(NATIVE), include_bytes!("help/native.txt"));
        assert_eq!(unpacked(TINI), include_bytes!("help/tini.txt"));
        assert_eq!(unpacked(DUMB_INIT), include_bytes!("help/dumb-init.txt"));
        assert_eq!(unpacked(CATATONIT), include_bytes!("help/catatonit.txt"));
    }

    #[test]
    fn the_texts_are_packed() {
        let texts = [NATIVE, TINI, DUMB_INIT, CATATONIT];
        let packed: usize = texts.iter().map(|text| text.len()).sum::<usize>() + 2 * PAIRS.len();
        let unpacked: usize = texts.iter().map(|text| unpacked(text).len()).sum();
        assert!(packed < unpacked * 2 / 3, "{packed} of {unpacked}");
    }

    #[test]
    fn pairs_name_only_earlier_pairs() {
        for (index, pair) in PAIRS.iter().enumerate() {
            for &byte in pair {
                assert!(byte < 0x80 || usize::from(byte - 0x80) < index);
            }
        }
    }
}
