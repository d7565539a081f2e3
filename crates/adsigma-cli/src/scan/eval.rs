//! Parsing and evaluating a batch of events: the work each thread does.

use super::input::{Batch, Item};
use super::output::{self, Position, ScanFormat};
use adsigma::engine::json::JsonEvent;
use adsigma::{Engine, LogSource, Scratch};
use std::time::{Duration, Instant};

/// What every worker needs to know besides the engine.
pub struct Settings {
    /// `--logsource`.
    pub logsource: Option<LogSource>,
    /// `--format`.
    pub format: ScanFormat,
    /// `--include-event`.
    pub include_event: bool,
    /// `--strict`: stop a batch at its first bad event.
    pub strict: bool,
    /// `--profile`: time parsing, evaluation and each rule's match details.
    pub profile: bool,
}

/// A batch's results, to be written in input order.
pub struct Outcome {
    /// The batch's sequence number.
    pub seq: u64,
    /// The input it came from.
    pub input: usize,
    /// What to write to the output.
    pub out: Vec<u8>,
    /// Bad events: line and message, in input order.
    pub bad: Vec<(u64, String)>,
    /// Events evaluated.
    pub events: u64,
    /// Matches written.
    pub matches: u64,
    /// Evaluation panicked (a bug): the scan stops with this message.
    pub panicked: Option<String>,
    /// Events that matched a rule some correlation references, for the correlator (which
    /// runs in input order): line, the event's bytes, and every rule it matched.
    pub correlate: Vec<(u64, Vec<u8>, Vec<usize>)>,
}

/// Time and matches, per rule and in total (for `--profile`).
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Time spent parsing events.
    pub parse: Duration,
    /// Time spent in the shared evaluation of every rule at once (`Engine::evaluate_into`).
    pub evaluate: Duration,
    /// Per rule: matches and the time spent explaining them (`Engine::details`).
    pub rules: Vec<RuleStat>,
}

/// One rule's line of the profile.
#[derive(Clone, Copy, Debug, Default)]
pub struct RuleStat {
    /// Matches.
    pub matches: u64,
    /// Time spent in `Engine::details` for its matches.
    pub details: Duration,
}

impl Profile {
    /// Adds another worker's profile.
    pub fn merge(&mut self, other: &Profile) {
        self.parse += other.parse;
        self.evaluate += other.evaluate;
        if self.rules.len() < other.rules.len() {
            self.rules.resize(other.rules.len(), RuleStat::default());
        }
        for (a, b) in self.rules.iter_mut().zip(&other.rules) {
            a.matches += b.matches;
            a.details += b.details;
        }
    }
}

/// A thread's evaluator, with its reusable buffers.
pub struct Worker<'a> {
    engine: &'a Engine,
    settings: &'a Settings,
    names: &'a [String],
    scratch: Scratch,
    hits: Vec<u32>,
    matches: Vec<adsigma::Match>,
    /// For `details` after a routed evaluation (see [`Worker::explain_scratch`]).
    json: output::JsonLines,
    /// What `--profile` measured (only filled with `--profile`; match counts always).
    pub profile: Profile,
}

impl<'a> Worker<'a> {
    /// A worker; `names` are the inputs' names, by index.
    pub fn new(engine: &'a Engine, settings: &'a Settings, names: &'a [String]) -> Self {
        Worker {
            engine,
            settings,
            names,
            scratch: Scratch::new(),
            hits: Vec::new(),
            matches: Vec::new(),
            json: output::JsonLines::new(engine.len()),
            profile: Profile {
                rules: vec![RuleStat::default(); engine.len()],
                ..Profile::default()
            },
        }
    }

    /// [`Worker::process`], turning a panic (a bug) into an outcome that stops the scan with
    /// an error, rather than a lost batch that the writer would wait for forever.
    pub fn process_guarded(&mut self, seq: u64, batch: Batch) -> Outcome {
        let input = batch.input;
        let line = batch.items.first().map_or(0, |i| match i {
            Item::Event { line, .. } | Item::Bad { line, .. } => *line,
        });
        let run = std::panic::AssertUnwindSafe(|| self.process(seq, batch));
        std::panic::catch_unwind(run).unwrap_or_else(|_| {
            // The worker's scratch may be inconsistent now; the scan stops anyway.
            self.scratch = Scratch::new();
            Outcome {
                seq,
                input,
                out: Vec::new(),
                bad: Vec::new(),
                events: 0,
                matches: 0,
                correlate: Vec::new(),
                panicked: Some(format!(
                    "internal error: evaluating the events of {} from line {line} panicked (a bug: please report it with the events)",
                    self.names[input]
                )),
            }
        })
    }

    /// Parses and evaluates a batch. Under `--strict` it stops at the first bad event.
    pub fn process(&mut self, seq: u64, batch: Batch) -> Outcome {
        let mut o = Outcome {
            seq,
            input: batch.input,
            out: Vec::new(),
            bad: Vec::new(),
            events: 0,
            matches: 0,
            panicked: None,
            correlate: Vec::new(),
        };
        let correlations = self.engine.correlations();
        let file = self.names[batch.input].as_str();
        let profile = self.settings.profile;
        for item in &batch.items {
            let (start, end, line) = match item {
                Item::Bad { line, message } => {
                    o.bad.push((*line, message.clone()));
                    if self.settings.strict {
                        break;
                    }
                    continue;
                }
                Item::Event { start, end, line } => (*start, *end, *line),
            };
            let bytes = &batch.buf[start..end];
            let t0 = profile.then(Instant::now);
            let event = match parse_event(bytes, line) {
                Ok(event) => event,
                Err(message) => {
                    o.bad.push((line, message));
                    if self.settings.strict {
                        break;
                    }
                    continue;
                }
            };
            o.events += 1;
            let t1 = profile.then(Instant::now);
            self.matches.clear();
            let logsource;
            if profile {
                // Per-rule timing: the shared pass once, then each match explained apart.
                self.hits.clear();
                logsource = match &self.settings.logsource {
                    Some(ls) => Some(ls),
                    None => self.engine.recognize(&event),
                };
                self.engine.evaluate_into(
                    &event,
                    self.settings.logsource.as_ref(),
                    &mut self.scratch,
                    &mut self.hits,
                );
                if let (Some(t0), Some(t1)) = (t0, t1) {
                    self.profile.parse += t1 - t0;
                    self.profile.evaluate += t1.elapsed();
                }
                for &rule in &self.hits {
                    let rule = rule as usize;
                    let t = Instant::now();
                    let m = self.engine.details(rule, &event, &mut self.scratch);
                    if let Some(stat) = self.profile.rules.get_mut(rule) {
                        stat.matches += 1;
                        stat.details += t.elapsed();
                    }
                    self.matches.push(m);
                }
            } else {
                logsource = self.engine.evaluate_matches(
                    &event,
                    self.settings.logsource.as_ref(),
                    &mut self.scratch,
                    &mut self.matches,
                );
            }
            let pos = Position { file, line };
            if let Some(set) = correlations {
                if self
                    .matches
                    .iter()
                    .any(|m| set.references_rule(m.rule_index()))
                {
                    let all = self
                        .matches
                        .iter()
                        .map(adsigma::Match::rule_index)
                        .collect();
                    o.correlate.push((line, bytes.to_vec(), all));
                }
                // Rules whose correlations all say `generate: false` report nothing.
                let engine = self.engine;
                self.matches.retain(|m| engine.rule_emits(m.rule_index()));
            }
            for m in &self.matches {
                let raw = self.settings.include_event.then_some(bytes);
                match self.settings.format {
                    ScanFormat::Jsonl => self.json.line(&mut o.out, m, &pos, logsource, raw),
                    ScanFormat::Human => output::human_line(&mut o.out, m, &pos, raw),
                }
                o.matches += 1;
            }
        }
        o
    }
}

/// Parses one event: a JSON object. The message of a bad one says what is wrong and where
/// (`line` is where the event starts; a position inside a multi-line event is given as an
/// absolute line).
pub fn parse_event(bytes: &[u8], line: u64) -> Result<JsonEvent<'_>, String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        let e = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).err();
        return Err(match e {
            Some(e) => describe(bytes, line, &e),
            None => describe_utf8(bytes, line),
        });
    };
    match JsonEvent::parse(text) {
        Ok(ev) if ev.is_object() => Ok(ev),
        Ok(other) => Err(format!(
            "an event must be a JSON object, not {}",
            other.root_kind()
        )),
        Err(e) => Err(describe(bytes, line, &e)),
    }
}

fn describe_utf8(bytes: &[u8], line: u64) -> String {
    let at = std::str::from_utf8(bytes)
        .err()
        .map_or(0, |u| u.valid_up_to());
    format!("invalid UTF-8{}", place(bytes, line, at))
}

fn describe(bytes: &[u8], line: u64, e: &serde_json::Error) -> String {
    if let Some(at) = memchr::memchr(0, bytes) {
        return format!("NUL byte in the event{}", place(bytes, line, at));
    }
    if let Err(u) = std::str::from_utf8(bytes) {
        return format!("invalid UTF-8{}", place(bytes, line, u.valid_up_to()));
    }
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = full.strip_suffix(&suffix).unwrap_or(&full);
    let msg = if msg == "recursion limit exceeded" {
        "nested deeper than 128 levels"
    } else {
        msg
    };
    let at = if e.line() == 0 {
        String::new()
    } else if e.line() == 1 {
        format!(" at column {}", e.column())
    } else {
        format!(
            " at line {}, column {}",
            line + e.line() as u64 - 1,
            e.column()
        )
    };
    format!("invalid JSON: {msg}{at}")
}

/// ` at column C` or, in an event of several lines, ` at line L, column C` (columns count
/// bytes, from 1).
fn place(bytes: &[u8], line: u64, offset: usize) -> String {
    let before = &bytes[..offset];
    let newlines = memchr::memchr_iter(b'\n', before).count() as u64;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = offset - line_start + 1;
    if newlines == 0 {
        format!(" at column {column}")
    } else {
        format!(" at line {}, column {column}", line + newlines)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_event;

    #[test]
    fn bad_event_messages() {
        let e = |b: &[u8]| parse_event(b, 10).unwrap_err();
        assert_eq!(
            e(b"{\"a\":"),
            "invalid JSON: EOF while parsing a value at column 5"
        );
        assert_eq!(e(b"{\"a\":\"x\0\"}"), "NUL byte in the event at column 8");
        assert_eq!(
            e(b"{\n\"a\":\"\xff\"}"),
            "invalid UTF-8 at line 11, column 6"
        );
        assert_eq!(e(b"[1]"), "an event must be a JSON object, not an array");
        assert_eq!(
            e(b"{\n\"a\" 1}"),
            "invalid JSON: expected `:` at line 11, column 5"
        );
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(e(deep.as_bytes()).starts_with("invalid JSON: nested deeper than 128 levels"));
        assert!(parse_event(b"{\"a\": 1}", 1).is_ok());
    }
}
