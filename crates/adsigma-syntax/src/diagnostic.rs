//! Problems found in source text, as data.
//!
//! Libraries return [`Diagnostic`]s; only the command line renders them. Every diagnostic has
//! a stable [`Code`]: a layer letter and three digits that are never reused (`Y` YAML, `S`
//! document structure and metadata, `C` conditions, `M` modifiers and values), with a stable
//! snake_case name. [`codes::ALL`] lists the codes this crate emits.

use crate::span::Span;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; never fails a check.
    Info,
    /// Probably a mistake; fails `check --deny warnings`.
    Warning,
    /// The document cannot be used as written.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable diagnostic code: `code` (e.g. `M101`), `name` (e.g. `unknown_modifier`), the
/// default severity and a one-line summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    /// Layer letter and three digits, never reused.
    pub code: &'static str,
    /// Stable snake_case name.
    pub name: &'static str,
    /// Severity unless configuration changes it.
    pub severity: Severity,
    /// What the check finds, in one line.
    pub summary: &'static str,
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

/// A span with a message saying what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What (may be empty).
    pub message: String,
}

impl Label {
    /// A label from its parts.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One problem in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Severity (the code's default unless configuration changed it).
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong, and what was found there.
    pub primary: Label,
    /// Further places that explain it (e.g. the first of two duplicate keys).
    pub labels: Vec<Label>,
    /// Further explanation.
    pub notes: Vec<String>,
    /// How to fix it, when there is one obvious way.
    pub hint: Option<String>,
    /// The `id` of the rule the problem is in, when known.
    pub rule_id: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity,
            message: message.into(),
            primary: Label::new(span, ""),
            labels: Vec::new(),
            notes: Vec::new(),
            hint: None,
            rule_id: None,
        }
    }

    /// Sets the primary label's message.
    pub fn with_label_message(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label::new(span, message));
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the fix hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Overrides the severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.primary.span
    }

    /// True for error severity.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}[{}]: {}",
            self.primary.span.start.line,
            self.primary.span.start.column,
            self.severity,
            self.code.code,
            self.message
        )
    }
}

impl std::error::Error for Diagnostic {}

/// The codes of the syntax layer, one constant each, and [`codes::ALL`] listing them.
pub mod codes {

    crate::define_codes! {
        YAML_SYNTAX = "Y101", "yaml_syntax", Error, "The file is not well-formed YAML.";
        FILE_TOO_LARGE = "Y102", "file_too_large", Error, "The file is larger than the configured limit.";
        YAML_TOO_DEEP = "Y103", "yaml_too_deep", Error, "YAML nesting is deeper than the configured limit.";
        ALIAS_LIMIT = "Y104", "alias_expansion_limit", Error, "YAML aliases expand to more nodes than the configured limit.";
        DUPLICATE_KEY = "Y105", "duplicate_key", Error, "A mapping has the same key twice.";
        INVALID_ENCODING = "Y106", "invalid_encoding", Error, "The file is not valid UTF-8.";
        COMPLEX_KEY = "Y107", "complex_key", Error, "A mapping key is a sequence, a mapping or null.";
        UNREADABLE_FILE = "Y108", "unreadable_file", Error, "The file could not be read.";
        TOO_MANY_NODES = "Y109", "too_many_nodes", Error, "The file holds more YAML nodes than the configured limit.";

        NOT_A_MAPPING = "S101", "document_not_mapping", Error, "A Sigma document must be a YAML mapping.";
        MISSING_FIELD = "S102", "missing_field", Error, "A required attribute is missing.";
        WRONG_TYPE = "S103", "wrong_type", Error, "An attribute has the wrong YAML type.";
        TITLE_TOO_LONG = "S104", "title_too_long", Error, "The title is longer than 256 characters.";
        INVALID_ID = "S105", "invalid_id", Error, "The id is not a UUID.";
        INVALID_STATUS = "S106", "invalid_status", Error, "The status is not stable, test, experimental, deprecated or unsupported.";
        INVALID_LEVEL = "S107", "invalid_level", Error, "The level is not informational, low, medium, high or critical.";
        INVALID_DATE = "S108", "invalid_date", Error, "A date is not YYYY-MM-DD.";
        OLD_DATE_FORMAT = "S109", "old_date_format", Warning, "A date is written YYYY/MM/DD (Sigma v1); Sigma v2 uses YYYY-MM-DD.";
        INVALID_TAG = "S110", "invalid_tag", Warning, "A tag is not of the form namespace.name in lowercase.";
        LOGSOURCE_NOT_LOWERCASE = "S111", "logsource_not_lowercase", Warning, "A logsource value is not lowercase.";
        INVALID_RELATED = "S112", "invalid_related", Error, "A related entry needs an id and a type of derived, obsolete, merged, renamed or similar.";
        INVALID_ACTION = "S113", "invalid_action", Error, "A rule collection action is not global, reset or repeat.";
        DESCRIPTION_TOO_LONG = "S114", "description_too_long", Error, "The description is longer than 65,535 characters.";
        EMPTY_DETECTION = "S115", "empty_detection", Error, "The detection has no search identifiers.";
        INVALID_CORRELATION_TYPE = "S116", "invalid_correlation_type", Error, "The correlation type is not one Sigma 2.1 defines.";
        INVALID_TIMESPAN = "S117", "invalid_timespan", Error, "A timespan is not a number followed by s, m, h or d.";
        INVALID_CORRELATION_CONDITION = "S118", "invalid_correlation_condition", Error, "A correlation condition is not a valid comparison.";
        REPEAT_WITHOUT_PREVIOUS = "S119", "repeat_without_previous", Error, "`action: repeat` has no previous document to repeat.";
        EMPTY_LIST = "S120", "empty_list", Warning, "A list that should hold values is empty.";
        UNKNOWN_DOCUMENT = "S121", "unknown_document_kind", Error, "The document is neither a rule (detection), a correlation nor a filter.";
        TOO_MANY_ITEMS = "S123", "too_many_items", Error, "A detection holds more identifiers or values than the configured limit.";

        CONDITION_SYNTAX = "C101", "condition_syntax", Error, "The condition is not valid Sigma condition syntax.";
        UNKNOWN_IDENTIFIER = "C102", "unknown_identifier", Error, "The condition names an identifier the detection does not define.";
        PATTERN_MATCHES_NOTHING = "C103", "pattern_matches_nothing", Error, "A `1 of`/`all of` pattern matches no identifier.";
        CONDITION_TOO_DEEP = "C104", "condition_too_deep", Error, "The condition nests deeper than the configured limit.";
        V1_AGGREGATION = "C105", "v1_aggregation", Error, "Sigma v1 aggregations (`| count() ...`) are replaced by correlation rules.";
        V1_NEAR = "C106", "v1_near", Error, "Sigma v1 `near` is replaced by a temporal correlation rule.";
        EMPTY_CONDITION = "C107", "empty_condition", Error, "The condition is empty.";

        UNKNOWN_MODIFIER = "M101", "unknown_modifier", Error, "A field name carries a modifier Sigma 2.1 does not define.";
        INVALID_MODIFIER_COMBINATION = "M102", "invalid_modifier_combinations", Error, "Modifiers that cannot be combined, or in an order that cannot apply.";
        INVALID_VALUE = "M103", "invalid_value", Error, "A value does not fit its modifiers (e.g. `exists` needs a boolean, `lt` a number).";
        INVALID_CIDR = "M104", "invalid_cidr", Error, "A `cidr` value is not an IPv4 or IPv6 network, or has host bits set.";
        WILDCARD_IN_ENCODED_VALUE = "M105", "wildcard_in_encoded_value", Error, "Wildcards cannot be base64- or UTF-16-encoded.";
        BASE64OFFSET_WITHOUT_CONTAINS = "M106", "base64offset_without_contains", Error, "`base64offset` needs `contains` after it.";
        INVALID_FIELDREF = "M107", "invalid_fieldref", Error, "A `fieldref` value must name a field, without wildcards.";
        DUPLICATE_MODIFIER = "M108", "duplicate_modifier", Error, "The same modifier appears twice in one chain.";
        EMPTY_FIELD_NAME = "M109", "empty_field_name", Error, "A detection item has an empty key: no field name and no modifier.";
    }
}
