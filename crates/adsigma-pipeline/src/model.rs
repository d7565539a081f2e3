//! The pipeline model: what a pipeline file says, as data.
//!
//! Equality ignores source positions, so a pipeline parsed from its own emitted YAML
//! ([`Pipeline::to_yaml`]) compares equal to the original.

use adsigma_engine::LogSource;
use adsigma_syntax::condition::Expr;
use adsigma_syntax::{FileId, Span};
use std::fmt;

/// A YAML scalar argument: `null`, a boolean, a number or a string.
///
/// Equality compares floats by their bits (every NaN equal to every NaN), so that a
/// pipeline holding `.nan` equals itself and its [`Pipeline::to_yaml`] parsed again.
#[derive(Clone, Debug)]
pub enum Lit {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
}

impl PartialEq for Lit {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Lit::Null, Lit::Null) => true,
            (Lit::Bool(a), Lit::Bool(b)) => a == b,
            (Lit::Int(a), Lit::Int(b)) => a == b,
            (Lit::Float(a), Lit::Float(b)) => {
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
            }
            (Lit::Str(a), Lit::Str(b)) => a == b,
            _ => false,
        }
    }
}

impl Lit {
    /// The text a string comparison sees: the string, a number's decimal text, `true` /
    /// `false`; `None` for null.
    pub fn text(&self) -> Option<String> {
        match self {
            Lit::Null => None,
            Lit::Bool(b) => Some(b.to_string()),
            Lit::Int(i) => Some(i.to_string()),
            Lit::Float(f) => Some(f.to_string()),
            Lit::Str(s) => Some(s.clone()),
        }
    }

    /// Whether `text` is the literal's text ([`Lit::text`]), without building it for
    /// strings, integers and booleans.
    pub fn is_text(&self, text: &str) -> bool {
        match self {
            Lit::Null => false,
            Lit::Str(s) => s == text,
            Lit::Int(i) => itoa::Buffer::new().format(*i) == text,
            Lit::Bool(b) => text == if *b { "true" } else { "false" },
            Lit::Float(_) => self.text().is_some_and(|t| t == text),
        }
    }
}

/// A regular expression with the text it was compiled from (equality compares the text).
#[derive(Clone, Debug)]
pub struct Re {
    /// As written.
    pub text: String,
    /// Compiled.
    pub re: regex::Regex,
}

impl PartialEq for Re {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// How the conditions of a list are linked (`*_cond_op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LinkOp {
    /// `and` (the default): every condition holds.
    #[default]
    And,
    /// `or`: at least one holds.
    Or,
}

/// The conditions of one kind on a processing item, with their combinator.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditions<C> {
    /// The conditions and how they are linked.
    pub linking: Linking<C>,
    /// `*_cond_not`: the result is negated.
    pub negate: bool,
}

/// Unnamed conditions linked by an operator, or named ones combined by an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Linking<C> {
    /// A list linked with `*_cond_op`.
    List {
        /// The conditions.
        items: Vec<C>,
        /// `and` or `or`.
        op: LinkOp,
    },
    /// A mapping of named conditions and a `*_cond_expr` over the names (the Sigma
    /// condition language: `and`, `or`, `not`, parentheses, `1 of x*`, `all of x*`).
    Named {
        /// Name -> condition, in the order written.
        items: Vec<(String, C)>,
        /// The expression as written.
        text: String,
        /// The parsed expression.
        expr: Expr,
    },
}

/// A condition on the whole rule (`rule_conditions`).
#[derive(Clone, Debug, PartialEq)]
pub enum RuleCondition {
    /// `logsource`: every field given equals the rule's.
    Logsource {
        /// `category`.
        category: Option<String>,
        /// `product`.
        product: Option<String>,
        /// `service`.
        service: Option<String>,
    },
    /// `tag`: the rule has this tag.
    Tag(String),
    /// `contains_detection_item`: some detection item has this field and this value.
    ContainsDetectionItem {
        /// The field.
        field: String,
        /// One of its values.
        value: Lit,
    },
    /// `rule_attribute`: a metadata attribute compared with a value (`op` `eq` or `ne`;
    /// `level` and `status` also `gte`, `gt`, `lte`, `lt`).
    RuleAttribute {
        /// The attribute (`id`, `title`, `level`, `status`, ... or a custom one).
        attribute: String,
        /// The value.
        value: Lit,
        /// `eq`, `ne`, `gte`, `gt`, `lte` or `lt`.
        op: String,
    },
    /// `processing_item_applied`: an earlier processing item with this `id` changed the rule.
    ProcessingItemApplied(String),
    /// `is_sigma_rule`: always true here (pipelines apply to rules).
    IsSigmaRule,
}

/// `any` or `all` values of a detection item (`cond` of value conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AnyAll {
    /// At least one value (the default).
    #[default]
    Any,
    /// Every value.
    All,
}

/// A condition on one detection item (`detection_item_conditions`).
#[derive(Clone, Debug, PartialEq)]
pub enum ItemCondition {
    /// `match_string`: string values match `pattern` (a regex anchored at the start, as
    /// Python's `re.match`); `negate` inverts each value's result.
    MatchString {
        /// The pattern.
        pattern: Re,
        /// Any or all values.
        cond: AnyAll,
        /// Invert.
        negate: bool,
    },
    /// `is_null`: values are `null`.
    IsNull {
        /// Any or all values.
        cond: AnyAll,
    },
}

/// A condition on a field name (`field_name_conditions`).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldCondition {
    /// `include_fields`: the field is one of `fields` (`mode: plain`) or matches one of them
    /// as regexes (`mode: re`, anchored at the start).
    Include(FieldSet),
    /// `exclude_fields`: the opposite.
    Exclude(FieldSet),
}

/// The field list of `include_fields` / `exclude_fields`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSet {
    /// The names or patterns as written.
    pub fields: Vec<String>,
    /// Compiled patterns (`mode: re`), else empty.
    pub patterns: Vec<Re>,
}

impl FieldSet {
    /// True when `field` is in the set.
    pub fn contains(&self, field: &str) -> bool {
        if self.patterns.is_empty() {
            self.fields.iter().any(|f| f == field)
        } else {
            self.patterns
                .iter()
                .any(|p| p.re.find(field).is_some_and(|m| m.start() == 0))
        }
    }
}

/// `case` methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseMethod {
    /// `lower`
    Lower,
    /// `upper`
    Upper,
    /// `snake_case`
    SnakeCase,
}

impl CaseMethod {
    /// The spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseMethod::Lower => "lower",
            CaseMethod::Upper => "upper",
            CaseMethod::SnakeCase => "snake_case",
        }
    }
}

/// One transformation, by its pySigma identifier.
#[derive(Clone, Debug, PartialEq)]
pub enum Transformation {
    /// `field_name_mapping`: `mapping: {Field: target}` or `{Field: [t1, t2]}`. A field mapped
    /// to several targets matches when any target does (the item becomes an OR).
    FieldNameMapping {
        /// Source field -> targets (one or more), in the order written.
        mapping: Vec<(String, Vec<String>)>,
    },
    /// `field_name_prefix_mapping`: `mapping: {prefix: replacement}`; the first prefix that a
    /// field starts with is replaced.
    FieldNamePrefixMapping {
        /// Prefix -> replacement.
        mapping: Vec<(String, String)>,
    },
    /// `field_name_prefix`: `prefix` is prepended to field names.
    FieldNamePrefix {
        /// The prefix.
        prefix: String,
    },
    /// `field_name_suffix`: `suffix` is appended to field names.
    FieldNameSuffix {
        /// The suffix.
        suffix: String,
    },
    /// `change_logsource`: sets the given logsource fields of the rule.
    ChangeLogsource {
        /// `category`.
        category: Option<String>,
        /// `product`.
        product: Option<String>,
        /// `service`.
        service: Option<String>,
    },
    /// `add_condition`: adds a search identifier built from `conditions` (a detection
    /// mapping, `field|modifiers: value(s)`) and ANDs it to every condition (`negated`:
    /// `not NAME and (...)`). `name` defaults to `_cond_` followed by the item index.
    AddCondition {
        /// `field|modifiers` -> values.
        conditions: Vec<(String, Vec<Lit>)>,
        /// The identifier's name.
        name: Option<String>,
        /// ANDs the negation instead.
        negated: bool,
    },
    /// `drop_detection_item`: removes the detection items the conditions select.
    DropDetectionItem,
    /// `replace_string`: replaces matches of `regex` in string values (in Sigma notation,
    /// wildcards and escapes as written) with `replacement` (`$1`, `${name}`; pySigma's `\1`
    /// is accepted and read as `${1}`).
    ReplaceString {
        /// The pattern.
        regex: Re,
        /// The replacement.
        replacement: String,
    },
    /// `map_string`: a string value equal to a key (in Sigma notation) becomes the mapped
    /// value(s).
    MapString {
        /// Value -> replacement(s).
        mapping: Vec<(String, Vec<String>)>,
    },
    /// `set_value`: every value becomes `value` (its YAML type decides the Sigma type;
    /// `force_type: str|num` overrides it).
    SetValue {
        /// The value.
        value: Lit,
        /// `str` or `num`.
        force_type: Option<String>,
    },
    /// `value_placeholders`: `%name%` placeholders of `expand` values are replaced by the
    /// pipeline's `vars` (each var value is an alternative). `include` / `exclude` restrict
    /// the names handled.
    ValuePlaceholders {
        /// Only these names.
        include: Option<Vec<String>>,
        /// All names but these.
        exclude: Option<Vec<String>>,
    },
    /// `case`: string values to `lower`, `upper` or `snake_case`.
    Case {
        /// The method.
        method: CaseMethod,
    },
    /// `rule_failure`: the rule cannot be used with this pipeline; `message` says why.
    RuleFailure {
        /// The message.
        message: String,
    },
    /// `detection_item_failure`: a detection item the conditions select makes the rule
    /// unusable with this pipeline.
    DetectionItemFailure {
        /// The message.
        message: String,
    },
}

impl Transformation {
    /// The pySigma identifier (`type:`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Transformation::FieldNameMapping { .. } => "field_name_mapping",
            Transformation::FieldNamePrefixMapping { .. } => "field_name_prefix_mapping",
            Transformation::FieldNamePrefix { .. } => "field_name_prefix",
            Transformation::FieldNameSuffix { .. } => "field_name_suffix",
            Transformation::ChangeLogsource { .. } => "change_logsource",
            Transformation::AddCondition { .. } => "add_condition",
            Transformation::DropDetectionItem => "drop_detection_item",
            Transformation::ReplaceString { .. } => "replace_string",
            Transformation::MapString { .. } => "map_string",
            Transformation::SetValue { .. } => "set_value",
            Transformation::ValuePlaceholders { .. } => "value_placeholders",
            Transformation::Case { .. } => "case",
            Transformation::RuleFailure { .. } => "rule_failure",
            Transformation::DetectionItemFailure { .. } => "detection_item_failure",
        }
    }

    /// True for the transformations that rename fields.
    pub fn renames_fields(&self) -> bool {
        matches!(
            self,
            Transformation::FieldNameMapping { .. }
                | Transformation::FieldNamePrefixMapping { .. }
                | Transformation::FieldNamePrefix { .. }
                | Transformation::FieldNameSuffix { .. }
        )
    }
}

/// Every transformation type this crate knows, by identifier.
pub const TRANSFORMATION_TYPES: &[&str] = &[
    "field_name_mapping",
    "field_name_prefix_mapping",
    "field_name_prefix",
    "field_name_suffix",
    "change_logsource",
    "add_condition",
    "drop_detection_item",
    "replace_string",
    "map_string",
    "set_value",
    "value_placeholders",
    "case",
    "rule_failure",
    "detection_item_failure",
];

/// One entry of `transformations`: a transformation and the conditions under which it applies.
#[derive(Clone, Debug)]
pub struct ProcessingItem {
    /// `id`.
    pub id: Option<String>,
    /// The transformation.
    pub transformation: Transformation,
    /// `rule_conditions`.
    pub rule_conditions: Option<Conditions<RuleCondition>>,
    /// `detection_item_conditions`.
    pub detection_item_conditions: Option<Conditions<ItemCondition>>,
    /// `field_name_conditions`.
    pub field_name_conditions: Option<Conditions<FieldCondition>>,
    /// Where the item was written.
    pub span: Span,
}

impl PartialEq for ProcessingItem {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.transformation == o.transformation
            && self.rule_conditions == o.rule_conditions
            && self.detection_item_conditions == o.detection_item_conditions
            && self.field_name_conditions == o.field_name_conditions
    }
}

/// A test of a recogniser against an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `{field: F, exists: true|false}`: the field is present (even null) / absent.
    Exists {
        /// The dotted field path.
        field: String,
        /// Present or absent.
        exists: bool,
    },
    /// `{field: F, equals: V}` or `{field: F, equals: [V1, V2]}`: some value of the field
    /// (an array's elements one by one) has exactly the text of one of the values
    /// (case-sensitive; numbers by their decimal text).
    Equals {
        /// The dotted field path.
        field: String,
        /// The accepted values.
        values: Vec<Lit>,
    },
    /// `{field: F, glob: P}` or a list of patterns: some string value matches a pattern in
    /// which `*` is any run of characters and `?` one character (case-sensitive).
    Glob {
        /// The dotted field path.
        field: String,
        /// The patterns.
        patterns: Vec<String>,
    },
    /// `{any: [tests]}`: one of the tests holds.
    Any(Vec<Test>),
    /// `{all: [tests]}`: every test holds.
    All(Vec<Test>),
    /// `{not: test}`: the test does not hold.
    Not(Box<Test>),
}

/// How to recognise an event this pipeline applies to, and the logsource it gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Recognizer {
    /// The logsource an event gets when every test holds.
    pub logsource: LogSource,
    /// The tests, ANDed (`when:`).
    pub when: Vec<Test>,
}

/// A field computed from an event's fields (`derived_fields`), overlaid on the event by
/// [`crate::Derived`] (and computed during the walk by a program given them).
pub use adsigma_engine::derive::DerivedField;

/// A processing pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// `name`.
    pub name: String,
    /// `description`: one line.
    pub description: Option<String>,
    /// `priority`: lower runs first (pySigma's convention: 10 log source pipelines, 20
    /// backend-side, 50 backend, 60 output format). Default 0.
    pub priority: i64,
    /// `vars`: name -> values, for `value_placeholders`.
    pub vars: Vec<(String, Vec<Lit>)>,
    /// `transformations`, applied in order.
    pub transformations: Vec<ProcessingItem>,
    /// `recognizers`: how to recognise events, tried in order.
    pub recognizers: Vec<Recognizer>,
    /// `derived_fields`.
    pub derived_fields: Vec<DerivedField>,
    /// Where the pipeline was read from (a path, or `shipped:NAME`).
    pub source: String,
    /// The file id its diagnostics carry.
    pub file: FileId,
}

impl PartialEq for Pipeline {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
            && self.description == o.description
            && self.priority == o.priority
            && self.vars == o.vars
            && self.transformations == o.transformations
            && self.recognizers == o.recognizers
            && self.derived_fields == o.derived_fields
    }
}

impl fmt::Display for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
