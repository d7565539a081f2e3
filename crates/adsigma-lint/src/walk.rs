//! Walking a detection's items and values.

use adsigma_syntax::value::Value;
use adsigma_syntax::value::{Modifier, ValueKind};
use adsigma_syntax::{Detection, DetectionItem, Document, IdentifierBody, ListElement};

/// The detection of a rule or filter (correlations have none).
pub fn detection(doc: &Document) -> Option<&Detection> {
    match doc {
        Document::Rule(r) => Some(&r.detection),
        Document::Filter(f) => Some(&f.detection),
        Document::Correlation(_) => None,
    }
}

/// Every field item of a detection, in order.
pub fn items(det: &Detection) -> impl Iterator<Item = &DetectionItem> {
    det.identifiers.iter().flat_map(|i| {
        let v: Vec<&DetectionItem> = match &i.body {
            IdentifierBody::Map(m) => m.items.iter().collect(),
            IdentifierBody::List(l) => l
                .iter()
                .flat_map(|e| match e {
                    ListElement::Map(m) => m.items.iter().collect::<Vec<_>>(),
                    ListElement::Keyword(_) => Vec::new(),
                })
                .collect(),
        };
        v
    })
}

/// Every keyword value (list elements that are not maps) of a detection.
pub fn keywords(det: &Detection) -> impl Iterator<Item = &Value> {
    det.identifiers
        .iter()
        .flat_map(|i| match &i.body {
            IdentifierBody::Map(_) => [].iter(),
            IdentifierBody::List(l) => l.iter(),
        })
        .filter_map(|e| match e {
            ListElement::Keyword(v) => Some(v),
            ListElement::Map(_) => None,
        })
}

/// Calls `f` with every value and the modifiers that apply to it (none for keywords).
pub fn values<'d>(
    det: &'d Detection,
    mut f: impl FnMut(&'d Value, &'d [adsigma_syntax::Spanned<Modifier>]),
) {
    for item in items(det) {
        for v in &item.values {
            f(v, &item.modifiers);
        }
    }
    for v in keywords(det) {
        f(v, &[]);
    }
}

/// True when pySigma turns the values of this chain into something other than a plain
/// string (an expansion, an encoding, a regex, a network), so its string validators skip them.
pub fn string_validators_skip(mods: &[adsigma_syntax::Spanned<Modifier>]) -> bool {
    mods.iter().any(|m| {
        m.value.is_base64()
            || m.value.is_utf16()
            || matches!(m.value, Modifier::Windash | Modifier::Re | Modifier::Cidr)
    })
}

/// A value's string, when it is one.
pub fn string(v: &Value) -> Option<&adsigma_syntax::value::SigmaString> {
    match &v.kind {
        ValueKind::String(s) => Some(s),
        _ => None,
    }
}
