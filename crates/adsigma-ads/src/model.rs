//! The ADS model.

use crate::attack::{catalogue, technique_url};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A rule's Alerting & Detection Strategy, section by section.
///
/// Read from a rule with [`Ads::from_rule`] (each field names the rule key it comes from),
/// from a Markdown report with [`crate::import_markdown`]. Text fields hold Markdown: prose
/// fields may span paragraphs; list items are trimmed and may span lines. Empty lists and
/// `None` mean "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ads {
    /// The strategy's name: the rule's `title`; a report's title.
    pub title: Option<String>,
    /// Goal: `ads.goal`, else the Sigma `description`.
    pub goal: Option<String>,
    /// Categorization: ATT&CK techniques and tactics, platforms.
    pub categorization: Categorization,
    /// Strategy abstract: `ads.strategy_abstract`.
    pub strategy_abstract: StrategyAbstract,
    /// Technical context: `ads.technical_context` (prose).
    pub technical_context: Option<String>,
    /// Adversary emulation details: `ads.emulation` (commands or steps).
    pub emulation: Vec<String>,
    /// Blind spots: `ads.blind_spots`.
    pub blind_spots: Vec<String>,
    /// Assumptions: `ads.assumptions`.
    pub assumptions: Vec<String>,
    /// False positives: the Sigma `falsepositives`.
    pub false_positives: Vec<String>,
    /// Validation: `ads.validation`, steps that produce a true positive.
    pub validation: Vec<String>,
    /// Priority: `ads.priority`, its level defaulting to the Sigma `level`.
    pub priority: Priority,
    /// Response: `ads.response`, the steps to take when the alert fires.
    pub response: Vec<String>,
    /// Additional resources: `ads.resources`, then the Sigma `references`.
    pub resources: Vec<String>,
    /// Palantir's optional extra: `ads.environments`, where the strategy applies.
    pub environments: Vec<String>,
    /// Palantir's optional extra: `ads.tooling`, the tools the strategy relies on.
    pub tooling: Vec<String>,
    /// Any other section of an imported report: `ads.extra`, `{heading: text}`.
    pub extra: Extra,
}

/// Categorization: what the strategy detects in ATT&CK's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Categorization {
    /// Techniques: the `attack.tNNNN[.NNN]` tags, in order.
    pub techniques: Vec<TechniqueRef>,
    /// Tactic short names: the `attack.<tactic>` tags, in order (e.g. `execution`).
    pub tactics: Vec<String>,
    /// ATT&CK platform names: `ads.platforms`, else derived from the logsource.
    pub platforms: Vec<String>,
}

/// A technique as a rule or report names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TechniqueRef {
    /// `T1552.007` (normalised spelling).
    pub id: String,
    /// The name: the catalogue's for a rule's tag (empty when unknown), as written for a
    /// report.
    pub name: String,
}

impl TechniqueRef {
    /// A technique by id, named from the catalogue (empty name when unknown).
    pub fn from_catalogue(id: &str) -> Self {
        let t = catalogue().technique(id);
        TechniqueRef {
            id: t.map_or_else(|| id.to_owned(), |t| t.id.clone()),
            name: t.map(|t| t.name.clone()).unwrap_or_default(),
        }
    }

    /// The technique's page on attack.mitre.org.
    pub fn url(&self) -> String {
        technique_url(&self.id)
    }
}

/// Strategy abstract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StrategyAbstract {
    /// `summary`: how the strategy works, in prose.
    pub summary: Option<String>,
    /// `data_sources`: the telemetry it reads.
    pub data_sources: Vec<String>,
    /// `patterns`: what it looks for in that telemetry.
    pub patterns: Vec<String>,
}

/// Priority.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Priority {
    /// `ads.priority.level`, else the Sigma `level`.
    pub level: Option<Level>,
    /// `ads.priority.justification`.
    pub justification: Option<String>,
}

/// A Sigma level, as the priority of an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [
        Level::Informational,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    /// The Sigma spelling: `informational` ... `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// As a report writes it: `Informational` ... `Critical`.
    pub fn display_name(self) -> &'static str {
        match self {
            Level::Informational => "Informational",
            Level::Low => "Low",
            Level::Medium => "Medium",
            Level::High => "High",
            Level::Critical => "Critical",
        }
    }

    /// A Sigma level (exact spelling).
    pub fn from_sigma(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// A level as reports write it: any case, `info` for informational, `moderate` for medium.
    pub fn parse_loose(s: &str) -> Option<Level> {
        match s.trim().to_lowercase().as_str() {
            "informational" | "info" => Some(Level::Informational),
            "low" => Some(Level::Low),
            "medium" | "moderate" => Some(Level::Medium),
            "high" => Some(Level::High),
            "critical" => Some(Level::Critical),
            _ => None,
        }
    }
}

impl From<adsigma_syntax::Level> for Level {
    fn from(l: adsigma_syntax::Level) -> Self {
        match l {
            adsigma_syntax::Level::Informational => Level::Informational,
            adsigma_syntax::Level::Low => Level::Low,
            adsigma_syntax::Level::Medium => Level::Medium,
            adsigma_syntax::Level::High => Level::High,
            adsigma_syntax::Level::Critical => Level::Critical,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Report sections outside the framework, `{heading: text}` in the order written. Serialises
/// as a JSON object (order kept) and is written to YAML as `ads.extra`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extra(pub Vec<(String, String)>);

impl Extra {
    /// True when there is no extra section.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text under a heading.
    pub fn get(&self, heading: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(h, _)| h == heading)
            .map(|(_, t)| t.as_str())
    }

    /// Adds a section; text under a heading already present is appended to it.
    pub fn push(&mut self, heading: String, text: String) {
        if let Some((_, t)) = self.0.iter_mut().find(|(h, _)| *h == heading) {
            if !text.is_empty() {
                if !t.is_empty() {
                    t.push_str("\n\n");
                }
                t.push_str(&text);
            }
        } else {
            self.0.push((heading, text));
        }
    }

    /// The sections in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(h, t)| (h.as_str(), t.as_str()))
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Extra;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of section headings to text")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Extra, A::Error> {
                let mut e = Extra::default();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    e.push(k, v);
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

/// The ten sections of the ADS framework, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Goal.
    Goal,
    /// Categorization.
    Categorization,
    /// Strategy Abstract.
    StrategyAbstract,
    /// Technical Context (with the adversary emulation details).
    TechnicalContext,
    /// Blind Spots and Assumptions.
    BlindSpotsAndAssumptions,
    /// False Positives.
    FalsePositives,
    /// Priority.
    Priority,
    /// Validation (Adversary Emulation).
    Validation,
    /// Response.
    Response,
    /// Additional Resources.
    AdditionalResources,
}

impl Section {
    /// All ten, in report order.
    pub const ALL: [Section; 10] = [
        Section::Goal,
        Section::Categorization,
        Section::StrategyAbstract,
        Section::TechnicalContext,
        Section::BlindSpotsAndAssumptions,
        Section::FalsePositives,
        Section::Priority,
        Section::Validation,
        Section::Response,
        Section::AdditionalResources,
    ];

    /// The section's heading in a rendered report.
    pub fn heading(self) -> &'static str {
        match self {
            Section::Goal => "Goal",
            Section::Categorization => "Categorization",
            Section::StrategyAbstract => "Strategy Abstract",
            Section::TechnicalContext => "Technical Context",
            Section::BlindSpotsAndAssumptions => "Blind Spots and Assumptions",
            Section::FalsePositives => "False Positives",
            Section::Priority => "Priority",
            Section::Validation => "Validation (Adversary Emulation)",
            Section::Response => "Response",
            Section::AdditionalResources => "Additional Resources",
        }
    }

    /// The parts that make the section up.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Section::Goal => &[Part::Goal],
            Section::Categorization => &[Part::Techniques, Part::Platforms],
            Section::StrategyAbstract => &[Part::Summary, Part::DataSources, Part::Patterns],
            Section::TechnicalContext => &[Part::TechnicalContext, Part::Emulation],
            Section::BlindSpotsAndAssumptions => &[Part::BlindSpots, Part::Assumptions],
            Section::FalsePositives => &[Part::FalsePositives],
            Section::Priority => &[Part::PriorityLevel, Part::Justification],
            Section::Validation => &[Part::Validation],
            Section::Response => &[Part::Response],
            Section::AdditionalResources => &[Part::Resources],
        }
    }
}

/// One piece of content a complete ADS has; several make a [`Section`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The goal.
    Goal,
    /// At least one ATT&CK technique.
    Techniques,
    /// Platforms.
    Platforms,
    /// The strategy abstract's summary.
    Summary,
    /// The data sources.
    DataSources,
    /// The patterns.
    Patterns,
    /// The technical context.
    TechnicalContext,
    /// The adversary emulation details.
    Emulation,
    /// Blind spots.
    BlindSpots,
    /// Assumptions.
    Assumptions,
    /// False positives.
    FalsePositives,
    /// Validation steps.
    Validation,
    /// The priority level.
    PriorityLevel,
    /// The priority's justification.
    Justification,
    /// Response steps.
    Response,
    /// Additional resources.
    Resources,
}

impl Part {
    /// Every part, in report order.
    pub const ALL: [Part; 16] = [
        Part::Goal,
        Part::Techniques,
        Part::Platforms,
        Part::Summary,
        Part::DataSources,
        Part::Patterns,
        Part::TechnicalContext,
        Part::Emulation,
        Part::BlindSpots,
        Part::Assumptions,
        Part::FalsePositives,
        Part::PriorityLevel,
        Part::Justification,
        Part::Validation,
        Part::Response,
        Part::Resources,
    ];

    /// The section the part belongs to.
    pub fn section(self) -> Section {
        Section::ALL
            .into_iter()
            .find(|s| s.parts().contains(&self))
            .unwrap_or(Section::Goal)
    }

    /// What the part is, in words.
    pub fn label(self) -> &'static str {
        match self {
            Part::Goal => "goal",
            Part::Techniques => "ATT&CK techniques",
            Part::Platforms => "platforms",
            Part::Summary => "strategy summary",
            Part::DataSources => "data sources",
            Part::Patterns => "patterns",
            Part::TechnicalContext => "technical context",
            Part::Emulation => "adversary emulation details",
            Part::BlindSpots => "blind spots",
            Part::Assumptions => "assumptions",
            Part::FalsePositives => "false positives",
            Part::Validation => "validation steps",
            Part::PriorityLevel => "priority level",
            Part::Justification => "priority justification",
            Part::Response => "response steps",
            Part::Resources => "additional resources",
        }
    }

    /// Where a rule holds the part.
    pub fn rule_key(self) -> &'static str {
        match self {
            Part::Goal => "description (or ads.goal)",
            Part::Techniques => "tags (attack.tNNNN)",
            Part::Platforms => "ads.platforms (or a logsource they derive from)",
            Part::Summary => "ads.strategy_abstract.summary",
            Part::DataSources => "ads.strategy_abstract.data_sources",
            Part::Patterns => "ads.strategy_abstract.patterns",
            Part::TechnicalContext => "ads.technical_context",
            Part::Emulation => "ads.emulation",
            Part::BlindSpots => "ads.blind_spots",
            Part::Assumptions => "ads.assumptions",
            Part::FalsePositives => "falsepositives",
            Part::Validation => "ads.validation",
            Part::PriorityLevel => "level (or ads.priority.level)",
            Part::Justification => "ads.priority.justification",
            Part::Response => "ads.response",
            Part::Resources => "ads.resources or references",
        }
    }
}

impl Ads {
    /// True when the part has content.
    pub fn has(&self, part: Part) -> bool {
        let s = |o: &Option<String>| o.as_deref().is_some_and(|t| !t.trim().is_empty());
        match part {
            Part::Goal => s(&self.goal),
            Part::Techniques => !self.categorization.techniques.is_empty(),
            Part::Platforms => !self.categorization.platforms.is_empty(),
            Part::Summary => s(&self.strategy_abstract.summary),
            Part::DataSources => !self.strategy_abstract.data_sources.is_empty(),
            Part::Patterns => !self.strategy_abstract.patterns.is_empty(),
            Part::TechnicalContext => s(&self.technical_context),
            Part::Emulation => !self.emulation.is_empty(),
            Part::BlindSpots => !self.blind_spots.is_empty(),
            Part::Assumptions => !self.assumptions.is_empty(),
            Part::FalsePositives => !self.false_positives.is_empty(),
            Part::Validation => !self.validation.is_empty(),
            Part::PriorityLevel => self.priority.level.is_some(),
            Part::Justification => s(&self.priority.justification),
            Part::Response => !self.response.is_empty(),
            Part::Resources => !self.resources.is_empty(),
        }
    }

    /// The parts without content, in report order.
    ///
    /// ```
    /// use adsigma_ads::{Ads, Part};
    /// let mut ads = Ads::default();
    /// ads.goal = Some("Detect a shell in a pod.".into());
    /// assert!(!ads.missing_parts().contains(&Part::Goal));
    /// assert!(ads.missing_parts().contains(&Part::Validation));
    /// ```
    pub fn missing_parts(&self) -> Vec<Part> {
        Part::ALL.into_iter().filter(|&p| !self.has(p)).collect()
    }

    /// The sections with any content, in report order.
    pub fn sections_present(&self) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|s| s.parts().iter().any(|&p| self.has(p)))
            .collect()
    }
}

/// The rule around an ADS: the Markdown report shows its title, id, status, author,
/// logsource and file under its heading; the JSON report has all of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleInfo {
    /// The rule's `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The rule's `title` (when set, it is shown instead of the ADS title).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The rule's `status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The rule's `level`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The rule's `author`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The rule's `logsource`, as `product: linux, category: process_creation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logsource: Option<String>,
    /// The file the rule came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl RuleInfo {
    /// The rule's id, title, status, level, author and logsource.
    ///
    /// ```
    /// use adsigma_ads::RuleInfo;
    /// use adsigma_syntax::{parse_str, Document, FileId, Limits};
    /// let text = "title: t\nid: 9d7c2a0e-4b1f-4c8e-8f3a-2b6d1e0c9a11\nlogsource: {product: docker, service: events}\ndetection:\n  sel: {Action: exec_start}\n  condition: sel\n";
    /// let Document::Rule(rule) = &parse_str(text, FileId(0), &Limits::default()).documents[0] else { unreachable!() };
    /// let info = RuleInfo::from_rule(rule);
    /// assert_eq!(info.logsource.as_deref(), Some("product: docker, service: events"));
    /// ```
    pub fn from_rule(rule: &adsigma_syntax::Rule) -> Self {
        let m = &rule.meta;
        let s = |o: &Option<adsigma_syntax::Spanned<String>>| o.as_ref().map(|v| v.value.clone());
        let ls = &rule.logsource;
        let mut parts = Vec::new();
        for (k, v) in [
            ("product", &ls.product),
            ("category", &ls.category),
            ("service", &ls.service),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}: {}", v.value));
            }
        }
        for (k, v) in &ls.custom {
            parts.push(format!("{}: {}", k.value, v.value));
        }
        RuleInfo {
            id: s(&m.id),
            title: s(&m.title),
            status: m.status.as_ref().map(|v| v.value.as_str().to_owned()),
            level: m.level.as_ref().map(|v| v.value.as_str().to_owned()),
            author: s(&m.author),
            logsource: (!parts.is_empty()).then(|| parts.join(", ")),
            file: None,
        }
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    rule: &'a RuleInfo,
    ads: &'a Ads,
    missing: Vec<Part>,
}

/// The ADS as JSON: `{"schema": "adsigma.ads/1", "rule": {...}, "ads": {...}, "missing":
/// [...]}`, pretty-printed. `ads` deserialises back into [`Ads`].
///
/// ```
/// use adsigma_ads::{Ads, RuleInfo, render_json};
/// let mut ads = Ads::default();
/// ads.goal = Some("Detect a shell in a pod.".into());
/// let json: serde_json::Value = serde_json::from_str(&render_json(&ads, &RuleInfo::default())).unwrap();
/// assert_eq!(json["schema"], "adsigma.ads/1");
/// let back: Ads = serde_json::from_value(json["ads"].clone()).unwrap();
/// assert_eq!(back, ads);
/// ```
pub fn render_json(ads: &Ads, rule: &RuleInfo) -> String {
    let report = JsonReport {
        schema: "adsigma.ads/1",
        rule,
        ads,
        missing: ads.missing_parts(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}
