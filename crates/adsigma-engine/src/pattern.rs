//! String patterns: case folding, wildcards, and the tests on one string value.

/// Simple case folding of one character: its lowercase form when that is one character,
/// else the character itself. The same function folds rule values and event values, so
/// matching is consistent.
#[inline]
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Folds `s` into `out` (cleared first).
pub fn fold_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        out.extend(s.chars().map(fold_char));
    }
}

/// Folds `s` into a new string.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// A token of a wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tok {
    /// Literal text (already folded when the pattern is case-insensitive).
    Lit(String),
    /// `*`
    Any,
    /// `?`
    One,
}

/// A compiled string pattern, matched against a whole value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StrPat {
    /// The whole value.
    Exact(String),
    /// `v*`
    Prefix(String),
    /// `*v`
    Suffix(String),
    /// `*v*`
    Contains(String),
    /// Anything else with wildcards.
    Glob(Vec<Tok>),
}

impl StrPat {
    /// Builds the pattern from tokens (adjacent literals merged, runs of `*` collapsed).
    pub fn from_toks(toks: Vec<Tok>) -> StrPat {
        let mut t: Vec<Tok> = Vec::with_capacity(toks.len());
        for tok in toks {
            match (t.last_mut(), tok) {
                (Some(Tok::Lit(a)), Tok::Lit(b)) => a.push_str(&b),
                (Some(Tok::Any), Tok::Any) => {}
                (_, Tok::Lit(b)) if b.is_empty() => {}
                (_, tok) => t.push(tok),
            }
        }
        // The literal of a simple shape is moved out, not copied.
        let take = |t: &mut Vec<Tok>, i: usize| match &mut t[i] {
            Tok::Lit(s) => std::mem::take(s),
            _ => String::new(),
        };
        match t.as_slice() {
            [] => StrPat::Exact(String::new()),
            [Tok::Lit(_)] => StrPat::Exact(take(&mut t, 0)),
            [Tok::Lit(_), Tok::Any] => StrPat::Prefix(take(&mut t, 0)),
            [Tok::Any, Tok::Lit(_)] => StrPat::Suffix(take(&mut t, 1)),
            [Tok::Any, Tok::Lit(_), Tok::Any] => StrPat::Contains(take(&mut t, 1)),
            _ => StrPat::Glob(t),
        }
    }

    /// True when the (already folded, for case-insensitive patterns) value matches.
    pub fn matches(&self, v: &str) -> bool {
        match self {
            StrPat::Exact(s) => v == s,
            StrPat::Prefix(s) => v.starts_with(s.as_str()),
            StrPat::Suffix(s) => v.ends_with(s.as_str()),
            StrPat::Contains(s) => memchr::memmem::find(v.as_bytes(), s.as_bytes()).is_some(),
            StrPat::Glob(t) => glob(t, v),
        }
    }

    /// The literal every match must contain, with where it must be: the anchor the
    /// prefilter looks for (the empty literal only for the exact empty value). `None` when
    /// the pattern has no literal (e.g. `*` or `?`).
    pub fn anchor(&self) -> Option<(Anchor, &str)> {
        match self {
            StrPat::Exact(s) => Some((Anchor::Exact, s)),
            StrPat::Prefix(s) => Some((Anchor::Prefix, s)),
            StrPat::Suffix(s) => Some((Anchor::Suffix, s)),
            StrPat::Contains(s) => Some((Anchor::Anywhere, s)),
            StrPat::Glob(t) => {
                let longest = t
                    .iter()
                    .filter_map(|x| match x {
                        Tok::Lit(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .max_by_key(|s| s.len())?;
                let anchor = match (t.first(), t.last()) {
                    (Some(Tok::Lit(f)), _) if f == longest => Anchor::Prefix,
                    (_, Some(Tok::Lit(l))) if l == longest => Anchor::Suffix,
                    _ => Anchor::Anywhere,
                };
                Some((anchor, longest))
            }
        }
    }
}

/// Where an anchor literal must occur in a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// The whole value.
    Exact,
    /// At the start.
    Prefix,
    /// At the end.
    Suffix,
    /// Anywhere.
    Anywhere,
}

impl Anchor {
    /// True when a hit at `start..end` of a value of length `len` satisfies the anchor.
    #[inline]
    pub fn accepts(self, start: usize, end: usize, len: usize) -> bool {
        match self {
            Anchor::Exact => start == 0 && end == len,
            Anchor::Prefix => start == 0,
            Anchor::Suffix => end == len,
            Anchor::Anywhere => true,
        }
    }
}

/// Wildcard match of a whole value: `Any` matches any run of characters, `One` exactly one.
/// Linear backtracking to the last `*` (no exponential blow-up).
fn glob(toks: &[Tok], v: &str) -> bool {
    let mut ti = 0usize;
    let mut vi = 0usize;
    let mut star: Option<(usize, usize)> = None;
    loop {
        if ti < toks.len() {
            match &toks[ti] {
                Tok::Any => {
                    star = Some((ti, vi));
                    ti += 1;
                    continue;
                }
                Tok::One => {
                    if let Some(c) = v[vi..].chars().next() {
                        vi += c.len_utf8();
                        ti += 1;
                        continue;
                    }
                }
                Tok::Lit(s) => {
                    if v[vi..].starts_with(s.as_str()) {
                        vi += s.len();
                        ti += 1;
                        continue;
                    }
                }
            }
        } else if vi == v.len() {
            return true;
        }
        // Mismatch: let the last `*` take one more character.
        match star {
            Some((st, sv)) => match v[sv..].chars().next() {
                Some(c) => {
                    let nv = sv + c.len_utf8();
                    star = Some((st, nv));
                    ti = st + 1;
                    vi = nv;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> StrPat {
        let toks = s
            .chars()
            .map(|c| match c {
                '*' => Tok::Any,
                '?' => Tok::One,
                c => Tok::Lit(c.to_string()),
            })
            .collect();
        StrPat::from_toks(toks)
    }

    #[test]
    fn shapes_and_matching() {
        assert_eq!(pat("abc"), StrPat::Exact("abc".into()));
        assert_eq!(pat("abc*"), StrPat::Prefix("abc".into()));
        assert_eq!(pat("**abc"), StrPat::Suffix("abc".into()));
        assert_eq!(pat("*abc*"), StrPat::Contains("abc".into()));
        for (p, v, want) in [
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("a?c", "aéc", true),
            ("a?c", "ac", false),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxaxxcxxbxx", false),
            ("?", "é", true),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("a*a*a*a*a*b", &"a".repeat(5000), false),
        ] {
            assert_eq!(pat(p).matches(v), want, "{p} vs {v}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(fold("ÄbC"), "äbc");
        assert_eq!(fold_char('\u{212A}'), 'k');
        // İ lowercases to two characters: kept as is.
        assert_eq!(fold_char('İ'), 'İ');
    }
}
