//! One firing and one non-firing case per validator.

use crate::check_files;
use adsigma_lint::{Options, Taxonomy};

/// A clean rule; cases replace one of its lines.
const BASE: &str = "title: Shell spawned in a container
id: 0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11
status: test
description: A shell started inside a running container.
references:
    - https://example.com/a
author: me
date: 2026-01-01
tags:
    - attack.execution
    - attack.t1059.004
logsource:
    product: linux
    category: process_creation
detection:
    selection:
        Image|endswith: /bash
    condition: selection
falsepositives:
    - Debugging
level: medium
";

const FILE: &str = "proc_creation_lnx_shell_in_container.yml";

fn with(replace: &str, by: &str) -> String {
    assert!(BASE.contains(replace), "{replace}");
    BASE.replacen(replace, by, 1)
}

fn codes_of(files: &[(&str, &str)], options: &Options) -> Vec<&'static str> {
    check_files(files, options)
        .1
        .iter()
        .map(|d| d.code.code)
        .collect()
}

/// (code, firing text, non-firing text); file name FILE unless the case is about names.
fn cases() -> Vec<(&'static str, String, String)> {
    let sel = "    selection:\n        Image|endswith: /bash\n";
    vec![
        ("S201", with("id: 0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11\n", ""), BASE.into()),
        ("S204", with("    - https://example.com/a\n", "    - https://example.com/a\n    - https://example.com/a\n"), BASE.into()),
        ("S207", with("author: me\n", "author: me\nrealted: x\n"), with("author: me\n", "author: me\nrelated_x: x\n")),
        ("S208", with("    category: process_creation\n", "    category: process_creation\n    vendor: acme\n"), with("    category: process_creation\n", "    category: process_creation\n    definition: auditd\n")),
        ("S209", "title: Sysmon process\nid: 1b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11\ndescription: Process creation through Sysmon.\nlogsource: {product: windows, service: sysmon}\ndetection:\n  sel:\n    EventID: 1\n  condition: sel\nfalsepositives: [x]\n".into(),
                 "title: Sysmon process\nid: 1b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11\ndescription: Process creation through Sysmon.\nlogsource: {product: windows, service: sysmon}\ndetection:\n  sel:\n    EventID: 100\n  condition: sel\nfalsepositives: [x]\n".into()),
        ("S210", with("    - attack.execution\n", "    - attack.execution\n    - attack.execution\n"), BASE.into()),
        ("S211", with("    - attack.execution\n", "    - attack.execution\n    - acme.thing\n"), with("    - attack.execution\n", "    - attack.execution\n    - detection.dfir\n")),
        ("S212", with("    - attack.execution\n", "    - attack.execution\n    - car.2016-4-005\n"), with("    - attack.execution\n", "    - attack.execution\n    - car.2016-04-005\n")),
        ("S213", with("    - attack.execution\n", "    - attack.execution\n    - cve.2021.44228\n"), with("    - attack.execution\n", "    - attack.execution\n    - cve.2021-44228\n")),
        ("S214", with("    - attack.execution\n", "    - attack.execution\n    - d3fend.nonsense\n"), with("    - attack.execution\n", "    - attack.execution\n    - d3fend.d3-pa\n")),
        ("S215", with("    - attack.execution\n", "    - attack.execution\n    - detection.hunting\n"), with("    - attack.execution\n", "    - attack.execution\n    - detection.threat-hunting\n")),
        ("S216", with("    - attack.execution\n", "    - attack.execution\n    - stp.9\n"), with("    - attack.execution\n", "    - attack.execution\n    - stp.3k\n")),
        ("S217", with("    - attack.execution\n", "    - attack.execution\n    - tlp.purple\n"), with("    - attack.execution\n", "    - attack.execution\n    - tlp.amber-strict\n")),
        ("C201", with(sel, "    selection:\n        Image|endswith: /bash\n    sel2:\n        User: root\n").replace("condition: selection", "condition: all of them"), with(sel, "    selection:\n        Image|endswith: /bash\n    sel2:\n        User: root\n").replace("condition: selection", "condition: 1 of them")),
        ("C202", with(sel, "    selection:\n        Image|endswith: /bash\n    unused:\n        User: root\n"), BASE.into()),
        ("C203", BASE.replace("condition: selection", "condition: 1 of them"), BASE.into()),
        ("C204", BASE.replace("condition: selection", "condition: selection and not selection"), BASE.replace("condition: selection", "condition: selection and not 1 of filter*").replace(sel, "    selection:\n        Image|endswith: /bash\n    filter_a:\n        User: root\n")),
        ("C205", BASE.replace("condition: selection", "condition: selection or not selection"), BASE.into()),
        ("C206", with(sel, "    selection:\n        Image|endswith: /bash\n    _filter:\n        User: root\n").replace("condition: selection", "condition: 1 of them"), with(sel, "    selection:\n        Image|endswith: /bash\n    _filter:\n        User: root\n").replace("condition: selection", "condition: selection and not _filter")),
        ("M201", with("Image|endswith: /bash", "Image|endswith: '/ba\\*sh'"), BASE.into()),
        ("M202", with("Image|endswith: /bash", "ProcessId: '4688'"), with("Image|endswith: /bash", "ProcessId: 4688")),
        ("M203", with("Image|endswith: /bash", "Image: '/usr/**/bash'"), with("Image|endswith: /bash", "Image: '/usr/*/bash'")),
        ("M204", with("Image|endswith: /bash", "Image|endswith: \"C:\\temp\""), with("Image|endswith: /bash", "Image|endswith: 'C:\\temp'")),
        ("M205", with("Image|endswith: /bash", "Image: '*/bash'"), BASE.into()),
        ("M206", with("Image|endswith: /bash", "CommandLine|contains|all: bash"), with("Image|endswith: /bash", "CommandLine|contains|all: [bash, -c]")),
        ("M207", with("Image|endswith: /bash", "Image|re: '\\d+'"), with("Image|endswith: /bash", "Image|re: '[0-9]+'")),
        ("L101", with("title: Shell spawned in a container", &format!("title: {}", "x".repeat(111))), BASE.into()),
        ("L102", with("title: Shell spawned in a container", "title: Detects a shell spawned in a container"), BASE.into()),
        ("L103", with("description: A shell started inside a running container.\n", ""), BASE.into()),
        ("L104", with("description: A shell started inside a running container.", "description: A shell."), BASE.into()),
        ("L106", with("falsepositives:\n    - Debugging\n", ""), BASE.into()),
        ("A108", with("    - attack.execution\n", ""), BASE.into()),
        ("E101", with("Image|endswith: /bash", "Image|re: '(?<=a)b'"), BASE.into()),
    ]
}

#[test]
fn each_validator_fires_on_its_case_and_not_on_the_clean_one() {
    let options = Options::default();
    for (code, firing, clean) in cases() {
        let got = codes_of(&[(FILE, &firing)], &options);
        assert!(
            got.contains(&code),
            "{code} should fire on:\n{firing}\ngot {got:?}"
        );
        let got = codes_of(&[(FILE, &clean)], &options);
        assert!(
            !got.contains(&code),
            "{code} should not fire on:\n{clean}\ngot {got:?}"
        );
    }
}

#[test]
fn the_base_rule_is_clean() {
    let got = codes_of(&[(FILE, BASE)], &Options::default());
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn file_name_validators() {
    let o = Options::default();
    assert!(codes_of(&[("short.yml", BASE)], &o).contains(&"S206"));
    assert!(codes_of(&[("Proc-Creation-Shell.yml", BASE)], &o).contains(&"L105"));
    assert!(codes_of(&[("proc_creation_shell.yaml", BASE)], &o).contains(&"L105"));
    let other = BASE
        .replace("0b4e3a7c", "9b4e3a7c")
        .replace("title: Shell", "title: Other shell")
        .replace("/bash", "/zsh");
    let pair = [
        ("a/proc_creation_shell.yml", BASE),
        ("b/proc_creation_shell.yml", other.as_str()),
    ];
    let got = codes_of(&pair, &o);
    assert!(got.contains(&"S205"), "{got:?}");
    assert!(
        !got.contains(&"S202") && !got.contains(&"S203") && !got.contains(&"E201"),
        "{got:?}"
    );
}

#[test]
fn pack_validators_compare_documents() {
    let o = Options::default();
    let copy = BASE.replace("title: Shell", "title: Another shell");
    let got = codes_of(
        &[
            (FILE, BASE),
            ("proc_creation_lnx_shell_copy.yml", copy.as_str()),
        ],
        &o,
    );
    assert!(got.contains(&"S202"), "same id: {got:?}");
    assert!(
        got.contains(&"E201"),
        "same detection and logsource: {got:?}"
    );
    assert!(!got.contains(&"S203"), "{got:?}");
    let renamed = BASE.replace("0b4e3a7c", "9b4e3a7c");
    let got = codes_of(
        &[
            (FILE, BASE),
            ("proc_creation_lnx_shell_copy.yml", renamed.as_str()),
        ],
        &o,
    );
    assert!(got.contains(&"S203") && !got.contains(&"S202"), "{got:?}");
}

#[test]
fn filter_without_not() {
    let filter = |cond: &str| {
        format!(
            "title: Filter out admins\nid: 3b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11\ndescription: Admin shells are expected.\nlogsource: {{product: linux, category: process_creation}}\nfilter:\n  rules: [0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11]\n  sel:\n    User: admin\n  condition: {cond}\n"
        )
    };
    let o = Options::default();
    assert!(codes_of(&[("filter_admin_shells.yml", &filter("sel"))], &o).contains(&"C207"));
    assert!(!codes_of(&[("filter_admin_shells.yml", &filter("not sel"))], &o).contains(&"C207"));
}

#[test]
fn taxonomy_unknown_field_needs_a_taxonomy() {
    let t = Taxonomy::from_json(r#"{"legit": {"linux": {"common": [], "category": {"process_creation": ["Image", "CommandLine"]}, "service": {}}}}"#).unwrap();
    let with_t = Options {
        taxonomy: Some(t),
        ..Options::default()
    };
    let bad = with("Image|endswith: /bash", "Imag|endswith: /bash");
    assert!(codes_of(&[(FILE, &bad)], &with_t).contains(&"S220"));
    assert!(!codes_of(&[(FILE, BASE)], &with_t).contains(&"S220"));
    assert!(!codes_of(&[(FILE, &bad)], &Options::default()).contains(&"S220"));
    assert!(Taxonomy::from_json("{}").is_err());
}

#[test]
fn diagnostics_carry_rule_id_and_hint() {
    let (_, diags, ..) = check_files(
        &[(FILE, &with("Image|endswith: /bash", "Image: '*/bash'"))],
        &Options::default(),
    );
    let d = diags.iter().find(|d| d.code.code == "M205").unwrap();
    assert_eq!(
        d.rule_id.as_deref(),
        Some("0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11")
    );
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("endswith")));
    assert_eq!((d.span().start.line, d.span().start.column), (17, 9));
}

#[test]
fn registry_is_complete_and_codes_are_unique() {
    use adsigma_lint::codes::{REGISTRY, lookup};
    let mut seen = std::collections::HashSet::new();
    for e in REGISTRY {
        assert!(seen.insert(e.code.code), "{} twice", e.code.code);
        assert!(seen.insert(e.code.name), "{} twice", e.code.name);
        assert!(!e.hint.is_empty() && !e.code.summary.is_empty());
    }
    let all = adsigma_syntax::codes::ALL
        .iter()
        .chain(adsigma_ads::codes::ALL)
        .chain(adsigma_engine::codes::ALL)
        .chain(adsigma_pipeline::codes::ALL)
        .chain(adsigma_correlation::codes::ALL)
        .chain(adsigma_lint::codes::ALL);
    for c in all {
        assert!(lookup(c.code).is_some(), "{} missing from REGISTRY", c.code);
    }
    // pySigma's 31, by name or by the `pysigma` column.
    let pysigma = "all_of_them_condition dangling_condition dangling_detection them_condition_with_single_detection fieldname_logsource specific_instead_of_generic_logsource custom_attributes duplicate_filename duplicate_references duplicate_title filename_length identifier_existence identifier_uniqueness invalid_modifier_combinations attacktag cartag cvetag d3_fendtag detection_tag duplicate_tag namespace_tag stptag tag_format tlptag tlpv1_tag tlpv2_tag control_character double_wildcard escaped_wildcard number_as_string wildcards_instead_of_modifiers";
    let names: Vec<&str> = pysigma.split(' ').collect();
    assert_eq!(names.len(), 31);
    for n in names {
        assert!(
            REGISTRY
                .iter()
                .any(|e| e.code.name == n || e.pysigma == Some(n)),
            "{n}"
        );
    }
}

#[test]
fn docs_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/validators.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let doc = format!(
            "# Validators of `adsigma check`\n\nEvery code `adsigma check` reports, generated from \
             `adsigma_lint::codes::REGISTRY` (a test keeps this page current: \
             `UPDATE_GOLDEN=1 cargo test -p adsigma-lint` rewrites it). Codes are a layer letter \
             and three digits, never reused (scheme in CLI.md). Severity `off`: the check runs only \
             when `adsigma.toml` gives it a severity. The pySigma column names pySigma's validator \
             of the same meaning where its name differs from ours.\n\n\
             Configuration (`adsigma.toml` at the pack root, or `--config FILE`): `allow = [CODES]`, \
             `[severity] CODE = \"error|warning|info|off\"`, `[[paths]] glob = ...` with `allow` and \
             `severity`, `[rules.\"ID\"]` with `allow` and `severity`, `taxonomy = \"logsource.json\"`. \
             Inline: `# adsigma: allow CODE[, CODE] reason` applies to the document it is in (or \
             the next one); one that suppresses nothing is reported as L107.\n\n{}",
            adsigma_lint::codes::markdown_table()
        );
        std::fs::write(path, doc).unwrap();
    }
    let text = std::fs::read_to_string(path).expect("docs/validators.md");
    assert!(
        text.contains(&adsigma_lint::codes::markdown_table()),
        "docs/validators.md is out of date: paste adsigma_lint::codes::markdown_table()"
    );
}
