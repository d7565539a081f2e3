//! Field lists per logsource (SigmaHQ's `logsource.json` format), loaded at run time: adsigma
//! does not ship them. `taxonomy_unknown_field` (S220) is on only when one is given.

use crate::Doc;
use crate::codes as c;
use crate::walk;
use adsigma_syntax::{Diagnostic, Document};
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};

/// Field names per logsource.
#[derive(Clone, Debug, Default)]
pub struct Taxonomy {
    /// (product, "category"|"service", name) -> fields; product `""` for rules without one.
    lists: HashMap<(String, &'static str, String), HashSet<String>>,
    /// product -> fields every logsource of it has.
    common: HashMap<String, HashSet<String>>,
}

/// A taxonomy file that is not in the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct TaxonomyError {
    /// What is wrong.
    pub message: String,
}

fn strings(v: Option<&Json>) -> impl Iterator<Item = String> + '_ {
    v.and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
}

impl Taxonomy {
    /// Reads SigmaHQ's `logsource.json`: `legit` (and `addon`) map a product (`empty` for
    /// none) to `common` fields and per-`category` / per-`service` field lists.
    ///
    /// ```
    /// let t = adsigma_lint::Taxonomy::from_json(r#"{"legit": {"linux": {"common": [],
    ///     "category": {"process_creation": ["Image", "CommandLine"]}, "service": {}}}}"#).unwrap();
    /// assert_eq!(t.fields(Some("linux"), Some("process_creation"), None).map(|f| f.len()), Some(2));
    /// ```
    pub fn from_json(text: &str) -> Result<Taxonomy, TaxonomyError> {
        let doc: Json = serde_json::from_str(text).map_err(|e| TaxonomyError {
            message: format!("not JSON: {e} (line {}, column {})", e.line(), e.column()),
        })?;
        let legit = doc
            .get("legit")
            .and_then(Json::as_object)
            .ok_or_else(|| TaxonomyError {
                message: "no `legit` object of products".into(),
            })?;
        let mut t = Taxonomy::default();
        for (section, map) in [
            ("legit", Some(legit)),
            ("addon", doc.get("addon").and_then(Json::as_object)),
        ] {
            let Some(map) = map else { continue };
            for (product, body) in map {
                let product = if product == "empty" {
                    String::new()
                } else {
                    product.clone()
                };
                if section == "legit" {
                    t.common
                        .entry(product.clone())
                        .or_default()
                        .extend(strings(body.get("common")));
                }
                for kind in ["category", "service"] {
                    let Some(lists) = body.get(kind).and_then(Json::as_object) else {
                        continue;
                    };
                    for (name, fields) in lists {
                        t.lists
                            .entry((product.clone(), kind, name.clone()))
                            .or_default()
                            .extend(strings(Some(fields)));
                    }
                }
            }
        }
        Ok(t)
    }

    /// The fields of a logsource, when the taxonomy lists its category or service (and the
    /// list is not empty): its category's and service's fields and the product's common ones.
    pub fn fields(
        &self,
        product: Option<&str>,
        category: Option<&str>,
        service: Option<&str>,
    ) -> Option<HashSet<&str>> {
        let p = product.unwrap_or("");
        let mut out: HashSet<&str> = HashSet::new();
        let mut listed = false;
        for (kind, name) in [("category", category), ("service", service)] {
            let Some(name) = name else { continue };
            if let Some(l) = self.lists.get(&(p.to_owned(), kind, name.to_owned())) {
                listed |= !l.is_empty();
                out.extend(l.iter().map(String::as_str));
            }
        }
        if !listed {
            return None;
        }
        if let Some(common) = self.common.get(p) {
            out.extend(common.iter().map(String::as_str));
        }
        Some(out)
    }
}

/// `taxonomy_unknown_field` of one document.
pub fn document(t: &Taxonomy, d: &Doc<'_>, out: &mut Vec<Diagnostic>) {
    let Document::Rule(rule) = d.document else {
        return;
    };
    let ls = &rule.logsource;
    let v = |s: &Option<adsigma_syntax::Spanned<String>>| s.as_ref().map(|x| x.value.clone());
    let (p, cat, svc) = (v(&ls.product), v(&ls.category), v(&ls.service));
    let Some(fields) = t.fields(p.as_deref(), cat.as_deref(), svc.as_deref()) else {
        return;
    };
    for item in walk::items(&rule.detection) {
        let Some(f) = &item.field else { continue };
        if !fields.contains(f.value.as_str()) {
            out.push(Diagnostic::new(
                c::UNKNOWN_FIELD,
                f.span,
                format!(
                    "field `{}` is not in the taxonomy of logsource {}",
                    f.value,
                    [p.as_deref(), cat.as_deref(), svc.as_deref()]
                        .iter()
                        .flatten()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("/")
                ),
            ));
        }
    }
}
