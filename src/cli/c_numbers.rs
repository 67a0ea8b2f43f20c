//! Numbers read the way C reads them, for the personalities whose peers
//! are C programs: `strtol` and `atoi` as tini reads `-e` and
//! TINI_VERBOSITY, and `sscanf("%d:%d")` as dumb-init reads `-r`.

use crate::text::is_space;

/// C's `strtol` in base 10: leading white space, an optional sign, then
/// digits up to the first non-digit. Returns the sign, the magnitude
/// (saturated), whether there were digits, and what follows them (all of
/// `text` when there were none). dumb-init's `sscanf("%d")` reads the same.
fn strtol(text: &[u8]) -> (bool, u64, bool, &[u8]) {
    let start = text
        .iter()
        .position(|&byte| !is_space(byte))
        .unwrap_or(text.len());
    let mut digits = &text[start..];
    let negative = digits.first() == Some(&b'-');
    if matches!(digits.first(), Some(b'-' | b'+')) {
        digits = &digits[1..];
    }
    // One pass: count the digits and add them up.
    let mut magnitude = 0u64;
    let mut count = 0;
    while let Some(digit) = digits.get(count).and_then(|byte| byte.checked_sub(b'0')) {
        if digit > 9 {
            break;
        }
        magnitude = magnitude
            .saturating_mul(10)
            .saturating_add(u64::from(digit));
        count += 1;
    }
    let rest = if count > 0 { &digits[count..] } else { text };
    (negative, magnitude, count > 0, rest)
}

/// C's `atoi`: what `strtol` reads, as an int; anything unparsable is 0.
pub fn atoi(text: &[u8]) -> i32 {
    let (negative, magnitude, _, _) = strtol(text);
    let value = magnitude as i32;
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// tini's `-e` goes through `strtol` and needs the whole string consumed:
/// white space and a sign may lead, and an empty string is 0 (strtol reads
/// nothing, and its end is the end of the input).
// Not inlined: keeps tini's -e reading off the native option walk.
#[inline(never)]
pub fn parse_strtol_code(text: &[u8]) -> Option<u8> {
    if text.is_empty() {
        return Some(0);
    }
    match strtol(text) {
        (negative, magnitude, true, b"") if !negative || magnitude == 0 => {
            u8::try_from(magnitude).ok()
        }
        _ => None,
    }
}

/// dumb-init's `-r S:R`, read as C's `sscanf("%d:%d")` reads it: white
/// space and a sign may lead each number, and anything after the second
/// number is ignored. S is 1..=31 and R is 0..=31 (0 drops S).
pub fn parse_sscanf_rewrite(text: &[u8]) -> Option<(u32, u32)> {
    let (from, rest) = scan_int(text)?;
    let (to, _) = scan_int(rest.strip_prefix(&b":"[..])?)?;
    ((1..=31).contains(&from) && (0..=31).contains(&to)).then_some((from as u32, to as u32))
}

/// `%d`: leading white space, an optional sign, at least one digit.
fn scan_int(text: &[u8]) -> Option<(i64, &[u8])> {
    let (negative, magnitude, digits, rest) = strtol(text);
    let value = magnitude.min(i64::MAX as u64) as i64;
    digits.then_some((if negative { -value } else { value }, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tini_numbers_are_read_like_strtol_and_atoi() {
        assert_eq!(atoi(b" 2"), 2);
        assert_eq!(atoi(b"3abc"), 3);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"-1"), -1);
        assert_eq!(parse_strtol_code(b" +7"), Some(7));
        assert_eq!(parse_strtol_code(b"-0"), Some(0));
        assert_eq!(parse_strtol_code(b""), Some(0));
        assert_eq!(parse_strtol_code(b"7 "), None);
        assert_eq!(parse_strtol_code(b"-1"), None);
        assert_eq!(parse_strtol_code(b"256"), None);
    }

    #[test]
    fn dumb_init_rewrites_are_read_like_sscanf() {
        assert_eq!(parse_sscanf_rewrite(b"15:3"), Some((15, 3)));
        assert_eq!(parse_sscanf_rewrite(b" 15: +3junk"), Some((15, 3)));
        assert_eq!(parse_sscanf_rewrite(b"2:0"), Some((2, 0)));
        assert_eq!(parse_sscanf_rewrite(b"31:31"), Some((31, 31)));
        for bad in [
            &b"0:1"[..],
            b"32:1",
            b"1:32",
            b"1:-1",
            b"TERM:QUIT",
            b"15 :3",
            b"15",
            b"15:",
            b":3",
            b"",
        ] {
            assert_eq!(
                parse_sscanf_rewrite(bad),
                None,
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
    }
}
