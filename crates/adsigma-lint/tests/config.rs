//! adsigma.toml and inline suppressions.

use crate::check_files;
use adsigma_lint::{Config, Doc, Options};
use std::path::Path;

const RULE: &str = "title: Shell in a container
id: 0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11
description: A shell started inside a running container.
logsource: {product: linux, category: process_creation}
detection:
    selection:
        Image: '*/ba\\*sh' # adsigma: allow M201 the star is literal
    condition: selection
falsepositives: [Debugging]
level: medium
tags: [attack.execution, attack.t1059.004]
";

fn run(config: &Config, files: &[(&str, &str)]) -> Vec<(String, String)> {
    let (sources, diags, docs, ids) = check_files(files, &Options::default());
    let refs: Vec<Doc<'_>> = docs
        .iter()
        .zip(&ids)
        .map(|(d, f)| Doc {
            file: *f,
            document: d,
        })
        .collect();
    config
        .apply(&sources, &refs, diags)
        .iter()
        .map(|d| (d.code.code.to_owned(), d.severity.as_str().to_owned()))
        .collect()
}

const FILE: &str = "rules/proc_creation_lnx_shell_in_container.yml";

#[test]
fn inline_suppression_applies_to_its_rule_and_unused_ones_are_reported() {
    let got = run(&Config::default(), &[(FILE, RULE)]);
    assert!(!got.iter().any(|(c, _)| c == "M201"), "{got:?}");
    assert!(got.iter().any(|(c, _)| c == "M205"), "{got:?}");
    let unused = RULE.replace("allow M201", "allow M201, C202 nothing to suppress");
    let got = run(&Config::default(), &[(FILE, &unused)]);
    assert!(got.contains(&("L107".into(), "warning".into())), "{got:?}");
    let unknown = RULE.replace("allow M201", "allow M201, Z999");
    let got = run(&Config::default(), &[(FILE, &unknown)]);
    assert!(got.iter().any(|(c, _)| c == "L108"), "{got:?}");
}

#[test]
fn severities_and_allows_per_pack_path_and_rule() {
    let c = Config::parse(
        Path::new("adsigma.toml"),
        "allow = [\"M205\"]\n[severity]\nL105 = \"error\"\n",
    )
    .unwrap();
    let got = run(&c, &[("rules/Bad-Name.yml", RULE)]);
    assert!(!got.iter().any(|(c, _)| c == "M205"), "{got:?}");
    assert!(got.contains(&("L105".into(), "error".into())), "{got:?}");

    let c = Config::parse(Path::new("adsigma.toml"), "[[paths]]\nglob = \"rules/*.yml\"\nseverity = { wildcards_instead_of_modifiers = \"info\" }\n").unwrap();
    assert!(run(&c, &[(FILE, RULE)]).contains(&("M205".into(), "info".into())));
    assert!(
        run(
            &c,
            &[("other/proc_creation_lnx_shell_in_container.yml", RULE)]
        )
        .contains(&("M205".into(), "warning".into()))
    );

    let c = Config::parse(Path::new("adsigma.toml"), "[rules.\"0b4e3a7c-5a51-4d6f-9d4e-1c0f3b9a2e11\"]\nallow = [\"M205\"]\n[severity]\nM205 = \"error\"\n").unwrap();
    assert!(!run(&c, &[(FILE, RULE)]).iter().any(|(c, _)| c == "M205"));

    let c = Config::parse(
        Path::new("adsigma.toml"),
        "[severity]\ntlpv2_tag = \"warning\"\n",
    )
    .unwrap();
    let tlp = RULE.replace("tags: [", "tags: [tlp.white, ");
    assert!(run(&c, &[(FILE, &tlp)]).iter().any(|(c, _)| c == "S219"));
    assert!(
        !run(&Config::default(), &[(FILE, &tlp)])
            .iter()
            .any(|(c, _)| c == "S219")
    );
}

#[test]
fn config_errors_have_positions() {
    let p = Path::new("pack/adsigma.toml");
    let e = Config::parse(p, "allow = [\"M201\",\n  \"X123\"]\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 3), "{e}");
    assert!(e.to_string().starts_with("pack/adsigma.toml:2:3: "), "{e}");
    let e = Config::parse(p, "[severity]\nM201 = \"loud\"\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 8));
    let e = Config::parse(p, "alow = []\n").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
    let e = Config::parse(p, "[[paths]]\nglob = \"a/[\"\n").unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    let e = Config::parse(p, "allow = [\n").unwrap_err();
    assert!(e.line >= 1 && e.column >= 1);
}
