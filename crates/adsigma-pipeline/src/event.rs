//! The event side: recognising an event's logsource (derived fields are the engine's:
//! [`adsigma_engine::derive`]).

use crate::model::{Lit, Test};
use adsigma_engine::{Event, EventValue};

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
                    v => v.text(&mut buf).is_some_and(|text| {
                        values.iter().any(|l| match l {
                            Lit::Null => false,
                            Lit::Str(s) => s == text,
                            other => other.text().is_some_and(|t| t == text),
                        })
                    }),
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
/// time (the classic greedy algorithm with one backtrack point).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::glob;

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
    }
}
