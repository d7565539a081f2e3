//! The rules this repository ships load cleanly.

use adsigma::RulePack;

#[test]
fn shipped_rules_load_without_error_or_warning() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let pack = RulePack::load(&dir).unwrap();
    assert!(
        pack.diagnostics().is_empty(),
        "{:?}",
        pack.diagnostics()
            .iter()
            .map(|d| format!(
                "{}:{} {}",
                pack.sources().path(d.span().file).display(),
                d.span(),
                d.message
            ))
            .collect::<Vec<_>>()
    );
    assert!(!pack.documents().is_empty());
}
