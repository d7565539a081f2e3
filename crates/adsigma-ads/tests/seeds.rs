//! Importing the five seed reports, and checking what they say against ATT&CK.

use crate::{SEEDS, codes};
use adsigma_ads::{Level, Part, RuleInfo, check_ads, import_markdown, render_markdown};

/// The parts each seed lacks (a placeholder counts as lacking).
fn lacking(stem: &str) -> Vec<Part> {
    match stem {
        // "Currently, no step-by-step instructions are available ..."; "Currently, no
        // additional references ... are available ..."
        "000_14b3a0ef77a31847" => vec![Part::Validation, Part::Resources],
        // "- None available"
        "001_6ed8b4bb4481a73e" => vec![Part::Resources],
        // Patterns only as prose; no emulation commands; no Validation section.
        "002_f9594e4b52e449fe" => vec![Part::Patterns, Part::Emulation, Part::Validation],
        // Data sources and patterns only as prose; "Currently, there are no specific
        // instructions available ..."; "Currently, no additional resources are available ...".
        "003_b00b0d13183bbdd8" => vec![
            Part::DataSources,
            Part::Patterns,
            Part::Validation,
            Part::Resources,
        ],
        // Data sources and patterns only as prose; no Validation section.
        "004_b766cab53908f53f" => vec![Part::DataSources, Part::Patterns, Part::Validation],
        other => panic!("unknown seed {other}"),
    }
}

#[test]
fn each_seed_keeps_its_sections_and_reports_the_ones_it_lacks() {
    for (stem, text) in SEEDS {
        let (ads, diags) = import_markdown(text);
        let want = lacking(stem);
        assert_eq!(ads.missing_parts(), want, "{stem}: missing parts");
        for part in Part::ALL {
            assert_eq!(ads.has(part), !want.contains(&part), "{stem}: {part:?}");
        }
        let reported: Vec<&str> = diags
            .iter()
            .filter(|d| d.code.name == "report_section_missing")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(reported.len(), want.len(), "{stem}: {reported:#?}");
        for (part, msg) in want.iter().zip(&reported) {
            assert!(msg.contains(part.label()), "{stem}: {msg}");
        }
        // Nothing is an error, and no section was taken for an extra one.
        assert!(diags.iter().all(|d| !d.is_error()), "{stem}: {diags:#?}");
        assert!(ads.extra.is_empty(), "{stem}: {:?}", ads.extra);
    }
}

#[test]
fn four_seeds_have_no_usable_validation_steps() {
    let without: Vec<&str> = SEEDS
        .iter()
        .filter(|(_, t)| import_markdown(t).0.validation.is_empty())
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(
        without,
        [
            "000_14b3a0ef77a31847",
            "002_f9594e4b52e449fe",
            "003_b00b0d13183bbdd8",
            "004_b766cab53908f53f"
        ]
    );
    // The placeholders are reported as placeholders, the absent sections as absent.
    let (_, d0) = import_markdown(SEEDS[0].1);
    assert!(d0.iter().any(|d| d.message
        == "the report has no validation steps: its \"Validation (Adversary Emulation)\" section has none, or only a placeholder"));
    let (_, d2) = import_markdown(SEEDS[2].1);
    assert!(d2.iter().any(|d| d.message
        == "the report has no validation steps: it has no \"Validation (Adversary Emulation)\" section"));
}

#[test]
fn seed_content() {
    let (a0, d0) = import_markdown(SEEDS[0].1);
    assert_eq!(a0.title, None, "the generic framework heading is no title");
    assert_eq!(a0.categorization.techniques[0].id, "T1542");
    assert_eq!(a0.categorization.techniques[0].name, "Pre-OS Boot");
    assert_eq!(
        a0.categorization.tactics,
        ["defense-evasion", "persistence"]
    );
    assert_eq!(
        a0.categorization.platforms,
        ["Linux", "Windows", "Network Devices"]
    );
    assert_eq!(a0.strategy_abstract.data_sources.len(), 4);
    assert_eq!(a0.strategy_abstract.patterns.len(), 3);
    assert_eq!(a0.emulation.len(), 4, "{:#?}", a0.emulation);
    assert_eq!(
        a0.emulation[1],
        "Deploying a container with elevated privileges."
    );
    // An unlabelled list is split by what each item says.
    assert_eq!(a0.blind_spots.len(), 1);
    assert_eq!(a0.assumptions.len(), 2);
    assert_eq!(a0.false_positives.len(), 3);
    assert_eq!(a0.priority.level, Some(Level::High));
    assert!(
        a0.priority
            .justification
            .as_deref()
            .unwrap()
            .starts_with("- Containers are increasingly used")
    );
    assert_eq!(a0.response.len(), 5);
    assert!(a0.response[0].starts_with("**Immediate Isolation:** Quarantine"));
    // Line 59 is the Validation heading.
    let v = d0
        .iter()
        .find(|d| d.message.contains("validation steps"))
        .unwrap();
    assert_eq!(v.span().start.line, 59);

    let (a1, d1) = import_markdown(SEEDS[1].1);
    assert_eq!(
        a1.title.as_deref(),
        Some("Detect Adversarial Attempts to Bypass Security Monitoring Using Containers")
    );
    assert_eq!(a1.categorization.platforms, ["Containers"]);
    assert_eq!(
        a1.emulation[..2],
        [
            "`docker exec -it <container_id> /bin/bash`",
            "`kubectl exec -it <pod_name> -- /bin/sh`"
        ]
    );
    assert_eq!(a1.blind_spots.len(), 2);
    assert_eq!(a1.assumptions.len(), 2);
    assert_eq!(a1.validation.len(), 3);
    assert!(
        a1.validation[1].contains("```bash\n  docker exec -it <container_id> /bin/bash\n  ```")
    );
    assert_eq!(a1.response.len(), 4);
    assert!(a1.response[1].starts_with("**Containment:**\n- Isolate"));
    // The closing remark after "None available" is not a resource.
    assert!(codes(&d1).contains(&"D153"));

    let (a2, _) = import_markdown(SEEDS[2].1);
    assert_eq!(
        a2.title.as_deref(),
        Some("Adversarial Use of Containerized Environments")
    );
    assert_eq!(a2.categorization.platforms, ["PRE"]);
    assert_eq!(
        a2.strategy_abstract.data_sources,
        [
            "Container logs",
            "Network traffic to/from containers",
            "Configuration changes in orchestrators"
        ]
    );
    assert_eq!(a2.false_positives.len(), 3);
    assert_eq!(a2.resources.len(), 2);

    let (a3, _) = import_markdown(SEEDS[3].1);
    assert_eq!(
        a3.categorization.techniques[0].name,
        "Protocol Impersonation"
    );
    assert_eq!(a3.emulation.len(), 2);
    assert!(a3.emulation[0].starts_with("**Docker**: `docker pull"));
    assert_eq!(a3.response.len(), 4);

    let (a4, _) = import_markdown(SEEDS[4].1);
    assert_eq!(a4.categorization.platforms.len(), 8);
    assert_eq!(a4.emulation.len(), 4);
    assert_eq!(a4.resources.len(), 3);
    assert_eq!(a4.priority.level, Some(Level::High));
}

#[test]
fn checking_the_seeds_reports_their_attack_problems() {
    // 000: T1542 Pre-OS Boot is not a Containers technique; Defense Evasion was split.
    let d = check_ads(&import_markdown(SEEDS[0].1).0);
    assert_eq!(codes(&d), ["A107", "A109"], "{d:#?}");
    assert!(d[0].message.contains("T1542 Pre-OS Boot"));
    let hint = d[0].hint.as_deref().unwrap();
    assert!(hint.contains("T1543.005 Container Service"), "{hint}");
    assert_eq!(
        d[1].hint.as_deref(),
        Some("use attack.stealth: it is T1542's tactic in ATT&CK v19")
    );

    // 001: T1609 Container Administration Command fits.
    let d = check_ads(&import_markdown(SEEDS[1].1).0);
    assert!(d.is_empty(), "{d:#?}");

    // 002: T1589.002 Email Addresses is a PRE technique.
    let d = check_ads(&import_markdown(SEEDS[2].1).0);
    assert_eq!(codes(&d), ["A106"], "{d:#?}");
    assert!(
        d[0].message
            .starts_with("T1589.002 Email Addresses is a PRE technique")
    );
    assert!(d[0].hint.as_deref().unwrap().contains("T1609"));

    // 003: T1001.003 is not a Containers technique, and v19 names it differently.
    let d = check_ads(&import_markdown(SEEDS[3].1).0);
    assert_eq!(codes(&d), ["A111", "A107"], "{d:#?}");
    assert!(
        d[0].message
            .contains("\"Protocol or Service Impersonation\"")
    );
    assert!(d[1].message.contains("T1001.003"));
    assert!(
        d[1].hint
            .as_deref()
            .unwrap()
            .starts_with("no Containers technique shares its tactics (command-and-control)")
    );

    // 004: T1498.001 is not listed for Containers, but its parent is.
    let d = check_ads(&import_markdown(SEEDS[4].1).0);
    assert_eq!(codes(&d), ["A107"], "{d:#?}");
    assert!(
        d[0].hint
            .as_deref()
            .unwrap()
            .starts_with("Containers techniques that may fit: T1498 Network Denial of Service")
    );
}

#[test]
fn an_imported_seed_renders_and_imports_to_the_same_model() {
    for (stem, text) in SEEDS {
        let (ads, _) = import_markdown(text);
        let md = render_markdown(&ads, &RuleInfo::default());
        let (again, diags) = import_markdown(&md);
        assert_eq!(again, ads, "{stem}:\n{md}");
        // Only the seed's gaps are reported again.
        assert!(
            diags
                .iter()
                .all(|d| d.code.name == "report_section_missing"),
            "{stem}: {diags:#?}"
        );
        let md2 = render_markdown(&again, &RuleInfo::default());
        assert_eq!(md, md2, "{stem}: rendering is stable");
    }
}
