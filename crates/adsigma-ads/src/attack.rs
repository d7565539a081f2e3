//! The embedded MITRE ATT&CK Enterprise catalogue: tactics, techniques and sub-techniques.
//!
//! The data is `data/enterprise-attack.json` (a copy of `../shared/attack`, with its
//! `NOTICE.md`): names and tactics of ATT&CK v19, platforms and the revoked / deprecated flags
//! of v18.1. It is compiled into the crate and parsed once, on first use.
//!
//! Techniques new in v19 have no platforms in the data. Where v19 moved a v18.1 technique to
//! the new id (`moved_to`), the new technique inherits the old one's platforms, marked by
//! [`Technique::platforms_inferred_from`]; otherwise its platforms are unknown and platform
//! checks skip it.
//!
//! ```
//! use adsigma_ads::attack::{catalogue, TacticLookup, TechniqueStatus};
//! let t = catalogue().technique("t1609").unwrap();
//! assert_eq!(t.name, "Container Administration Command");
//! assert_eq!(t.tactics, ["execution"]);
//! assert_eq!(catalogue().technique("T1562.001").unwrap().status, TechniqueStatus::MovedInV19);
//! assert!(matches!(catalogue().tactic_lookup("defense-evasion"), TacticLookup::Renamed(_)));
//! ```

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The embedded catalogue's JSON text.
pub const ENTERPRISE_ATTACK_JSON: &str = include_str!("../data/enterprise-attack.json");

/// The attribution that must accompany the ATT&CK data.
pub const NOTICE: &str = include_str!("../data/NOTICE.md");

/// The ATT&CK version whose names and tactics the catalogue holds.
pub const ATTACK_VERSION: &str = "19";

/// The ATT&CK platform names (v18.1 and v19), in ATT&CK's order.
pub const PLATFORMS: &[&str] = &[
    "Windows",
    "macOS",
    "Linux",
    "ESXi",
    "PRE",
    "Containers",
    "IaaS",
    "SaaS",
    "Office Suite",
    "Identity Provider",
    "Network Devices",
    "Office 365",
    "Azure AD",
    "Google Workspace",
];

/// A tactic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tactic {
    /// `TA0002`.
    pub id: String,
    /// `execution`: the form Sigma tags use (`attack.execution`).
    pub shortname: String,
    /// `Execution`.
    pub name: String,
}

/// A tactic name ATT&CK no longer uses, and what replaced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenamedTactic {
    /// The old short name, e.g. `defense-evasion`.
    pub shortname: &'static str,
    /// The old display name, e.g. `Defense Evasion`.
    pub name: &'static str,
    /// The old id.
    pub id: &'static str,
    /// The short names of the tactics that replace it.
    pub replaced_by: &'static [&'static str],
    /// The ATT&CK version that replaced it.
    pub version: &'static str,
}

/// Tactics that v19 renamed or split.
pub const RENAMED_TACTICS: &[RenamedTactic] = &[RenamedTactic {
    shortname: "defense-evasion",
    name: "Defense Evasion",
    id: "TA0005",
    replaced_by: &["stealth", "defense-impairment"],
    version: "19",
}];

/// What a tactic name resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TacticLookup<'a> {
    /// A v19 tactic.
    Current(&'a Tactic),
    /// A tactic v19 renamed or split.
    Renamed(&'static RenamedTactic),
    /// No tactic of that name.
    Unknown,
}

/// The status of a technique in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TechniqueStatus {
    /// In use.
    #[serde(rename = "active")]
    Active,
    /// Revoked (merged into another technique).
    #[serde(rename = "revoked")]
    Revoked,
    /// Deprecated (no longer maintained).
    #[serde(rename = "deprecated")]
    Deprecated,
    /// A v18.1 technique that v19 re-numbered; [`Technique::moved_to`] names the new id where
    /// one has the same name.
    #[serde(rename = "moved-in-v19")]
    MovedInV19,
}

impl TechniqueStatus {
    /// `active`, `revoked`, `deprecated` or `moved-in-v19`.
    pub fn as_str(self) -> &'static str {
        match self {
            TechniqueStatus::Active => "active",
            TechniqueStatus::Revoked => "revoked",
            TechniqueStatus::Deprecated => "deprecated",
            TechniqueStatus::MovedInV19 => "moved-in-v19",
        }
    }
}

/// A technique or sub-technique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technique {
    /// `T1552` or `T1552.007`.
    pub id: String,
    /// The v19 name (the sub-technique's own name, without its parent's).
    pub name: String,
    /// Tactic short names, e.g. `["credential-access"]`.
    pub tactics: Vec<String>,
    /// ATT&CK platforms (v18.1); `None` when unknown.
    pub platforms: Option<Vec<String>>,
    /// Status.
    pub status: TechniqueStatus,
    /// The parent technique's id, for a sub-technique.
    pub subtechnique_of: Option<String>,
    /// For a technique v19 moved: the new id, where one has the same name.
    #[serde(default)]
    pub moved_to: Option<String>,
    /// Set when `platforms` was missing from the data and was taken from the v18.1
    /// technique that moved to this id (the id named here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platforms_inferred_from: Option<String>,
}

impl Technique {
    /// True when ATT&CK lists the technique for `platform`.
    pub fn has_platform(&self, platform: &str) -> bool {
        self.platforms
            .as_deref()
            .is_some_and(|p| p.iter().any(|x| x == platform))
    }

    /// True for a sub-technique (`T1552.007`).
    pub fn is_subtechnique(&self) -> bool {
        self.subtechnique_of.is_some()
    }

    /// The technique's page on attack.mitre.org.
    pub fn url(&self) -> String {
        technique_url(&self.id)
    }
}

/// The attack.mitre.org page of a technique id (`T1552.007` -> `.../techniques/T1552/007`).
pub fn technique_url(id: &str) -> String {
    format!(
        "https://attack.mitre.org/techniques/{}",
        id.replace('.', "/")
    )
}

/// Normalises a technique id as tags and reports write it (`t1552.007`, `T1552/007`) to
/// `T1552.007`; `None` when it is not of that shape.
pub fn normalize_technique_id(s: &str) -> Option<String> {
    let b = s.trim().as_bytes();
    if b.len() < 5 || !(b[0] == b'T' || b[0] == b't') {
        return None;
    }
    if !b[1..5].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut id = format!("T{}", &s.trim()[1..5]);
    match b.len() {
        5 => Some(id),
        9 if matches!(b[5], b'.' | b'/') && b[6..9].iter().all(u8::is_ascii_digit) => {
            id.push('.');
            id.push_str(&s.trim()[6..9]);
            Some(id)
        }
        _ => None,
    }
}

#[derive(Deserialize)]
struct RawCatalogue {
    source: String,
    tactics: Vec<Tactic>,
    techniques: Vec<Technique>,
}

/// The catalogue: tactics and techniques, with lookups.
#[derive(Debug)]
pub struct Catalogue {
    source: String,
    tactics: Vec<Tactic>,
    techniques: Vec<Technique>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
}

static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();

/// The embedded catalogue, parsed on first use.
pub fn catalogue() -> &'static Catalogue {
    CATALOGUE.get_or_init(|| {
        let raw: RawCatalogue = serde_json::from_str(ENTERPRISE_ATTACK_JSON)
            .expect("the embedded ATT&CK catalogue is valid JSON (tested)");
        Catalogue::new(raw)
    })
}

impl Catalogue {
    fn new(raw: RawCatalogue) -> Self {
        let mut techniques = raw.techniques;
        // Techniques new in v19 that a v18.1 technique moved to inherit its platforms.
        let inherited: Vec<(String, String, Vec<String>)> = techniques
            .iter()
            .filter_map(|t| {
                let to = t.moved_to.clone()?;
                Some((to, t.id.clone(), t.platforms.clone()?))
            })
            .collect();
        for (to, from, platforms) in inherited {
            if let Some(t) = techniques
                .iter_mut()
                .find(|t| t.id == to && t.platforms.is_none())
            {
                t.platforms = Some(platforms);
                t.platforms_inferred_from = Some(from);
            }
        }
        let mut by_id = HashMap::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, t) in techniques.iter().enumerate() {
            by_id.insert(t.id.clone(), i);
            by_name.entry(t.name.to_lowercase()).or_default().push(i);
        }
        Catalogue {
            source: raw.source,
            tactics: raw.tactics,
            techniques,
            by_id,
            by_name,
        }
    }

    /// Where the data comes from (ATT&CK versions and dates).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The 15 tactics of v19, in kill-chain order.
    pub fn tactics(&self) -> &[Tactic] {
        &self.tactics
    }

    /// Every technique and sub-technique, whatever its status, in id order.
    pub fn techniques(&self) -> &[Technique] {
        &self.techniques
    }

    /// A technique by id, in any of the spellings [`normalize_technique_id`] accepts.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        let id = normalize_technique_id(id)?;
        self.by_id.get(&id).map(|&i| &self.techniques[i])
    }

    /// Techniques with this name (case-insensitive), whatever their status.
    pub fn techniques_named(&self, name: &str) -> impl Iterator<Item = &Technique> {
        self.by_name
            .get(&name.trim().to_lowercase())
            .into_iter()
            .flatten()
            .map(|&i| &self.techniques[i])
    }

    /// The sub-techniques of a technique.
    pub fn subtechniques<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Technique> {
        self.techniques
            .iter()
            .filter(move |t| t.subtechnique_of.as_deref() == Some(id))
    }

    /// A v19 tactic by short name (`defense-impairment`), display name (`Defense Impairment`)
    /// or id (`TA0112`), case-insensitively.
    pub fn tactic(&self, name: &str) -> Option<&Tactic> {
        let key = tactic_key(name);
        self.tactics.iter().find(|t| {
            t.shortname == key || tactic_key(&t.name) == key || t.id.eq_ignore_ascii_case(&key)
        })
    }

    /// Resolves a tactic name: a v19 tactic, a renamed one, or unknown.
    pub fn tactic_lookup(&self, name: &str) -> TacticLookup<'_> {
        if let Some(t) = self.tactic(name) {
            return TacticLookup::Current(t);
        }
        let key = tactic_key(name);
        match RENAMED_TACTICS
            .iter()
            .find(|r| r.shortname == key || tactic_key(r.name) == key)
        {
            Some(r) => TacticLookup::Renamed(r),
            None => TacticLookup::Unknown,
        }
    }

    /// The display name of a tactic short name: the v19 name, the old name of a renamed
    /// tactic, or the short name with words capitalised.
    pub fn tactic_display_name(&self, shortname: &str) -> String {
        if let Some(t) = self.tactic(shortname) {
            return t.name.clone();
        }
        if let Some(r) = RENAMED_TACTICS.iter().find(|r| r.shortname == shortname) {
            return r.name.to_owned();
        }
        shortname
            .split('-')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What replaces a technique that is not active: the `moved_to` id of a moved technique,
    /// else the active techniques with the same name (how ATT&CK revoked most techniques
    /// into sub-techniques).
    pub fn replacements(&self, id: &str) -> Vec<&Technique> {
        let Some(t) = self.technique(id) else {
            return Vec::new();
        };
        if t.status == TechniqueStatus::Active {
            return Vec::new();
        }
        if let Some(to) = t.moved_to.as_deref().and_then(|to| self.technique(to)) {
            return vec![to];
        }
        self.techniques_named(&t.name)
            .filter(|o| o.status == TechniqueStatus::Active && o.id != t.id)
            .collect()
    }

    /// Active techniques that ATT&CK lists for a platform.
    pub fn techniques_for_platform<'a>(
        &'a self,
        platform: &'a str,
    ) -> impl Iterator<Item = &'a Technique> {
        self.techniques
            .iter()
            .filter(move |t| t.status == TechniqueStatus::Active && t.has_platform(platform))
    }
}

/// Lowercase, `&` as `and`, runs of anything but letters and digits as one `-`.
pub(crate) fn tactic_key(s: &str) -> String {
    let s = s.trim().to_lowercase().replace('&', " and ");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}
