//! The check of the `ads_import` target.

use adsigma_ads::{RuleInfo, import_markdown, render_markdown, skeleton_yaml};
use adsigma_syntax::{FileId, Limits, parse_str};

/// `ads_import`: any UTF-8 text imports as an ADS report without panicking, and so does
/// checking the model; the model reads back the same from its own report
/// (`import(render(import(text))) == import(text)`) with no part left out to get there, and
/// the rule skeleton written from it
/// is YAML that the rule parser reads without a YAML-layer (`Y1xx`) error.
pub fn check_ads_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (ads, diags) = import_markdown(text);
    // The importer settles a model that does not read back the same by rendering and reading
    // it again, and leaves out (with this note) a part that still changes: that it never has
    // to is what the normal form of the importer and the escaping of the renderer promise.
    let unsettled = diags
        .iter()
        .find(|d| d.code.code == "D153" && d.message.contains("read differently"));
    assert!(unsettled.is_none(), "{unsettled:?}");
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
