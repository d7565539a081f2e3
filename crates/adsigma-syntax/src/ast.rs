//! The typed, spanned AST of Sigma documents.

use crate::condition::Expr;
use crate::span::{Span, Spanned};
use crate::value::{Modifier, Value};
use crate::yaml::Node;

/// One Sigma document: a rule, a correlation rule or a filter.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Document {
    /// A detection rule.
    Rule(Rule),
    /// A correlation rule.
    Correlation(Correlation),
    /// A filter (meta filter).
    Filter(Filter),
}

impl Document {
    /// The metadata every kind of document has.
    pub fn meta(&self) -> &Metadata {
        match self {
            Document::Rule(r) => &r.meta,
            Document::Correlation(c) => &c.meta,
            Document::Filter(f) => &f.meta,
        }
    }

    /// The span of the whole document.
    pub fn span(&self) -> Span {
        match self {
            Document::Rule(r) => r.span,
            Document::Correlation(c) => c.span,
            Document::Filter(f) => f.span,
        }
    }

    /// `rule`, `correlation` or `filter`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Document::Rule(_) => "rule",
            Document::Correlation(_) => "correlation",
            Document::Filter(_) => "filter",
        }
    }
}

/// `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `stable`
    Stable,
    /// `test`
    Test,
    /// `experimental`
    Experimental,
    /// `deprecated`
    Deprecated,
    /// `unsupported`
    Unsupported,
}

impl Status {
    /// Every status with its spelling.
    pub const ALL: &'static [(&'static str, Status)] = &[
        ("stable", Status::Stable),
        ("test", Status::Test),
        ("experimental", Status::Experimental),
        ("deprecated", Status::Deprecated),
        ("unsupported", Status::Unsupported),
    ];

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }
}

/// `level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `informational`
    Informational,
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Level {
    /// Every level with its spelling, lowest first.
    pub const ALL: &'static [(&'static str, Level)] = &[
        ("informational", Level::Informational),
        ("low", Level::Low),
        ("medium", Level::Medium),
        ("high", Level::High),
        ("critical", Level::Critical),
    ];

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }
}

/// A `date` or `modified` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

/// The kind of a `related` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationType {
    /// `derived`
    Derived,
    /// `obsolete`
    Obsolete,
    /// `merged`
    Merged,
    /// `renamed`
    Renamed,
    /// `similar`
    Similar,
}

impl RelationType {
    /// Every type with its spelling.
    pub const ALL: &'static [(&'static str, RelationType)] = &[
        ("derived", RelationType::Derived),
        ("obsolete", RelationType::Obsolete),
        ("merged", RelationType::Merged),
        ("renamed", RelationType::Renamed),
        ("similar", RelationType::Similar),
    ];

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }
}

/// A `related` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    /// The related rule's id.
    pub id: Spanned<String>,
    /// How it is related.
    pub kind: Spanned<RelationType>,
}

/// Metadata shared by rules, correlations and filters.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Metadata {
    /// `title`.
    pub title: Option<Spanned<String>>,
    /// `id`.
    pub id: Option<Spanned<String>>,
    /// `name` (referenced by correlations).
    pub name: Option<Spanned<String>>,
    /// `related`.
    pub related: Vec<Related>,
    /// `taxonomy`.
    pub taxonomy: Option<Spanned<String>>,
    /// `status`.
    pub status: Option<Spanned<Status>>,
    /// `description`.
    pub description: Option<Spanned<String>>,
    /// `license`.
    pub license: Option<Spanned<String>>,
    /// `author`.
    pub author: Option<Spanned<String>>,
    /// `references`.
    pub references: Vec<Spanned<String>>,
    /// `date`.
    pub date: Option<Spanned<Date>>,
    /// `modified`.
    pub modified: Option<Spanned<Date>>,
    /// `tags`.
    pub tags: Vec<Spanned<String>>,
    /// `falsepositives`.
    pub falsepositives: Vec<Spanned<String>>,
    /// `fields`.
    pub fields: Vec<Spanned<String>>,
    /// `level`.
    pub level: Option<Spanned<Level>>,
    /// `scope`.
    pub scope: Vec<Spanned<String>>,
    /// Every other top-level attribute, in order (e.g. `ads`, `tests`).
    pub custom: Vec<(Spanned<String>, Node)>,
}

impl Metadata {
    /// A custom attribute by name.
    pub fn custom(&self, name: &str) -> Option<&Node> {
        self.custom
            .iter()
            .find(|(k, _)| k.value == name)
            .map(|(_, v)| v)
    }
}

/// `logsource`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Logsource {
    /// `category`.
    pub category: Option<Spanned<String>>,
    /// `product`.
    pub product: Option<Spanned<String>>,
    /// `service`.
    pub service: Option<Spanned<String>>,
    /// `definition`.
    pub definition: Option<Spanned<String>>,
    /// Any other key.
    pub custom: Vec<(Spanned<String>, Spanned<String>)>,
    /// The whole `logsource` mapping.
    pub span: Span,
}

/// A detection rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Metadata.
    pub meta: Metadata,
    /// `logsource`.
    pub logsource: Logsource,
    /// `detection`.
    pub detection: Detection,
    /// The whole document.
    pub span: Span,
}

/// A `detection` section (also the body of a filter).
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// The search identifiers, in the order written.
    pub identifiers: Vec<Identifier>,
    /// The condition(s); several are ORed.
    pub conditions: Vec<ConditionSource>,
    /// The whole section.
    pub span: Span,
}

impl Detection {
    /// An identifier by name.
    pub fn identifier(&self, name: &str) -> Option<&Identifier> {
        self.identifiers.iter().find(|i| i.name.value == name)
    }
}

/// A condition with its source text.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionSource {
    /// The condition as written.
    pub text: Spanned<String>,
    /// The parsed expression (its ranges index into `text`).
    pub expr: Expr,
}

/// A search identifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Identifier {
    /// Its name.
    pub name: Spanned<String>,
    /// What it searches.
    pub body: IdentifierBody,
}

/// What a search identifier holds.
#[derive(Clone, Debug, PartialEq)]
pub enum IdentifierBody {
    /// A mapping: its items are ANDed.
    Map(FieldMap),
    /// A list: its elements are ORed (maps, or keyword values).
    List(Vec<ListElement>),
}

/// A mapping of detection items, ANDed.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldMap {
    /// The items in order.
    pub items: Vec<DetectionItem>,
    /// The mapping.
    pub span: Span,
}

/// An element of a list identifier.
#[derive(Clone, Debug, PartialEq)]
pub enum ListElement {
    /// A mapping of detection items.
    Map(FieldMap),
    /// A keyword: matched as a substring of any string value of the event.
    Keyword(Value),
}

/// One `field|modifiers: values` entry (or a `'|all'` keyword entry, with no field).
#[derive(Clone, Debug, PartialEq)]
pub struct DetectionItem {
    /// The field name; `None` for keywords (`'|all'`).
    pub field: Option<Spanned<String>>,
    /// The modifiers in order.
    pub modifiers: Vec<Spanned<Modifier>>,
    /// The values (ORed, or ANDed with `all`).
    pub values: Vec<Value>,
    /// The key as written.
    pub key_span: Span,
    /// True when the values were written as a YAML list (even of one value).
    pub list: bool,
}

impl DetectionItem {
    /// True when the chain has modifier `m`.
    pub fn has(&self, m: Modifier) -> bool {
        self.modifiers.iter().any(|x| x.value == m)
    }
}

/// A correlation rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    /// Metadata.
    pub meta: Metadata,
    /// The `correlation` section.
    pub correlation: CorrelationBody,
    /// The whole document.
    pub span: Span,
}

/// Correlation types of Sigma 2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// `event_count`
    EventCount,
    /// `value_count`
    ValueCount,
    /// `temporal`
    Temporal,
    /// `temporal_ordered`
    TemporalOrdered,
    /// `value_sum`
    ValueSum,
    /// `value_avg`
    ValueAvg,
    /// `value_percentile`
    ValuePercentile,
}

impl CorrelationType {
    /// Every type with its spelling.
    pub const ALL: &'static [(&'static str, CorrelationType)] = &[
        ("event_count", CorrelationType::EventCount),
        ("value_count", CorrelationType::ValueCount),
        ("temporal", CorrelationType::Temporal),
        ("temporal_ordered", CorrelationType::TemporalOrdered),
        ("value_sum", CorrelationType::ValueSum),
        ("value_avg", CorrelationType::ValueAvg),
        ("value_percentile", CorrelationType::ValuePercentile),
    ];

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }

    /// True for the types whose condition needs a `field`.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            CorrelationType::ValueCount
                | CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        )
    }

    /// `temporal` or `temporal_ordered`.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }
}

/// A comparison operator of a correlation condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `eq`
    Eq,
    /// `neq`
    Neq,
}

impl CompareOp {
    /// Every operator with its spelling.
    pub const ALL: &'static [(&'static str, CompareOp)] = &[
        ("gt", CompareOp::Gt),
        ("gte", CompareOp::Gte),
        ("lt", CompareOp::Lt),
        ("lte", CompareOp::Lte),
        ("eq", CompareOp::Eq),
        ("neq", CompareOp::Neq),
    ];

    /// The spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("", |(n, _)| n)
    }
}

/// A correlation `condition`.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationCondition {
    /// One comparison, or two forming a range.
    pub comparisons: Vec<(Spanned<CompareOp>, Spanned<f64>)>,
    /// `field`, for the value_* types.
    pub field: Option<Spanned<String>>,
    /// The mapping.
    pub span: Span,
}

/// A `timespan`, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timespan {
    /// Length in seconds.
    pub seconds: u64,
}

/// One `aliases` entry: the alias and, per referenced rule name, the field it stands for.
pub type Alias = (Spanned<String>, Vec<(Spanned<String>, Spanned<String>)>);

/// The `correlation` section.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationBody {
    /// `type`.
    pub kind: Spanned<CorrelationType>,
    /// `rules`: ids or names.
    pub rules: Vec<Spanned<String>>,
    /// `group-by`.
    pub group_by: Vec<Spanned<String>>,
    /// `timespan`.
    pub timespan: Spanned<Timespan>,
    /// `condition` (absent for temporal types: all referenced rules).
    pub condition: Option<CorrelationCondition>,
    /// `aliases`: alias -> (rule name -> field).
    pub aliases: Vec<Alias>,
    /// `generate`.
    pub generate: bool,
    /// The mapping.
    pub span: Span,
}

/// A filter document.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// Metadata.
    pub meta: Metadata,
    /// `logsource`.
    pub logsource: Logsource,
    /// `filter.rules`: ids or names of the rules filtered.
    pub rules: Vec<Spanned<String>>,
    /// `filter`'s identifiers and condition.
    pub detection: Detection,
    /// The whole document.
    pub span: Span,
}
