//! The event side: recognising an event's logsource, and derived fields.

use crate::model::{DerivedField, Lit, Test};
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

/// An event with a pipeline's derived fields overlaid: looking up a derived field's name
/// gives its computed value; every other path is the inner event's.
///
/// ```
/// use adsigma_engine::{Event, EventValue};
/// let p = adsigma_pipeline::by_name("tetragon").unwrap();
/// let raw = serde_json::json!({"process_exec": {"process": {
///     "binary": "/usr/bin/curl", "arguments": "-s http://x"}}});
/// let event = p.derive(&raw);
/// let mut seen = Vec::new();
/// event.lookup("process_exec.process.command_line", &mut |v| {
///     if let EventValue::Str(s) = v { seen.push(s.to_owned()) }
/// });
/// assert_eq!(seen, ["/usr/bin/curl -s http://x"]);
/// ```
pub struct Derived<'p, E> {
    fields: &'p [DerivedField],
    inner: E,
    /// Each field's value, computed on first need (evaluation looks a field up once for the
    /// prefilter's walk and again for each test of it).
    values: std::sync::OnceLock<Vec<Option<String>>>,
}

impl<'p, E: Event> Derived<'p, E> {
    /// Wraps `inner` with `fields`.
    pub fn new(fields: &'p [DerivedField], inner: E) -> Self {
        Derived {
            fields,
            inner,
            values: std::sync::OnceLock::new(),
        }
    }

    fn values(&self) -> &[Option<String>] {
        self.values
            .get_or_init(|| self.fields.iter().map(|f| self.compute(f)).collect())
    }

    /// The wrapped event.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The value of a derived field, or `None` when none of its parts is present.
    pub fn compute(&self, field: &DerivedField) -> Option<String> {
        let mut out = String::new();
        let mut any = false;
        let mut buf = String::new();
        for part in &field.concat {
            let mut seen = false;
            self.inner.lookup(part, &mut |v| {
                if seen {
                    return;
                }
                if let Some(text) = v.text(&mut buf) {
                    seen = true;
                    if any {
                        out.push_str(&field.separator);
                    }
                    out.push_str(text);
                }
            });
            any |= seen;
        }
        any.then_some(out)
    }
}

impl<E: Event> Event for Derived<'_, E> {
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        if let Some(k) = self.fields.iter().position(|f| f.name == path) {
            return match &self.values()[k] {
                Some(v) => {
                    visit(EventValue::Str(v));
                    true
                }
                None => {
                    visit(EventValue::Missing);
                    false
                }
            };
        }
        self.inner.lookup(path, visit)
    }

    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        let exact = self.inner.walk(&mut |p, v| {
            // A derived field hides an inner value at the same path, as `lookup` does.
            if !self.fields.iter().any(|f| f.name == p) {
                visit(p, v)
            }
        });
        for (f, v) in self.fields.iter().zip(self.values()) {
            if let Some(v) = v {
                visit(&f.name, EventValue::Str(v));
            }
        }
        exact
    }
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
