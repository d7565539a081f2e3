//! Alerting & Detection Strategies (Palantir's ADS framework) for Sigma rules.
//!
//! A rule's ADS lives in the rule file itself: the Sigma `description`, `tags`,
//! `falsepositives`, `level` and `references`, plus an `ads:` block of custom attributes (the
//! exact keys are listed on [`Ads`]). This crate
//!
//! - reads that into the [`Ads`] model ([`Ads::from_rule`]), which serialises to JSON with serde;
//! - checks it ([`check_rule`], [`check_ads`]): ATT&CK tags against the embedded
//!   [catalogue](attack) (codes `A1xx`) and the ADS sections (codes `D1xx`), as
//!   [`Diagnostic`]s with positions;
//! - renders it as the Markdown report of the ADS framework ([`render_markdown`]) or as JSON
//!   ([`render_json`]);
//! - imports a Markdown ADS report ([`import_markdown`]) and writes a rule skeleton from it
//!   ([`skeleton_yaml`]); model -> Markdown -> model is the identity;
//! - summarises the ATT&CK coverage of a pack ([`coverage`]) as a table or an ATT&CK Navigator
//!   layer;
//! - gives the JSON Schema of the `ads:` block ([`ads_json_schema`]).
//!
//! ```
//! use adsigma_ads::{Ads, RuleInfo, check_rule, render_markdown};
//! use adsigma_syntax::{parse_str, Document, FileId, Limits};
//!
//! let text = "title: Shell in a pod\nstatus: test\ndescription: A shell starts inside a pod.\n\
//!             tags: [attack.execution, attack.t1609]\nlevel: high\n\
//!             logsource: {product: kubernetes, service: audit}\n\
//!             detection:\n  sel: {objectRef.subresource: exec}\n  condition: sel\n";
//! let parsed = parse_str(text, FileId(0), &Limits::default());
//! let Document::Rule(rule) = &parsed.documents[0] else { unreachable!() };
//! let (ads, _) = Ads::from_rule(rule);
//! assert_eq!(ads.categorization.techniques[0].name, "Container Administration Command");
//! let report = render_markdown(&ads, &RuleInfo::from_rule(rule));
//! assert!(report.contains("- **MITRE ATT&CK Mapping:** T1609 - Container Administration Command"));
//! // No ATT&CK problem; the rule has no `ads:` block, so no ADS section is required.
//! assert!(check_rule(rule).is_empty());
//! ```
//!
//! # Untrusted input
//!
//! Rules and reports are untrusted. Reading, checking, rendering and importing never panic;
//! the Markdown importer is line-based and linear in the size of the report (no recursion
//! deeper than the fixed structure of a report). The only `expect` is on the embedded ATT&CK
//! data, which a test parses.
//!
//! # Crate features
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attack;
mod check;
mod coverage;
mod markdown;
mod model;
mod read;
mod schema;
mod skeleton;
mod text;
pub mod uuid;

pub use check::{check_ads, check_rule};
pub use coverage::{Coverage, CoveredTechnique, RuleRef, coverage};
pub use markdown::{import::import_markdown, render::render_markdown};
pub use model::{
    Ads, Categorization, Extra, Level, Part, Priority, RuleInfo, Section, StrategyAbstract,
    TechniqueRef, render_json,
};
pub use read::ADS_KEYS;
pub use schema::ads_json_schema;
pub use skeleton::{ADS_REPORT_NAMESPACE, skeleton_id, skeleton_yaml};

pub use adsigma_syntax::{Diagnostic, Severity};

/// The codes of the ATT&CK (`A`) and ADS (`D`) layers, one constant each, and [`codes::ALL`].
///
/// | code | name | severity | finds |
/// |---|---|---|---|
/// | A101 | `attack_unknown_technique` | warning | a technique tag ATT&CK does not have |
/// | A102 | `attack_revoked_technique` | warning | a revoked technique (hint: the same-named active one) |
/// | A103 | `attack_deprecated_technique` | warning | a deprecated technique |
/// | A104 | `attack_moved_technique` | warning | a technique v19 re-numbered (hint: the new id) |
/// | A105 | `attack_tactic_mismatch` | warning | a tactic tag none of the rule's techniques has |
/// | A106 | `attack_platform_mismatch` | warning | a technique whose platforms the logsource cannot see |
/// | A107 | `attack_not_containers_technique` | warning | container telemetry, but not a Containers technique |
/// | A108 | `attack_technique_without_tactic` | warning | a technique none of whose tactics is tagged |
/// | A109 | `attack_renamed_tactic` | warning | `attack.defense-evasion`, split in v19 |
/// | A110 | `attack_unknown_tactic` | warning | an `attack.*` tag that is no tactic, technique, group or software |
/// | A111 | `attack_technique_name_mismatch` | info | a report names a technique differently from ATT&CK v19 |
/// | D101 | `ads_section_missing` | warning (error for stable rules) | a missing or empty ADS section |
/// | D102 | `ads_priority_mismatch` | error | `ads.priority.level` and `level` disagree |
/// | D103 | `ads_unknown_key` | warning | a key inside `ads:` the format does not define |
/// | D104 | `ads_wrong_type` | error | an `ads:` value of the wrong YAML type |
/// | D105 | `ads_invalid_priority_level` | error | `ads.priority.level` is not a Sigma level |
/// | D106 | `ads_unknown_platform` | warning | `ads.platforms` names no ATT&CK platform |
/// | D151 | `report_section_missing` | warning | an imported report lacks a section (or has only a placeholder) |
/// | D152 | `report_extra_section` | info | a report section outside the framework, kept under `ads.extra` |
/// | D153 | `report_text_dropped` | info | report text the importer could not place |
/// | D154 | `report_duplicate_section` | info | a section given twice (merged) |
/// | D155 | `report_no_sections` | error | no ADS section heading found |
pub mod codes {
    use adsigma_syntax::{Code, Severity};

    macro_rules! codes {
        ($($konst:ident = $code:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
            $( #[doc = concat!("`", $code, " ", $name, "`: ", $summary)]
               pub const $konst: Code = Code { code: $code, name: $name, severity: Severity::$sev, summary: $summary }; )*
            /// Every code this crate emits, in code order.
            pub const ALL: &[Code] = &[$($konst),*];
        };
    }

    codes! {
        UNKNOWN_TECHNIQUE = "A101", "attack_unknown_technique", Warning, "A technique tag names a technique ATT&CK does not have.";
        REVOKED_TECHNIQUE = "A102", "attack_revoked_technique", Warning, "A technique tag names a technique ATT&CK revoked.";
        DEPRECATED_TECHNIQUE = "A103", "attack_deprecated_technique", Warning, "A technique tag names a technique ATT&CK deprecated.";
        MOVED_TECHNIQUE = "A104", "attack_moved_technique", Warning, "A technique tag names a technique ATT&CK v19 re-numbered.";
        TACTIC_MISMATCH = "A105", "attack_tactic_mismatch", Warning, "A tactic tag is not a tactic of any of the rule's techniques.";
        PLATFORM_MISMATCH = "A106", "attack_platform_mismatch", Warning, "A technique's platforms are not ones the rule's telemetry can see.";
        NOT_CONTAINERS_TECHNIQUE = "A107", "attack_not_containers_technique", Warning, "Container telemetry, but ATT&CK does not list the technique for Containers.";
        TECHNIQUE_WITHOUT_TACTIC = "A108", "attack_technique_without_tactic", Warning, "No tactic tag names one of the technique's tactics.";
        RENAMED_TACTIC = "A109", "attack_renamed_tactic", Warning, "A tactic tag uses a tactic name ATT&CK v19 replaced.";
        UNKNOWN_TACTIC = "A110", "attack_unknown_tactic", Warning, "An attack.* tag is neither a tactic, a technique, a group nor software.";
        TECHNIQUE_NAME_MISMATCH = "A111", "attack_technique_name_mismatch", Info, "A report names a technique differently from ATT&CK v19.";

        SECTION_MISSING = "D101", "ads_section_missing", Warning, "An ADS section is missing or empty (an error for stable rules).";
        PRIORITY_MISMATCH = "D102", "ads_priority_mismatch", Error, "`ads.priority.level` and the Sigma `level` disagree.";
        UNKNOWN_KEY = "D103", "ads_unknown_key", Warning, "A key inside `ads:` is not part of the rule format.";
        WRONG_TYPE = "D104", "ads_wrong_type", Error, "A value inside `ads:` has the wrong YAML type.";
        INVALID_PRIORITY_LEVEL = "D105", "ads_invalid_priority_level", Error, "`ads.priority.level` is not informational, low, medium, high or critical.";
        UNKNOWN_PLATFORM = "D106", "ads_unknown_platform", Warning, "`ads.platforms` names a platform ATT&CK does not have.";

        REPORT_SECTION_MISSING = "D151", "report_section_missing", Warning, "An imported ADS report lacks a section, or has only a placeholder in it.";
        REPORT_EXTRA_SECTION = "D152", "report_extra_section", Info, "A report section outside the framework, kept under `ads.extra`.";
        REPORT_TEXT_DROPPED = "D153", "report_text_dropped", Info, "Report text the importer could not place in the model was left out.";
        REPORT_DUPLICATE_SECTION = "D154", "report_duplicate_section", Info, "A report gives the same section twice; the two are merged.";
        REPORT_NO_SECTIONS = "D155", "report_no_sections", Error, "The text has no heading of an ADS section.";
    }
}
