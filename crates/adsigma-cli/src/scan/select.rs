//! Which rules a scan runs: `--min-level`, `--status`, `--tag`, `--id`.

use adsigma::{Level, RuleInfo, Status};

/// The rule selection options, applied together (a rule must pass each).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Lowest level; a rule without a level counts as `informational`.
    pub min_level: Option<Level>,
    /// Statuses to keep; a rule without a status is always kept.
    pub statuses: Vec<Status>,
    /// Tag globs (`*` any run of characters, `?` one), case-insensitive; a rule is kept when
    /// one of its tags matches one of them. Empty: no tag condition.
    pub tags: Vec<String>,
    /// Rule ids, case-insensitive. Empty: no id condition.
    pub ids: Vec<String>,
}

impl Selection {
    /// Whether the rule is selected.
    pub fn keep(&self, rule: &RuleInfo) -> bool {
        if let Some(min) = self.min_level {
            if rule.level.unwrap_or(Level::Informational) < min {
                return false;
            }
        }
        if let Some(status) = rule.status {
            if !self.statuses.contains(&status) {
                return false;
            }
        }
        if !self.tags.is_empty()
            && !rule
                .tags
                .iter()
                .any(|t| self.tags.iter().any(|g| glob(g, t)))
        {
            return false;
        }
        if !self.ids.is_empty() {
            let Some(id) = &rule.id else { return false };
            if !self.ids.iter().any(|want| want.eq_ignore_ascii_case(id)) {
                return false;
            }
        }
        true
    }
}

/// `*` and `?` wildcards, ASCII case-insensitive: the pipelines' glob.
pub fn glob(pattern: &str, text: &str) -> bool {
    adsigma::pipeline::glob_with(pattern, text, true)
}

/// Parses a level name (for clap).
pub fn parse_level(s: &str) -> Result<Level, String> {
    Level::ALL
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, l)| *l)
        .ok_or_else(|| {
            let names: Vec<_> = Level::ALL.iter().map(|(n, _)| *n).collect();
            format!("unknown level `{s}` (one of {})", names.join(", "))
        })
}

/// Parses a status name (for clap).
pub fn parse_status(s: &str) -> Result<Status, String> {
    Status::ALL
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s.trim()))
        .map(|(_, st)| *st)
        .ok_or_else(|| {
            let names: Vec<_> = Status::ALL.iter().map(|(n, _)| *n).collect();
            format!("unknown status `{s}` (one of {})", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("attack.t1552*", "attack.t1552.001"));
        assert!(glob("attack.*", "ATTACK.execution"));
        assert!(glob("*exec*", "attack.execution"));
        assert!(glob("attack.t????", "attack.t1609"));
        assert!(!glob("attack.t????", "attack.t1609.001"));
        assert!(!glob("attack.t1552", "attack.t1552.001"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXXbYYbc"));
    }

    #[test]
    fn selection() {
        let rule = |level, status, tags: &[&str], id: Option<&str>| RuleInfo {
            level,
            status,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            id: id.map(str::to_owned),
            ..RuleInfo::default()
        };
        let s = Selection {
            min_level: Some(Level::Medium),
            statuses: vec![Status::Stable, Status::Test],
            ..Selection::default()
        };
        assert!(s.keep(&rule(Some(Level::High), None, &[], None)));
        assert!(!s.keep(&rule(None, None, &[], None)));
        assert!(!s.keep(&rule(Some(Level::Low), Some(Status::Stable), &[], None)));
        assert!(!s.keep(&rule(
            Some(Level::High),
            Some(Status::Deprecated),
            &[],
            None
        )));
        let s = Selection {
            statuses: vec![Status::Stable],
            tags: vec!["attack.t1609".into(), "cve.*".into()],
            ids: vec!["ABC".into()],
            ..Selection::default()
        };
        assert!(s.keep(&rule(None, None, &["cve.2024-1"], Some("abc"))));
        assert!(!s.keep(&rule(None, None, &["cve.2024-1"], Some("abd"))));
        assert!(!s.keep(&rule(None, None, &["attack.t1610"], Some("abc"))));
    }
}
