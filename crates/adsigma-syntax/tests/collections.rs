//! Rule collections: `action: global` merges into every later document until `reset`;
//! `action: repeat` is the document before it (as written, before the global part) with its
//! own keys merged over.

use adsigma_syntax::{Document, FileId, Limits, parse_str};

/// (title, product, service, identifier names) of each rule parsed from `text`.
fn rules(text: &str) -> Vec<(String, String, String, Vec<String>)> {
    let parsed = parse_str(text, FileId(0), &Limits::default());
    assert!(
        parsed.diagnostics.iter().all(|d| !d.is_error()),
        "{:#?}",
        parsed.diagnostics
    );
    parsed
        .documents
        .iter()
        .map(|d| {
            let Document::Rule(r) = d else {
                panic!("not a rule: {d:?}")
            };
            let text = |s: &Option<adsigma_syntax::Spanned<String>>| {
                s.as_ref().map(|s| s.value.clone()).unwrap_or_default()
            };
            (
                text(&r.meta.title),
                text(&r.logsource.product),
                text(&r.logsource.service),
                r.detection
                    .identifiers
                    .iter()
                    .map(|i| i.name.value.clone())
                    .collect(),
            )
        })
        .collect()
}

fn row(
    title: &str,
    product: &str,
    service: &str,
    ids: &[&str],
) -> (String, String, String, Vec<String>) {
    (
        title.to_owned(),
        product.to_owned(),
        service.to_owned(),
        ids.iter().map(|s| (*s).to_owned()).collect(),
    )
}

#[test]
fn repeat_without_global_copies_the_previous_document() {
    let text = "\
title: first
logsource: {product: linux, service: auditd}
detection: {sel: {a: 1}, condition: sel}
---
action: repeat
title: second
logsource: {service: syslog}
";
    assert_eq!(
        rules(text),
        [
            row("first", "linux", "auditd", &["sel"]),
            row("second", "linux", "syslog", &["sel"]),
        ]
    );
}

#[test]
fn global_merges_until_reset_and_repeat_takes_the_document_before_the_merge() {
    let text = "\
action: global
title: shared
logsource: {product: windows}
detection: {common: {x: 1}, condition: common and sel}
---
logsource: {service: security}
detection: {sel: {a: 1}}
---
action: repeat
logsource: {service: system}
---
action: reset
---
title: alone
logsource: {product: linux}
detection: {only: {b: 2}, condition: only}
---
action: repeat
title: alone again
";
    assert_eq!(
        rules(text),
        [
            row("shared", "windows", "security", &["sel", "common"]),
            row("shared", "windows", "system", &["sel", "common"]),
            row("alone", "linux", "", &["only"]),
            row("alone again", "linux", "", &["only"]),
        ]
    );
}
