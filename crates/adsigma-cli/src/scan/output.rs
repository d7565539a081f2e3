//! What `scan` prints for a match: `adsigma.match/1` JSON Lines (shape fixed by CLI.md) or one
//! readable line.

use adsigma::{LogSource, Match, MatchedField};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use std::io::Write;

/// The schema of a match line.
pub const SCHEMA: &str = "adsigma.match/1";

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    /// One `adsigma.match/1` JSON object per line, for tools.
    Jsonl,
    /// One readable line per match, for people.
    Human,
}

/// Where a match came from.
pub struct Position<'a> {
    /// The input's name.
    pub file: &'a str,
    /// The event's line (1-based).
    pub line: u64,
}

#[cfg(test)]
#[derive(Serialize)]
struct MatchLine<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    rule: RuleOut<'a>,
    source: SourceOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logsource: Option<LogSourceOut<'a>>,
    matched: Matched<'a>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    response: &'a [String],
}

#[derive(Serialize)]
struct RuleOut<'a> {
    id: Option<&'a str>,
    title: &'a str,
    level: Option<&'static str>,
    status: Option<&'static str>,
    tags: &'a [String],
}

#[cfg(test)]
#[derive(Serialize)]
struct SourceOut<'a> {
    file: &'a str,
    line: u64,
}

#[derive(Serialize)]
struct LogSourceOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
}

struct Matched<'a>(&'a [MatchedField]);

#[derive(Serialize)]
struct MatchedOut<'a> {
    identifier: &'a str,
    field: Option<&'a str>,
    value: &'a str,
}

impl Serialize for Matched<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&MatchedOut {
                identifier: &f.identifier,
                field: f.field.as_deref(),
                value: &f.value,
            })?;
        }
        seq.end()
    }
}

/// Writes `adsigma.match/1` lines, keeping the parts that are the same for every match of a
/// rule (`rule`, `response`) and of a scan (`logsource`) serialised once: the field order and
/// bytes are those of [`json_line`], the plain serde reference (a test holds them equal).
pub struct JsonLines {
    /// Per rule index: `"rule":{...}` and `,"response":[...]` (empty without response).
    rules: Vec<Option<(Vec<u8>, Vec<u8>)>>,
    /// `,"logsource":{...}` of the last logsource written (events of one stream mostly share
    /// theirs).
    logsource: Option<(LogSource, Vec<u8>)>,
    /// The last file name and its JSON string.
    file: (String, Vec<u8>),
}

impl JsonLines {
    /// A writer for `rules` rules.
    pub fn new(rules: usize) -> Self {
        JsonLines {
            rules: vec![None; rules],
            logsource: None,
            file: (String::new(), b"\"\"".to_vec()),
        }
    }

    /// Appends the line of a match of an event of `logsource` (when known; see
    /// [`json_line`]).
    pub fn line(
        &mut self,
        out: &mut Vec<u8>,
        m: &Match,
        pos: &Position<'_>,
        logsource: Option<&LogSource>,
        event: Option<&[u8]>,
    ) {
        if self.file.0 != pos.file {
            self.file.0 = pos.file.to_owned();
            self.file.1 = serde_json::to_vec(pos.file).unwrap_or_default();
        }
        let fresh;
        let (rule, response) = match self.rules.get_mut(m.rule_index()) {
            Some(slot) => &*slot.get_or_insert_with(|| rule_parts(m)),
            None => {
                fresh = rule_parts(m);
                &fresh
            }
        };
        out.extend_from_slice(b"{\"schema\":\"");
        out.extend_from_slice(SCHEMA.as_bytes());
        out.extend_from_slice(b"\",\"type\":\"rule\",");
        out.extend_from_slice(rule);
        out.extend_from_slice(b",\"source\":{\"file\":");
        out.extend_from_slice(&self.file.1);
        let _ = write!(out, ",\"line\":{}}}", pos.line);
        if let Some(ls) = logsource {
            if self.logsource.as_ref().is_none_or(|(l, _)| l != ls) {
                let mut bytes = b",\"logsource\":".to_vec();
                let _ = serde_json::to_writer(&mut bytes, &logsource_out(ls));
                self.logsource = Some((ls.clone(), bytes));
            }
            if let Some((_, bytes)) = &self.logsource {
                out.extend_from_slice(bytes);
            }
        }
        out.extend_from_slice(b",\"matched\":");
        let _ = serde_json::to_writer(&mut *out, &Matched(m.matched()));
        out.extend_from_slice(response);
        if let Some(event) = event {
            out.extend_from_slice(b",\"event\":");
            minify(event, out);
        }
        out.extend_from_slice(b"}\n");
    }
}

fn rule_out(m: &Match) -> RuleOut<'_> {
    RuleOut {
        id: m.rule_id(),
        title: m.title(),
        level: m.level().map(|l| l.as_str()),
        status: m.status().map(|s| s.as_str()),
        tags: m.tags(),
    }
}

fn logsource_out(ls: &LogSource) -> LogSourceOut<'_> {
    LogSourceOut {
        product: ls.product.as_deref(),
        category: ls.category.as_deref(),
        service: ls.service.as_deref(),
    }
}

fn rule_parts(m: &Match) -> (Vec<u8>, Vec<u8>) {
    let mut rule = b"\"rule\":".to_vec();
    let _ = serde_json::to_writer(&mut rule, &rule_out(m));
    let mut response = Vec::new();
    if !m.response().is_empty() {
        response.extend_from_slice(b",\"response\":");
        let _ = serde_json::to_writer(&mut response, m.response());
    }
    (rule, response)
}

/// Appends one `adsigma.match/1` line. `event` is the event's original text: it is copied
/// without insignificant whitespace (so a pretty-printed event stays on one line, with its
/// keys in their original order and its numbers as written).
///
/// The reference for [`JsonLines`], which writes the same bytes faster.
#[cfg(test)]
pub fn json_line(
    out: &mut Vec<u8>,
    m: &Match,
    pos: &Position<'_>,
    logsource: Option<&LogSource>,
    event: Option<&[u8]>,
) {
    let line = MatchLine {
        schema: SCHEMA,
        kind: "rule",
        rule: rule_out(m),
        source: SourceOut {
            file: pos.file,
            line: pos.line,
        },
        logsource: logsource.map(logsource_out),
        matched: Matched(m.matched()),
        response: m.response(),
    };
    // Serialising borrowed strings into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &line);
    if let Some(event) = event {
        out.pop(); // the closing `}`
        out.extend_from_slice(b",\"event\":");
        minify(event, out);
        out.push(b'}');
    }
    out.push(b'\n');
}

/// Appends one readable line:
/// `FILE:LINE: LEVEL: TITLE (ID) identifier: Field="value"; ...`, values JSON-quoted so an
/// event cannot put control characters on a terminal.
pub fn human_line(out: &mut Vec<u8>, m: &Match, pos: &Position<'_>, event: Option<&[u8]>) {
    let _ = write!(out, "{}:{}: ", clean(pos.file), pos.line);
    if let Some(level) = m.level() {
        let _ = write!(out, "{}: ", level.as_str());
    }
    let _ = write!(out, "{}", clean(m.title()));
    if let Some(id) = m.rule_id() {
        let _ = write!(out, " ({})", clean(id));
    }
    let mut last: Option<&str> = None;
    for f in m.matched() {
        if last == Some(f.identifier.as_str()) {
            out.extend_from_slice(b",");
        } else {
            let _ = write!(
                out,
                "{} {}:",
                if last.is_some() { ";" } else { "" },
                clean(&f.identifier)
            );
            last = Some(&f.identifier);
        }
        let value = serde_json::to_string(&f.value).unwrap_or_default();
        match &f.field {
            Some(field) => {
                let _ = write!(out, " {}={value}", clean(field));
            }
            None => {
                let _ = write!(out, " {value}");
            }
        }
    }
    out.push(b'\n');
    if let Some(event) = event {
        out.extend_from_slice(b"    event: ");
        minify(event, out);
        out.push(b'\n');
    }
}

/// Control characters as escapes.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Copies valid JSON without the whitespace between tokens.
pub fn minify(json: &[u8], out: &mut Vec<u8>) {
    let mut in_string = false;
    let mut escape = false;
    for &b in json {
        if in_string {
            out.push(b);
            if escape {
                escape = false;
            } else if b == b'\\' {
                escape = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached writer and the serde reference write the same bytes.
    #[test]
    fn json_lines_equal_the_reference() {
        let pack = adsigma::RulePack::from_yaml_str(concat!(
            "title: \"Quote \\\" and \\u00e9\"\nid: 1b7e5c3a-0f2d-4e6b-9a8c-7d6e5f4a3b2c\nstatus: test\nlevel: high\n",
            "tags: [attack.t1609]\nlogsource: {product: linux}\ndetection:\n",
            "  sel: {Image|endswith: /sh}\n  kw: [\"whoami\"]\n  condition: sel or kw\n",
            "ads:\n  response: [\"step \\\"one\\\"\", two]\n---\n",
            "title: bare\nlogsource: {product: linux}\ndetection:\n",
            "  sel: {CommandLine|contains: who}\n  condition: sel\n"
        ));
        assert!(!pack.has_errors(), "{:?}", pack.diagnostics());
        let engine = adsigma::Engine::new(&pack).unwrap();
        let raw = br#"{ "Image": "/bin/sh",
            "CommandLine": "whoami \u00e9\"" }"#;
        let event: serde_json::Value = serde_json::from_slice(raw).unwrap();
        let matches = engine.evaluate(&event);
        assert_eq!(matches.len(), 2);
        let ls = LogSource::parse("product=linux,category=process_creation").unwrap();
        for logsource in [None, Some(&ls)] {
            for ev in [None, Some(&raw[..])] {
                let mut w = JsonLines::new(engine.len());
                for file in ["a \"b\".jsonl", "c.json"] {
                    for m in &matches {
                        let pos = Position { file, line: 7 };
                        let (mut fast, mut reference) = (Vec::new(), Vec::new());
                        w.line(&mut fast, m, &pos, logsource, ev);
                        json_line(&mut reference, m, &pos, logsource, ev);
                        assert_eq!(
                            String::from_utf8(fast).unwrap(),
                            String::from_utf8(reference).unwrap()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn minify_keeps_strings() {
        let mut out = Vec::new();
        minify(
            b"{\n  \"a b\": \"x \\\" y\",\n  \"c\": [1, 2.50]\n}\r\n",
            &mut out,
        );
        assert_eq!(out, b"{\"a b\":\"x \\\" y\",\"c\":[1,2.50]}");
    }
}

/// A correlation match's position of an event: the input's index and the line.
pub type EventAt = (usize, u64);

/// A correlation match line, fields in the order of CLI.md.
#[derive(Serialize)]
struct CorrelationLine<'a> {
    schema: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    rule: RuleOut<'a>,
    correlation: CorrelationOut<'a>,
    events: Vec<EventRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events_total: Option<usize>,
}

#[derive(Serialize)]
struct CorrelationOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    group: GroupOut<'a>,
    value: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    field_value: Option<&'a str>,
    window: WindowOut,
}

/// The group as a JSON object, in group-by order.
struct GroupOut<'a>(&'a [(String, String)]);

impl Serialize for GroupOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct WindowOut {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct EventRef<'a> {
    file: &'a str,
    line: u64,
    rule_id: Option<&'a str>,
}

/// Appends the `adsigma.match/1` line of a correlation match (`"type": "correlation"`).
pub fn correlation_line(
    out: &mut Vec<u8>,
    m: &adsigma::CorrelationMatch<EventAt>,
    names: &[String],
    engine: &adsigma::Engine,
) {
    let info = &m.info;
    let value = if m.value.fract() == 0.0 && m.value.abs() < 9.0e15 {
        serde_json::json!(m.value as i64)
    } else {
        serde_json::json!(m.value)
    };
    let line = CorrelationLine {
        schema: SCHEMA,
        kind: "correlation",
        rule: RuleOut {
            id: info.id.as_deref(),
            title: &info.title,
            level: info.level.map(|l| l.as_str()),
            status: info.status.map(|s| s.as_str()),
            tags: &info.tags,
        },
        correlation: CorrelationOut {
            kind: info.kind.as_str(),
            group: GroupOut(&m.group),
            value,
            field_value: m.field_value.as_deref(),
            window: WindowOut {
                start: m.window.start_rfc3339(),
                end: m.window.end_rfc3339(),
            },
        },
        events: m
            .events
            .iter()
            .map(|c| EventRef {
                file: names.get(c.position.0).map_or("", String::as_str),
                line: c.position.1,
                rule_id: engine.rule(c.rule).and_then(|r| r.id.as_deref()),
            })
            .collect(),
        events_total: (m.events_total > m.events.len()).then_some(m.events_total),
    };
    let _ = serde_json::to_writer(&mut *out, &line);
    out.push(b'\n');
}

/// The human line of a correlation match.
pub fn correlation_human(
    out: &mut Vec<u8>,
    m: &adsigma::CorrelationMatch<EventAt>,
    names: &[String],
) {
    let group: Vec<String> = m.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let first = m
        .events
        .first()
        .map(|c| {
            format!(
                "{}:{}",
                names.get(c.position.0).map_or("", String::as_str),
                c.position.1
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{first}: [{}] {} ({} {} over {} .. {}{})",
        m.info.level.map_or("-", |l| l.as_str()),
        m.info.title,
        m.info.kind.as_str(),
        m.value,
        m.window.start_rfc3339(),
        m.window.end_rfc3339(),
        if group.is_empty() {
            String::new()
        } else {
            format!("; {}", group.join(", "))
        }
    );
}
