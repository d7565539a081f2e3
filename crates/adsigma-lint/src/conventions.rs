//! SigmaHQ conventions: title and description form, file names, false positives.

use crate::codes as c;
use crate::{Ctx, Doc};
use adsigma_syntax::{Diagnostic, Document};

/// Conventions of one document.
pub fn document(cx: &Ctx<'_>, d: &Doc<'_>, out: &mut Vec<Diagnostic>) {
    let meta = d.document.meta();
    let start = d.document.span().shrink_to_start();
    if let Some(t) = &meta.title {
        let n = t.value.chars().count();
        if n > 110 {
            out.push(Diagnostic::new(
                c::TITLE_LENGTH,
                t.span,
                format!("the title has {n} characters, more than 110"),
            ));
        }
        let title = t.value.trim_end();
        if title.ends_with('.') && !title.ends_with("..") {
            out.push(Diagnostic::new(
                c::TITLE_FORM,
                t.span,
                "the title ends with a full stop",
            ));
        } else if title.starts_with("Detects ") || title.starts_with("Detect ") {
            out.push(Diagnostic::new(
                c::TITLE_FORM,
                t.span,
                "the title starts with `Detect`: every rule detects; say what",
            ));
        }
    }
    let is_rule = matches!(d.document, Document::Rule(_));
    match &meta.description {
        None if is_rule => out.push(Diagnostic::new(
            c::DESCRIPTION_EXISTENCE,
            meta.title.as_ref().map_or(start, |t| t.span),
            "the rule has no description",
        )),
        Some(desc) if desc.value.trim().chars().count() < 16 => out.push(Diagnostic::new(
            c::DESCRIPTION_LENGTH,
            desc.span,
            format!(
                "the description `{}` is shorter than 16 characters",
                desc.value.trim()
            ),
        )),
        _ => {}
    }
    if is_rule && meta.falsepositives.is_empty() {
        out.push(Diagnostic::new(
            c::FALSEPOSITIVES_MISSING,
            meta.title.as_ref().map_or(start, |t| t.span),
            "the rule has no `falsepositives`",
        ));
    }
    if let Some(name) = cx.file_name(d.file) {
        let ok = name.strip_suffix(".yml").is_some_and(|stem| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
        if !ok {
            out.push(Diagnostic::new(
                c::FILENAME_FORM,
                start,
                format!("file name `{name}` is not lowercase letters, digits and `_` with `.yml`"),
            ));
        }
    }
}
