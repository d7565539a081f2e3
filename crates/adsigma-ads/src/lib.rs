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
//!   ([`skeleton_yaml`]); model -> Markdown -> model is the identity, for the models the
//!   importer returns too (see below);
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
//! # Imported reports read back the same
//!
//! For any text, `import_markdown(&render_markdown(&ads, &RuleInfo::default())).0 == ads`
//! where `ads = import_markdown(text).0`: the importer returns models in a normal form that
//! the renderer writes back to the same model.
//!
//! - The title, section headings (so the keys of [`Ads::extra`]) and technique names are on
//!   one line: a run of whitespace (tabs, bare carriage returns, vertical tabs, Unicode
//!   spaces) is one space, none at the ends; headings also without numbering (`1.`, `IV.`),
//!   emphasis, a trailing colon and closing `#`s.
//! - Prose (the goal, the summary, the technical context, the justification, the text of an
//!   extra section) has its blocks separated by one blank line (none where they were
//!   adjacent), no thematic breaks, its headings unindented, and fenced code left open at its
//!   end closed. The renderer writes a heading inside prose one space in, and the importer
//!   takes only unindented headings as sections, so the heading stays in its text.
//! - List items have no leading whitespace, and none is empty. A fence opened in an item
//!   ends with the item (a line indented less than its text); import and render agree on
//!   fences because one block parser decides for both.
//! - The justification is normalised with the `Justification:` label it was written behind,
//!   and written behind it again when that reads back to it, else on the lines after it.
//!
//! A model that still changes when rendered and read again (heuristics of the importer can
//! read a rendering differently from the text it came from) is rendered and read again until
//! it does not, a few rounds at most; a part that keeps changing is left out with a `D153`
//! note. The fuzz target `ads_import` and a property test check that no part is left out.
//!
//! # Untrusted input
//!
//! Rules and reports are untrusted. Reading, checking, rendering and importing never panic;
//! the Markdown importer is line-based and linear in the size of the report (no recursion
//! deeper than the fixed structure of a report; the normal forms above are applied a bounded
//! number of times). The only `expect` is on the embedded ATT&CK data, which a test parses.
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

    adsigma_syntax::define_codes! {
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
