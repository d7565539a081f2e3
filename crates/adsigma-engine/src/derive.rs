//! Derived fields: values computed from an event's fields (e.g. a command line joined from a
//! binary and its arguments), overlaid on the event.
//!
//! A [`Program`](crate::Program) given derived fields ([`Program::with_derived`]
//! (crate::Program::with_derived)) computes them itself while its prefilter walks the event
//! (each part is captured as the walk passes it, with no lookup), so evaluating through a
//! pipeline that reshapes fields costs little more than evaluating events that carry them.
//! [`Derived`] overlays them on any [`Event`] for everything else.

use crate::event::{Event, EventValue};

/// A field computed from an event's fields: the values of the `concat` fields that are
/// present, joined with `separator`. E.g. Tetragon's `process.binary` and
/// `process.arguments` give a Sigma `CommandLine`.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivedField {
    /// The name the derived field is looked up by (a dotted path).
    pub name: String,
    /// The fields joined, in order (the first value of each; missing ones are skipped).
    pub concat: Vec<String>,
    /// The separator (default one space).
    pub separator: String,
}

/// The derived values of one event, in one buffer: field `k`'s value is `text[range]` when
/// present.
#[derive(Clone, Debug, Default)]
pub(crate) struct Values {
    text: String,
    ranges: Vec<Option<(usize, usize)>>,
}

/// What a walk saw of one part: how many text values, and where the first one went in the
/// capture buffer.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seen {
    count: u32,
    start: u32,
    end: u32,
}

impl Seen {
    /// Records a text value of this part (the first one is kept in `captured`).
    pub(crate) fn capture(&mut self, text: &str, captured: &mut String) {
        if self.count == 0 {
            self.start = captured.len().min(u32::MAX as usize) as u32;
            captured.push_str(text);
            self.end = captured.len().min(u32::MAX as usize) as u32;
        }
        self.count = self.count.saturating_add(1);
    }
}

impl Values {
    /// The value of field `k`, when present.
    pub(crate) fn get(&self, k: usize) -> Option<&str> {
        self.ranges
            .get(k)
            .copied()
            .flatten()
            .map(|(a, b)| &self.text[a..b])
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ranges.clear();
    }

    /// Computes every field by looking its parts up in `event`.
    pub(crate) fn fill_by_lookup(&mut self, fields: &[DerivedField], event: &dyn Event) {
        self.clear();
        let mut buf = String::new();
        for f in fields {
            let start = self.text.len();
            let mut any = false;
            for part in &f.concat {
                let mut seen = false;
                let text = &mut self.text;
                event.lookup(part, &mut |v| {
                    if seen {
                        return;
                    }
                    if let Some(t) = v.text(&mut buf) {
                        seen = true;
                        if any {
                            text.push_str(&f.separator);
                        }
                        text.push_str(t);
                    }
                });
                any |= seen;
            }
            self.ranges.push(any.then_some((start, self.text.len())));
        }
    }

    /// Computes every field from what a walk captured of each part (`seen`, in field and
    /// part order, their texts in `captured`). False (and nothing is kept) when a part had
    /// more than one value: then lookup order decides which is first, and the caller looks
    /// the parts up. Only valid for a walk whose paths are exactly lookup's.
    pub(crate) fn fill_from_capture(
        &mut self,
        fields: &[DerivedField],
        seen: &[Seen],
        captured: &str,
    ) -> bool {
        self.clear();
        if seen.iter().any(|s| s.count > 1) || captured.len() >= u32::MAX as usize {
            return false;
        }
        let mut parts = seen.iter();
        for f in fields {
            let start = self.text.len();
            let mut any = false;
            for _ in &f.concat {
                let Some(s) = parts.next() else {
                    self.clear();
                    return false;
                };
                if s.count == 1 {
                    if any {
                        self.text.push_str(&f.separator);
                    }
                    self.text
                        .push_str(&captured[s.start as usize..s.end as usize]);
                    any = true;
                }
            }
            self.ranges.push(any.then_some((start, self.text.len())));
        }
        true
    }
}

/// An event with derived fields overlaid: looking up a derived field's name gives its
/// computed value; every other path is the inner event's. A derived field hides an inner
/// value at the same path.
///
/// ```
/// use adsigma_engine::derive::{Derived, DerivedField};
/// use adsigma_engine::{Event, EventValue};
/// let fields = [DerivedField {
///     name: "process.command_line".into(),
///     concat: vec!["process.binary".into(), "process.arguments".into()],
///     separator: " ".into(),
/// }];
/// let raw = serde_json::json!({"process": {"binary": "/usr/bin/curl", "arguments": "-s http://x"}});
/// let event = Derived::new(&fields, &raw);
/// let mut seen = Vec::new();
/// event.lookup("process.command_line", &mut |v| {
///     if let EventValue::Str(s) = v { seen.push(s.to_owned()) }
/// });
/// assert_eq!(seen, ["/usr/bin/curl -s http://x"]);
/// ```
pub struct Derived<'p, E> {
    fields: &'p [DerivedField],
    inner: E,
    /// The values, computed on first need: during a walk, which visits every part anyway,
    /// or by looking the parts up.
    values: std::sync::OnceLock<Values>,
}

/// Most parts (over all derived fields) [`Derived`]'s walk captures; beyond, parts are
/// looked up.
const MAX_CAPTURED: usize = 8;

impl<'p, E: Event> Derived<'p, E> {
    /// Wraps `inner` with `fields`.
    pub fn new(fields: &'p [DerivedField], inner: E) -> Self {
        Derived {
            fields,
            inner,
            values: std::sync::OnceLock::new(),
        }
    }

    fn values(&self) -> &Values {
        self.values.get_or_init(|| {
            let mut v = Values::default();
            v.fill_by_lookup(self.fields, &self.inner);
            v
        })
    }

    /// The wrapped event.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The value of a derived field, or `None` when none of its parts is present.
    pub fn compute(&self, field: &DerivedField) -> Option<String> {
        let mut v = Values::default();
        v.fill_by_lookup(std::slice::from_ref(field), &self.inner);
        v.get(0).map(str::to_owned)
    }
}

/// Visits a derived value, or its absence.
fn visit_derived(value: Option<&str>, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
    match value {
        Some(v) => {
            visit(EventValue::Str(v));
            true
        }
        None => {
            visit(EventValue::Missing);
            false
        }
    }
}

/// The event a program with derived fields evaluates its rules on: the derived values it
/// computed during its walk, overlaid (as [`Derived`] does, with no lazy computation).
pub(crate) struct Overlaid<'a> {
    pub(crate) fields: &'a [DerivedField],
    pub(crate) inner: &'a dyn Event,
    pub(crate) values: &'a Values,
}

/// The top-level keys of `inner` with derived fields overlaid: a derived field is found by
/// its whole name.
fn keys_with(fields: &[DerivedField], inner: &dyn Event, visit: &mut dyn FnMut(&str)) -> bool {
    inner.top_level_keys(visit) && {
        fields.iter().for_each(|f| visit(&f.name));
        true
    }
}

impl Event for Overlaid<'_> {
    fn top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        keys_with(self.fields, self.inner, visit)
    }

    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        match self.fields.iter().position(|f| f.name == path) {
            Some(k) => visit_derived(self.values.get(k), visit),
            None => self.inner.lookup(path, visit),
        }
    }

    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        let exact = self.inner.walk(&mut |p, v| {
            if !self.fields.iter().any(|f| f.name == p) {
                visit(p, v)
            }
        });
        for (k, f) in self.fields.iter().enumerate() {
            if let Some(v) = self.values.get(k) {
                visit(&f.name, EventValue::Str(v));
            }
        }
        exact
    }
}

impl<E: Event> Event for Derived<'_, E> {
    fn top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        keys_with(self.fields, &self.inner, visit)
    }

    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        if !self.fields.iter().any(|f| f.name == path) {
            // Not a derived field: no need to compute them.
            return self.inner.lookup(path, visit);
        }
        Overlaid {
            fields: self.fields,
            inner: &self.inner,
            values: self.values(),
        }
        .lookup(path, visit)
    }

    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        // The lengths of the paths the walk must notice (derived names, which hide inner
        // values, and the parts, captured as they pass): most leaves are passed over on
        // their length alone.
        let mut lengths = 0u64;
        let mut long = false;
        let mut n_parts = 0;
        for f in self.fields {
            for p in std::iter::once(&f.name).chain(&f.concat) {
                match p.len() {
                    l @ 0..64 => lengths |= 1 << l,
                    _ => long = true,
                }
            }
            n_parts += f.concat.len();
        }
        if n_parts > MAX_CAPTURED || self.values.get().is_some() {
            return Overlaid {
                fields: self.fields,
                inner: &self.inner,
                values: self.values(),
            }
            .walk(visit);
        }
        let mut seen = [Seen::default(); MAX_CAPTURED];
        let mut captured = String::with_capacity(256);
        let mut buf = String::new();
        let exact = self.inner.walk(&mut |p, v| {
            let l = p.len();
            if (l < 64 && lengths & (1 << l) == 0) || (l >= 64 && !long) {
                return visit(p, v);
            }
            let mut k = 0;
            for f in self.fields {
                for part in &f.concat {
                    if part == p {
                        if let Some(text) = v.text(&mut buf) {
                            seen[k].capture(text, &mut captured);
                        }
                    }
                    k += 1;
                }
            }
            if !self.fields.iter().any(|f| f.name == p) {
                visit(p, v)
            }
        });
        if exact {
            let mut values = Values::default();
            if values.fill_from_capture(self.fields, &seen[..n_parts], &captured) {
                let _ = self.values.set(values);
            }
        }
        let values = self.values();
        for (k, f) in self.fields.iter().enumerate() {
            if let Some(v) = values.get(k) {
                visit(&f.name, EventValue::Str(v));
            }
        }
        exact
    }
}
