//! PostgreSQL's binary `numeric` format: base-10000 digits with a weight, a sign and a
//! display scale, written from and read into decimal text.

use bytes::{Buf, BufMut, BytesMut};

const POSITIVE: u16 = 0x0000;
const NEGATIVE: u16 = 0x4000;
const NAN: u16 = 0xC000;

/// Writes the decimal `text` (ASCII `-123.4500`, `NaN`) as a binary numeric.
pub fn write_binary(buf: &mut BytesMut, text: &[u8]) {
    if text.eq_ignore_ascii_case(b"nan") {
        buf.put_slice(&[0, 0, 0, 0]);
        buf.put_u16(NAN);
        buf.put_u16(0);
        return;
    }
    let (negative, unsigned) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix(b"+").unwrap_or(text)),
    };
    let (int_part, frac_part) = match unsigned.iter().position(|&c| c == b'.') {
        Some(dot) => (&unsigned[..dot], &unsigned[dot + 1..]),
        None => (unsigned, &[][..]),
    };
    let zeros = int_part.iter().take_while(|&&c| c == b'0').count();
    let int_part = &int_part[zeros..];
    let dscale = frac_part.len() as u16;
    // pad the integer part on the left and the fraction on the right to groups of four
    let int_pad = (4 - int_part.len() % 4) % 4;
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let digits: Vec<u8> = std::iter::repeat_n(b'0', int_pad)
        .chain(int_part.iter().copied())
        .chain(frac_part.iter().copied())
        .chain(std::iter::repeat_n(b'0', frac_pad))
        .map(|c| c.wrapping_sub(b'0'))
        .collect();
    let mut groups: Vec<i16> = digits
        .chunks(4)
        .map(|g| g.iter().fold(0i16, |acc, d| acc * 10 + i16::from(*d)))
        .collect();
    let mut weight = ((int_pad + int_part.len()) / 4) as i16 - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i16;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    buf.put_i16(groups.len() as i16);
    buf.put_i16(weight);
    buf.put_u16(if negative && !groups.is_empty() {
        NEGATIVE
    } else {
        POSITIVE
    });
    buf.put_u16(dscale);
    for group in groups {
        buf.put_i16(group);
    }
}

/// Reads a binary numeric back into decimal text; `None` if malformed.
pub fn read_binary(bytes: &[u8]) -> Option<String> {
    let mut bytes = bytes;
    if bytes.len() < 8 {
        return None;
    }
    let ndigits = bytes.get_i16();
    let weight = bytes.get_i16();
    let sign = bytes.get_u16();
    let dscale = bytes.get_u16() as usize;
    if sign == NAN {
        return Some("NaN".into());
    }
    if bytes.len() != 2 * usize::try_from(ndigits).ok()? {
        return None;
    }
    let groups: Vec<i16> = (0..ndigits).map(|_| bytes.get_i16()).collect();
    // the group of 10000^power sits at index weight - power
    let group = |power: i32| {
        usize::try_from(i32::from(weight) - power)
            .ok()
            .and_then(|index| groups.get(index).copied())
            .unwrap_or(0)
    };
    let mut int_part = group(i32::from(weight).max(0)).to_string();
    for power in (0..i32::from(weight)).rev() {
        int_part.push_str(&format!("{:04}", group(power)));
    }
    let mut frac_part = String::new();
    for power in 1..=dscale.div_ceil(4) as i32 {
        frac_part.push_str(&format!("{:04}", group(-power)));
    }
    frac_part.truncate(dscale);
    let sign = if sign == NEGATIVE { "-" } else { "" };
    Some(match dscale {
        0 => format!("{sign}{int_part}"),
        _ => format!("{sign}{int_part}.{frac_part}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let mut buf = BytesMut::new();
        write_binary(&mut buf, text.as_bytes());
        read_binary(&buf).unwrap()
    }

    #[test]
    fn writes_postgresql_layout() {
        let mut buf = BytesMut::new();
        write_binary(&mut buf, b"-12345.678");
        // ndigits 3, weight 1, negative, dscale 3, digits 1 2345 6780
        assert_eq!(
            buf.to_vec(),
            [0, 3, 0, 1, 0x40, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1A, 0x7C]
        );
    }

    #[test]
    fn round_trips() {
        for text in [
            "0",
            "0.00",
            "1",
            "-1.50",
            "12345.678",
            "0.0001",
            "0.00001234",
            "10000",
            "99999999.99",
            "NaN",
        ] {
            assert_eq!(round_trip(text), text);
        }
    }
}
