//! The codes of the lint layer and [`REGISTRY`], the one table of every code `adsigma check`
//! can report (this crate's and those of the syntax, ADS and engine crates), each with its
//! fix hint and, where pySigma has the same check, pySigma's validator name.

use adsigma_syntax::Code;

adsigma_syntax::define_codes! {
    IDENTIFIER_EXISTENCE = "S201", "identifier_existence", Warning, "The rule has no `id`.";
    IDENTIFIER_UNIQUENESS = "S202", "identifier_uniqueness", Error, "Several documents of the pack have the same `id`.";
    DUPLICATE_TITLE = "S203", "duplicate_title", Warning, "Several documents of the pack have the same title.";
    DUPLICATE_REFERENCES = "S204", "duplicate_references", Warning, "A reference is listed twice.";
    DUPLICATE_FILENAME = "S205", "duplicate_filename", Warning, "Rule files in different directories have the same file name.";
    FILENAME_LENGTH = "S206", "filename_length", Warning, "The file name is shorter than 10 or longer than 90 characters.";
    CUSTOM_ATTRIBUTES = "S207", "custom_attributes", Warning, "A custom attribute is a known misspelling of a Sigma attribute.";
    FIELDNAME_LOGSOURCE = "S208", "fieldname_logsource", Warning, "The logsource has an attribute other than category, product, service and definition.";
    SPECIFIC_INSTEAD_OF_GENERIC_LOGSOURCE = "S209", "specific_instead_of_generic_logsource", Warning, "A Windows event id is tested where a generic logsource category exists.";
    DUPLICATE_TAG = "S210", "duplicate_tag", Warning, "A tag is listed twice.";
    NAMESPACE_TAG = "S211", "namespace_tag", Warning, "A tag's namespace is not attack, car, cve, d3fend, detection, stp or tlp.";
    CAR_TAG = "S212", "cartag", Warning, "A `car.` tag is not of the form car.NNNN-NN-NNN.";
    CVE_TAG = "S213", "cvetag", Warning, "A `cve.` tag is not of the form cve.YYYY-NNNN.";
    D3FEND_TAG = "S214", "d3_fendtag", Warning, "A `d3fend.` tag is neither a D3FEND tactic nor of the form d3fend.d3-xxx.";
    DETECTION_TAG = "S215", "detection_tag", Warning, "A `detection.` tag is not dfir, emerging-threats or threat-hunting.";
    STP_TAG = "S216", "stptag", Warning, "An `stp.` tag is not of the form stp.N with an optional a, u or k.";
    TLP_TAG = "S217", "tlptag", Warning, "A `tlp.` tag is not a TLP 1.0 or 2.0 colour.";
    TLPV1_TAG = "S218", "tlpv1_tag", Info, "A `tlp.` tag is not a TLP 1.0 colour (off unless configured).";
    TLPV2_TAG = "S219", "tlpv2_tag", Info, "A `tlp.` tag is not a TLP 2.0 colour (off unless configured).";
    UNKNOWN_FIELD = "S220", "taxonomy_unknown_field", Warning, "A field the logsource's taxonomy does not list (with `--taxonomy`).";

    ALL_OF_THEM_CONDITION = "C201", "all_of_them_condition", Warning, "`all of them` is discouraged; name the identifiers (`all of selection*`).";
    DANGLING_DETECTION = "C202", "dangling_detection", Warning, "A search identifier no condition uses.";
    THEM_CONDITION_WITH_SINGLE_DETECTION = "C203", "them_condition_with_single_detection", Warning, "`them` in a condition of a detection with one identifier.";
    CONDITION_NEVER_MATCHES = "C204", "condition_never_matches", Warning, "The condition is false whatever the identifiers match (e.g. `x and not x`).";
    CONDITION_ALWAYS_MATCHES = "C205", "condition_always_matches", Warning, "The condition is true whatever the identifiers match (e.g. `x or not x`).";
    UNDERSCORE_IDENTIFIER_SKIPPED = "C206", "underscore_identifier_skipped", Warning, "An `_` identifier is used only through `them` or a pattern, which skip `_` names.";
    FILTER_WITHOUT_NOT = "C207", "filter_without_not", Warning, "A filter whose condition has no `not`: it keeps only what it names instead of removing it.";

    ESCAPED_WILDCARD = "M201", "escaped_wildcard", Warning, "A value has an escaped wildcard (`\\*`, `\\?`); make sure the escape is intended.";
    NUMBER_AS_STRING = "M202", "number_as_string", Warning, "A number is written as a quoted string.";
    DOUBLE_WILDCARD = "M203", "double_wildcard", Warning, "A value has `**`; one `*` means the same.";
    CONTROL_CHARACTER = "M204", "control_character", Warning, "A value has a control character, likely from a single backslash in a double-quoted string.";
    WILDCARDS_INSTEAD_OF_MODIFIERS = "M205", "wildcards_instead_of_modifiers", Warning, "Leading/trailing `*` on every value where contains, startswith or endswith says it.";
    ALL_WITH_SINGLE_VALUE = "M206", "all_with_single_value", Warning, "`|all` on a single value: the specification forbids it.";
    REGEX_BEYOND_SPEC = "M207", "regex_beyond_spec", Info, "A regex uses constructs beyond the specification's subset (adsigma supports them, other backends may not).";

    TITLE_LENGTH = "L101", "title_length", Warning, "The title is longer than 110 characters (SigmaHQ convention).";
    TITLE_FORM = "L102", "title_form", Warning, "The title ends with a full stop or starts with `Detects` (SigmaHQ convention).";
    DESCRIPTION_EXISTENCE = "L103", "description_existence", Warning, "The rule has no description.";
    DESCRIPTION_LENGTH = "L104", "description_length", Warning, "The description is shorter than 16 characters.";
    FILENAME_FORM = "L105", "filename_form", Warning, "The file name is not lowercase letters, digits and `_` ending in `.yml`.";
    FALSEPOSITIVES_MISSING = "L106", "falsepositives_missing", Warning, "The rule has no `falsepositives` list.";
    UNUSED_SUPPRESSION = "L107", "unused_suppression", Warning, "An `# adsigma: allow` comment or a configured allow that suppresses nothing.";
    UNKNOWN_SUPPRESSION_CODE = "L108", "unknown_suppression_code", Warning, "An `# adsigma: allow` comment names no known code.";

    DUPLICATE_DETECTION = "E201", "duplicate_detection", Warning, "Two rules of the same logsource have the same detection.";
}

/// One row of the table of codes: the code, its fix hint, pySigma's name for the same check
/// (when pySigma has it under another code's name) and whether it is on by default.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The code (with name, default severity and summary).
    pub code: Code,
    /// How to fix what it reports.
    pub hint: &'static str,
    /// pySigma's validator of the same meaning, when its name differs from `code.name`.
    pub pysigma: Option<&'static str>,
    /// False for checks that are off unless the configuration sets a severity.
    pub default_on: bool,
}

const fn e(code: Code, hint: &'static str) -> Entry {
    Entry {
        code,
        hint,
        pysigma: None,
        default_on: true,
    }
}

const fn aka(code: Code, pysigma: &'static str, hint: &'static str) -> Entry {
    Entry {
        code,
        hint,
        pysigma: Some(pysigma),
        default_on: true,
    }
}

const fn off(code: Code, hint: &'static str) -> Entry {
    Entry {
        code,
        hint,
        pysigma: None,
        default_on: false,
    }
}

use adsigma_ads::codes as a;
use adsigma_correlation::codes as co;
use adsigma_engine::codes as en;
use adsigma_pipeline::codes as p;
use adsigma_syntax::codes as s;

/// Every code `adsigma check` reports, in code order within each layer: the one table the
/// documentation, the command line and SARIF use.
pub const REGISTRY: &[Entry] = &[
    e(s::YAML_SYNTAX, "Fix the YAML at the position shown."),
    e(s::FILE_TOO_LARGE, "Split the file, or raise the limit."),
    e(s::YAML_TOO_DEEP, "Flatten the nesting."),
    e(
        s::ALIAS_LIMIT,
        "Write the values out instead of aliasing them.",
    ),
    e(s::DUPLICATE_KEY, "Remove or rename one of the two keys."),
    e(s::INVALID_ENCODING, "Save the file as UTF-8."),
    e(s::COMPLEX_KEY, "Use a plain string key."),
    e(s::UNREADABLE_FILE, "Check the path and its permissions."),
    e(s::TOO_MANY_NODES, "Split the file, or raise the limit."),
    e(
        s::NOT_A_MAPPING,
        "Write the document as `key: value` lines.",
    ),
    e(s::MISSING_FIELD, "Add the attribute."),
    e(
        s::WRONG_TYPE,
        "Write the value with the type the specification gives.",
    ),
    e(s::TITLE_TOO_LONG, "Shorten the title."),
    e(s::INVALID_ID, "Use a UUID (e.g. from `uuidgen`)."),
    e(
        s::INVALID_STATUS,
        "Use stable, test, experimental, deprecated or unsupported.",
    ),
    e(
        s::INVALID_LEVEL,
        "Use informational, low, medium, high or critical.",
    ),
    e(s::INVALID_DATE, "Write the date as YYYY-MM-DD."),
    e(s::OLD_DATE_FORMAT, "Write the date as YYYY-MM-DD."),
    aka(
        s::INVALID_TAG,
        "tag_format",
        "Write tags as `namespace.name` in lowercase.",
    ),
    e(
        s::LOGSOURCE_NOT_LOWERCASE,
        "Write logsource values in lowercase.",
    ),
    e(
        s::INVALID_RELATED,
        "Give each entry an `id` and a valid `type`.",
    ),
    e(s::INVALID_ACTION, "Use global, reset or repeat."),
    e(
        s::DESCRIPTION_TOO_LONG,
        "Shorten the description; move detail to `ads:`.",
    ),
    e(s::EMPTY_DETECTION, "Add a search identifier."),
    e(
        s::INVALID_CORRELATION_TYPE,
        "Use a correlation type of Sigma 2.1.",
    ),
    e(s::INVALID_TIMESPAN, "Write e.g. `5m`, `1h`, `30s`."),
    e(s::INVALID_CORRELATION_CONDITION, "Write e.g. `gte: 3`."),
    e(
        s::REPEAT_WITHOUT_PREVIOUS,
        "Put a document before `action: repeat`.",
    ),
    e(s::EMPTY_LIST, "Add values, or remove the list."),
    e(
        s::UNKNOWN_DOCUMENT,
        "Add a `detection`, `correlation` or `filter` section.",
    ),
    e(s::TOO_MANY_ITEMS, "Split the rule, or raise the limit."),
    e(
        s::CONDITION_SYNTAX,
        "Fix the condition at the position shown.",
    ),
    e(
        s::UNKNOWN_IDENTIFIER,
        "Define the identifier, or fix its spelling in the condition.",
    ),
    aka(
        s::PATTERN_MATCHES_NOTHING,
        "dangling_condition",
        "Fix the pattern, or add the identifiers it should select.",
    ),
    e(s::CONDITION_TOO_DEEP, "Simplify the condition."),
    e(s::V1_AGGREGATION, "Write a correlation rule instead."),
    e(s::V1_NEAR, "Write a temporal correlation rule instead."),
    e(s::EMPTY_CONDITION, "Write a condition."),
    e(
        s::UNKNOWN_MODIFIER,
        "Use a modifier of Sigma 2.1; check its spelling.",
    ),
    e(
        s::INVALID_MODIFIER_COMBINATION,
        "Remove one of the modifiers, or reorder them.",
    ),
    e(
        s::INVALID_VALUE,
        "Write a value of the type the modifiers need.",
    ),
    e(
        s::INVALID_CIDR,
        "Write the network with host bits zero, e.g. 10.0.0.0/8.",
    ),
    e(
        s::WILDCARD_IN_ENCODED_VALUE,
        "Remove the wildcard, or the encoding modifier.",
    ),
    e(
        s::BASE64OFFSET_WITHOUT_CONTAINS,
        "Write `|base64offset|contains`.",
    ),
    e(s::INVALID_FIELDREF, "Name one field, without wildcards."),
    e(s::DUPLICATE_MODIFIER, "Remove the repeated modifier."),
    e(s::EMPTY_FIELD_NAME, "Write the field name before the `|`."),
    e(IDENTIFIER_EXISTENCE, "Add `id:` with a new UUID."),
    e(IDENTIFIER_UNIQUENESS, "Give each rule its own UUID."),
    e(DUPLICATE_TITLE, "Make the titles say how the rules differ."),
    e(DUPLICATE_REFERENCES, "Remove the repeated reference."),
    e(DUPLICATE_FILENAME, "Rename one of the files."),
    e(FILENAME_LENGTH, "Name the file with 10 to 90 characters."),
    e(
        CUSTOM_ATTRIBUTES,
        "Spell the attribute as Sigma does (e.g. `related`, `references`).",
    ),
    e(
        FIELDNAME_LOGSOURCE,
        "Move the attribute into `definition`, or use category/product/service.",
    ),
    e(
        SPECIFIC_INSTEAD_OF_GENERIC_LOGSOURCE,
        "Use the generic logsource category and drop the EventID test.",
    ),
    e(DUPLICATE_TAG, "Remove the repeated tag."),
    e(NAMESPACE_TAG, "Use a namespace of the Sigma tags appendix."),
    e(CAR_TAG, "Write e.g. `car.2016-04-005`."),
    e(CVE_TAG, "Write e.g. `cve.2021-44228`."),
    e(D3FEND_TAG, "Write e.g. `d3fend.d3-pa` or a D3FEND tactic."),
    e(
        DETECTION_TAG,
        "Use detection.dfir, detection.emerging-threats or detection.threat-hunting.",
    ),
    e(STP_TAG, "Write e.g. `stp.3k`."),
    e(
        TLP_TAG,
        "Use clear, white, green, amber, amber-strict or red.",
    ),
    off(TLPV1_TAG, "Use white, green, amber or red."),
    off(TLPV2_TAG, "Use clear, green, amber, amber-strict or red."),
    e(
        UNKNOWN_FIELD,
        "Check the field name against the taxonomy, or map it with a pipeline.",
    ),
    e(
        ALL_OF_THEM_CONDITION,
        "Write `all of selection*` (or name the identifiers).",
    ),
    e(
        DANGLING_DETECTION,
        "Use the identifier in the condition, or remove it.",
    ),
    e(
        THEM_CONDITION_WITH_SINGLE_DETECTION,
        "Name the identifier instead of `them`.",
    ),
    e(
        CONDITION_NEVER_MATCHES,
        "Fix the condition: it contradicts itself.",
    ),
    e(
        CONDITION_ALWAYS_MATCHES,
        "Fix the condition: it matches every event of the logsource.",
    ),
    e(
        UNDERSCORE_IDENTIFIER_SKIPPED,
        "Name the identifier in the condition, or use a pattern that starts with `_`.",
    ),
    e(
        FILTER_WITHOUT_NOT,
        "Write the filter condition as `not selection`.",
    ),
    e(
        ESCAPED_WILDCARD,
        "Remove the backslash if a wildcard is meant; keep it if the literal character is.",
    ),
    e(NUMBER_AS_STRING, "Write the number without quotes."),
    e(DOUBLE_WILDCARD, "Write one `*`."),
    e(
        CONTROL_CHARACTER,
        "Write a double backslash, or use single quotes.",
    ),
    e(
        WILDCARDS_INSTEAD_OF_MODIFIERS,
        "Drop the `*` and add |contains, |startswith or |endswith.",
    ),
    e(
        ALL_WITH_SINGLE_VALUE,
        "Remove `|all`, or list several values.",
    ),
    e(
        REGEX_BEYOND_SPEC,
        "Use only `.`, `^`, `$`, quantifiers, classes, `|` and `()` for portable rules.",
    ),
    e(
        TITLE_LENGTH,
        "Shorten the title to 110 characters or fewer.",
    ),
    e(
        TITLE_FORM,
        "Drop the full stop, and start with what is detected, not `Detects`.",
    ),
    e(
        DESCRIPTION_EXISTENCE,
        "Add a description of what the rule detects.",
    ),
    e(
        DESCRIPTION_LENGTH,
        "Say in a sentence what the rule detects and why it matters.",
    ),
    e(
        FILENAME_FORM,
        "Rename the file, e.g. `proc_creation_lnx_shell_in_container.yml`.",
    ),
    e(
        FALSEPOSITIVES_MISSING,
        "Add `falsepositives:` (e.g. `- Unknown`).",
    ),
    e(UNUSED_SUPPRESSION, "Remove the suppression."),
    e(
        UNKNOWN_SUPPRESSION_CODE,
        "Name a code (e.g. M201) or its name (e.g. escaped_wildcard).",
    ),
    aka(
        a::UNKNOWN_TECHNIQUE,
        "attacktag",
        "Use a technique id ATT&CK has.",
    ),
    e(a::REVOKED_TECHNIQUE, "Tag the technique that replaced it."),
    e(a::DEPRECATED_TECHNIQUE, "Tag a current technique."),
    e(a::MOVED_TECHNIQUE, "Tag the new technique id."),
    e(
        a::TACTIC_MISMATCH,
        "Tag a tactic of one of the rule's techniques.",
    ),
    e(
        a::PLATFORM_MISMATCH,
        "Check the technique, or the logsource.",
    ),
    e(
        a::NOT_CONTAINERS_TECHNIQUE,
        "Tag a technique ATT&CK lists for Containers, or say why in `ads:`.",
    ),
    e(
        a::TECHNIQUE_WITHOUT_TACTIC,
        "Add a tactic tag of the technique (e.g. `attack.execution`).",
    ),
    e(a::RENAMED_TACTIC, "Use the current tactic name."),
    aka(
        a::UNKNOWN_TACTIC,
        "attacktag",
        "Use a tactic, technique, group or software of ATT&CK.",
    ),
    e(
        a::TECHNIQUE_NAME_MISMATCH,
        "Use ATT&CK's name for the technique.",
    ),
    e(a::SECTION_MISSING, "Write the section under `ads:`."),
    e(
        a::PRIORITY_MISMATCH,
        "Make `ads.priority.level` and `level` the same.",
    ),
    e(
        a::UNKNOWN_KEY,
        "Check the key's spelling against the rule format (`adsigma schema`).",
    ),
    e(
        a::WRONG_TYPE,
        "Write the value with the type the rule format gives.",
    ),
    e(
        a::INVALID_PRIORITY_LEVEL,
        "Use informational, low, medium, high or critical.",
    ),
    e(a::UNKNOWN_PLATFORM, "Use an ATT&CK platform name."),
    e(
        a::REPORT_SECTION_MISSING,
        "Write the section in the report.",
    ),
    e(
        a::REPORT_EXTRA_SECTION,
        "Nothing to do, or move the text into a framework section.",
    ),
    e(a::REPORT_TEXT_DROPPED, "Move the text into a section."),
    e(a::REPORT_DUPLICATE_SECTION, "Merge the two sections."),
    e(
        a::REPORT_NO_SECTIONS,
        "Give the report ADS section headings.",
    ),
    e(
        en::INVALID_REGEX,
        "Fix the regex; look-around and back-references are not supported.",
    ),
    e(
        en::UNRESOLVED_PLACEHOLDER,
        "Give the placeholder values with `--placeholder NAME=VALUE`.",
    ),
    e(
        en::EXPANSION_TOO_LARGE,
        "Use fewer alternatives, or raise `max_expansion`.",
    ),
    e(DUPLICATE_DETECTION, "Merge the rules, or remove one."),
    e(
        co::UNKNOWN_RULE_REFERENCE,
        "Reference a loaded rule by its id or name.",
    ),
    e(
        co::AMBIGUOUS_RULE_REFERENCE,
        "Reference the rule by its id.",
    ),
    e(
        co::CORRELATION_CYCLE,
        "Break the cycle: a correlation cannot feed itself.",
    ),
    e(
        co::INVALID_ALIAS,
        "Alias fields only of the rules the correlation references, once each.",
    ),
    e(co::TOO_MANY_RULES, "Split the correlation."),
    e(
        co::UNKNOWN_FILTER_REFERENCE,
        "Reference a loaded rule, or remove the reference.",
    ),
    e(
        co::FILTER_LOGSOURCE_MISMATCH,
        "Give the filter the rule's logsource, or drop the rule from it.",
    ),
    e(
        co::INVALID_TEST_SEQUENCE,
        "Write the entry as `{events: [...], expect: N | [ids]}`.",
    ),
    e(co::DUPLICATE_CORRELATION_REFERENCE, "List each rule once."),
    e(
        p::STRUCTURE,
        "Give the pipeline a `name` and the sections their documented shapes.",
    ),
    e(
        p::UNKNOWN_TRANSFORMATION,
        "Use a transformation `adsigma pipelines` documents.",
    ),
    e(
        p::INVALID_ARGUMENT,
        "Give the transformation the arguments it takes.",
    ),
    e(p::UNKNOWN_CONDITION, "Use a documented condition type."),
    e(
        p::INVALID_CONDITION,
        "Fix the condition, its operator or its expression.",
    ),
    e(
        p::MAPPING_CONFLICT,
        "Map the field once, or split the conditions.",
    ),
    e(p::UNKNOWN_KEY, "Remove the key, or fix its spelling."),
    e(
        p::INVALID_RECOGNIZER,
        "Fix the recogniser's tests and logsource.",
    ),
    e(
        p::INVALID_DERIVED_FIELD,
        "Give the derived field a name and the fields it joins.",
    ),
    e(p::UNKNOWN_VARIABLE, "Define the variable under `vars`."),
    e(
        p::RULE_FAILURE,
        "Use the rule without this pipeline, or change the rule.",
    ),
    e(
        p::DETECTION_ITEM_FAILURE,
        "Rewrite the detection item the pipeline refuses.",
    ),
    e(
        p::UNMAPPED_FIELD,
        "Map the field in the pipeline, or use a field its events carry.",
    ),
    e(
        p::EXPANSION_TOO_LARGE,
        "Use fewer one-to-many mappings or values.",
    ),
    e(
        p::INVALID_RESULT,
        "Fix the transformation that produced the invalid rule.",
    ),
];

/// The table row of a code, by code (`M201`) or name (`escaped_wildcard`).
pub fn lookup(code_or_name: &str) -> Option<&'static Entry> {
    REGISTRY
        .iter()
        .find(|e| e.code.code == code_or_name || e.code.name == code_or_name)
}

/// The table as Markdown: code, name, default severity, what it finds, the fix, pySigma's name.
///
/// ```
/// let table = adsigma_lint::codes::markdown_table();
/// assert!(table.contains("| M201 | `escaped_wildcard` | warning |"));
/// ```
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| code | name | severity | finds | fix | pySigma |\n|---|---|---|---|---|---|\n",
    );
    for e in REGISTRY {
        let sev = if e.default_on {
            e.code.severity.as_str()
        } else {
            "off"
        };
        let py = e.pysigma.unwrap_or("");
        s.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            e.code.code,
            e.code.name,
            sev,
            e.code.summary.replace('|', "\\|"),
            e.hint.replace('|', "\\|"),
            if py.is_empty() {
                String::new()
            } else {
                format!("`{py}`")
            }
        ));
    }
    s
}
