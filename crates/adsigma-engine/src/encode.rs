//! Value transformations of the modifiers: windash, base64, base64offset, UTF-16.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, s) in sextets.iter().enumerate() {
            if i <= chunk.len() {
                out.push(B64[*s as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three forms of `data` that appear in a longer base64 text, whatever its offset
/// (pySigma's `base64offset`): `foobar` -> `Zm9vYmFy`, `Zvb2Jhc`, `mb29iYX`.
pub fn base64_offsets(data: &[u8]) -> Vec<String> {
    let mut out = Vec::with_capacity(3);
    for i in 0..3usize {
        let mut shifted = vec![b' '; i];
        shifted.extend_from_slice(data);
        let enc = base64(&shifted);
        let start = [0usize, 2, 3][i];
        let cut = [0usize, 3, 2][(data.len() + i) % 3];
        let end = enc.len().saturating_sub(cut);
        if start < end {
            out.push(enc[start..end].to_owned());
        }
    }
    out
}

/// UTF-16 encodings of the modifiers `utf16le`/`wide`, `utf16be` and `utf16` (little endian
/// with the byte order mark FF FE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16 {
    /// `utf16le`, `wide`
    Le,
    /// `utf16be`
    Be,
    /// `utf16`: BOM FF FE, then little endian.
    WithBom,
}

/// Encodes text as UTF-16 bytes.
pub fn utf16(text: &str, kind: Utf16) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2 + 2);
    if kind == Utf16::WithBom {
        out.extend_from_slice(&[0xFF, 0xFE]);
    }
    for unit in text.encode_utf16() {
        match kind {
            Utf16::Be => out.extend_from_slice(&unit.to_be_bytes()),
            _ => out.extend_from_slice(&unit.to_le_bytes()),
        }
    }
    out
}

/// The dash characters `windash` interchanges.
pub const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Positions (char indices) of `-` or `/` at the start of a word: `\B[-/]\b`, i.e. not
/// preceded by a word character and followed by one. `prev`/`next` are the characters
/// around the text (None at the value's ends or next to a wildcard).
pub fn windash_positions(chars: &[char], prev: Option<char>, next: Option<char>) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if c != '-' && c != '/' {
            continue;
        }
        let before = if i == 0 { prev } else { Some(chars[i - 1]) };
        let after = chars.get(i + 1).copied().or(next);
        if !before.is_some_and(is_word) && after.is_some_and(is_word) {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            base64_offsets(b"foobar"),
            ["Zm9vYmFy", "Zvb2Jhc", "mb29iYX"]
        );
        assert_eq!(base64(&utf16("cmd", Utf16::Le)), "YwBtAGQA");
        assert_eq!(
            utf16("cmd", Utf16::WithBom),
            [0xFF, 0xFE, 0x63, 0, 0x6d, 0, 0x64, 0]
        );
        assert_eq!(utf16("cmd", Utf16::Be), [0, 0x63, 0, 0x6d, 0, 0x64]);
    }

    #[test]
    fn windash_only_at_word_starts() {
        let c: Vec<char> = "cmd -x a-b /y --z".chars().collect();
        assert_eq!(windash_positions(&c, None, None), vec![4, 11, 15]);
    }
}
