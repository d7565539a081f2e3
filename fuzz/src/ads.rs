//! The check of the `ads_import` target.

use adsigma_ads::{RuleInfo, import_markdown, render_markdown, skeleton_yaml};
use adsigma_syntax::{FileId, Limits, parse_str};

/// `ads_import`: any UTF-8 text imports as an ADS report without panicking, and so does
/// checking the model; the model reads back the same from its own report
/// (`import(render(import(text))) == import(text)`), and the rule skeleton written from it
/// is YAML that the rule parser reads without a YAML-layer (`Y1xx`) error.
pub fn check_ads_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (ads, _) = import_markdown(text);
    let _ = adsigma_ads::check_ads(&ads);
    let skeleton = skeleton_yaml(&ads);
    let parsed = parse_str(&skeleton, FileId(0), &Limits::default());
    let yaml_errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.code.code.starts_with('Y'))
        .map(|d| format!("{} {}: {}", d.code.code, d.code.name, d.message))
        .collect();
    assert!(
        yaml_errors.is_empty(),
        "the skeleton is not YAML the parser reads: {yaml_errors:#?}\n{skeleton}"
    );

    let report = render_markdown(&ads, &RuleInfo::default());
    let (back, _) = import_markdown(&report);
    assert_eq!(
        back, ads,
        "the model changes on render -> import:\n{report}"
    );
}
