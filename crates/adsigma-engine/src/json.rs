//! A compact, borrowed JSON event: parsed once into a flat array of nodes, with strings
//! borrowed from the input where they need no unescaping. Faster to build and to walk than
//! `serde_json::Value` (no map per object, no allocation per string), and it implements
//! [`Event`] with the same path semantics.
//!
//! ```
//! use adsigma_engine::{json::JsonEvent, Event, EventValue};
//! let e = JsonEvent::parse(r#"{"proc": {"cmdline": "sh -c id"}, "tags": ["a", "b"]}"#).unwrap();
//! let mut seen = Vec::new();
//! e.lookup("proc.cmdline", &mut |v| seen.push(format!("{v:?}")));
//! assert_eq!(seen, [r#"Str("sh -c id")"#]);
//! ```

use crate::event::{Event, EventValue, MAX_EVENT_DEPTH};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

mod fast;

#[derive(Clone, Debug, PartialEq)]
enum Kind<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Object,
    Array,
}

#[derive(Clone, Debug, PartialEq)]
struct Node<'a> {
    /// The key under which this node sits in its parent object (empty otherwise).
    key: Cow<'a, str>,
    kind: Kind<'a>,
    /// Index one past this node's subtree.
    end: u32,
}

/// A JSON document parsed into a flat, borrowed tree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonEvent<'a> {
    nodes: Vec<Node<'a>>,
    /// Walk paths may differ from lookup's: a key with a `.`, an empty key, or a repeated key.
    inexact: bool,
    /// When the root is an object: the Bloom bits (`key_hash`) no top-level key has. A
    /// lookup none of whose possible first keys (each dotted prefix of the path) can be
    /// there is missing at once: recognisers and rules of other logsources mostly look up
    /// fields the event lacks.
    root_missing: u64,
}

impl<'a> JsonEvent<'a> {
    /// Parses one JSON document. serde_json's recursion limit (128) bounds nesting.
    pub fn parse(text: &'a str) -> Result<JsonEvent<'a>, serde_json::Error> {
        match fast::parse(text) {
            Some(ev) => Ok(ev),
            None => Self::parse_with_serde(text),
        }
    }

    /// The fast reader alone: `None` where it declines (for tests and fuzzing, which check
    /// that it agrees with [`JsonEvent::parse_with_serde`]).
    #[doc(hidden)]
    pub fn parse_fast(text: &'a str) -> Option<JsonEvent<'a>> {
        fast::parse(text)
    }

    /// The serde_json path: what [`JsonEvent::parse`] falls back to when its own reader
    /// declines (and what gives the error for bad input).
    #[doc(hidden)]
    pub fn parse_with_serde(text: &'a str) -> Result<JsonEvent<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let mut ev = JsonEvent {
            nodes: Vec::with_capacity(32),
            inexact: false,
            root_missing: 0,
        };
        NodeSeed {
            ev: &mut ev,
            key: Cow::Borrowed(""),
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(ev)
    }

    /// What the document's root is, for messages: `an object`, `an array`, `a string`,
    /// `a number`, `a boolean` or `null`.
    pub fn root_kind(&self) -> &'static str {
        match self.nodes.first().map(|n| &n.kind) {
            Some(Kind::Object) => "an object",
            Some(Kind::Array) => "an array",
            Some(Kind::Str(_)) => "a string",
            Some(Kind::Int(_) | Kind::UInt(_) | Kind::Float(_)) => "a number",
            Some(Kind::Bool(_)) => "a boolean",
            Some(Kind::Null) | None => "null",
        }
    }

    /// True when the document's root is an object.
    pub fn is_object(&self) -> bool {
        matches!(self.nodes.first().map(|n| &n.kind), Some(Kind::Object))
    }

    fn value(&self, i: usize) -> EventValue<'_> {
        match &self.nodes[i].kind {
            Kind::Null => EventValue::Null,
            Kind::Bool(b) => EventValue::Bool(*b),
            Kind::Int(n) => EventValue::Int(*n),
            Kind::UInt(n) => EventValue::UInt(*n),
            Kind::Float(f) => EventValue::Float(*f),
            Kind::Str(s) => EventValue::Str(s),
            Kind::Object => EventValue::Object,
            Kind::Array => EventValue::Array,
        }
    }

    /// While object `i` is being filled: whether a completed child has this key.
    fn has_child_key(&self, i: usize, key: &str) -> bool {
        let mut j = i + 1;
        while j < self.nodes.len() {
            if self.nodes[j].key == key {
                return true;
            }
            j = self.nodes[j].end as usize;
        }
        false
    }

    /// False when no top-level key can begin `path` (the path itself, or a prefix of it
    /// before a `.`), by the root's Bloom filter.
    fn may_have_first_key(&self, path: &str) -> bool {
        let absent = |key: &str| self.root_missing & (1 << (key_hash(key) & 63)) != 0;
        if self.root_missing == 0 || !absent(path) {
            return true;
        }
        memchr::memchr_iter(b'.', path.as_bytes()).any(|dot| !absent(&path[..dot]))
    }

    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[i].end as usize;
        let mut j = i + 1;
        std::iter::from_fn(move || {
            if j >= end {
                return None;
            }
            let c = j;
            j = self.nodes[c].end as usize;
            Some(c)
        })
    }

    fn visit_leafish(&self, i: usize, depth: usize, visit: &mut dyn FnMut(EventValue<'_>)) {
        if matches!(self.nodes[i].kind, Kind::Array) && depth < MAX_EVENT_DEPTH {
            for c in self.children(i) {
                self.visit_leafish(c, depth + 1, visit);
            }
        } else {
            visit(self.value(i));
        }
    }

    fn lookup_at(
        &self,
        i: usize,
        path: &str,
        depth: usize,
        visit: &mut dyn FnMut(EventValue<'_>),
    ) -> bool {
        if depth >= MAX_EVENT_DEPTH {
            return false;
        }
        match self.nodes[i].kind {
            Kind::Object if !self.inexact => {
                // No key has a dot and none repeats: the key is the path's first segment,
                // and the first one equal to it is the only one.
                let (seg, rest) = match path.split_once('.') {
                    Some((seg, rest)) => (seg, Some(rest)),
                    None => (path, None),
                };
                let Some(c) = self.children(i).find(|&c| *self.nodes[c].key == *seg) else {
                    visit(EventValue::Missing);
                    return false;
                };
                match rest {
                    None => {
                        self.visit_leafish(c, depth + 1, visit);
                        true
                    }
                    Some(rest) => self.lookup_at(c, rest, depth + 1, visit),
                }
            }
            Kind::Object => {
                // Longest key equal to a dotted prefix of the path; the last of equal keys.
                let mut best: Option<usize> = None;
                let first = path.as_bytes().first();
                for c in self.children(i) {
                    let k: &str = &self.nodes[c].key;
                    // Most keys differ from the path in their first byte: skip them before
                    // comparing (an empty key can still be a prefix: `""` + `.` + rest).
                    if k.len() > path.len() || (!k.is_empty() && k.as_bytes().first() != first) {
                        continue;
                    }
                    let fits = path == k
                        || (path.len() > k.len()
                            && path.starts_with(k)
                            && path.as_bytes()[k.len()] == b'.');
                    if fits && best.is_none_or(|b| k.len() >= self.nodes[b].key.len()) {
                        best = Some(c);
                    }
                }
                match best {
                    None => {
                        visit(EventValue::Missing);
                        false
                    }
                    Some(c) => {
                        let klen = self.nodes[c].key.len();
                        if klen == path.len() {
                            self.visit_leafish(c, depth + 1, visit);
                            true
                        } else {
                            self.lookup_at(c, &path[klen + 1..], depth + 1, visit)
                        }
                    }
                }
            }
            Kind::Array => {
                let mut found = false;
                for c in self.children(i) {
                    found |= self.lookup_at(c, path, depth + 1, visit);
                }
                found
            }
            _ => {
                visit(EventValue::Missing);
                false
            }
        }
    }

    fn walk_at(
        &self,
        i: usize,
        path: &mut String,
        depth: usize,
        visit: &mut dyn FnMut(&str, EventValue<'_>),
    ) {
        if depth >= MAX_EVENT_DEPTH {
            return;
        }
        let node = &self.nodes[i];
        match node.kind {
            Kind::Object => {
                if !path.is_empty() {
                    visit(path, EventValue::Object);
                }
                for c in self.children(i) {
                    let len = path.len();
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(&self.nodes[c].key);
                    self.walk_at(c, path, depth + 1, visit);
                    path.truncate(len);
                }
            }
            Kind::Array => {
                if !path.is_empty() {
                    visit(path, EventValue::Array);
                }
                for c in self.children(i) {
                    self.walk_at(c, path, depth + 1, visit);
                }
            }
            _ => visit(path, self.value(i)),
        }
    }
}

impl Event for JsonEvent<'_> {
    fn lookup(&self, path: &str, visit: &mut dyn FnMut(EventValue<'_>)) -> bool {
        if self.nodes.is_empty() || !self.may_have_first_key(path) {
            visit(EventValue::Missing);
            return false;
        }
        self.lookup_at(0, path, 0, visit)
    }

    fn top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        match self.nodes.first().map(|n| &n.kind) {
            Some(Kind::Object) => {
                self.children(0).for_each(|c| visit(&self.nodes[c].key));
                true
            }
            Some(Kind::Array) => false,
            _ => true,
        }
    }

    fn walk(&self, visit: &mut dyn FnMut(&str, EventValue<'_>)) -> bool {
        if self.nodes.is_empty() {
            return true;
        }
        let mut path = String::with_capacity(128);
        self.walk_at(0, &mut path, 0, visit);
        !self.inexact && self.nodes.len() < u32::MAX as usize
    }
}

struct NodeSeed<'e, 'a> {
    ev: &'e mut JsonEvent<'a>,
    key: Cow<'a, str>,
}

impl<'e, 'a> NodeSeed<'e, 'a> {
    fn push(self, kind: Kind<'a>) -> usize {
        if self.key.contains('.') {
            self.ev.inexact = true;
        }
        let i = self.ev.nodes.len();
        self.ev.nodes.push(Node {
            key: self.key,
            kind,
            end: i as u32 + 1,
        });
        i
    }
}

impl<'de: 'a, 'e, 'a> DeserializeSeed<'de> for NodeSeed<'e, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'e, 'a> Visitor<'de> for NodeSeed<'e, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.push(Kind::Null);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.push(Kind::Bool(v));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.push(Kind::Int(v));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let kind = match i64::try_from(v) {
            Ok(i) => Kind::Int(i),
            Err(_) => Kind::UInt(v),
        };
        self.push(kind);
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.push(Kind::Float(v));
        Ok(())
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.push(Kind::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.push(Kind::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.push(Kind::Str(Cow::Owned(v)));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (ev, i) = self.push_split(Kind::Array);
        while seq
            .next_element_seed(NodeSeed {
                ev,
                key: Cow::Borrowed(""),
            })?
            .is_some()
        {}
        ev.nodes[i].end = ev.nodes.len() as u32;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (ev, i) = self.push_split(Kind::Object);
        let mut siblings = 0usize;
        // A 64-bit Bloom filter of the keys seen: the linear check for a repeated key runs
        // only when it says "maybe".
        let mut bloom = 0u64;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            // A repeated key makes walk (which sees both) differ from lookup (the last
            // wins): mark the event inexact. Large objects are marked without checking.
            siblings += 1;
            let bit = 1u64 << (key_hash(&key) & 63);
            // An empty key: walk paths join it as nothing (`a`), lookup needs `.a`.
            if key.is_empty() || siblings > 64 || (bloom & bit != 0 && ev.has_child_key(i, &key)) {
                ev.inexact = true;
            }
            bloom |= bit;
            map.next_value_seed(NodeSeed { ev, key })?;
        }
        ev.nodes[i].end = ev.nodes.len() as u32;
        if i == 0 {
            ev.root_missing = !bloom;
        }
        Ok(())
    }
}

impl<'e, 'a> NodeSeed<'e, 'a> {
    /// Pushes a container node and hands back the event to fill its children.
    fn push_split(self, kind: Kind<'a>) -> (&'e mut JsonEvent<'a>, usize) {
        if self.key.contains('.') {
            self.ev.inexact = true;
        }
        let i = self.ev.nodes.len();
        self.ev.nodes.push(Node {
            key: self.key,
            kind,
            end: i as u32 + 1,
        });
        (self.ev, i)
    }
}

fn key_hash(k: &str) -> u32 {
    let b = k.as_bytes();
    let first = u32::from(b.first().copied().unwrap_or(0));
    let last = u32::from(b.last().copied().unwrap_or(0));
    (b.len() as u32).wrapping_mul(31) ^ first.wrapping_mul(7) ^ last.wrapping_mul(13)
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect_walk(e: &dyn Event) -> Vec<String> {
        let mut out = Vec::new();
        e.walk(&mut |p, v| out.push(format!("{p}={v:?}")));
        out.sort();
        out
    }

    fn collect_lookup(e: &dyn Event, path: &str) -> (bool, Vec<String>) {
        let mut out = Vec::new();
        let found = e.lookup(path, &mut |v| out.push(format!("{v:?}")));
        (found, out)
    }

    #[test]
    fn agrees_with_serde_json_value() {
        let docs = [
            r#"{"a": 1, "b": {"c": "x\"y", "d": [1, {"e": null}, [true, 2.5]]}, "a.b": "lit", "u": 18446744073709551615}"#,
            r#"{"arr": [], "o": {}, "k.8s": {"io": "v"}, "k": {"8s": {"io": "w"}}}"#,
            r#"{"dup": 1, "dup": 2}"#,
            r#"{"\u00e9t\u00e9": "\ud83d\ude00", "n": -0.0}"#,
        ];
        for d in docs {
            let v: serde_json::Value = serde_json::from_str(d).unwrap();
            let f = JsonEvent::parse(d).unwrap();
            if d.contains("dup") {
                // serde_json keeps the last value; the walk sees both and says so.
                assert!(!f.walk(&mut |_, _| {}));
            } else {
                assert_eq!(collect_walk(&v), collect_walk(&f), "{d}");
            }
            for p in [
                "a", "a.b", "b.c", "b.d", "b.d.e", "b", "arr", "arr.x", "o.x", "k.8s.io", "dup",
                "été", "u", "n", "missing", "b.c.z",
            ] {
                assert_eq!(collect_lookup(&v, p), collect_lookup(&f, p), "{d} {p}");
            }
        }
    }

    fn json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("a"),
            Just("b"),
            Just("ab"),
            Just("a.b"),
            Just(""),
            Just("c.d"),
            Just("b.a"),
            Just(".a"),
            Just("a."),
        ];
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<i32>().prop_map(serde_json::Value::from),
            "[xy]{0,2}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| {
                    serde_json::Value::Object(
                        kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                    )
                }),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// Lookups (the root's Bloom filter included) agree with `serde_json::Value`'s on
        /// any document and path over keys with dots, empty keys and shared prefixes.
        #[test]
        fn lookups_agree_with_serde_json_value(
            doc in json(),
            parts in proptest::collection::vec(0..7usize, 1..4),
        ) {
            let names = ["a", "b", "ab", "", "c", "d", "x"];
            let path = parts.iter().map(|&k| names[k]).collect::<Vec<_>>().join(".");
            let text = doc.to_string();
            let f = JsonEvent::parse(&text).unwrap();
            proptest::prop_assert_eq!(collect_lookup(&doc, &path), collect_lookup(&f, &path), "{} {}", text, path);
            // A walk that says it is exact visits only values lookup finds at the same path.
            for e in [&doc as &dyn Event, &f] {
                let mut visited = Vec::new();
                let exact = e.walk(&mut |p, v| visited.push((p.to_owned(), format!("{v:?}"))));
                if exact {
                    // (Containers are visited whole, lookup gives their elements; a scalar
                    // at the root has no path.)
                    let leaves = visited.iter().filter(|(p, v)| {
                        !p.is_empty() && !v.starts_with("Object") && !v.starts_with("Array")
                    });
                    for (p, v) in leaves {
                        let (_, found) = collect_lookup(e, p);
                        proptest::prop_assert!(found.contains(v), "{} {}: {} not in {:?}", text, p, v, found);
                    }
                }
            }
        }
    }

    /// JSON values with every kind of leaf the readers treat differently: big and negative
    /// integers, `-0`, fractions and exponents, escapes, control characters, non-ASCII and
    /// astral characters, keys with dots, empty and repeated keys.
    fn rich_json() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("a".to_owned()),
            Just("a.b".to_owned()),
            Just("".to_owned()),
            "[a-c\\\"\\.\u{e9}\u{1F600}\t]{0,3}",
        ];
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| f.to_string()),
            prop_oneof![
                Just("-0"),
                Just("-0.0"),
                Just("0.5e-3"),
                Just("1E400"),
                Just("12345678901234567890123"),
                Just("-9223372036854775808"),
                Just("-9223372036854775809"),
                Just("18446744073709551616"),
                Just("1e5"),
                Just("-1.5E+2"),
            ]
            .prop_map(str::to_owned),
            "[a-z\\\"/\u{e9}\u{1F600}\n\t\u{1}]{0,6}"
                .prop_map(|s| serde_json::to_string(&s).unwrap()),
            prop_oneof![
                Just(r#""\u00e9\ud83d\ude00\/\b\f""#),
                Just(r#""\u0000""#),
                Just(r#""\ud83d""#),
                Just(r#""\udc00x""#),
                Just(r#""\ud83dx\ude00""#),
                Just(r#""\uZZZZ""#),
            ]
            .prop_map(str::to_owned),
        ];
        leaf.prop_recursive(4, 32, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((key.clone(), inner), 0..5).prop_map(|kv| {
                    let body: Vec<String> = kv
                        .iter()
                        .map(|(k, v)| format!("{}: {v}", serde_json::to_string(k).unwrap()))
                        .collect();
                    format!("{{ {} }}", body.join(" ,\n"))
                }),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The fast reader accepts exactly what serde_json accepts and builds the same
        /// event, on valid documents and on damaged ones (a byte replaced, inserted or
        /// removed).
        #[test]
        fn the_fast_reader_agrees_with_serde_json(
            text in rich_json(),
            at in 0..1000usize,
            edit in 0..4u8,
            byte in proptest::sample::select(b"{}[]\",:\\ 0-.eE+tnu\x01x".to_vec()),
        ) {
            let mut damaged = text.clone().into_bytes();
            let at = at % (damaged.len() + 1);
            match edit {
                0 => {}
                1 => damaged.insert(at, byte),
                2 if at < damaged.len() => { damaged.remove(at); }
                _ if at < damaged.len() => damaged[at] = byte,
                _ => {}
            }
            for t in [text.as_bytes(), &damaged] {
                let Ok(t) = std::str::from_utf8(t) else { continue };
                let slow = JsonEvent::parse_with_serde(t);
                match JsonEvent::parse_fast(t) {
                    Some(fast) => {
                        let slow = slow.as_ref().map_err(|e| e.to_string());
                        proptest::prop_assert_eq!(slow, Ok(&fast), "{}", t);
                        // Borrowed and owned strings compare equal: check the kinds too.
                        proptest::prop_assert_eq!(format!("{:?}", JsonEvent::parse_with_serde(t).unwrap()), format!("{fast:?}"));
                    }
                    None => {
                        // It declines only what serde_json refuses (or nesting deeper
                        // than these documents reach).
                        proptest::prop_assert!(slow.is_err(), "declined valid JSON: {}", t);
                    }
                }
            }
        }
    }

    #[test]
    fn the_fast_reader_declines_and_serde_json_decides() {
        for (text, ok) in [
            (r#""\ud83d""#, false),
            (r#"{"a": 1e400}"#, false),
            (r#"{"a": 1,}"#, false),
            (r#"{"a" 1}"#, false),
            (r#"[01]"#, false),
            ("[\"\u{1}\"]", false),
            (r#"{"a": tru}"#, false),
        ] {
            assert!(JsonEvent::parse_fast(text).is_none(), "{text}");
            assert_eq!(JsonEvent::parse(text).is_ok(), ok, "{text}");
        }
        // A dot in a key, raw or escaped, makes the walk inexact, as on the serde_json path.
        for text in [
            r#"{"a.b": 1}"#,
            r#"{"a\u002eb": 1}"#,
            r#"{"x": {"\"a.": 1}}"#,
        ] {
            let fast = JsonEvent::parse_fast(text).unwrap();
            assert_eq!(
                Ok(&fast),
                JsonEvent::parse_with_serde(text).as_ref().map_err(|_| ())
            );
            assert!(fast.inexact, "{text}");
        }
        // An escaped control character is fine; a raw one is not.
        assert!(JsonEvent::parse_fast(r#"["\u0001"]"#).is_some());
        let deep = format!("{}1{}", "[".repeat(120), "]".repeat(120));
        assert!(JsonEvent::parse_fast(&deep).is_none());
        assert!(JsonEvent::parse(&deep).is_ok());
        let shallow = format!("{}1{}", "[".repeat(90), "]".repeat(90));
        assert!(JsonEvent::parse_fast(&shallow).is_some());
    }

    #[test]
    fn an_empty_key_makes_the_walk_inexact() {
        // The walk joins an empty key as nothing (`a`); lookup needs `.a`.
        let text = r#"{"": {"a": 1}}"#;
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let f = JsonEvent::parse(text).unwrap();
        for e in [&v as &dyn Event, &f] {
            assert!(!e.walk(&mut |_, _| {}));
            assert_eq!(collect_lookup(e, "a"), (false, vec!["Missing".to_owned()]));
            assert_eq!(collect_lookup(e, ".a"), (true, vec!["Int(1)".to_owned()]));
        }
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let text = r#"{"k": "plain", "e": "esc\n"}"#;
        let f = JsonEvent::parse(text).unwrap();
        assert!(matches!(
            &f.nodes[1].kind,
            Kind::Str(Cow::Borrowed("plain"))
        ));
        assert!(matches!(&f.nodes[2].kind, Kind::Str(Cow::Owned(_))));
        assert!(JsonEvent::parse("{").is_err());
        assert!(JsonEvent::parse("{} x").is_err());
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(JsonEvent::parse(&deep).is_err());
    }
}
