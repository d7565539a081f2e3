//! The event side: recognising an event's logsource (derived fields are the engine's:
//! [`adsigma_engine::derive`]).

use crate::model::{Lit, Test};
use adsigma_engine::{Event, EventValue};

/// A field an event must have for these tests to hold (the first such one), if any: that of
/// an `exists: true`, of an `equals` without `null`, or of a `glob`.
pub(crate) fn required_field(tests: &[Test]) -> Option<&str> {
    tests.iter().find_map(|t| match t {
        Test::Exists {
            field,
            exists: true,
        } => Some(field.as_str()),
        Test::Equals { field, values } if !values.contains(&Lit::Null) => Some(field.as_str()),
        Test::Glob { field, .. } => Some(field.as_str()),
        Test::All(ts) => required_field(ts),
        _ => None,
    })
}

/// Which of up to 64 pipelines may recognise an event, from its top-level keys: a
/// recogniser that requires a field can only hold when a top-level key is the field or a
/// dotted prefix of it. One pass over the keys replaces a lookup per pipeline for events
/// that most pipelines do not recognise.
#[derive(Clone, Debug, Default)]
pub struct RecognizerIndex {
    /// Key -> the pipelines (bits) one of whose recognisers requires a field it begins.
    by_key: std::collections::HashMap<String, u64, rustc_hash::FxBuildHasher>,
    /// Pipelines with a recogniser that requires no field: always candidates.
    always: u64,
    /// A 256-bit filter of the keys' (first byte, length): most keys of an event are
    /// passed over without hashing.
    filter: [u64; 4],
}

/// The bit of `key` in [`RecognizerIndex`]'s filter.
fn filter_bit(key: &str) -> usize {
    let first = usize::from(key.as_bytes().first().copied().unwrap_or(0));
    (first ^ key.len().wrapping_mul(37)) & 255
}

impl RecognizerIndex {
    /// The index of `pipelines` (in order; bit `i` is the `i`-th), or `None` for more
    /// than 64.
    pub fn new<'a>(pipelines: impl IntoIterator<Item = &'a crate::Pipeline>) -> Option<Self> {
        let mut index = RecognizerIndex::default();
        for (i, p) in pipelines.into_iter().enumerate() {
            if i >= 64 {
                return None;
            }
            let bit = 1u64 << i;
            for r in &p.recognizers {
                match required_field(&r.when) {
                    Some(field) => {
                        let ends = field
                            .match_indices('.')
                            .map(|(k, _)| k)
                            .chain([field.len()]);
                        for end in ends {
                            let key = &field[..end];
                            let f = filter_bit(key);
                            index.filter[f >> 6] |= 1 << (f & 63);
                            *index.by_key.entry(key.to_owned()).or_default() |= bit;
                        }
                    }
                    None => index.always |= bit,
                }
            }
        }
        Some(index)
    }

    /// The pipelines (bits) that may recognise `event`; all when the event cannot list its
    /// top-level keys.
    pub fn candidates(&self, event: &dyn Event) -> u64 {
        let mut bits = self.always;
        if event.top_level_keys(&mut |k| {
            let f = filter_bit(k);
            if self.filter[f >> 6] & (1 << (f & 63)) != 0 {
                if let Some(b) = self.by_key.get(k) {
                    bits |= b;
                }
            }
        }) {
            bits
        } else {
            u64::MAX
        }
    }
}

/// True when every test holds for `event`.
pub(crate) fn all(tests: &[Test], event: &dyn Event) -> bool {
    tests.iter().all(|t| holds(t, event))
}

fn holds(t: &Test, event: &dyn Event) -> bool {
    match t {
        Test::Exists { field, exists } => {
            let mut present = false;
            event.lookup(field, &mut |v| {
                present |= !matches!(v, EventValue::Missing);
            });
            present == *exists
        }
        Test::Equals { field, values } => {
            let mut found = false;
            let mut buf = String::new();
            event.lookup(field, &mut |v| {
                if found {
                    return;
                }
                found = match v {
                    EventValue::Null => values.contains(&Lit::Null),
                    EventValue::Missing | EventValue::Object | EventValue::Array => false,
                    v => v
                        .text(&mut buf)
                        .is_some_and(|text| values.iter().any(|l| l.is_text(text))),
                };
            });
            found
        }
        Test::Glob { field, patterns } => {
            let mut found = false;
            event.lookup(field, &mut |v| {
                if let EventValue::Str(s) = v {
                    found |= patterns.iter().any(|p| glob(p, s));
                }
            });
            found
        }
        Test::Any(ts) => ts.iter().any(|t| holds(t, event)),
        Test::All(ts) => all(ts, event),
        Test::Not(t) => !holds(t, event),
    }
}

/// Whole-string match where `*` is any run of characters and `?` one character; linear
/// time (the classic greedy algorithm with one backtrack point), with no allocation.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    glob_with(pattern, text, false)
}

/// [`glob`](fn@glob), comparing ASCII letters case-insensitively when `ignore_ascii_case`
/// (as `scan --tag` matches tags).
///
/// ```
/// assert!(adsigma_pipeline::glob_with("attack.t????", "ATTACK.T1609", true));
/// assert!(!adsigma_pipeline::glob_with("attack.t????", "ATTACK.T1609", false));
/// ```
pub fn glob_with(pattern: &str, text: &str, ignore_ascii_case: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // The length of the UTF-8 character starting at byte `i` of `b`.
    let width = |b: &[u8], i: usize| text_char_width(b[i]);
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let tw = width(t, ti);
        if pi < p.len() && p[pi] == b'?' {
            pi += 1;
            ti += tw;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && {
            let pw = width(p, pi);
            pw == tw
                && if ignore_ascii_case {
                    p[pi..pi + pw].eq_ignore_ascii_case(&t[ti..ti + tw])
                } else {
                    p[pi..pi + pw] == t[ti..ti + tw]
                }
        } {
            pi += tw;
            ti += tw;
        } else if let Some((sp, st)) = star {
            let next = st + width(t, st);
            pi = sp + 1;
            ti = next;
            star = Some((sp, next));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Bytes of the UTF-8 character a leading byte starts.
fn text_char_width(lead: u8) -> usize {
    match lead {
        0..0x80 => 1,
        0xE0..0xF0 => 3,
        0xF0.. => 4,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    /// Reference: the same greedy algorithm over characters.
    fn glob_chars(pattern: &str, text: &str) -> bool {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let (mut pi, mut ti) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
                pi += 1;
                ti += 1;
            } else if pi < p.len() && p[pi] == '*' {
                star = Some((pi, ti));
                pi += 1;
            } else if let Some((sp, st)) = star {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }

    proptest::proptest! {
        #[test]
        fn glob_agrees_with_matching_characters(p in "[a?*éü]{0,6}", t in "[aéü]{0,8}") {
            proptest::prop_assert_eq!(glob(&p, &t), glob_chars(&p, &t), "{} {}", p, t);
        }
    }

    #[test]
    fn globs() {
        assert!(glob("audit.k8s.io/*", "audit.k8s.io/v1"));
        assert!(glob("audit.k8s.io/*", "audit.k8s.io/"));
        assert!(!glob("audit.k8s.io/*", "audit.k8s.io"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*b*b*", "abxxbc"));
        assert!(!glob("*b*b*", "abxxc"));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
        assert!(glob("**", ""));
        assert!(glob("é?", "éü"));
        assert!(glob("?", "ü"));
        assert!(!glob("??", "ü"));
        assert!(glob("*ü*", "aaüb"));
        assert!(glob("a*é", "aüéé"));
        assert!(!glob("a*é", "aüéa"));
    }
}
