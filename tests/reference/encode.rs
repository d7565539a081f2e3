//! Encodings of the `base64`, `base64offset` and UTF-16 modifiers, written out by hand.

use adsigma::syntax::value::Modifier;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648) with `=` padding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        // 1 byte gives 2 characters, 2 bytes 3, 3 bytes 4; the rest is padding.
        for (i, s) in sextets.iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[*s as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three forms of `base64offset` (pySigma's `SigmaBase64OffsetModifier`): the value
/// shifted by 0, 1 and 2 bytes, encoded, with the characters that depend on the unknown
/// neighbouring bytes cut off: start offsets (0, 2, 3) and, indexed by
/// `(len + shift) % 3`, end offsets (none, -3, -2).
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    let start = [0usize, 2, 3];
    let end_cut = [0usize, 3, 2];
    (0..3)
        .map(|shift| {
            let mut shifted = vec![b' '; shift];
            shifted.extend_from_slice(bytes);
            let encoded = base64(&shifted);
            let cut = end_cut[(bytes.len() + shift) % 3];
            let end = encoded.len().saturating_sub(cut);
            encoded
                .get(start[shift]..end.max(start[shift]))
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// `utf16le` / `wide`, `utf16be`, and `utf16` (byte order mark FF FE, then little endian).
pub fn utf16(text: &str, m: Modifier) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out = Vec::new();
    if m == Modifier::Utf16 {
        out.extend_from_slice(&[0xFF, 0xFE]);
    }
    for u in units {
        if m == Modifier::Utf16Be {
            out.extend_from_slice(&u.to_be_bytes());
        } else {
            out.extend_from_slice(&u.to_le_bytes());
        }
    }
    out
}

#[test]
fn encodings_of_the_specification_examples() {
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(
        base64_offsets(b"foobar"),
        ["Zm9vYmFy", "Zvb2Jhc", "mb29iYX"]
    );
    assert_eq!(utf16("cmd", Modifier::Utf16Le), [0x63, 0, 0x6d, 0, 0x64, 0]);
    assert_eq!(utf16("cmd", Modifier::Utf16Be), [0, 0x63, 0, 0x6d, 0, 0x64]);
    assert_eq!(
        utf16("cmd", Modifier::Utf16),
        [0xFF, 0xFE, 0x63, 0, 0x6d, 0, 0x64, 0]
    );
}
