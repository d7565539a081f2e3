//! ATT&CK (`A1xx`) and ADS (`D1xx`) checks.

use crate::attack::{RENAMED_TACTICS, TacticLookup, Technique, TechniqueStatus, catalogue};
use crate::codes;
use crate::model::{Ads, Part};
use crate::read::{AdsSpans, AttackTag, attack_tag, platforms_from_logsource, read_rule};
use crate::text::{closest, mentions_containers};
use adsigma_syntax::{Diagnostic, Rule, Severity, Span, Status};

/// What kind of telemetry a rule reads, for the platform checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Telemetry {
    Containers,
    Linux,
    Windows,
    MacOs,
    Cloud,
    Saas,
    Unknown,
}

impl Telemetry {
    fn of_platforms(p: &[&str]) -> Telemetry {
        match p.first().copied() {
            Some("Containers") => Telemetry::Containers,
            Some("Linux") => Telemetry::Linux,
            Some("Windows") => Telemetry::Windows,
            Some("macOS") => Telemetry::MacOs,
            Some("IaaS") => Telemetry::Cloud,
            Some("SaaS") => Telemetry::Saas,
            _ => Telemetry::Unknown,
        }
    }

    /// The ATT&CK platforms whose techniques this telemetry can plausibly see.
    fn plausible(self) -> &'static [&'static str] {
        match self {
            Telemetry::Containers => &["Containers", "Linux", "IaaS"],
            // ESXi hosts are administered through a Linux-like shell Linux rules watch.
            Telemetry::Linux => &["Containers", "Linux", "IaaS", "ESXi"],
            Telemetry::Windows => &["Windows"],
            Telemetry::MacOs => &["macOS"],
            Telemetry::Cloud => &[
                "IaaS",
                "SaaS",
                "Identity Provider",
                "Office Suite",
                "Office 365",
                "Azure AD",
                "Google Workspace",
                "Containers",
            ],
            Telemetry::Saas => &[
                "SaaS",
                "Identity Provider",
                "Office Suite",
                "Office 365",
                "Azure AD",
                "Google Workspace",
            ],
            Telemetry::Unknown => &[],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Telemetry::Containers => "container and orchestration telemetry",
            Telemetry::Linux => "Linux telemetry",
            Telemetry::Windows => "Windows telemetry",
            Telemetry::MacOs => "macOS telemetry",
            Telemetry::Cloud => "cloud telemetry",
            Telemetry::Saas => "SaaS telemetry",
            Telemetry::Unknown => "the rule's telemetry",
        }
    }
}

/// A technique as tagged or named: normalised id, the text as written, where, and the name
/// a report gave it.
struct TechniqueIn {
    id: String,
    written: String,
    span: Span,
    name: Option<String>,
}

struct TacticIn {
    shortname: String,
    written: String,
    span: Span,
}

struct AttackInput {
    techniques: Vec<TechniqueIn>,
    tactics: Vec<TacticIn>,
    telemetry: Telemetry,
    containers: bool,
}

/// Checks a rule: its tags against ATT&CK (`A1xx`, warnings), and, when it has an `ads:`
/// block, the shape of the block and every section (`D1xx`): missing or empty sections are
/// warnings for experimental and test rules and errors for stable ones, and
/// `ads.priority.level` must agree with `level`. Includes the diagnostics of
/// [`Ads::from_rule`]. Each diagnostic carries the rule's id.
///
/// ```
/// use adsigma_ads::check_rule;
/// use adsigma_syntax::{parse_str, Document, FileId, Limits};
/// let text = "title: t\nid: 0b8f7c61-3d2a-4f5e-9c1b-7a6d5e4f3a21\ntags: [attack.defense-evasion, attack.t1070]\n\
///             logsource: {product: kubernetes, service: audit}\n\
///             detection:\n  sel: {verb: delete}\n  condition: sel\n";
/// let Document::Rule(rule) = &parse_str(text, FileId(0), &Limits::default()).documents[0] else { unreachable!() };
/// let diagnostics = check_rule(rule);
/// let d = diagnostics.iter().find(|d| d.code.name == "attack_renamed_tactic").unwrap();
/// assert_eq!(d.hint.as_deref(), Some("use attack.stealth: it is T1070's tactic in ATT&CK v19"));
/// assert_eq!((d.span().start.line, d.span().start.column), (3, 8));
/// ```
pub fn check_rule(rule: &Rule) -> Vec<Diagnostic> {
    let (ads, mut diags, spans) = read_rule(rule);
    let logsource_platforms = platforms_from_logsource(&rule.logsource);
    let telemetry = Telemetry::of_platforms(logsource_platforms);
    let explicit_containers = spans.key("platforms").is_some()
        && ads
            .categorization
            .platforms
            .iter()
            .any(|p| p == "Containers");
    let mut input = AttackInput {
        techniques: Vec::new(),
        tactics: Vec::new(),
        telemetry,
        containers: telemetry == Telemetry::Containers
            || explicit_containers
            || strategy_mentions_containers(&ads),
    };
    for tag in &rule.meta.tags {
        match attack_tag(&tag.value) {
            Some(AttackTag::Technique(id)) => input.techniques.push(TechniqueIn {
                id,
                written: tag.value.clone(),
                span: tag.span,
                name: None,
            }),
            Some(AttackTag::Tactic(t)) => input.tactics.push(TacticIn {
                shortname: t,
                written: tag.value.clone(),
                span: tag.span,
            }),
            Some(AttackTag::Other) | None => {}
        }
    }
    diags.extend(attack_checks(&input));
    if spans.ads_key.is_some() {
        diags.extend(section_checks(rule, &ads, &spans));
    }
    let id = rule.meta.id.as_ref().map(|i| i.value.clone());
    for d in &mut diags {
        d.rule_id.clone_from(&id);
    }
    diags
}

/// Checks the ATT&CK categorization of a model with no rule around it, e.g. an imported
/// report: the `A1xx` checks, with the report's data sources (or summary, or platforms)
/// telling whether the strategy reads container telemetry, and `A111` where the report names
/// a technique differently from ATT&CK v19. Spans are empty: a model has no positions.
///
/// ```
/// use adsigma_ads::{check_ads, import_markdown};
/// let report = concat!(
///     "## Categorization\n",
///     "- **MITRE ATT&CK Mapping:** T1589.002 - Email Addresses\n",
///     "- **Tactic / Kill Chain Phases:** Reconnaissance\n\n",
///     "## Strategy Abstract\nMonitor Kubernetes audit logs.\n",
/// );
/// let (ads, _) = import_markdown(report);
/// let d = check_ads(&ads);
/// assert_eq!(d[0].code.name, "attack_platform_mismatch");
/// assert!(d[0].message.contains("PRE technique"));
/// ```
pub fn check_ads(ads: &Ads) -> Vec<Diagnostic> {
    let containers = strategy_mentions_containers(ads)
        || ads
            .categorization
            .platforms
            .iter()
            .any(|p| p == "Containers");
    let input = AttackInput {
        techniques: ads
            .categorization
            .techniques
            .iter()
            .map(|t| TechniqueIn {
                id: t.id.clone(),
                written: t.id.clone(),
                span: Span::default(),
                name: Some(t.name.clone()),
            })
            .collect(),
        tactics: ads
            .categorization
            .tactics
            .iter()
            .map(|t| TacticIn {
                shortname: t.clone(),
                written: t.clone(),
                span: Span::default(),
            })
            .collect(),
        telemetry: if containers {
            Telemetry::Containers
        } else {
            Telemetry::Unknown
        },
        containers,
    };
    attack_checks(&input)
}

/// True when the data sources (or, without them, the summary) are container telemetry.
fn strategy_mentions_containers(ads: &Ads) -> bool {
    let s = &ads.strategy_abstract;
    if !s.data_sources.is_empty() {
        return s.data_sources.iter().any(|d| mentions_containers(d));
    }
    s.summary.as_deref().is_some_and(mentions_containers)
}

/// Tactic short names with renamed ones expanded to what replaced them (and back).
fn expand_tactics<'a>(tactics: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: &str| {
        if !out.iter().any(|x| x == t) {
            out.push(t.to_owned());
        }
    };
    for t in tactics {
        add(t);
        for r in RENAMED_TACTICS {
            if r.shortname == t {
                r.replaced_by.iter().for_each(|n| add(n));
            }
        }
    }
    out
}

/// The current (v19) names of a technique's tactics.
fn current_tactics(t: &Technique) -> Vec<String> {
    let mut out = Vec::new();
    for x in &t.tactics {
        match RENAMED_TACTICS.iter().find(|r| r.shortname == x) {
            Some(r) => out.extend(r.replaced_by.iter().map(|s| (*s).to_owned())),
            None => out.push(x.clone()),
        }
    }
    out.dedup();
    out
}

fn label(t: &Technique) -> String {
    format!("{} {}", t.id, t.name)
}

fn tag_of(id: &str) -> String {
    format!("attack.{}", id.to_lowercase())
}

fn attack_checks(input: &AttackInput) -> Vec<Diagnostic> {
    let cat = catalogue();
    let mut diags = Vec::new();
    // (technique as checked, the span of its tag)
    let mut effective: Vec<(&Technique, Span)> = Vec::new();
    for ti in &input.techniques {
        let Some(t) = cat.technique(&ti.id) else {
            let mut d = Diagnostic::new(
                codes::UNKNOWN_TECHNIQUE,
                ti.span,
                format!("`{}`: {} is not an ATT&CK technique", ti.written, ti.id),
            );
            let parent = ti.id.split('.').next().unwrap_or("");
            if let Some(p) = cat.technique(parent).filter(|_| ti.id.contains('.')) {
                let subs: Vec<String> = cat
                    .subtechniques(&p.id)
                    .filter(|s| s.status == TechniqueStatus::Active)
                    .map(label)
                    .collect();
                d.hint = Some(if subs.is_empty() {
                    format!("{} has no sub-techniques; tag {}", label(p), tag_of(&p.id))
                } else {
                    format!("the sub-techniques of {}: {}", label(p), subs.join(", "))
                });
            } else {
                d.hint = Some("check the id at https://attack.mitre.org/techniques/".into());
            }
            diags.push(d);
            continue;
        };
        let replacements = cat.replacements(&t.id);
        let suggest = |verb: &str| -> String {
            if replacements.is_empty() {
                format!(
                    "{verb}; no current technique has its name: map the rule to the technique that fits it now"
                )
            } else {
                let names: Vec<String> = replacements
                    .iter()
                    .map(|r| format!("{} ({})", tag_of(&r.id), r.name))
                    .collect();
                format!("use {}", names.join(" or "))
            }
        };
        match t.status {
            TechniqueStatus::Active => {}
            TechniqueStatus::Revoked => diags.push(
                Diagnostic::new(
                    codes::REVOKED_TECHNIQUE,
                    ti.span,
                    format!("`{}`: ATT&CK revoked {}", ti.written, label(t)),
                )
                .with_hint(suggest("remove the tag")),
            ),
            TechniqueStatus::Deprecated => diags.push(
                Diagnostic::new(
                    codes::DEPRECATED_TECHNIQUE,
                    ti.span,
                    format!("`{}`: ATT&CK deprecated {}", ti.written, label(t)),
                )
                .with_hint(suggest("remove the tag")),
            ),
            TechniqueStatus::MovedInV19 => diags.push(
                Diagnostic::new(
                    codes::MOVED_TECHNIQUE,
                    ti.span,
                    format!(
                        "`{}`: ATT&CK v19 re-numbered {} (a {} technique in v18)",
                        ti.written,
                        label(t),
                        t.tactics.join("/")
                    ),
                )
                .with_hint(suggest("v19 moved it")),
            ),
        }
        let eff = match replacements.as_slice() {
            [one] => *one,
            _ => t,
        };
        effective.push((eff, ti.span));
        if let Some(name) = ti.name.as_deref().filter(|n| !n.is_empty()) {
            if !name.eq_ignore_ascii_case(&t.name) && !name.eq_ignore_ascii_case(&eff.name) {
                diags.push(
                    Diagnostic::new(
                        codes::TECHNIQUE_NAME_MISMATCH,
                        ti.span,
                        format!("{} is \"{}\" in ATT&CK v19, not \"{name}\"", t.id, eff.name),
                    )
                    .with_hint(format!("check that {} is the technique meant", t.id)),
                );
            }
        }
        let Some(platforms) = eff.platforms.as_deref() else {
            continue;
        };
        let plausible = input.telemetry.plausible();
        if !plausible.is_empty() && !platforms.iter().any(|p| plausible.contains(&p.as_str())) {
            let msg = if platforms.iter().all(|p| p == "PRE") {
                format!(
                    "{} is a PRE technique: it happens before the adversary reaches your systems, so {} cannot see it",
                    label(eff),
                    input.telemetry.describe()
                )
            } else {
                format!(
                    "{} is listed for {}, none of which {} sees",
                    label(eff),
                    platforms.join(", "),
                    input.telemetry.describe()
                )
            };
            let hint = if input.containers {
                containers_hint(eff, &input.tactics)
            } else {
                format!(
                    "map the rule to a technique ATT&CK lists for {}",
                    plausible.join(", ")
                )
            };
            diags.push(Diagnostic::new(codes::PLATFORM_MISMATCH, ti.span, msg).with_hint(hint));
        } else if input.containers && !eff.has_platform("Containers") {
            diags.push(
                Diagnostic::new(
                    codes::NOT_CONTAINERS_TECHNIQUE,
                    ti.span,
                    format!(
                        "the strategy reads container telemetry, but ATT&CK lists {} only for {}",
                        label(eff),
                        platforms.join(", ")
                    ),
                )
                .with_hint(containers_hint(eff, &input.tactics)),
            );
        }
    }

    // Tactics.
    let technique_tactics = expand_tactics(
        effective
            .iter()
            .flat_map(|(t, _)| t.tactics.iter().map(String::as_str)),
    );
    let ids: Vec<&str> = effective.iter().map(|(t, _)| t.id.as_str()).collect();
    for ta in &input.tactics {
        match cat.tactic_lookup(&ta.shortname) {
            TacticLookup::Current(t) => {
                if !effective.is_empty() && !technique_tactics.contains(&t.shortname) {
                    let theirs: Vec<String> = effective
                        .iter()
                        .map(|(x, _)| format!("{}: {}", x.id, current_tactics(x).join(", ")))
                        .collect();
                    diags.push(
                        Diagnostic::new(
                            codes::TACTIC_MISMATCH,
                            ta.span,
                            format!(
                                "`{}`: {} is not a tactic of {}",
                                ta.written,
                                t.name,
                                ids.join(", ")
                            ),
                        )
                        .with_hint(format!("their tactics are {}", theirs.join("; "))),
                    );
                }
            }
            TacticLookup::Renamed(r) => {
                let fitting: Vec<&str> = r
                    .replaced_by
                    .iter()
                    .copied()
                    .filter(|n| technique_tactics.iter().any(|x| x == n))
                    .collect();
                let hint = match fitting.as_slice() {
                    [] => format!(
                        "use {}",
                        r.replaced_by
                            .iter()
                            .map(|n| format!("attack.{n}"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    [one] => format!(
                        "use attack.{one}: it is {}'s tactic in ATT&CK v{}",
                        ids.join(" and "),
                        r.version
                    ),
                    many => format!(
                        "use {}",
                        many.iter()
                            .map(|n| format!("attack.{n}"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                };
                let names: Vec<String> = r
                    .replaced_by
                    .iter()
                    .map(|n| cat.tactic_display_name(n))
                    .collect();
                diags.push(
                    Diagnostic::new(
                        codes::RENAMED_TACTIC,
                        ta.span,
                        format!(
                            "`{}`: ATT&CK v{} split {} into {}",
                            ta.written,
                            r.version,
                            r.name,
                            names.join(" and ")
                        ),
                    )
                    .with_hint(hint),
                );
            }
            TacticLookup::Unknown => {
                let names: Vec<&str> = cat.tactics().iter().map(|t| t.shortname.as_str()).collect();
                let hint = match closest(&ta.shortname, &names) {
                    Some(c) => format!("did you mean attack.{c}?"),
                    None => format!("ATT&CK tactics: {}", names.join(", ")),
                };
                diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_TACTIC,
                        ta.span,
                        format!("`{}` is not an ATT&CK tactic", ta.written),
                    )
                    .with_hint(hint),
                );
            }
        }
    }
    let tagged = expand_tactics(input.tactics.iter().map(|t| t.shortname.as_str()));
    for (t, span) in &effective {
        let own = expand_tactics(t.tactics.iter().map(String::as_str));
        if !own.iter().any(|x| tagged.contains(x)) {
            let add: Vec<String> = current_tactics(t)
                .iter()
                .map(|x| format!("attack.{x}"))
                .collect();
            diags.push(
                Diagnostic::new(
                    codes::TECHNIQUE_WITHOUT_TACTIC,
                    *span,
                    format!("no tactic tag names a tactic of {}", label(t)),
                )
                .with_hint(format!("add {}", add.join(" or "))),
            );
        }
    }
    diags
}

/// Containers techniques that could replace `t`: its parent or siblings that ATT&CK lists
/// for Containers, then Containers techniques sharing its tactics (or the rule's).
fn containers_hint(t: &Technique, tactics: &[TacticIn]) -> String {
    let cat = catalogue();
    let mut shared = current_tactics(t);
    for ta in tactics {
        if let TacticLookup::Current(x) = cat.tactic_lookup(&ta.shortname) {
            if !shared.contains(&x.shortname) {
                shared.push(x.shortname.clone());
            }
        }
    }
    let family = t.subtechnique_of.as_deref().unwrap_or(&t.id);
    let mut near: Vec<&Technique> = Vec::new();
    let mut by_tactic: Vec<&Technique> = Vec::new();
    for c in cat.techniques_for_platform("Containers") {
        if c.id == t.id {
            continue;
        }
        if c.id == family || c.subtechnique_of.as_deref() == Some(family) {
            near.push(c);
        } else if current_tactics(c).iter().any(|x| shared.contains(x)) {
            by_tactic.push(c);
        }
    }
    // Container-specific techniques first.
    let specific = |c: &&Technique| {
        c.platforms.as_deref().is_some_and(|p| p.len() == 1) || c.name.contains("Container")
    };
    by_tactic.sort_by_key(|c| !specific(c));
    let mut picks: Vec<String> = near
        .iter()
        .chain(by_tactic.iter())
        .take(6)
        .map(|c| label(c))
        .collect();
    if picks.is_empty() {
        picks = cat
            .techniques_for_platform("Containers")
            .filter(specific)
            .take(6)
            .map(label)
            .collect();
        return format!(
            "no Containers technique shares its tactics ({}); container techniques include {}",
            shared.join(", "),
            picks.join(", ")
        );
    }
    format!("Containers techniques that may fit: {}", picks.join(", "))
}

/// Where the content of a part lives under `ads:`.
fn part_path(part: Part) -> Option<&'static str> {
    Some(match part {
        Part::Goal => "goal",
        Part::Platforms => "platforms",
        Part::Summary => "strategy_abstract.summary",
        Part::DataSources => "strategy_abstract.data_sources",
        Part::Patterns => "strategy_abstract.patterns",
        Part::TechnicalContext => "technical_context",
        Part::Emulation => "emulation",
        Part::BlindSpots => "blind_spots",
        Part::Assumptions => "assumptions",
        Part::Validation => "validation",
        Part::PriorityLevel => "priority.level",
        Part::Justification => "priority.justification",
        Part::Response => "response",
        Part::Resources => "resources",
        Part::Techniques | Part::FalsePositives => return None,
    })
}

fn section_checks(rule: &Rule, ads: &Ads, spans: &AdsSpans) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let ads_key = spans.ads_key.unwrap_or(rule.span);
    let stable = rule
        .meta
        .status
        .as_ref()
        .is_some_and(|s| s.value == Status::Stable);
    let severity = if stable {
        Severity::Error
    } else {
        Severity::Warning
    };
    for part in ads.missing_parts() {
        let written = part_path(part).and_then(|p| spans.key(p).map(|s| (p, s)));
        let d = match written {
            Some((path, span)) => Diagnostic::new(
                codes::SECTION_MISSING,
                span,
                format!("`ads.{path}` is empty: the ADS has no {}", part.label()),
            ),
            None => Diagnostic::new(
                codes::SECTION_MISSING,
                ads_key,
                format!(
                    "the ADS has no {} ({})",
                    part.label(),
                    part.section().heading()
                ),
            ),
        };
        let mut d = d
            .with_severity(severity)
            .with_hint(format!("write `{}`", part.rule_key()));
        if stable {
            d = d.with_note("stable rules need every section of the ADS");
        }
        diags.push(d);
    }
    if let (Some(ads_level), Some(level)) = (spans.priority_level, rule.meta.level.as_ref()) {
        let sigma = crate::model::Level::from(level.value);
        if ads_level != sigma {
            let at = spans.value("priority.level").unwrap_or(ads_key);
            diags.push(
                Diagnostic::new(
                    codes::PRIORITY_MISMATCH,
                    at,
                    format!(
                        "`ads.priority.level` is {ads_level}, but the rule's `level` is {sigma}"
                    ),
                )
                .with_label(level.span, "the Sigma level")
                .with_hint(
                    "make them agree, or leave `ads.priority.level` out: it defaults to `level`",
                ),
            );
        }
    }
    diags
}
