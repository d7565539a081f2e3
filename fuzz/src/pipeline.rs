//! The generator and the check of the `pipeline` target.
//!
//! A fuzz input is a sequence of choices ([`Draw`]) that builds a [`PipelineCase`]: a
//! processing pipeline in YAML (every transformation type with valid and odd arguments,
//! rule / detection item / field name conditions as lists and as named expressions,
//! recognizers with nested tests, derived fields, vars, now and then a wrong type, an unknown
//! key or a broken line), a rule over the same field names, and an event carrying both the
//! rule's and the mapped field names. Raw bytes would almost never make a pipeline that
//! parses, let alone one that changes a rule.

use crate::engine::Draw;
use adsigma_engine::{EngineConfig, UnresolvedPlaceholders};
use adsigma_pipeline::Pipeline;
use adsigma_syntax::{Diagnostic, Document, FileId, Limits, Rule, emit, parse_str};
use serde_json::{Map, Value, json};
use std::fmt;

/// A pipeline, a rule and an event.
#[derive(Clone, PartialEq)]
pub struct PipelineCase {
    /// The pipeline file.
    pub pipeline: String,
    /// The rule file.
    pub rule: String,
    /// The event.
    pub event: Value,
}

/// Readable in panic messages and in `cargo fuzz fmt`.
impl fmt::Debug for PipelineCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "pipeline:\n{}", self.pipeline)?;
        writeln!(f, "rule:\n{}", self.rule)?;
        write!(f, "event: {}", self.event)
    }
}

// ---- vocabulary ----

/// Field names of rules (Sigma taxonomy and short ones).
const RULE_FIELDS: &[&str] = &[
    "Image",
    "CommandLine",
    "User",
    "ParentImage",
    "a",
    "b.c",
    "x",
    "Image.x",
];

/// Field names of events (what the mappings map to), and the rule's own.
const EVENT_FIELDS: &[&str] = &[
    "proc.exe",
    "proc.cmdline",
    "process.binary",
    "process.arguments",
    "user.name",
    "kind",
    "apiVersion",
    "a",
    "b.c",
    "Image",
    "CommandLine",
    "evt.Image",
    "Image_s",
];

/// Odd strings: empty, spaces, quotes, wildcards, escapes, unicode, placeholders, regex text.
const ODD: &[&str] = &[
    "",
    " ",
    "a",
    "*",
    "?",
    "\\",
    "\\*",
    "'",
    "\"",
    "#x",
    ": x",
    "- x",
    "İ",
    "ß",
    "é",
    "\u{0}",
    "\t",
    "%admins%",
    "%nope%",
    "${1}",
    "$1",
    "\\1",
    "(",
    "a.b",
    "true",
    "null",
    "1e400",
    "CamelCase",
    "snake_Case X",
    "~",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2.5",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1e400",
    ".nan",
    ".inf",
    "0x10",
    "0o7",
];

const REGEXES: &[&str] = &[
    "^C:\\\\Windows\\\\(.*)$",
    "(.*)",
    "a",
    ".*",
    "\\*",
    "^/usr/(?P<rest>.*)",
    "(",
    "[a-",
    "x{1000}{1000}",
    "(?i)image",
    "",
    "é",
    "\\\\",
    "^",
];

const TAGS: &[&str] = &["attack.execution", "attack.t1059", "cve.2024", "x"];

/// Single-quoted YAML scalar.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn word(d: &mut impl Draw, vocab: &[&str]) -> String {
    if d.one_in(10) {
        quote(d.one::<&str>(ODD))
    } else {
        quote(d.one::<&str>(vocab))
    }
}

/// A YAML scalar of any type, mostly strings.
fn lit(d: &mut impl Draw) -> String {
    match d.pick(10) {
        0 => "null".to_owned(),
        1 => (*d.one(&["true", "false"])).to_owned(),
        2 => (*d.one(NUMBERS)).to_owned(),
        3 => quote(d.one::<&str>(ODD)),
        _ => quote(d.one::<&str>(&["root", "admin", "adm*", "/bin/sh", "sh", "*nc*", "x", "5"])),
    }
}

/// One value or a flow list of them (now and then empty or nested).
fn lits(d: &mut impl Draw) -> String {
    match d.pick(8) {
        0 => "[]".to_owned(),
        1 => "[[a]]".to_owned(),
        2 | 3 => {
            let n = 1 + d.pick(3);
            let v: Vec<String> = (0..n).map(|_| lit(d)).collect();
            format!("[{}]", v.join(", "))
        }
        _ => lit(d),
    }
}

/// Something of the wrong shape for an argument.
fn wrong(d: &mut impl Draw) -> String {
    (*d.one(&["[]", "{}", "[a, b]", "{a: b}", "null", "5", "true", "''"])).to_owned()
}

// ---- transformations ----

fn logsource_args(d: &mut impl Draw) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["product", "category", "service"] {
        if d.flag() {
            let v = word(
                d,
                &["linux", "windows", "process_creation", "falco", "test"],
            );
            out.push(format!("{key}: {v}"));
        }
    }
    out
}

fn field_map(d: &mut impl Draw, values_many: bool) -> String {
    let n = d.pick(4);
    let mut entries = Vec::new();
    for _ in 0..n {
        let k = word(d, RULE_FIELDS);
        let v = if values_many && d.one_in(3) {
            let m = d.pick(4);
            let vs: Vec<String> = (0..m).map(|_| word(d, EVENT_FIELDS)).collect();
            format!("[{}]", vs.join(", "))
        } else if d.one_in(12) {
            wrong(d)
        } else {
            word(d, EVENT_FIELDS)
        };
        entries.push(format!("{k}: {v}"));
    }
    format!("{{{}}}", entries.join(", "))
}

/// The arguments of a transformation of `kind`, as `key: value` pairs.
fn arguments(d: &mut impl Draw, kind: &str) -> Vec<String> {
    let mut args = Vec::new();
    match kind {
        "field_name_mapping" => args.push(format!("mapping: {}", field_map(d, true))),
        "field_name_prefix_mapping" => {
            let n = d.pick(3);
            let e: Vec<String> = (0..n)
                .map(|_| {
                    let k = word(d, &["Im", "Parent", "b.", "", "C"]);
                    let v = word(d, &["proc.", "p_", "", "evt."]);
                    format!("{k}: {v}")
                })
                .collect();
            args.push(format!("mapping: {{{}}}", e.join(", ")));
        }
        "field_name_prefix" => args.push(format!("prefix: {}", word(d, &["evt.", "p_", "", "a."]))),
        "field_name_suffix" => args.push(format!(
            "suffix: {}",
            word(d, &["_s", ".x", "", "|contains"])
        )),
        "change_logsource" => args.extend(logsource_args(d)),
        "add_condition" => {
            let n = d.pick(3);
            let e: Vec<String> = (0..n)
                .map(|_| {
                    let f = d.one(RULE_FIELDS);
                    let m = d.one(&["", "|contains", "|startswith", "|re", "|nope", "|all"]);
                    format!("{}: {}", quote(&format!("{f}{m}")), lits(d))
                })
                .collect();
            args.push(format!("conditions: {{{}}}", e.join(", ")));
            if d.flag() {
                let name = word(d, &["sel", "_c", "cond1", "not", "a b", "1 of"]);
                args.push(format!("name: {name}"));
            }
            if d.flag() {
                args.push(format!("negated: {}", d.one(&["true", "false", "yes"])));
            }
            if d.one_in(8) {
                args.push(format!("template: {}", d.one(&["true", "false"])));
            }
        }
        "replace_string" => {
            args.push(format!("regex: {}", quote(d.one::<&str>(REGEXES))));
            args.push(format!(
                "replacement: {}",
                word(d, &["/usr/bin/\\1", "${rest}", "$1", "x", "", "*", "\\"])
            ));
            if d.one_in(6) {
                args.push(format!("skip_special: {}", d.one(&["true", "false"])));
            }
        }
        "map_string" => args.push(format!("mapping: {}", {
            let n = d.pick(3);
            let e: Vec<String> = (0..n)
                .map(|_| {
                    let k = word(d, &["sh", "/bin/sh", "*nc*", "admin", "5"]);
                    format!("{k}: {}", lits(d))
                })
                .collect();
            format!("{{{}}}", e.join(", "))
        })),
        "set_value" => {
            args.push(format!("value: {}", lit(d)));
            if d.flag() {
                args.push(format!("force_type: {}", d.one(&["str", "num", "bool"])));
            }
        }
        "value_placeholders" => {
            for key in ["include", "exclude"] {
                if d.one_in(3) {
                    let v = d.one(&["[admins]", "[nope]", "[]", "admins", "[admins, n]"]);
                    args.push(format!("{key}: {v}"));
                }
            }
        }
        "case" => args.push(format!(
            "method: {}",
            d.one(&["lower", "upper", "snake_case", "title"])
        )),
        "rule_failure" | "detection_item_failure" => {
            args.push(format!("message: {}", word(d, &["unsupported", "no"])))
        }
        _ => {}
    }
    if d.one_in(10) {
        // A missing or mistyped argument, or one another type takes.
        match d.pick(3) {
            0 => {
                args.pop();
            }
            1 => {
                if let Some(last) = args.last_mut() {
                    let key = last.split(':').next().unwrap_or("x").to_owned();
                    *last = format!("{key}: {}", wrong(d));
                }
            }
            _ => args.push(format!("{}: x", d.one(&["mapping", "prefix", "bogus"]))),
        }
    }
    args
}

// ---- conditions ----

fn rule_condition(d: &mut impl Draw) -> String {
    let body = match d.pick(7) {
        0 => {
            let mut a = vec!["type: logsource".to_owned()];
            a.extend(logsource_args(d));
            a
        }
        1 => vec!["type: tag".into(), format!("tag: {}", word(d, TAGS))],
        2 => vec![
            "type: contains_detection_item".into(),
            format!("field: {}", word(d, RULE_FIELDS)),
            format!("value: {}", lit(d)),
        ],
        3 => {
            let mut a = vec![
                "type: rule_attribute".into(),
                format!(
                    "attribute: {}",
                    word(d, &["level", "status", "id", "title", "custom"])
                ),
                format!(
                    "value: {}",
                    word(d, &["high", "low", "test", "stable", "r", "5"])
                ),
            ];
            if d.flag() {
                a.push(format!(
                    "op: {}",
                    d.one(&["eq", "ne", "gte", "gt", "lte", "lt", "like"])
                ));
            }
            a
        }
        4 => vec![
            "type: processing_item_applied".into(),
            format!("processing_item_id: {}", word(d, &["t0", "t1", "t2", "x"])),
        ],
        5 => vec!["type: is_sigma_rule".into()],
        _ => vec![format!(
            "type: {}",
            d.one(&["nope", "include_fields", "match_string"])
        )],
    };
    format!("{{{}}}", body.join(", "))
}

fn item_condition(d: &mut impl Draw) -> String {
    let mut a = match d.pick(3) {
        0 | 1 => vec![
            "type: match_string".into(),
            format!("pattern: {}", quote(d.one::<&str>(REGEXES))),
        ],
        _ => vec!["type: is_null".into()],
    };
    if d.flag() {
        a.push(format!("cond: {}", d.one(&["any", "all", "some"])));
    }
    if d.one_in(3) {
        a.push(format!("negate: {}", d.one(&["true", "false"])));
    }
    format!("{{{}}}", a.join(", "))
}

fn field_condition(d: &mut impl Draw) -> String {
    let kind = d.one(&["include_fields", "exclude_fields"]);
    let n = d.pick(3);
    let fields: Vec<String> = (0..n)
        .map(|_| {
            if d.flag() {
                word(d, RULE_FIELDS)
            } else {
                quote(d.one::<&str>(REGEXES))
            }
        })
        .collect();
    let mut a = vec![
        format!("type: {kind}"),
        format!("fields: [{}]", fields.join(", ")),
    ];
    if d.flag() {
        a.push(format!("mode: {}", d.one(&["plain", "re", "glob"])));
    }
    format!("{{{}}}", a.join(", "))
}

/// The `*_conditions` keys of one processing item, for one kind of condition.
fn conditions<D: Draw>(d: &mut D, prefix: &str, one: fn(&mut D) -> String) -> Vec<String> {
    let mut out = Vec::new();
    let n = 1 + d.pick(3);
    let newer = d.one_in(4);
    let (op_key, not_key, expr_key) = if newer {
        (
            "condition_linking",
            "condition_negation",
            "condition_expression",
        )
    } else {
        ("cond_op", "cond_not", "cond_expr")
    };
    if d.one_in(3) {
        // Named conditions with an expression over the names.
        let names = ["c1", "c2", "x1"];
        let items: Vec<String> = (0..n)
            .map(|i| format!("{}: {}", names[i], one(d)))
            .collect();
        out.push(format!("{prefix}_conditions: {{{}}}", items.join(", ")));
        let expr = d.one(&[
            "c1",
            "c1 and not c2",
            "1 of c*",
            "all of them",
            "c1 or x1",
            "c3",
            "(c1",
            "",
            "not not c1",
        ]);
        if !d.one_in(8) {
            out.push(format!("{prefix}_{expr_key}: {}", quote(expr)));
        }
    } else {
        let items: Vec<String> = (0..n).map(|_| one(d)).collect();
        out.push(format!("{prefix}_conditions: [{}]", items.join(", ")));
        if d.flag() {
            let op = d.one(&["and", "or", "xor", "AND"]);
            out.push(format!("{prefix}_{op_key}: {op}"));
        }
    }
    if d.one_in(4) {
        let v = d.one(&["true", "false", "maybe"]);
        out.push(format!("{prefix}_{not_key}: {v}"));
    }
    out
}

fn processing_item(d: &mut impl Draw, index: usize) -> String {
    let mut keys = Vec::new();
    if d.flag() {
        keys.push(format!("id: t{index}"));
    }
    let kind = if d.one_in(20) {
        *d.one(&["nope", "add_field", ""])
    } else {
        *d.one(adsigma_pipeline::TRANSFORMATION_TYPES)
    };
    if !d.one_in(30) {
        keys.push(format!("type: {}", quote(kind)));
    }
    keys.extend(arguments(d, kind));
    if d.one_in(3) {
        keys.extend(conditions(d, "rule", rule_condition));
    }
    if d.one_in(4) {
        keys.extend(conditions(d, "detection_item", item_condition));
    }
    if d.one_in(4) {
        keys.extend(conditions(d, "field_name", field_condition));
    }
    if d.one_in(25) {
        keys.push("unknown_key: 1".into());
    }
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        out.push_str(if i == 0 { "  - " } else { "    " });
        out.push_str(k);
        out.push('\n');
    }
    if keys.is_empty() {
        out.push_str("  - {}\n");
    }
    out
}

// ---- recognizers, derived fields ----

fn test(d: &mut impl Draw, depth: usize) -> String {
    let leaf = depth >= 3 || d.pick(3) > 0;
    if leaf {
        let field = word(d, EVENT_FIELDS);
        match d.pick(4) {
            0 => format!(
                "{{field: {field}, exists: {}}}",
                d.one(&["true", "false", "1"])
            ),
            1 => format!("{{field: {field}, equals: {}}}", lits(d)),
            2 => format!(
                "{{field: {field}, glob: {}}}",
                d.one(&["'*'", "'/bin/*'", "'?'", "[a*, '*b']", "''", "'**?*'", "[]"])
            ),
            _ => format!("{{field: {field}}}"),
        }
    } else {
        match d.pick(4) {
            0 => format!("{{not: {}}}", test(d, depth + 1)),
            1 => format!("{{not: [{}]}}", test(d, depth + 1)),
            2 => {
                let n = d.pick(3);
                let t: Vec<String> = (0..n).map(|_| test(d, depth + 1)).collect();
                format!("{{any: [{}]}}", t.join(", "))
            }
            _ => {
                let n = d.pick(3);
                let t: Vec<String> = (0..n).map(|_| test(d, depth + 1)).collect();
                format!("{{all: [{}]}}", t.join(", "))
            }
        }
    }
}

fn recognizer(d: &mut impl Draw) -> String {
    let mut out = String::new();
    let ls = logsource_args(d);
    if !d.one_in(20) {
        out.push_str(&format!("  - logsource: {{{}}}\n", ls.join(", ")));
    } else {
        out.push_str("  - logsource: linux\n");
    }
    if !d.one_in(20) {
        let n = d.pick(3) + usize::from(!d.one_in(10));
        let t: Vec<String> = (0..n).map(|_| test(d, 0)).collect();
        out.push_str(&format!("    when: [{}]\n", t.join(", ")));
    }
    out
}

fn derived(d: &mut impl Draw) -> String {
    let mut keys = Vec::new();
    if !d.one_in(20) {
        keys.push(format!(
            "name: {}",
            word(d, &["CommandLine", "proc.line", "a", "b.c.d", ""])
        ));
    }
    if !d.one_in(20) {
        let n = d.pick(4);
        let f: Vec<String> = (0..n).map(|_| word(d, EVENT_FIELDS)).collect();
        keys.push(format!("concat: [{}]", f.join(", ")));
    }
    if d.flag() {
        keys.push(format!("separator: {}", word(d, &[" ", "", ",", "--"])));
    }
    format!("  - {{{}}}\n", keys.join(", "))
}

/// The pipeline file.
fn pipeline(d: &mut impl Draw) -> String {
    let mut out = String::new();
    match d.pick(20) {
        0 => {}
        1 => out.push_str(&format!("name: {}\n", wrong(d))),
        _ => out.push_str(&format!("name: {}\n", word(d, &["p", "falco", "x y"]))),
    }
    if d.one_in(3) {
        out.push_str(&format!("description: {}\n", word(d, &["One line.", ""])));
    }
    if d.one_in(3) {
        out.push_str(&format!("priority: {}\n", d.one(NUMBERS)));
    }
    if d.one_in(3) {
        let v = d.one(&[
            "{admins: [root, 'adm*'], n: [1, 2.5, null]}",
            "{admins: root}",
            "{admins: []}",
            "[admins]",
            "{admins: [{a: b}]}",
        ]);
        out.push_str(&format!("vars: {v}\n"));
    }
    if !d.one_in(6) {
        out.push_str("transformations:\n");
        let n = d.pick(5);
        for i in 0..n {
            out.push_str(&processing_item(d, i));
        }
        if n == 0 {
            out.push_str("  []\n");
        }
    }
    if d.one_in(3) {
        out.push_str("recognizers:\n");
        let n = 1 + d.pick(2);
        for _ in 0..n {
            out.push_str(&recognizer(d));
        }
    }
    if d.one_in(3) {
        out.push_str("derived_fields:\n");
        let n = 1 + d.pick(2);
        for _ in 0..n {
            out.push_str(&derived(d));
        }
    }
    match d.pick(40) {
        0 => out.push_str("postprocessing: []\n"),
        1 => out.push_str("bogus: 1\n"),
        2 => out.push_str("transformations: {a: b}\n"),
        3 => out.push_str("  - : [\n"),
        4 => out = format!("- {out}"),
        _ => {}
    }
    out
}

// ---- rule, event ----

fn rule(d: &mut impl Draw) -> String {
    let mut out = String::from("title: r\n");
    if d.flag() {
        out.push_str("id: 0b6f7d4e-5a6e-4a3b-9a8f-1c2d3e4f5a6b\n");
    }
    if d.flag() {
        out.push_str(&format!(
            "status: {}\n",
            d.one(&["test", "stable", "experimental"])
        ));
    }
    if d.flag() {
        out.push_str(&format!("level: {}\n", d.one(&["low", "high", "critical"])));
    }
    if d.flag() {
        let n = 1 + d.pick(2);
        let t: Vec<&str> = (0..n).map(|_| *d.one(TAGS)).collect();
        out.push_str(&format!("tags: [{}]\n", t.join(", ")));
    }
    let ls = logsource_args(d);
    out.push_str(&format!("logsource: {{{}}}\n", ls.join(", ")));
    out.push_str("detection:\n");
    let n = 1 + d.pick(2);
    let mut names = Vec::new();
    for i in 0..n {
        let name = if d.one_in(6) {
            format!("_cond_{i}")
        } else {
            format!("sel{i}")
        };
        out.push_str(&format!("  {name}:\n"));
        if d.one_in(5) {
            // Keywords.
            out.push_str(&format!(
                "    - {}\n",
                quote(d.one::<&str>(&["sh", "*nc*", "x"]))
            ));
        } else {
            let m = 1 + d.pick(3);
            let mut seen = Vec::new();
            for _ in 0..m {
                let field = *d.one(RULE_FIELDS);
                let chain = *d.one(&[
                    "",
                    "",
                    "|contains",
                    "|endswith",
                    "|startswith",
                    "|re",
                    "|expand",
                    "|contains|all",
                    "|cidr",
                    "|exists",
                    "|windash",
                    "|base64offset|contains",
                    "|cased",
                    "|gt",
                    "|fieldref",
                ]);
                let key = format!("{field}{chain}");
                if seen.contains(&key) {
                    continue;
                }
                let value = match chain {
                    "|exists" => (*d.one(&["true", "false"])).to_owned(),
                    "|cidr" => quote(d.one::<&str>(&["10.0.0.0/8", "::1/128"])),
                    "|gt" => (*d.one(&["1", "2.5"])).to_owned(),
                    "|fieldref" => quote(d.one::<&str>(RULE_FIELDS)),
                    "|expand" => quote(d.one::<&str>(&["%admins%", "x%n%", "%nope%"])),
                    "|re" => quote(d.one::<&str>(&["^/bin/.*", "a+", "(?i)sh"])),
                    _ => lits(d),
                };
                out.push_str(&format!("    {}: {value}\n", quote(&key)));
                seen.push(key);
            }
        }
        names.push(name);
    }
    let cond = match d.pick(4) {
        0 => format!("{} or not {}", names[0], names[names.len() - 1]),
        1 => "1 of sel*".to_owned(),
        2 => "all of them".to_owned(),
        _ => names[0].clone(),
    };
    out.push_str(&format!("  condition: {cond}\n"));
    out
}

fn event_value(d: &mut impl Draw) -> Value {
    match d.pick(8) {
        0 => Value::Null,
        1 => json!(d.pick(3) as i64 - 1),
        2 => json!(["sh", "-c", "x"]),
        3 => json!({"x": "nested"}),
        4 => Value::Bool(d.flag()),
        _ => Value::String(
            (*d.one(&[
                "/bin/sh",
                "sh",
                "root",
                "admin",
                "adm1",
                "nc -e",
                "",
                "Event",
                "/usr/bin/nc",
                "10.0.0.1",
            ]))
            .to_owned(),
        ),
    }
}

fn event(d: &mut impl Draw) -> Value {
    let mut m = Map::new();
    let n = d.pick(6);
    for _ in 0..n {
        let key = *d.one(EVENT_FIELDS);
        m.insert(key.to_owned(), event_value(d));
    }
    if d.one_in(4) {
        m.insert(
            "proc".into(),
            json!({"exe": "/bin/sh", "cmdline": "sh -c x"}),
        );
    }
    Value::Object(m)
}

/// Builds a case from choices.
pub fn generate(d: &mut impl Draw) -> PipelineCase {
    PipelineCase {
        pipeline: pipeline(d),
        rule: rule(d),
        event: event(d),
    }
}

// ---- the check ----

/// The pipeline file's id in the check (the rule's is 0).
const PIPELINE_FILE: FileId = FileId(1);

/// Every span of every diagnostic is a slice of the text of its file: the pipeline's
/// ([`PIPELINE_FILE`]) or the rule's.
fn check_positions(diags: &[Diagnostic], what: &str, case: &PipelineCase) {
    for d in diags {
        for label in std::iter::once(&d.primary).chain(&d.labels) {
            let text = if label.span.file == PIPELINE_FILE {
                &case.pipeline
            } else {
                &case.rule
            };
            let r = label.span.range();
            assert!(
                text.get(r.clone()).is_some(),
                "{what} diagnostic {} `{}` has span {r:?} in {:?}, not a slice of its {}-byte text\n{case:?}",
                d.code,
                d.message,
                label.span.file,
                text.len()
            );
        }
    }
}

/// `pipeline`: parsing the pipeline never panics and every error lies inside its text; a
/// pipeline that parses survives `to_yaml` -> parse unchanged; applying it to the rule never
/// panics and gives either positioned errors or a rule whose emitted YAML parses back to a
/// rule without errors, and which compiles or fails with diagnostics; recognising and
/// deriving on the event never panic, the derived event evaluates, and a program computing
/// the derived fields itself gives the same matches and explanations.
/// Cases with a [`known_issue`] are skipped (from the point the issue shows).
pub fn check_pipeline(case: &PipelineCase) {
    check(case, true)
}

/// [`check_pipeline`] without skipping the [`known_issue`]s: fails on them until they are
/// fixed (the `known_bug_pipeline_*` tests of `fuzz/tests/replay.rs` run it).
pub fn check_pipeline_strict(case: &PipelineCase) {
    check(case, false)
}

fn check(case: &PipelineCase, skip_known: bool) {
    let text = &case.pipeline;
    let pipeline = match Pipeline::parse("fuzz.yml", PIPELINE_FILE, text) {
        Ok(p) => p,
        Err(diags) => {
            assert!(
                diags.iter().any(Diagnostic::is_error),
                "Pipeline::parse failed without an error: {diags:?}\n{case:?}"
            );
            assert!(
                diags.iter().all(|d| d.span().file == PIPELINE_FILE),
                "Pipeline::parse gives diagnostics of another file: {diags:?}\n{case:?}"
            );
            check_positions(&diags, "pipeline", case);
            return;
        }
    };
    if skip_known && known_issue(&pipeline, &[]).is_some() {
        return;
    }
    let yaml = pipeline.to_yaml();
    match Pipeline::parse("again.yml", PIPELINE_FILE, &yaml) {
        Ok(again) => assert!(
            again == pipeline,
            "to_yaml does not parse back to the same pipeline\nemitted:\n{yaml}\nparsed: \
             {pipeline:#?}\nagain: {again:#?}\n{case:?}"
        ),
        Err(diags) => panic!(
            "to_yaml gives a pipeline that does not parse: {:#?}\nemitted:\n{yaml}\n{case:?}",
            diags.iter().map(|d| d.to_string()).collect::<Vec<_>>()
        ),
    }

    // The event: recognising and deriving never panic, whatever the rule.
    let _ = pipeline.recognize(&case.event);
    let derived = pipeline.derive(&case.event);
    let _ = pipeline.recognize(&derived);

    let parsed = parse_str(&case.rule, FileId(0), &Limits::default());
    let Some(Document::Rule(rule)) = parsed.documents.first() else {
        return;
    };
    if parsed.has_errors() {
        return;
    }
    let _ = pipeline.is_relevant(rule);
    let _ = pipeline.check(rule);
    let _ = adsigma_pipeline::rule_fields(rule);
    let mapped = match pipeline.apply(rule) {
        Ok(r) => r,
        Err(diags) => {
            assert!(
                !diags.is_empty() && diags.iter().any(Diagnostic::is_error),
                "apply failed without an error: {diags:?}\n{case:?}"
            );
            check_positions(&diags, "apply", case);
            return;
        }
    };
    let emitted = emit::to_yaml(&Document::Rule(mapped.clone()));
    let back = parse_str(&emitted, FileId(2), &Limits::default());
    let errors: Vec<&Diagnostic> = back.diagnostics.iter().filter(|d| d.is_error()).collect();
    if skip_known && known_issue(&pipeline, &errors).is_some() {
        return;
    }
    let errors: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
    assert!(
        errors.is_empty() && matches!(back.documents.as_slice(), [Document::Rule(_)]),
        "the transformed rule, emitted, does not parse back to a rule: {errors:#?}\n\
         emitted:\n{emitted}\n{case:?}"
    );
    compile_and_run(&pipeline, &mapped, &derived, case);
}

/// The transformed rule compiles (with the pipeline's placeholders) or fails with
/// diagnostics; if it compiles, it evaluates the derived event.
fn compile_and_run(
    pipeline: &Pipeline,
    mapped: &Rule,
    event: &dyn adsigma_engine::Event,
    case: &PipelineCase,
) {
    let config = EngineConfig {
        placeholders: pipeline.placeholders(),
        unresolved_placeholders: UnresolvedPlaceholders::Error,
        ..EngineConfig::default()
    };
    let (program, diags) = adsigma_engine::compile([mapped], &config);
    if program.is_empty() {
        assert!(
            diags.iter().any(Diagnostic::is_error),
            "the transformed rule does not compile, and no error says why\n{case:?}"
        );
        return;
    }
    let mut scratch = adsigma_engine::Scratch::new();
    let mut out = Vec::new();
    program.matching_rules(event, None, &mut scratch, &mut out);
    // The program computing the derived fields itself (as an engine's lane does, capturing
    // their parts during its walk) agrees with the program given the derived event.
    let native = program
        .subset(|_| true)
        .with_derived(pipeline.derived_fields.clone());
    let mut got = Vec::new();
    native.matching_rules(&case.event, None, &mut scratch, &mut got);
    assert_eq!(
        got, out,
        "a program computing the derived fields disagrees with the derived event\n{case:?}"
    );
    for &r in &out {
        assert_eq!(
            native.explain(r as usize, &case.event, &mut scratch),
            program.explain(r as usize, event, &mut scratch),
            "explanations differ with derived fields computed by the program\n{case:?}"
        );
    }
}

/// Why a parsed pipeline is known to break a check, if it is: the target skips such cases
/// so that it keeps finding new problems (and CI stays green). `emitted_errors` are the
/// errors of the transformed rule's emitted YAML, when that stage was reached. Each reason
/// names an ignored test of `fuzz/tests/replay.rs` that fails until the bug is fixed; delete
/// the reason with the fix. None is known now (the five bugs found so far are fixed; their
/// inputs are in `regressions/pipeline/`).
pub fn known_issue(pipeline: &Pipeline, emitted_errors: &[&Diagnostic]) -> Option<&'static str> {
    let _ = (pipeline, emitted_errors);
    None
}

/// How far a case gets: whether its pipeline parses, and whether it then applies to its rule
/// (for the seed writer and its test in `tests/replay.rs`).
pub fn reach(case: &PipelineCase) -> (bool, bool) {
    let Ok(pipeline) = Pipeline::parse("fuzz.yml", PIPELINE_FILE, &case.pipeline) else {
        return (false, false);
    };
    let parsed = parse_str(&case.rule, FileId(0), &Limits::default());
    let applied = match parsed.documents.first() {
        Some(Document::Rule(rule)) if !parsed.has_errors() => pipeline.apply(rule).is_ok(),
        _ => false,
    };
    (true, applied)
}
