//! pySigma's validators, with pySigma's names and meaning (sigma/validators/core).

use crate::codes as c;
use crate::walk;
use crate::{Ctx, Doc};
use adsigma_syntax::condition::{ExprKind, Pattern, Quantifier};
use adsigma_syntax::value::{Modifier, NumberValue, Piece, SigmaString, ValueKind};
use adsigma_syntax::{Diagnostic, Document, Spanned};
use std::collections::HashMap;

/// Validators of one document.
pub fn document(cx: &Ctx<'_>, d: &Doc<'_>, out: &mut Vec<Diagnostic>) {
    let meta = d.document.meta();
    let start = d.document.span().shrink_to_start();
    if meta.id.is_none() {
        out.push(Diagnostic::new(
            c::IDENTIFIER_EXISTENCE,
            meta.title.as_ref().map_or(start, |t| t.span),
            format!("the {} has no `id`", d.document.kind_name()),
        ));
    }
    // duplicate_references
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for r in &meta.references {
        if let Some(first) = seen.get(r.value.as_str()) {
            out.push(
                Diagnostic::new(
                    c::DUPLICATE_REFERENCES,
                    r.span,
                    format!("reference `{}` is listed twice", r.value),
                )
                .with_label(first.span, "first listed here"),
            );
        } else {
            seen.insert(&r.value, r);
        }
    }
    // custom_attributes: pySigma reports the first known misspelling.
    const TYPOS: &[&str] = &["realted", "relatde", "relted", "rlated", "reference"];
    if let Some((k, _)) = meta
        .custom
        .iter()
        .find(|(k, _)| TYPOS.contains(&k.value.as_str()))
    {
        out.push(Diagnostic::new(
            c::CUSTOM_ATTRIBUTES,
            k.span,
            format!(
                "attribute `{}` looks like a misspelling of a Sigma attribute",
                k.value
            ),
        ));
    }
    tags(meta.tags.as_slice(), out);
    filename(cx, d, out);
    if let Document::Rule(rule) = d.document {
        for (k, _) in &rule.logsource.custom {
            out.push(Diagnostic::new(
                c::FIELDNAME_LOGSOURCE,
                k.span,
                format!(
                    "`logsource.{}` is not a logsource attribute of Sigma",
                    k.value
                ),
            ));
        }
        specific_logsource(rule, out);
    }
    if let Some(det) = walk::detection(d.document) {
        conditions(det, out);
        values(det, out);
    }
}

fn filename(cx: &Ctx<'_>, d: &Doc<'_>, out: &mut Vec<Diagnostic>) {
    let Some(name) = cx.file_name(d.file) else {
        return;
    };
    let n = name.chars().count();
    if !(10..=90).contains(&n) {
        out.push(Diagnostic::new(
            c::FILENAME_LENGTH,
            d.document.span().shrink_to_start(),
            format!("file name `{name}` has {n} characters; 10 to 90 are expected"),
        ));
    }
}

fn tags(tags: &[Spanned<String>], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Spanned<String>> = HashMap::new();
    for t in tags {
        if let Some(first) = seen.get(t.value.as_str()) {
            out.push(
                Diagnostic::new(
                    c::DUPLICATE_TAG,
                    t.span,
                    format!("tag `{}` is listed twice", t.value),
                )
                .with_label(first.span, "first listed here"),
            );
        } else {
            seen.insert(&t.value, t);
        }
        let Some((ns, name)) = t.value.split_once('.') else {
            continue; // tag_format (S110) reports it
        };
        let bad =
            |code, what: &str| Diagnostic::new(code, t.span, format!("tag `{}` {what}", t.value));
        match ns {
            "attack" => {} // A1xx (attacktag) against the embedded catalogue
            "car" if !car(name) => out.push(bad(c::CAR_TAG, "is not of the form car.NNNN-NN-NNN")),
            "cve" if !cve(name) => out.push(bad(c::CVE_TAG, "is not of the form cve.YYYY-NNNN")),
            "d3fend" if !d3fend(name) => {
                out.push(bad(c::D3FEND_TAG, "is not a D3FEND tactic or technique id"))
            }
            "detection" if !detection_tag(name) => out.push(bad(
                c::DETECTION_TAG,
                "is not detection.dfir, detection.emerging-threats or detection.threat-hunting",
            )),
            "stp" if !stp(name) => out.push(bad(c::STP_TAG, "is not of the form stp.N[a|u|k]")),
            "tlp" => {
                const V1: &[&str] = &["white", "green", "amber", "red"];
                const V2: &[&str] = &["clear", "green", "amber", "amber-strict", "red"];
                if !V1.contains(&name) && !V2.contains(&name) {
                    out.push(bad(c::TLP_TAG, "is not a TLP colour"));
                }
                if !V1.contains(&name) {
                    out.push(bad(c::TLPV1_TAG, "is not a TLP 1.0 colour"));
                }
                if !V2.contains(&name) {
                    out.push(bad(c::TLPV2_TAG, "is not a TLP 2.0 colour"));
                }
            }
            "car" | "cve" | "d3fend" | "detection" | "stp" => {}
            _ => out.push(bad(
                c::NAMESPACE_TAG,
                &format!("has namespace `{ns}`, which Sigma does not define"),
            )),
        }
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `\d{4}-\d{2}-\d{3}$`, anchored at the start as Python's `match`.
fn car(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    p.len() == 3 && digits(p[0], 4) && digits(p[1], 2) && digits(p[2], 3)
}

/// `^\d+-\d+$`.
fn cve(s: &str) -> bool {
    s.split_once('-').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|x| x.is_ascii_digit())
            && b.bytes().all(|x| x.is_ascii_digit())
    })
}

/// A D3FEND tactic or a technique id `d3-xxx` (adsigma embeds no D3FEND catalogue, so
/// technique ids are checked for form only).
fn d3fend(s: &str) -> bool {
    const TACTICS: &[&str] = &[
        "model", "harden", "detect", "isolate", "deceive", "evict", "restore",
    ];
    TACTICS.contains(&s)
        || s.strip_prefix("d3-").is_some_and(|r| {
            !r.is_empty()
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `dfir|emerging-threats|threat-hunting`, matched at the start as Python's `match`.
fn detection_tag(s: &str) -> bool {
    ["dfir", "emerging-threats", "threat-hunting"]
        .iter()
        .any(|p| s.starts_with(p))
}

/// `^[1-5]{1}[auk]{0,1}$`.
fn stp(s: &str) -> bool {
    let b = s.as_bytes();
    match b {
        [d] => (b'1'..=b'5').contains(d),
        [d, x] => (b'1'..=b'5').contains(d) && matches!(x, b'a' | b'u' | b'k'),
        _ => false,
    }
}

fn specific_logsource(rule: &adsigma_syntax::Rule, out: &mut Vec<Diagnostic>) {
    let ls = &rule.logsource;
    if ls.product.as_ref().map(|p| p.value.as_str()) != Some("windows") {
        return;
    }
    let service = ls.service.as_ref().map(|s| s.value.as_str());
    let table: &[(i64, &str)] = match service {
        Some("sysmon") => &[
            (1, "process_creation"),
            (2, "file_change"),
            (3, "network_connection"),
            (4, "sysmon_status"),
            (5, "process_termination"),
            (6, "driver_load"),
            (7, "image_load"),
            (8, "create_remote_thread"),
            (9, "raw_access_thread"),
            (10, "process_access"),
            (11, "file_event"),
            (12, "registry_event"),
            (13, "registry_event"),
            (14, "registry_event"),
            (15, "create_stream_hash"),
            (16, "sysmon_status"),
            (17, "pipe_created"),
            (18, "pipe_created"),
            (19, "wmi_event"),
            (20, "wmi_event"),
            (21, "wmi_event"),
            (22, "dns_query"),
            (23, "file_delete"),
            (24, "clipboard_change"),
            (25, "process_tampering"),
            (26, "file_delete_detected"),
            (27, "file_block_executable"),
            (28, "file_block_shredding"),
            (29, "file_executable_detected"),
            (255, "sysmon_error"),
        ],
        Some("security") => &[(4688, "process_creation")],
        _ => return,
    };
    let det = &rule.detection;
    for item in walk::items(det) {
        if item.field.as_ref().map(|f| f.value.as_str()) != Some("EventID") {
            continue;
        }
        for v in &item.values {
            if let ValueKind::Number(n) = &v.kind {
                if let NumberValue::Int(id) = n.value {
                    if let Some((_, generic)) = table.iter().find(|(i, _)| *i == id) {
                        out.push(Diagnostic::new(
                            c::SPECIFIC_INSTEAD_OF_GENERIC_LOGSOURCE,
                            v.span,
                            format!(
                                "EventID {id} of windows/{} has the generic logsource category `{generic}`",
                                service.unwrap_or_default()
                            ),
                        ));
                    }
                }
            }
        }
    }
}

fn conditions(det: &adsigma_syntax::Detection, out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = det
        .identifiers
        .iter()
        .map(|i| i.name.value.as_str())
        .collect();
    let mut all_of_them = None;
    let mut them = None;
    for cond in &det.conditions {
        cond.expr.walk(&mut |e| {
            if let ExprKind::Quantified(q, Pattern::Them) = &e.kind {
                them.get_or_insert(cond.text.span);
                if *q == Quantifier::All {
                    all_of_them.get_or_insert(cond.text.span);
                }
            }
        });
    }
    if let Some(span) = all_of_them {
        out.push(Diagnostic::new(
            c::ALL_OF_THEM_CONDITION,
            span,
            "the condition uses `all of them`",
        ));
    }
    if let (Some(span), 1) = (them, names.len()) {
        out.push(Diagnostic::new(
            c::THEM_CONDITION_WITH_SINGLE_DETECTION,
            span,
            format!(
                "the condition says `them`, but the detection has only `{}`",
                names[0]
            ),
        ));
    }
}

/// True when pySigma's `int()` accepts the text (sign, ASCII digits, `_` between digits).
fn python_int(s: &str) -> bool {
    let t = s.trim();
    if t.len() != s.len() && s.contains(' ') {
        return false;
    }
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && !t.starts_with('_')
        && !t.ends_with('_')
        && !t.contains("__")
}

fn values(det: &adsigma_syntax::Detection, out: &mut Vec<Diagnostic>) {
    walk::values(det, |v, mods| {
        let Some(s) = walk::string(v) else { return };
        if walk::string_validators_skip(mods) {
            return;
        }
        let position = mods.iter().any(|m| m.value.is_position());
        if s.pieces
            .iter()
            .any(|p| matches!(p, Piece::Escaped('*' | '?')))
        {
            out.push(Diagnostic::new(
                c::ESCAPED_WILDCARD,
                v.span,
                format!("`{s}` has an escaped wildcard: it matches a literal `*` or `?`"),
            ));
        }
        if let [Piece::Literal(t)] = s.pieces.as_slice() {
            if v.quoted && !position && !t.contains(' ') && python_int(t) {
                out.push(Diagnostic::new(
                    c::NUMBER_AS_STRING,
                    v.span,
                    format!("`{t}` is a number written as a string"),
                ));
            }
        }
        if s.pieces
            .windows(2)
            .any(|w| matches!(w, [Piece::AnyRun, Piece::AnyRun]))
        {
            out.push(Diagnostic::new(
                c::DOUBLE_WILDCARD,
                v.span,
                format!("`{s}` has `**`"),
            ));
        }
        let control = s.pieces.iter().any(|p| match p {
            Piece::Literal(t) => t.chars().any(|ch| (ch as u32) < 31),
            Piece::Escaped(ch) => (*ch as u32) < 31,
            _ => false,
        });
        if control {
            out.push(Diagnostic::new(
                c::CONTROL_CHARACTER,
                v.span,
                "the value has a control character (a tab or newline from a backslash in a double-quoted string?)",
            ));
        }
    });
    for item in walk::items(det) {
        wildcards_instead_of_modifiers(item, out);
        if item.has(Modifier::All) && item.values.len() == 1 {
            let span = item
                .modifiers
                .iter()
                .find(|m| m.value == Modifier::All)
                .map_or(item.key_span, |m| m.span);
            out.push(Diagnostic::new(
                c::ALL_WITH_SINGLE_VALUE,
                span,
                "`|all` with a single value",
            ));
        }
    }
}

fn special(p: &Piece) -> bool {
    matches!(p, Piece::AnyRun | Piece::AnyOne | Piece::Placeholder(_))
}

fn len(s: &SigmaString) -> usize {
    s.pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(t) => t.chars().count(),
            _ => 1,
        })
        .sum()
}

fn wildcards_instead_of_modifiers(item: &adsigma_syntax::DetectionItem, out: &mut Vec<Diagnostic>) {
    if item.values.is_empty() {
        return;
    }
    let strings: Option<Vec<&SigmaString>> = item.values.iter().map(walk::string).collect();
    let Some(strings) = strings else { return };
    if item.has(Modifier::Re) || item.has(Modifier::Cidr) || item.has(Modifier::FieldRef) {
        return;
    }
    let starts = |s: &SigmaString| matches!(s.pieces.first(), Some(Piece::AnyRun));
    let ends = |s: &SigmaString| matches!(s.pieces.last(), Some(Piece::AnyRun));
    let contains = strings.iter().all(|s| {
        len(s) > 1 && starts(s) && ends(s) && !s.pieces[1..s.pieces.len() - 1].iter().any(special)
    });
    let endswith = strings
        .iter()
        .all(|s| len(s) > 1 && starts(s) && !s.pieces[1..].iter().any(special));
    let startswith = strings
        .iter()
        .all(|s| len(s) > 1 && ends(s) && !s.pieces[..s.pieces.len() - 1].iter().any(special));
    let which = if contains && !item.has(Modifier::Contains) {
        "contains"
    } else if endswith && !item.has(Modifier::EndsWith) {
        "endswith"
    } else if startswith && !item.has(Modifier::StartsWith) {
        "startswith"
    } else {
        return;
    };
    out.push(
        Diagnostic::new(
            c::WILDCARDS_INSTEAD_OF_MODIFIERS,
            item.key_span,
            format!("the values' `*` wildcards say what `|{which}` says"),
        )
        .with_hint(format!("drop the `*` and write `|{which}`")),
    );
}

/// Pack-wide validators: identifier_uniqueness, duplicate_title, duplicate_filename.
pub fn pack(cx: &Ctx<'_>, docs: &[Doc<'_>], out: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<&str, &Spanned<String>> = HashMap::new();
    let mut titles: HashMap<&str, &Spanned<String>> = HashMap::new();
    let mut files: HashMap<String, std::path::PathBuf> = HashMap::new();
    let mut seen_files = std::collections::HashSet::new();
    for d in docs {
        let meta = d.document.meta();
        if let Some(id) = &meta.id {
            match ids.get(id.value.as_str()) {
                Some(first) if first.span != id.span => out.push(
                    Diagnostic::new(
                        c::IDENTIFIER_UNIQUENESS,
                        id.span,
                        format!("id `{}` is used by another document too", id.value),
                    )
                    .with_label(
                        first.span,
                        format!("also in {}", cx.path(first.span.file).display()),
                    ),
                ),
                Some(_) => {}
                None => {
                    ids.insert(&id.value, id);
                }
            }
        }
        if let Some(t) = &meta.title {
            match titles.get(t.value.as_str()) {
                Some(first) if first.span != t.span => out.push(
                    Diagnostic::new(
                        c::DUPLICATE_TITLE,
                        t.span,
                        format!("title `{}` is used by another document too", t.value),
                    )
                    .with_label(
                        first.span,
                        format!("also in {}", cx.path(first.span.file).display()),
                    ),
                ),
                Some(_) => {}
                None => {
                    titles.insert(&t.value, t);
                }
            }
        }
        if seen_files.insert(d.file) {
            if let Some(name) = cx.file_name(d.file) {
                let path = cx.path(d.file).to_path_buf();
                match files.get(name) {
                    Some(first) if *first != path => out.push(Diagnostic::new(
                        c::DUPLICATE_FILENAME,
                        d.document.span().shrink_to_start(),
                        format!("file name `{name}` is also used by {}", first.display()),
                    )),
                    Some(_) => {}
                    None => {
                        files.insert(name.to_owned(), path);
                    }
                }
            }
        }
    }
}
