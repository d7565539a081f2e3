//! Small text helpers shared by the reader, the checks and the Markdown importer.

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&w, &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    (d <= (w.chars().count() / 3).max(1)).then_some(c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// True when the text talks about container or orchestration telemetry.
pub(crate) fn mentions_containers(text: &str) -> bool {
    let t = text.to_lowercase();
    const SUBSTRINGS: &[&str] = &[
        "container",
        "kubernetes",
        "docker",
        "orchestrat",
        "falco",
        "tetragon",
        "openshift",
        "podman",
        "kubelet",
        "kubectl",
        "cri-o",
    ];
    if SUBSTRINGS.iter().any(|s| t.contains(s)) {
        return true;
    }
    t.split(|c: char| !c.is_alphanumeric())
        .any(|w| matches!(w, "k8s" | "pod" | "pods" | "eks" | "gke" | "aks"))
}

/// Removes Markdown bold/italic markers around and inside a short label.
pub(crate) fn strip_emphasis(s: &str) -> String {
    s.replace("**", "")
        .replace("__", "")
        .trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace())
        .to_owned()
}

/// True when the text (a paragraph) ends with a colon, perhaps inside emphasis.
pub(crate) fn ends_with_colon(s: &str) -> bool {
    s.trim_end()
        .trim_end_matches(['*', '_'])
        .trim_end()
        .ends_with(':')
}

/// Splits a paragraph into what precedes its last sentence and the last sentence.
pub(crate) fn split_last_sentence(s: &str) -> (&str, &str) {
    let t = s.trim();
    let bytes = t.as_bytes();
    let mut cut = None;
    for i in 0..bytes.len().saturating_sub(1) {
        if matches!(bytes[i], b'.' | b'!' | b'?') && bytes[i + 1].is_ascii_whitespace() {
            cut = Some(i + 1);
        }
    }
    match cut {
        Some(c) => (t[..c].trim(), t[c..].trim()),
        None => ("", t),
    }
}

/// Placeholders that are the whole text: "None available", "N/A", "Not documented.".
pub(crate) fn is_placeholder_exact(s: &str) -> bool {
    let t = strip_emphasis(s).to_lowercase();
    let t = t.trim().trim_end_matches(['.', '!']).trim();
    const EXACT: &[&str] = &[
        "",
        "-",
        "none",
        "n/a",
        "na",
        "tbd",
        "todo",
        "nothing",
        "none available",
        "none known",
        "none identified",
        "none documented",
        "none provided",
        "not available",
        "not applicable",
        "not documented",
        "unknown",
        "to be determined",
    ];
    EXACT.contains(&t)
}

/// True when a paragraph says only that there is nothing: an exact placeholder, or a first
/// sentence like "Currently, no step-by-step instructions are available ..." or "There are
/// no known false positives".
pub(crate) fn is_placeholder(s: &str) -> bool {
    if is_placeholder_exact(s) {
        return true;
    }
    let t = strip_emphasis(s).to_lowercase();
    let first = t.trim().split(". ").next().unwrap_or("");
    const STRONG: &[&str] = &[
        "currently",
        "there is no",
        "there are no",
        "there are currently no",
        "there is currently no",
        "none",
        "n/a",
        "tbd",
        "at this time",
        "at present",
        "unfortunately",
        "as of now",
    ];
    const NEGATIONS: &[&str] = &["no ", "not ", "none", "n/a"];
    const ABSENCE: &[&str] = &[
        "available",
        "documented",
        "provided",
        "defined",
        "known",
        "exist",
        "identified",
        "specified",
    ];
    let strong = STRONG.iter().any(|o| first.starts_with(o))
        && NEGATIONS.iter().any(|n| first.contains(n))
        && ABSENCE.iter().any(|a| first.contains(a));
    let weak = (first.starts_with("no ") || first.starts_with("not "))
        && ["available", "documented", "provided"]
            .iter()
            .any(|a| first.contains(a));
    strong || weak
}

/// True for a closing remark that report writers append after the last section.
pub(crate) fn is_closing_remark(s: &str) -> bool {
    let t = s.trim_start().to_lowercase();
    [
        "this report",
        "this document",
        "this ads",
        "this strategy",
        "this framework",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}
