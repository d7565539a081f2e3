//! Events: what the engine reads, through borrowed access.

use std::fmt;

/// One value found in an event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EventValue<'a> {
    /// JSON `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(&'a str),
    /// An object (value tests never match it; `exists` and `null` see it).
    Object,
    /// An array (its elements are visited one by one; this marks an array itself).
    Array,
    /// Where a branch of a looked-up path ends without a value (an object without the key,
    /// or a scalar with path left over). Only [`Event::lookup`] reports it, and only the
    /// `null` test reads it.
    Missing,
}

impl EventValue<'_> {
    /// The value as a number, for comparisons: numbers, and strings that parse as numbers.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            EventValue::Int(i) => Some(i as f64),
            EventValue::UInt(u) => Some(u as f64),
            EventValue::Float(f) => Some(f),
            EventValue::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }

    /// Writes the text a string test sees for this value into `buf` and returns it: the
    /// string itself, a number's decimal string, `true`/`false`. `None` for null, objects
    /// and arrays.
    pub fn text<'s>(&'s self, buf: &'s mut String) -> Option<&'s str> {
        match *self {
            EventValue::Str(s) => Some(s),
            EventValue::Bool(b) => Some(if b { "true" } else { "false" }),
            EventValue::Int(i) => {
                buf.clear();
                buf.push_str(itoa::Buffer::new().format(i));
                Some(buf)
            }
            EventValue::UInt(u) => {
                buf.clear();
                buf.push_str(itoa::Buffer::new().format(u));
                Some(buf)
            }
            EventValue::Float(f) => {
                buf.clear();
                write_float(buf, f);
                Some(buf)
            }
            EventValue::Null | EventValue::Object | EventValue::Array | EventValue::Missing => None,
        }
    }
}

/// The decimal string of a float: integral values without a fraction (`5`), others in the
/// shortest form that reads back exactly.
pub(crate) fn write_float(buf: &mut String, f: f64) {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        buf.push_str(itoa::Buffer::new().format(f as i64));
    } else if f.is_finite() {
        buf.push_str(ryu::Buffer::new().format_finite(f));
    } else {
        use std::fmt::Write;
        let _ = write!(buf, "{f}");
    }
}

/// An event the engine can evaluate: field lookup by Sigma field path, and a walk over
/// every value (for keywords and for the candidate prefilter).
///
/// Implemented for [`serde_json::Value`]; implement it for your own event types to evaluate
/// them without converting to JSON (see `examples/custom_event.rs`).
pub trait Event {
    /// Visits every value at the Sigma field `path` and returns whether the path exists
    /// (some branch reached a value, even null, an empty array or an object). Each branch
    /// of the path that ends without a value is visited as [`EventValue::Missing`].
    ///
    /// Paths are case-sensitive and dotted. At each object the longest key equal to a dotted
    /// prefix of the rest of the path wins, and the remainder is looked up inside it (so
    /// `a.b` finds the key `a.b`, else `a` then `b`). Where the path meets an array, the rest
    /// applies to each element. A value that is an array is visited element by element.
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool;

    /// Visits every node of the event with its dotted path (object keys joined with `.`;
    /// arrays add no segment): objects and arrays as [`EventValue::Object`] /
    /// [`EventValue::Array`], then their contents. A path reported here for a node must be
    /// a path that [`Event::lookup`] could resolve to it.
    ///
    /// Returns true when the paths visited are exactly what [`Event::lookup`] resolves: no
    /// object key contains a `.` or is empty (then a dotted path has only one reading). Return false
    /// when unsure; the engine then checks every candidate rule with `lookup`.
    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool;

    /// Visits the keys of the event's top-level object, so that a [`Event::lookup`] of a
    /// path can only find something when a visited key is the path or a dotted prefix of
    /// it; returns false when the event cannot say (the default: then nothing is ruled
    /// out). Pipelines' recognisers use it to test only the pipelines whose fields the
    /// event has.
    fn top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        let _ = visit;
        false
    }
}

/// Deepest nesting [`Event`] for `serde_json::Value` walks into (serde_json's own parser
/// stops at 128).
pub const MAX_EVENT_DEPTH: usize = 128;

fn json_scalar(v: &serde_json::Value) -> EventValue<'_> {
    use serde_json::Value as J;
    match v {
        J::Null => EventValue::Null,
        J::Bool(b) => EventValue::Bool(*b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                EventValue::Int(i)
            } else if let Some(u) = n.as_u64() {
                EventValue::UInt(u)
            } else {
                EventValue::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        J::String(s) => EventValue::Str(s),
        J::Array(_) => EventValue::Array,
        J::Object(_) => EventValue::Object,
    }
}

fn visit_leafish(v: &serde_json::Value, depth: usize, visit: &mut dyn FnMut(EventValue<'_>)) {
    match v {
        serde_json::Value::Array(items) if depth < MAX_EVENT_DEPTH => {
            for i in items {
                visit_leafish(i, depth + 1, visit);
            }
        }
        other => visit(json_scalar(other)),
    }
}

fn lookup_json(
    v: &serde_json::Value,
    path: &str,
    depth: usize,
    visit: &mut dyn FnMut(EventValue<'_>),
) -> bool {
    if depth >= MAX_EVENT_DEPTH {
        return false;
    }
    match v {
        serde_json::Value::Object(map) => {
            // Longest key equal to a dotted prefix of the path.
            let mut end = path.len();
            loop {
                let key = &path[..end];
                if let Some(child) = map.get(key) {
                    if end == path.len() {
                        visit_leafish(child, depth + 1, visit);
                        return true;
                    }
                    return lookup_json(child, &path[end + 1..], depth + 1, visit);
                }
                match key.rfind('.') {
                    Some(dot) => end = dot,
                    None => {
                        visit(EventValue::Missing);
                        return false;
                    }
                }
            }
        }
        serde_json::Value::Array(items) => {
            let mut found = false;
            for i in items {
                found |= lookup_json(i, path, depth + 1, visit);
            }
            found
        }
        _ => {
            visit(EventValue::Missing);
            false
        }
    }
}

/// Returns false when a key contains a `.` or is empty (or the walk stopped at the depth
/// limit).
fn walk_json(
    v: &serde_json::Value,
    path: &mut String,
    depth: usize,
    visit: &mut dyn FnMut(&str, EventValue<'_>),
) -> bool {
    if depth >= MAX_EVENT_DEPTH {
        return false;
    }
    let mut exact = true;
    match v {
        serde_json::Value::Object(map) => {
            if !path.is_empty() {
                visit(path, EventValue::Object);
            }
            for (k, child) in map {
                let len = path.len();
                if len > 0 {
                    path.push('.');
                }
                path.push_str(k);
                // A dotted key has two readings; an empty one is joined as nothing.
                exact &= !k.contains('.') && !k.is_empty();
                exact &= walk_json(child, path, depth + 1, visit);
                path.truncate(len);
            }
        }
        serde_json::Value::Array(items) => {
            if !path.is_empty() {
                visit(path, EventValue::Array);
            }
            for i in items {
                exact &= walk_json(i, path, depth + 1, visit);
            }
        }
        other => visit(path, json_scalar(other)),
    }
    exact
}

impl Event for serde_json::Value {
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        lookup_json(self, path, 0, visit)
    }

    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        let mut path = String::with_capacity(128);
        walk_json(self, &mut path, 0, visit)
    }

    fn top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        match self {
            serde_json::Value::Object(map) => {
                map.keys().for_each(|k| visit(k));
                true
            }
            // Each element of a top-level array is looked in.
            serde_json::Value::Array(_) => false,
            // Nothing to find in a scalar.
            _ => true,
        }
    }
}

impl<E: Event + ?Sized> Event for &E {
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        (**self).lookup(path, visit)
    }
    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        (**self).walk(visit)
    }
    fn top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        (**self).top_level_keys(visit)
    }
}

/// The logsource of an event, as the caller states it or a pipeline recognises it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LogSource {
    /// `product`, e.g. `linux`, `kubernetes`.
    pub product: Option<String>,
    /// `category`, e.g. `process_creation`.
    pub category: Option<String>,
    /// `service`, e.g. `audit`.
    pub service: Option<String>,
}

impl LogSource {
    /// A logsource from its three fields.
    pub fn new(product: Option<&str>, category: Option<&str>, service: Option<&str>) -> Self {
        LogSource {
            product: product.map(str::to_owned),
            category: category.map(str::to_owned),
            service: service.map(str::to_owned),
        }
    }

    /// Parses `product=X,category=Y,service=Z` (any subset, any order).
    ///
    /// ```
    /// let ls = adsigma_engine::LogSource::parse("product=kubernetes,service=audit").unwrap();
    /// assert_eq!(ls.product.as_deref(), Some("kubernetes"));
    /// assert_eq!(ls.category, None);
    /// ```
    pub fn parse(text: &str) -> Result<LogSource, String> {
        let mut ls = LogSource::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not KEY=VALUE"))?;
            let slot = match k.trim() {
                "product" => &mut ls.product,
                "category" => &mut ls.category,
                "service" => &mut ls.service,
                other => {
                    return Err(format!(
                        "unknown logsource field `{other}` (product, category, service)"
                    ));
                }
            };
            *slot = Some(v.trim().to_owned());
        }
        Ok(ls)
    }
}

impl fmt::Display for LogSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in [
            ("product", &self.product),
            ("category", &self.category),
            ("service", &self.service),
        ] {
            if let Some(v) = v {
                if !first {
                    f.write_str(",")?;
                }
                write!(f, "{k}={v}")?;
                first = false;
            }
        }
        Ok(())
    }
}
