//! Rule -> [`Ads`]: the keys of DESIGN.md's rule format.

use crate::attack::{PLATFORMS, normalize_technique_id};
use crate::codes;
use crate::model::{Ads, Level, TechniqueRef};
use crate::text::closest;
use adsigma_syntax::yaml::{Node, NodeKind, Resolved};
use adsigma_syntax::{Diagnostic, Logsource, Rule, Span, Spanned};

/// The keys of a rule's `ads:` block.
pub const ADS_KEYS: &[&str] = &[
    "goal",
    "platforms",
    "strategy_abstract",
    "technical_context",
    "emulation",
    "blind_spots",
    "assumptions",
    "validation",
    "priority",
    "response",
    "resources",
    "environments",
    "tooling",
    "extra",
];
const STRATEGY_KEYS: &[&str] = &["summary", "data_sources", "patterns"];
const PRIORITY_KEYS: &[&str] = &["level", "justification"];

/// Keys people put in `ads:` that belong elsewhere in the rule.
const SIGMA_KEYS: &[(&str, &str)] = &[
    ("false_positives", "falsepositives"),
    ("falsepositives", "falsepositives"),
    ("description", "description"),
    ("level", "level"),
    ("references", "references"),
    ("tags", "tags"),
    ("techniques", "tags"),
    ("tactics", "tags"),
    ("categorization", "tags"),
];

/// What a tag of the `attack` namespace names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AttackTag {
    /// `attack.t1609`: the normalised id.
    Technique(String),
    /// `attack.g0001`, `attack.s0002`: a group or software, not checked here.
    Other,
    /// Anything else: a tactic short name (perhaps unknown).
    Tactic(String),
}

/// Classifies a tag; `None` for tags outside the `attack` namespace.
pub(crate) fn attack_tag(tag: &str) -> Option<AttackTag> {
    let lower = tag.trim().to_lowercase();
    let rest = lower.strip_prefix("attack.")?;
    if let Some(id) = normalize_technique_id(rest) {
        return Some(AttackTag::Technique(id));
    }
    let b = rest.as_bytes();
    let digits = |from: usize| b.len() > from && b[from..].iter().all(u8::is_ascii_digit);
    if (b
        .first()
        .is_some_and(|c| matches!(c, b'g' | b's' | b'm' | b'c'))
        && digits(1))
        || (rest.starts_with("ds") && digits(2))
        || (rest.starts_with("ta") && digits(2))
    {
        return Some(AttackTag::Other);
    }
    Some(AttackTag::Tactic(rest.to_owned()))
}

/// Where each key of the `ads:` block was written, for diagnostics.
#[derive(Clone, Debug, Default)]
pub(crate) struct AdsSpans {
    /// The `ads` key, when the rule has the block.
    pub ads_key: Option<Span>,
    /// `(path, key span, value span)` for every key read, e.g. `("priority.level", ..)`.
    pub keys: Vec<(String, Span, Span)>,
    /// `ads.priority.level` as written, when it is a Sigma level.
    pub priority_level: Option<Level>,
}

impl AdsSpans {
    pub(crate) fn key(&self, path: &str) -> Option<Span> {
        self.keys
            .iter()
            .find(|(p, ..)| p == path)
            .map(|(_, k, _)| *k)
    }
    pub(crate) fn value(&self, path: &str) -> Option<Span> {
        self.keys.iter().find(|(p, ..)| p == path).map(|(.., v)| *v)
    }
}

struct Reader {
    diags: Vec<Diagnostic>,
    spans: AdsSpans,
}

impl Ads {
    /// Reads a rule's ADS: the Sigma `title`, `description`, `tags`, `falsepositives`,
    /// `level` and `references`, and the `ads:` block. The diagnostics are problems of the
    /// block's shape (`D103`, `D104`, `D105`, `D106`); [`crate::check_rule`] adds the checks
    /// of its content.
    ///
    /// ```
    /// use adsigma_ads::{Ads, Level};
    /// use adsigma_syntax::{parse_str, Document, FileId, Limits};
    /// let text = "title: Exec into a pod\ndescription: Someone opens a shell in a running pod.\n\
    ///             tags: [attack.execution, attack.t1609]\nlevel: medium\n\
    ///             logsource: {product: kubernetes, service: audit}\n\
    ///             detection:\n  sel: {objectRef.subresource: exec}\n  condition: sel\n\
    ///             ads:\n  response: [Identify the pod and who ran the command]\n";
    /// let Document::Rule(rule) = &parse_str(text, FileId(0), &Limits::default()).documents[0] else { unreachable!() };
    /// let (ads, diagnostics) = Ads::from_rule(rule);
    /// assert!(diagnostics.is_empty());
    /// assert_eq!(ads.categorization.platforms, ["Containers"]);
    /// assert_eq!(ads.priority.level, Some(Level::Medium));
    /// assert_eq!(ads.response, ["Identify the pod and who ran the command"]);
    /// ```
    pub fn from_rule(rule: &Rule) -> (Ads, Vec<Diagnostic>) {
        let (ads, diags, _) = read_rule(rule);
        (ads, diags)
    }
}

pub(crate) fn read_rule(rule: &Rule) -> (Ads, Vec<Diagnostic>, AdsSpans) {
    let m = &rule.meta;
    let mut ads = Ads {
        title: m.title.as_ref().map(|t| t.value.trim().to_owned()),
        goal: m
            .description
            .as_ref()
            .map(|d| d.value.trim().to_owned())
            .filter(|d| !d.is_empty()),
        ..Ads::default()
    };
    for tag in &m.tags {
        match attack_tag(&tag.value) {
            Some(AttackTag::Technique(id)) => {
                if !ads.categorization.techniques.iter().any(|t| t.id == id) {
                    ads.categorization
                        .techniques
                        .push(TechniqueRef::from_catalogue(&id));
                }
            }
            Some(AttackTag::Tactic(t)) => {
                if !ads.categorization.tactics.contains(&t) {
                    ads.categorization.tactics.push(t);
                }
            }
            Some(AttackTag::Other) | None => {}
        }
    }
    ads.false_positives = texts(&m.falsepositives);
    ads.priority.level = m.level.as_ref().map(|l| Level::from(l.value));
    let mut r = Reader {
        diags: Vec::new(),
        spans: AdsSpans::default(),
    };
    let block = m.custom.iter().find(|(k, _)| k.value == "ads");
    if let Some((key, node)) = block {
        r.spans.ads_key = Some(key.span);
        r.block(node, &mut ads);
    }
    if ads.categorization.platforms.is_empty() {
        ads.categorization.platforms = platforms_from_logsource(&rule.logsource)
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
    }
    for reference in texts(&m.references) {
        if !ads.resources.contains(&reference) {
            ads.resources.push(reference);
        }
    }
    (ads, r.diags, r.spans)
}

fn texts(v: &[Spanned<String>]) -> Vec<String> {
    v.iter()
        .map(|s| s.value.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// ATT&CK platforms a logsource's telemetry comes from; empty when it cannot be told.
pub(crate) fn platforms_from_logsource(ls: &Logsource) -> &'static [&'static str] {
    let get = |o: &Option<Spanned<String>>| o.as_ref().map(|v| v.value.to_lowercase());
    let product = get(&ls.product).unwrap_or_default();
    let service = get(&ls.service).unwrap_or_default();
    match product.as_str() {
        "kubernetes" | "k8s" | "docker" | "containerd" | "cri-o" | "crio" | "podman"
        | "openshift" | "eks" | "aks" | "gke" => &["Containers"],
        "linux" if matches!(service.as_str(), "falco" | "tetragon") => &["Containers", "Linux"],
        "linux" => &["Linux"],
        "windows" => &["Windows"],
        "macos" => &["macOS"],
        "aws" | "azure" | "gcp" | "cloud" => &["IaaS"],
        "m365" | "okta" | "onelogin" | "github" | "google_workspace" | "gworkspace" => &["SaaS"],
        _ => &[],
    }
}

impl Reader {
    fn error(&mut self, code: adsigma_syntax::Code, span: Span, msg: String) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(code, span, msg));
        let n = self.diags.len() - 1;
        &mut self.diags[n]
    }

    fn block(&mut self, node: &Node, ads: &mut Ads) {
        let Some(entries) = node.as_map() else {
            if !node.is_null() {
                self.error(
                    codes::WRONG_TYPE,
                    node.span,
                    format!("`ads` must be a mapping, not a {}", node.kind_name()),
                );
            }
            return;
        };
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.as_str()) else {
                continue;
            };
            self.spans.keys.push((key.to_owned(), k.span, v.span));
            match key {
                "goal" => {
                    if let Some(g) = self.prose(v, "ads.goal") {
                        ads.goal = Some(g);
                    }
                }
                "platforms" => {
                    ads.categorization.platforms = self.list(v, "ads.platforms");
                    self.platforms(v, &ads.categorization.platforms);
                }
                "strategy_abstract" => self.strategy(v, ads),
                "technical_context" => {
                    ads.technical_context = self.prose(v, "ads.technical_context")
                }
                "emulation" => ads.emulation = self.list(v, "ads.emulation"),
                "blind_spots" => ads.blind_spots = self.list(v, "ads.blind_spots"),
                "assumptions" => ads.assumptions = self.list(v, "ads.assumptions"),
                "validation" => ads.validation = self.list(v, "ads.validation"),
                "priority" => self.priority(v, ads),
                "response" => ads.response = self.list(v, "ads.response"),
                "resources" => ads.resources = self.list(v, "ads.resources"),
                "environments" => ads.environments = self.list(v, "ads.environments"),
                "tooling" => ads.tooling = self.list(v, "ads.tooling"),
                "extra" => self.extra(v, ads),
                other => self.unknown_key(k.span, other, "ads", ADS_KEYS),
            }
        }
    }

    fn unknown_key(&mut self, span: Span, key: &str, parent: &str, known: &[&str]) {
        let d = self.error(
            codes::UNKNOWN_KEY,
            span,
            format!("`{parent}` has no key `{key}`"),
        );
        let sigma = SIGMA_KEYS.iter().find(|(k, _)| *k == key);
        if parent == "ads" {
            if let Some((_, sigma)) = sigma {
                d.hint = Some(format!(
                    "the rule format takes this from the Sigma `{sigma}` at the top level of the rule"
                ));
                return;
            }
        }
        d.hint = Some(match closest(key, known) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("`{parent}` takes: {}", known.join(", ")),
        });
    }

    fn strategy(&mut self, v: &Node, ads: &mut Ads) {
        let Some(entries) = self.map(v, "ads.strategy_abstract") else {
            return;
        };
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.as_str()) else {
                continue;
            };
            self.spans
                .keys
                .push((format!("strategy_abstract.{key}"), k.span, v.span));
            let sa = &mut ads.strategy_abstract;
            match key {
                "summary" => sa.summary = self.prose(v, "ads.strategy_abstract.summary"),
                "data_sources" => {
                    sa.data_sources = self.list(v, "ads.strategy_abstract.data_sources")
                }
                "patterns" => sa.patterns = self.list(v, "ads.strategy_abstract.patterns"),
                other => self.unknown_key(k.span, other, "ads.strategy_abstract", STRATEGY_KEYS),
            }
        }
    }

    fn priority(&mut self, v: &Node, ads: &mut Ads) {
        let Some(entries) = self.map(v, "ads.priority") else {
            return;
        };
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.as_str()) else {
                continue;
            };
            self.spans
                .keys
                .push((format!("priority.{key}"), k.span, v.span));
            match key {
                "level" => {
                    let Some(text) = self.prose(v, "ads.priority.level") else {
                        continue;
                    };
                    match Level::from_sigma(&text) {
                        Some(l) => {
                            ads.priority.level = Some(l);
                            self.spans.priority_level = Some(l);
                        }
                        None => {
                            let d = self.error(
                                codes::INVALID_PRIORITY_LEVEL,
                                v.span,
                                format!("`{text}` is not a Sigma level"),
                            );
                            d.hint = Some(match Level::parse_loose(&text) {
                                Some(l) => format!("write `{}`", l.as_str()),
                                None => "use informational, low, medium, high or critical".into(),
                            });
                        }
                    }
                }
                "justification" => {
                    ads.priority.justification = self.prose(v, "ads.priority.justification")
                }
                other => self.unknown_key(k.span, other, "ads.priority", PRIORITY_KEYS),
            }
        }
    }

    fn extra(&mut self, v: &Node, ads: &mut Ads) {
        let Some(entries) = self.map(v, "ads.extra") else {
            return;
        };
        for (k, v) in entries {
            let Some(heading) = k.as_scalar().map(|s| s.text.trim().to_owned()) else {
                continue;
            };
            let text = self.prose(v, "ads.extra").unwrap_or_default();
            ads.extra.push(heading, text);
        }
    }

    fn platforms(&mut self, v: &Node, platforms: &[String]) {
        let items: Vec<&Node> = match v.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![v],
        };
        for (p, node) in platforms.iter().zip(items) {
            if !PLATFORMS.contains(&p.as_str()) {
                let d = self.error(
                    codes::UNKNOWN_PLATFORM,
                    node.span,
                    format!("`{p}` is not an ATT&CK platform"),
                );
                d.hint = Some(match closest(p, PLATFORMS) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("ATT&CK platforms: {}", PLATFORMS.join(", ")),
                });
            }
        }
    }

    fn map<'n>(&mut self, v: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match &v.kind {
            NodeKind::Map(m) => Some(m),
            _ if v.is_null() => None,
            _ => {
                self.error(
                    codes::WRONG_TYPE,
                    v.span,
                    format!("`{what}` must be a mapping, not a {}", v.kind_name()),
                );
                None
            }
        }
    }

    /// A prose value: a string (numbers and booleans as written); `None` for null or empty.
    fn prose(&mut self, v: &Node, what: &str) -> Option<String> {
        match &v.kind {
            NodeKind::Scalar(s) => match s.resolve() {
                Resolved::Null => None,
                _ => Some(s.text.trim().to_owned()).filter(|t| !t.is_empty()),
            },
            _ => {
                self.error(
                    codes::WRONG_TYPE,
                    v.span,
                    format!("`{what}` must be text, not a {}", v.kind_name()),
                );
                None
            }
        }
    }

    /// A list of texts. A single string is taken as a one-item list, with an error.
    fn list(&mut self, v: &Node, what: &str) -> Vec<String> {
        match &v.kind {
            NodeKind::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        NodeKind::Scalar(s) => {
                            if !matches!(s.resolve(), Resolved::Null) {
                                let t = s.text.trim();
                                if !t.is_empty() {
                                    out.push(t.to_owned());
                                }
                            }
                        }
                        _ => {
                            let is_map = item.as_map().is_some();
                            let d = self.error(
                                codes::WRONG_TYPE,
                                item.span,
                                format!(
                                    "the items of `{what}` must be text, not a {}",
                                    item.kind_name()
                                ),
                            );
                            if is_map {
                                d.hint = Some(
                                    "quote the item: unquoted, YAML reads `text: more` as a mapping"
                                        .into(),
                                );
                            }
                        }
                    }
                }
                out
            }
            NodeKind::Scalar(s) if matches!(s.resolve(), Resolved::Null) => Vec::new(),
            NodeKind::Scalar(s) => {
                let d = self.error(
                    codes::WRONG_TYPE,
                    v.span,
                    format!("`{what}` must be a list, not a single {}", v.kind_name()),
                );
                d.hint = Some("write it as a YAML list: `- item`".into());
                let t = s.text.trim();
                if t.is_empty() {
                    Vec::new()
                } else {
                    vec![t.to_owned()]
                }
            }
            NodeKind::Map(_) => {
                self.error(
                    codes::WRONG_TYPE,
                    v.span,
                    format!("`{what}` must be a list, not a mapping"),
                );
                Vec::new()
            }
        }
    }
}
