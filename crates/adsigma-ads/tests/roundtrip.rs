//! Model -> Markdown -> model is the identity (proptest on generated models), and the
//! importer copes with the ways real reports differ from the rendered layout.

use adsigma_ads::attack::{PLATFORMS, catalogue};
use adsigma_ads::{
    Ads, Categorization, Extra, Level, Priority, RuleInfo, StrategyAbstract, TechniqueRef,
    import_markdown, render_json, render_markdown,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Words that are safe anywhere in generated text (no placeholders, levels, labels).
const WORDS: &[&str] = &[
    "pod",
    "image",
    "registry",
    "token",
    "kubelet",
    "node",
    "shell",
    "binary",
    "namespace",
    "audit",
    "event",
    "exec",
    "watch",
    "the",
    "a",
    "into",
    "from",
    "with",
    "`kubectl exec`",
    "`cat /etc/shadow`",
    "--privileged",
    "<pod>",
    "50%",
    "a/b",
    "(see",
    "docs)",
    "\"quoted\"",
    "x_y",
    "über",
    "日本",
    "&",
    "~",
    "$HOME",
    "1.5",
    "sidecar,",
    "daemon.",
    "why?",
];
const FIRST: &[&str] = &[
    "Watch",
    "Deploy",
    "Review",
    "Kube",
    "Image",
    "Pods",
    "Check",
    "Alerts",
    "Operators",
    "Attackers",
];
const EXTRA_HEADINGS: &[&str] = &[
    "Notes",
    "Changelog",
    "Owners",
    "Metrics",
    "Revision History",
    "Open Questions",
    "Tuning Notes",
    "Known Issues",
];

fn line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(FIRST),
        vec(prop::sample::select(WORDS), 0..8),
    )
        .prop_map(|(f, ws)| {
            let mut s = f.to_owned();
            for w in ws {
                s.push(' ');
                s.push_str(w);
            }
            s
        })
}

/// Prose: paragraphs of one or more lines.
fn prose() -> impl Strategy<Value = String> {
    vec(vec(line(), 1..3).prop_map(|l| l.join("\n")), 1..3).prop_map(|p| p.join("\n\n"))
}

/// A list item: a line, perhaps followed by more lines or nested items.
fn item() -> impl Strategy<Value = String> {
    (line(), vec((any::<bool>(), line()), 0..3)).prop_map(|(first, rest)| {
        let mut s = first;
        for (nested, l) in rest {
            s.push('\n');
            if nested {
                s.push_str("- ");
            }
            s.push_str(&l);
        }
        s
    })
}

fn items() -> impl Strategy<Value = Vec<String>> {
    vec(item(), 0..4)
}

fn unique<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out = Vec::new();
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

fn technique() -> impl Strategy<Value = TechniqueRef> {
    (
        1000u32..2000,
        option::of(1u32..20),
        0u8..3,
        vec(prop::sample::select(FIRST), 1..4),
    )
        .prop_map(|(n, sub, name_kind, words)| {
            let id = match sub {
                Some(s) => format!("T{n}.{s:03}"),
                None => format!("T{n}"),
            };
            let name = match name_kind {
                0 => String::new(),
                1 => TechniqueRef::from_catalogue(&id).name,
                _ => words.join(" "),
            };
            TechniqueRef { id, name }
        })
}

fn tactic() -> impl Strategy<Value = String> {
    let known: Vec<String> = catalogue()
        .tactics()
        .iter()
        .map(|t| t.shortname.clone())
        .chain(["defense-evasion".to_owned()])
        .collect();
    prop_oneof![
        3 => prop::sample::select(known),
        1 => "[a-z]{3,8}(-[a-z]{3,8})?",
    ]
}

/// Generated models: trimmed text of safe words, unique ids, tactics and headings.
pub fn ads() -> impl Strategy<Value = Ads> {
    let head = (
        option::of(line()),
        option::of(prose()),
        vec(technique(), 0..3),
        vec(tactic(), 0..3),
        vec(prop::sample::select(PLATFORMS), 0..3),
        option::of(prose()),
        items(),
        items(),
    );
    let middle = (
        option::of(prose()),
        items(),
        items(),
        items(),
        items(),
        items(),
        option::of(prop::sample::select(Level::ALL.to_vec())),
        option::of(prose()),
    );
    let tail = (
        items(),
        items(),
        items(),
        items(),
        vec(
            (prop::sample::select(EXTRA_HEADINGS), option::of(prose())),
            0..3,
        ),
    );
    (head, middle, tail).prop_map(
        |(
            (title, goal, techniques, tactics, platforms, summary, data_sources, patterns),
            (
                technical_context,
                emulation,
                blind_spots,
                assumptions,
                false_positives,
                validation,
                level,
                justification,
            ),
            (response, resources, environments, tooling, extra),
        )| {
            let techniques =
                unique(techniques)
                    .into_iter()
                    .fold(Vec::<TechniqueRef>::new(), |mut v, t| {
                        if !v.iter().any(|x| x.id == t.id) {
                            v.push(t);
                        }
                        v
                    });
            let mut e = Extra::default();
            for (h, t) in extra {
                if e.get(h).is_none() {
                    e.push(h.to_owned(), t.unwrap_or_default());
                }
            }
            Ads {
                title,
                goal,
                categorization: Categorization {
                    techniques,
                    tactics: unique(tactics),
                    platforms: unique(platforms).into_iter().map(str::to_owned).collect(),
                },
                strategy_abstract: StrategyAbstract {
                    summary,
                    data_sources,
                    patterns,
                },
                technical_context,
                emulation,
                blind_spots,
                assumptions,
                false_positives,
                validation,
                priority: Priority {
                    level,
                    justification,
                },
                response,
                resources,
                environments,
                tooling,
                extra: e,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn markdown_round_trip(ads in ads()) {
        let md = render_markdown(&ads, &RuleInfo::default());
        let (back, diags) = import_markdown(&md);
        prop_assert_eq!(&back, &ads, "report:\n{}", md);
        // Only gaps and extra sections are reported.
        prop_assert!(
            diags.iter().all(|d| matches!(d.code.code, "D151" | "D152")),
            "{:#?}", diags
        );
        prop_assert_eq!(
            diags.iter().filter(|d| d.code.code == "D151").count(),
            ads.missing_parts().len()
        );
    }

    #[test]
    fn json_round_trip(ads in ads()) {
        let json = serde_json::to_string(&ads).unwrap();
        let back: Ads = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &ads);
        // `serde_json::Value` sorts keys: read the report's `ads` straight from its text.
        #[derive(serde::Deserialize)]
        struct Report { schema: String, ads: Ads }
        let r: Report = serde_json::from_str(&render_json(&ads, &RuleInfo::default())).unwrap();
        prop_assert_eq!(r.schema, "adsigma.ads/1");
        prop_assert_eq!(r.ads, ads);
    }

    #[test]
    fn import_never_panics_on_any_text(
        text in "(([#*>|-]{0,3}|[0-9]{1,2}[.)]| {1,6}|```|\\*\\*)[ ]?\\PC{0,24}\n{1,2}){0,30}"
    ) {
        let (ads, _) = import_markdown(&text);
        let md = render_markdown(&ads, &RuleInfo::default());
        let _ = import_markdown(&md);
        let _ = adsigma_ads::check_ads(&ads);
        let _ = adsigma_ads::skeleton_yaml(&ads);
    }

    #[test]
    fn import_never_panics(text in "(#{0,3} ?[-*0-9. ]{0,3}[A-Za-z:`~ ]{0,12}\n{1,2}){0,40}") {
        let (ads, _) = import_markdown(&text);
        let md = render_markdown(&ads, &RuleInfo::default());
        // An imported model renders to a report that imports back to it.
        prop_assert_eq!(import_markdown(&md).0, ads);
    }
}

/// The report of seed 000 rewritten the way other writers lay it out.
#[test]
fn real_report_variations() {
    let report = "\
# ADS: Token theft from pods

Owner: platform security

## 1. Goal
Detect reading of the service account token.

## 2. Categorization
* **ATT&CK Technique:** Unsecured Credentials: Container API (T1552.007)
* **Tactic:** Credential Access (TA0006)
* **Platforms:** Containers, Linux

## 3. Strategy Abstract
We watch process starts.

**Data Sources:**
* Falco
* Tetragon

## 5. Blind Spots
- Custom token paths

## 6. Assumptions
- Process events carry the full command line

## 4. Technical Context
Tokens live at a fixed path.

Example commands:
```
cat /var/run/secrets/kubernetes.io/serviceaccount/token
```

## 7. False Positives
Debug sessions; nothing else known.

## 8. Alert Priority
Severity: critical. Tokens give API access.

## 9. Validation
1. Run a pod
2. cat the token

## Escalation
Page the on-call.

## 10. Response
- Rotate the token
- Review RBAC

## 11. Additional Resources
- https://kubernetes.io/docs/
";
    let (ads, diags) = import_markdown(report);
    assert_eq!(ads.title.as_deref(), Some("Token theft from pods"));
    assert_eq!(
        ads.goal.as_deref(),
        Some("Detect reading of the service account token.")
    );
    assert_eq!(ads.categorization.techniques[0].id, "T1552.007");
    assert_eq!(
        ads.categorization.techniques[0].name,
        "Unsecured Credentials: Container API"
    );
    assert_eq!(ads.categorization.tactics, ["credential-access"]);
    assert_eq!(
        ads.strategy_abstract.summary.as_deref(),
        Some("We watch process starts.")
    );
    assert_eq!(ads.strategy_abstract.data_sources, ["Falco", "Tetragon"]);
    assert_eq!(ads.blind_spots, ["Custom token paths"]);
    assert_eq!(
        ads.assumptions,
        ["Process events carry the full command line"]
    );
    assert_eq!(
        ads.technical_context.as_deref(),
        Some(
            "Tokens live at a fixed path.\n\nExample commands:\n```\ncat /var/run/secrets/kubernetes.io/serviceaccount/token\n```"
        )
    );
    assert_eq!(ads.false_positives, ["Debug sessions; nothing else known."]);
    assert_eq!(ads.priority.level, Some(Level::Critical));
    assert_eq!(
        ads.priority.justification.as_deref(),
        Some("Tokens give API access.")
    );
    assert_eq!(ads.validation, ["Run a pod", "cat the token"]);
    assert_eq!(ads.response, ["Rotate the token", "Review RBAC"]);
    assert_eq!(ads.resources, ["https://kubernetes.io/docs/"]);
    assert_eq!(ads.extra.get("Escalation"), Some("Page the on-call."));
    let codes = crate::codes(&diags);
    assert!(codes.contains(&"D152"), "{diags:#?}");
    assert!(
        codes.contains(&"D153"),
        "the Owner line before the first section: {diags:#?}"
    );
    // Only the missing parts are warnings: patterns and emulation.
    let missing: Vec<&str> = diags
        .iter()
        .filter(|d| d.code.code == "D151")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(missing.len(), 2, "{missing:#?}");
}

#[test]
fn sections_at_other_heading_levels_and_duplicates() {
    let report = "\
## Detection: exec into pods
### Goal
Find exec.
### Response
1. Look
### Response
2. Act
### Blind Spots and Assumptions
**Blind spots:** exec through the kubelet API
**Assumptions:** audit logging at Request level
";
    let (ads, diags) = import_markdown(report);
    assert_eq!(ads.title.as_deref(), Some("exec into pods"));
    assert_eq!(ads.goal.as_deref(), Some("Find exec."));
    assert_eq!(ads.response, ["Look", "Act"]);
    assert_eq!(ads.blind_spots, ["exec through the kubelet API"]);
    assert_eq!(ads.assumptions, ["audit logging at Request level"]);
    assert!(crate::codes(&diags).contains(&"D154"));
}

#[test]
fn not_a_report() {
    let (ads, diags) = import_markdown("just some text\n\n- and a list\n");
    assert_eq!(ads, Ads::default());
    assert_eq!(crate::codes(&diags), ["D155"]);
    assert!(diags[0].is_error());
    let (_, diags) = import_markdown("");
    assert_eq!(crate::codes(&diags), ["D155"]);
}

#[test]
fn bold_lines_as_headings() {
    let report = "\
Detection strategy for kubectl cp

**Goal:**
Detect files copied out of pods.

**Categorization**
- Technique: T1609

**Priority: High**
Data theft.

**Response**
1. Find the pod
";
    let (ads, diags) = import_markdown(report);
    assert_eq!(
        ads.goal.as_deref(),
        Some("Detect files copied out of pods.")
    );
    assert_eq!(ads.categorization.techniques[0].id, "T1609");
    assert_eq!(ads.priority.level, Some(Level::High));
    assert_eq!(ads.priority.justification.as_deref(), Some("Data theft."));
    assert_eq!(ads.response, ["Find the pod"]);
    assert!(
        crate::codes(&diags).contains(&"D153"),
        "the first line: {diags:#?}"
    );
}

#[test]
fn unknown_sections_before_the_first_known_one_are_kept() {
    let report = "# Token theft\n\n## Summary\nShort.\n\n## Goal\nG.\n";
    let (ads, _) = import_markdown(report);
    assert_eq!(ads.title.as_deref(), Some("Token theft"));
    assert_eq!(ads.extra.get("Summary"), Some("Short."));
    assert_eq!(ads.goal.as_deref(), Some("G."));
    // All sections at level 1, the title too.
    let report = "# Token theft\n\n# Goal\nG.\n\n# Response\n- R\n";
    let (ads, _) = import_markdown(report);
    assert_eq!(ads.title.as_deref(), Some("Token theft"));
    assert_eq!(ads.response, ["R"]);
    assert!(ads.extra.is_empty());
}

/// Hostile shapes for the normal forms, which repeat until nothing changes: a heading of
/// many numberings, a technique name in many parentheses, prose whose breaks and fences
/// change how it parses. Each imports to a model that reads back the same.
#[test]
fn imported_hostile_shapes_read_back_the_same() {
    let reports = [
        format!(
            "# Report\n\n## {}Notes\nx\n## Goal\ny\n",
            "1. ".repeat(20_000)
        ),
        format!(
            "## Categorization\n- MITRE ATT&CK Mapping: T1609 - {}x{}\n",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ),
        "## Goal\n1. \n---\n   ```\n---\n## Priority\nJustification:```\n###\n".repeat(2_000),
        format!("## Priority\n{}", "- **Priority: High**\n".repeat(10_000)),
    ];
    for text in &reports {
        let (ads, diags) = import_markdown(text);
        assert!(
            !diags.iter().any(|d| d.message.contains("read differently")),
            "{diags:?}"
        );
        let md = render_markdown(&ads, &RuleInfo::default());
        assert_eq!(import_markdown(&md).0, ads);
    }
}
