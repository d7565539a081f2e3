//! The ATT&CK techniques a pack covers.

use crate::attack::{ATTACK_VERSION, TechniqueStatus, catalogue};
use crate::read::{AttackTag, attack_tag};
use adsigma_syntax::Rule;
use serde::Serialize;
use std::fmt::Write;

/// A rule, as coverage names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// The rule's `id`.
    pub id: Option<String>,
    /// The rule's `title`.
    pub title: Option<String>,
    /// The rule's `level`.
    pub level: Option<String>,
}

/// A technique and the rules that detect it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoveredTechnique {
    /// The technique's id: the v19 id for a technique v19 moved to a new id.
    pub id: String,
    /// Its name (empty when ATT&CK does not have it).
    pub name: String,
    /// Its tactics' short names.
    pub tactics: Vec<String>,
    /// Its status in the catalogue (`None` when ATT&CK does not have it).
    pub status: Option<TechniqueStatus>,
    /// The rules tagged with it, in the order given.
    pub rules: Vec<RuleRef>,
}

/// The ATT&CK coverage of a pack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The number of rules looked at.
    pub rules: usize,
    /// The rules with no technique tag.
    pub untagged: Vec<RuleRef>,
    /// Covered techniques, in id order: active ones, then the others (revoked, deprecated, moved
    /// without a new id, unknown).
    pub techniques: Vec<CoveredTechnique>,
}

/// The techniques the rules are tagged with. A tag of a technique v19 moved counts for its
/// new id.
///
/// ```
/// use adsigma_ads::coverage;
/// use adsigma_syntax::{parse_str, Document, FileId, Limits};
/// let text = "title: Exec\ntags: [attack.execution, attack.t1609]\nlevel: medium\n\
///             logsource: {product: kubernetes, service: audit}\n\
///             detection:\n  sel: {objectRef.subresource: exec}\n  condition: sel\n";
/// let Document::Rule(rule) = &parse_str(text, FileId(0), &Limits::default()).documents[0] else { unreachable!() };
/// let c = coverage(&[rule]);
/// assert_eq!(c.techniques[0].id, "T1609");
/// assert!(c.table().contains("T1609"));
/// let layer: serde_json::Value = serde_json::from_str(&c.navigator_layer("pack")).unwrap();
/// assert_eq!(layer["techniques"][0]["techniqueID"], "T1609");
/// assert_eq!(layer["techniques"][0]["score"], 1);
/// ```
pub fn coverage(rules: &[&Rule]) -> Coverage {
    let cat = catalogue();
    let mut c = Coverage {
        rules: rules.len(),
        ..Coverage::default()
    };
    for rule in rules {
        let m = &rule.meta;
        let r = RuleRef {
            id: m.id.as_ref().map(|v| v.value.clone()),
            title: m.title.as_ref().map(|v| v.value.clone()),
            level: m.level.as_ref().map(|v| v.value.as_str().to_owned()),
        };
        let mut ids: Vec<String> = Vec::new();
        for tag in &m.tags {
            if let Some(AttackTag::Technique(id)) = attack_tag(&tag.value) {
                let id = match cat.technique(&id) {
                    Some(t) if t.status == TechniqueStatus::MovedInV19 => {
                        t.moved_to.clone().unwrap_or(id)
                    }
                    _ => id,
                };
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            c.untagged.push(r);
            continue;
        }
        for id in ids {
            match c.techniques.iter_mut().find(|t| t.id == id) {
                Some(t) => t.rules.push(r.clone()),
                None => {
                    let t = cat.technique(&id);
                    c.techniques.push(CoveredTechnique {
                        name: t.map(|t| t.name.clone()).unwrap_or_default(),
                        tactics: t.map(|t| t.tactics.clone()).unwrap_or_default(),
                        status: t.map(|t| t.status),
                        id,
                        rules: vec![r.clone()],
                    });
                }
            }
        }
    }
    c.techniques.sort_by(|a, b| {
        let rank = |t: &CoveredTechnique| t.status != Some(TechniqueStatus::Active);
        rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id))
    });
    c
}

impl Coverage {
    /// A plain-text table: technique, name, tactics, number of rules and their titles, then
    /// a summary line.
    pub fn table(&self) -> String {
        let cat = catalogue();
        let rows: Vec<[String; 4]> = self
            .techniques
            .iter()
            .map(|t| {
                let mut name = t.name.clone();
                match t.status {
                    Some(TechniqueStatus::Active) => {}
                    Some(s) => {
                        let _ = write!(name, " ({})", s.as_str());
                    }
                    None => name.push_str("(not in ATT&CK)"),
                }
                let tactics: Vec<String> = t
                    .tactics
                    .iter()
                    .map(|x| cat.tactic_display_name(x))
                    .collect();
                let titles: Vec<&str> = t
                    .rules
                    .iter()
                    .map(|r| {
                        r.title
                            .as_deref()
                            .or(r.id.as_deref())
                            .unwrap_or("(untitled)")
                    })
                    .collect();
                [
                    t.id.clone(),
                    name,
                    tactics.join(", "),
                    format!("{}  {}", t.rules.len(), titles.join("; ")),
                ]
            })
            .collect();
        let header = [
            "TECHNIQUE".to_owned(),
            "NAME".to_owned(),
            "TACTICS".to_owned(),
            "RULES".to_owned(),
        ];
        let mut widths = [0usize; 3];
        for row in std::iter::once(&header).chain(rows.iter()) {
            for (w, cell) in widths.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&header).chain(rows.iter()) {
            for (i, cell) in row.iter().enumerate() {
                if i < 3 {
                    let pad = widths[i] - cell.chars().count();
                    let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
                } else {
                    out.push_str(cell);
                }
            }
            out.push('\n');
        }
        let active = self
            .techniques
            .iter()
            .filter(|t| t.status == Some(TechniqueStatus::Active))
            .count();
        let _ = writeln!(
            out,
            "{} techniques ({} current in ATT&CK v{ATTACK_VERSION}) covered by {} rules; {} rules have no technique tag",
            self.techniques.len(),
            active,
            self.rules - self.untagged.len(),
            self.untagged.len()
        );
        out
    }

    /// An ATT&CK Navigator layer (layer format 4.5, ATT&CK v19, `enterprise-attack`): each
    /// covered current technique with the number of rules as its score and their titles as
    /// its comment.
    pub fn navigator_layer(&self, name: &str) -> String {
        let max = self
            .techniques
            .iter()
            .map(|t| t.rules.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let techniques: Vec<serde_json::Value> = self
            .techniques
            .iter()
            .filter(|t| t.status == Some(TechniqueStatus::Active))
            .map(|t| {
                let titles: Vec<&str> = t
                    .rules
                    .iter()
                    .map(|r| {
                        r.title
                            .as_deref()
                            .or(r.id.as_deref())
                            .unwrap_or("(untitled)")
                    })
                    .collect();
                serde_json::json!({
                    "techniqueID": t.id,
                    "score": t.rules.len(),
                    "comment": titles.join("; "),
                    "enabled": true,
                    "showSubtechniques": false,
                })
            })
            .collect();
        let layer = serde_json::json!({
            "name": name,
            "versions": {"attack": ATTACK_VERSION, "navigator": "5.1.0", "layer": "4.5"},
            "domain": "enterprise-attack",
            "description": format!("ATT&CK techniques covered by {} rules (score: number of rules)", self.rules),
            "sorting": 3,
            "hideDisabled": false,
            "techniques": techniques,
            "gradient": {"colors": ["#ffe766", "#8ec843"], "minValue": 0, "maxValue": max},
            "legendItems": [],
            "metadata": [],
            "showTacticRowBackground": false,
            "selectTechniquesAcrossTactics": true,
            "selectSubtechniquesWithParent": false,
        });
        serde_json::to_string_pretty(&layer).unwrap_or_default()
    }
}
