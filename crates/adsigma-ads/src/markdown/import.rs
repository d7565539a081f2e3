//! A Markdown ADS report -> [`Ads`].

use super::render::render_markdown;
use super::render::{EMULATION_HEADING, JUSTIFICATION_LABEL};
use super::{
    Block, dedent, heading, indent_of, is_break, join_trimmed, list_marker, normal_prose, one_line,
    parse_blocks,
};
use crate::attack::{PLATFORMS, TacticLookup, catalogue, normalize_technique_id, tactic_key};
use crate::codes;
use crate::model::{Ads, Level, RuleInfo, Section, TechniqueRef};
use crate::text::{
    ends_with_colon, is_closing_remark, is_placeholder, is_placeholder_exact, split_last_sentence,
    strip_emphasis,
};
use adsigma_syntax::{Diagnostic, FileId, Position, Span};

/// What a report heading names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Goal,
    Categorization,
    StrategyAbstract,
    TechnicalContext,
    Emulation,
    BlindSpotsAndAssumptions,
    BlindSpots,
    Assumptions,
    FalsePositives,
    Validation,
    Priority,
    Response,
    Resources,
    Environments,
    Tooling,
}

impl Kind {
    /// The framework section a kind of heading fills.
    fn section(self) -> Option<Section> {
        Some(match self {
            Kind::Goal => Section::Goal,
            Kind::Categorization => Section::Categorization,
            Kind::StrategyAbstract => Section::StrategyAbstract,
            Kind::TechnicalContext | Kind::Emulation => Section::TechnicalContext,
            Kind::BlindSpotsAndAssumptions | Kind::BlindSpots | Kind::Assumptions => {
                Section::BlindSpotsAndAssumptions
            }
            Kind::FalsePositives => Section::FalsePositives,
            Kind::Validation => Section::Validation,
            Kind::Priority => Section::Priority,
            Kind::Response => Section::Response,
            Kind::Resources => Section::AdditionalResources,
            Kind::Environments | Kind::Tooling => return None,
        })
    }
}

/// Removes numbering (`1.`, `2)`, `IV.`), emphasis and a trailing colon from a heading.
fn clean_heading(h: &str) -> String {
    let s = strip_emphasis(h);
    let mut s = s.trim();
    // Every numbering at the start (`1. 2. Goal`), in one pass.
    loop {
        let before = s.len();
        let digits = s
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if digits > 0 && s.as_bytes()[0].is_ascii_digit() {
            let rest = s[digits..].trim_start_matches([')', ':']);
            if rest.starts_with(char::is_whitespace) || rest.is_empty() {
                s = rest.trim_start();
            }
        } else {
            let roman = s
                .bytes()
                .take_while(|b| matches!(b, b'I' | b'V' | b'X' | b'L'))
                .count();
            if roman > 0 {
                let rest = &s[roman..];
                if let Some(r) = rest.strip_prefix(['.', ')']) {
                    if r.starts_with(char::is_whitespace) {
                        s = r.trim_start();
                    }
                }
            }
        }
        if s.len() == before {
            break;
        }
    }
    strip_emphasis(s.trim_end().trim_end_matches(':'))
}

fn classify(cleaned: &str) -> Option<Kind> {
    let l = cleaned.to_lowercase().replace('&', "and");
    let l = l.trim();
    let has = |s: &str| l.contains(s);
    Some(if has("blind spot") && has("assumption") {
        Kind::BlindSpotsAndAssumptions
    } else if has("false positive") {
        Kind::FalsePositives
    } else if has("validation") || has("true positive") || matches!(l, "testing" | "tests") {
        Kind::Validation
    } else if has("blind spot") || has("limitation") {
        Kind::BlindSpots
    } else if l.starts_with("assumption") {
        Kind::Assumptions
    } else if has("emulation") {
        Kind::Emulation
    } else if has("priority") || matches!(l, "severity" | "criticality") {
        Kind::Priority
    } else if l.starts_with("goal") || matches!(l, "objective" | "objectives" | "purpose") {
        Kind::Goal
    } else if l.starts_with("categori")
        || has("att and ck mapping")
        || matches!(l, "mitre att and ck" | "classification" | "mapping")
    {
        Kind::Categorization
    } else if has("strategy abstract")
        || matches!(
            l,
            "abstract" | "strategy" | "detection strategy" | "strategy overview"
        )
    {
        Kind::StrategyAbstract
    } else if has("technical context")
        || matches!(l, "technical details" | "context" | "technical background")
    {
        Kind::TechnicalContext
    } else if has("response") || matches!(l, "triage" | "playbook") {
        Kind::Response
    } else if has("additional resource")
        || has("further reading")
        || matches!(l, "resources" | "references" | "additional references")
    {
        Kind::Resources
    } else if l.starts_with("environment") {
        Kind::Environments
    } else if matches!(l, "tooling" | "tools" | "tooling and dependencies") {
        Kind::Tooling
    } else {
        return None;
    })
}

/// The strategy's name in a report's top heading: what follows "...Strategy:" or
/// "ADS:", or the heading itself; `None` for the framework's generic report heading.
fn title_from_heading(h: &str) -> Option<String> {
    let h = strip_emphasis(h);
    let lower = h.to_lowercase();
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    if let Some(colon) = h.find(':') {
        if words(&h[..colon])
            .iter()
            .any(|w| matches!(w.as_str(), "strategy" | "ads" | "report" | "detection"))
        {
            let t = h[colon + 1..].trim();
            return (!t.is_empty()).then(|| t.to_owned());
        }
    }
    const GENERIC: &[&str] = &[
        "palantir",
        "alerting",
        "and",
        "detection",
        "strategy",
        "strategies",
        "ads",
        "framework",
        "report",
        "document",
    ];
    let generic = lower
        .replace('&', " and ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| GENERIC.contains(&w));
    (!generic && !h.trim().is_empty()).then(|| h.trim().to_owned())
}

struct Doc<'a> {
    lines: Vec<&'a str>,
    starts: Vec<usize>,
}

impl Doc<'_> {
    fn span(&self, line: usize) -> Span {
        let Some(&start) = self.starts.get(line) else {
            return Span::default();
        };
        let text = self.lines[line];
        let l = line as u32 + 1;
        Span::new(
            FileId(0),
            Position::new(start as u32, l, 1),
            Position::new(
                (start + text.len()) as u32,
                l,
                text.chars().count() as u32 + 1,
            ),
        )
    }
}

struct Importer {
    ads: Ads,
    diags: Vec<Diagnostic>,
}

/// Reads a Markdown ADS report into the model, and reports what it lacks.
///
/// Real reports vary, and the importer follows them: numbered headings (`## 1. Goal`),
/// "Alert Priority" for "Priority", "Validation (Adversary Emulation)" or "Validation",
/// "Blind Spots" and "Assumptions" apart or together, sections in any order, headings of any
/// level (the level most section headings use), and bullet, numbered or prose content.
/// Sections outside the framework are kept in [`Ads::extra`] (`D152`); a section that says
/// only that there is nothing ("Currently, no step-by-step instructions are available...",
/// "None available") counts as missing. Every missing part is a `D151` warning; text that
/// fits nowhere (a closing remark after the last section) is left out with a `D153` note.
/// Spans are in file 0: set [`Span::file`] when the caller has a source map.
///
/// ```
/// use adsigma_ads::{Part, import_markdown};
/// let report = concat!(
///     "# ADS: Shell spawned in a pod\n\n",
///     "## 1. Goal\nDetect a shell in a pod.\n\n",
///     "## Alert Priority\n**Severity:** High\n\nShells in pods are rare.\n\n",
///     "## Owners\nplatform-security\n",
/// );
/// let (ads, diagnostics) = import_markdown(report);
/// assert_eq!(ads.title.as_deref(), Some("Shell spawned in a pod"));
/// assert_eq!(ads.goal.as_deref(), Some("Detect a shell in a pod."));
/// assert_eq!(ads.priority.justification.as_deref(), Some("Shells in pods are rare."));
/// assert_eq!(ads.extra.get("Owners"), Some("platform-security"));
/// assert!(diagnostics.iter().any(|d| d.code.code == "D151" && d.message.contains("validation steps")));
/// ```
pub fn import_markdown(text: &str) -> (Ads, Vec<Diagnostic>) {
    let (ads, mut diags) = import_once(text);
    let ads = settle(ads, &mut diags);
    (ads, diags)
}

/// How many times [`settle`] renders and reads a model again before it gives up on the
/// parts that still change.
const SETTLE_ROUNDS: usize = 4;

/// Reads the report of a model again.
fn reread(ads: &Ads) -> Ads {
    import_once(&render_markdown(ads, &RuleInfo::default())).0
}

/// The model's normal form: one that reads back the same from its own report. The importer
/// writes most models so already (see [`normal_form`]); for the rest, the report is rendered
/// and read again until it no longer changes, and a part that keeps changing after
/// [`SETTLE_ROUNDS`] rounds is left out with a `D153` note. The empty model settles, so this
/// always ends, after at most `SETTLE_ROUNDS` plus one round per part.
fn settle(mut ads: Ads, diags: &mut Vec<Diagnostic>) -> Ads {
    for _ in 0..SETTLE_ROUNDS {
        let back = reread(&ads);
        if back == ads {
            return ads;
        }
        ads = back;
    }
    let mut dropped: Vec<&'static str> = Vec::new();
    let mut rounds = 0;
    loop {
        let back = reread(&ads);
        let changed = changed_parts(&ads, &back);
        if changed.is_empty() {
            break;
        }
        rounds += 1;
        if rounds > PARTS.len() {
            // Clearing parts does not help (a cleared part comes back): keep nothing.
            let empty = Ads::default();
            for part in changed_parts(&ads, &empty) {
                if !dropped.contains(&part) {
                    dropped.push(part);
                }
            }
            ads = empty;
            break;
        }
        for part in changed {
            clear_part(&mut ads, part);
            if !dropped.contains(&part) {
                dropped.push(part);
            }
        }
    }
    if !dropped.is_empty() {
        diags.push(Diagnostic::new(
            codes::REPORT_TEXT_DROPPED,
            // The parts come from all over the report: the note is at its start.
            Span::new(FileId(0), Position::new(0, 1, 1), Position::new(0, 1, 1)),
            format!(
                "the report's {} read differently each time the report is written and read \
                 again, and were left out",
                dropped.join(", ")
            ),
        ));
    }
    ads
}

/// The parts of the model, by the name of their field.
const PARTS: [&str; 16] = [
    "title",
    "goal",
    "categorization",
    "strategy_abstract",
    "technical_context",
    "emulation",
    "blind_spots",
    "assumptions",
    "false_positives",
    "validation",
    "priority",
    "response",
    "resources",
    "environments",
    "tooling",
    "extra",
];

/// The parts in which two models differ.
fn changed_parts(a: &Ads, b: &Ads) -> Vec<&'static str> {
    PARTS
        .into_iter()
        .filter(|&part| !same_part(a, b, part))
        .collect()
}

fn same_part(a: &Ads, b: &Ads, part: &str) -> bool {
    match part {
        "title" => a.title == b.title,
        "goal" => a.goal == b.goal,
        "categorization" => a.categorization == b.categorization,
        "strategy_abstract" => a.strategy_abstract == b.strategy_abstract,
        "technical_context" => a.technical_context == b.technical_context,
        "emulation" => a.emulation == b.emulation,
        "blind_spots" => a.blind_spots == b.blind_spots,
        "assumptions" => a.assumptions == b.assumptions,
        "false_positives" => a.false_positives == b.false_positives,
        "validation" => a.validation == b.validation,
        "priority" => a.priority == b.priority,
        "response" => a.response == b.response,
        "resources" => a.resources == b.resources,
        "environments" => a.environments == b.environments,
        "tooling" => a.tooling == b.tooling,
        _ => a.extra == b.extra,
    }
}

fn clear_part(ads: &mut Ads, part: &str) {
    match part {
        "title" => ads.title = None,
        "goal" => ads.goal = None,
        "categorization" => ads.categorization = Default::default(),
        "strategy_abstract" => ads.strategy_abstract = Default::default(),
        "technical_context" => ads.technical_context = None,
        "emulation" => ads.emulation.clear(),
        "blind_spots" => ads.blind_spots.clear(),
        "assumptions" => ads.assumptions.clear(),
        "false_positives" => ads.false_positives.clear(),
        "validation" => ads.validation.clear(),
        "priority" => ads.priority = Default::default(),
        "response" => ads.response.clear(),
        "resources" => ads.resources.clear(),
        "environments" => ads.environments.clear(),
        "tooling" => ads.tooling.clear(),
        _ => ads.extra = Default::default(),
    }
}

/// The model as the report gives it, before [`settle`].
fn import_once(text: &str) -> (Ads, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut starts = Vec::new();
    let mut offset = 0;
    for raw in text.split('\n') {
        starts.push(offset);
        offset += raw.len() + 1;
        lines.push(raw.strip_suffix('\r').unwrap_or(raw));
    }
    let doc = Doc { lines, starts };
    let mut imp = Importer {
        ads: Ads::default(),
        diags: Vec::new(),
    };
    imp.run(&doc);
    normal_form(&mut imp.ads);
    (imp.ads, imp.diags)
}

/// Writes an imported model in the form its report reads back as: the title and technique
/// names on one line, prose in [`normal_prose`] form, list items without leading whitespace
/// (empty ones left out).
fn normal_form(ads: &mut Ads) {
    if let Some(t) = &mut ads.title {
        *t = one_line(t);
    }
    for t in &mut ads.categorization.techniques {
        t.name = normal_technique_name(&t.name);
    }
    for p in [
        &mut ads.goal,
        &mut ads.strategy_abstract.summary,
        &mut ads.technical_context,
    ]
    .into_iter()
    .flatten()
    {
        *p = normal_prose(p);
    }
    for items in [
        &mut ads.strategy_abstract.data_sources,
        &mut ads.strategy_abstract.patterns,
        &mut ads.emulation,
        &mut ads.blind_spots,
        &mut ads.assumptions,
        &mut ads.false_positives,
        &mut ads.validation,
        &mut ads.response,
        &mut ads.resources,
        &mut ads.environments,
        &mut ads.tooling,
    ] {
        for item in items.iter_mut() {
            let t = item.trim_start();
            if t.len() < item.len() {
                *item = t.to_owned();
            }
        }
        items.retain(|i| !i.is_empty());
    }
    for (_, text) in &mut ads.extra.0 {
        *text = normal_prose(text);
    }
}

/// A technique's name as [`techniques_in`] reads it back after `T1234 - `: on one line and
/// without the punctuation that reading trims.
fn normal_technique_name(name: &str) -> String {
    let mut t = one_line(name);
    for _ in 0..NORMAL_ROUNDS {
        let next = techniques_in(&format!("T1059 - {t}"))
            .into_iter()
            .next()
            .map(|x| one_line(&x.name))
            .unwrap_or_default();
        if next == t || next.len() >= t.len() {
            break;
        }
        t = next;
    }
    t
}

struct Heading {
    line: usize,
    level: usize,
    /// As written (without the `#`s).
    raw: String,
    /// Without numbering, emphasis and a trailing colon.
    text: String,
    kind: Option<Kind>,
}

/// ATX headings at the start of a line that the block parser sees at the top level: outside
/// fenced code (by the same rules as [`parse_blocks`], so that import and render agree on
/// fences) and outside list items.
fn atx_headings(doc: &Doc<'_>) -> Vec<Heading> {
    let mut headings = Vec::new();
    for b in parse_blocks(&doc.lines) {
        let Block::Heading { level, text, line } = b else {
            continue;
        };
        if indent_of(doc.lines[line]) > 0 {
            continue;
        }
        let cleaned = normal_heading(&text);
        let kind = classify(&cleaned);
        headings.push(Heading {
            line,
            level,
            raw: text,
            text: cleaned,
            kind,
        });
    }
    headings
}

/// The normal form of a heading: without numbering, emphasis and a trailing colon
/// ([`clean_heading`]), on one line ([`one_line`]), and read the same when written as a
/// heading again (`## Notes #` is `Notes`). Cleaning is repeated until nothing changes
/// (`1. 2. Notes` is `Notes`), at most [`NORMAL_ROUNDS`] times so that it stays linear (a
/// heading that needs more is settled by [`settle`]).
fn normal_heading(raw: &str) -> String {
    let mut t = raw.to_owned();
    for _ in 0..NORMAL_ROUNDS {
        let cleaned = one_line(&clean_heading(&t));
        let line = format!("## {cleaned}");
        let next = heading(&line).map_or_else(String::new, |(_, h)| h.to_owned());
        if next == t {
            break;
        }
        t = next;
    }
    t
}

/// How many times a normal form is applied again to its own result, at most.
const NORMAL_ROUNDS: usize = 16;

/// Lines that are only bold text naming a section (`**Goal**`, `**2. Response:**`), as
/// level-7 headings: for reports written without Markdown headings.
fn bold_headings(doc: &Doc<'_>) -> Vec<Heading> {
    let mut out = Vec::new();
    for (i, line) in doc.lines.iter().enumerate() {
        let t = line.trim_end();
        if indent_of(t) > 0 || !t.starts_with("**") {
            continue;
        }
        let inner = t.trim_end_matches(':');
        let Some(inner) = inner.strip_prefix("**").and_then(|x| x.strip_suffix("**")) else {
            continue;
        };
        if inner.contains("**") || inner.trim().is_empty() {
            continue;
        }
        let text = normal_heading(inner);
        if let Some(kind) = classify(&text) {
            out.push(Heading {
                line: i,
                level: 7,
                raw: inner.to_owned(),
                text,
                kind: Some(kind),
            });
        }
    }
    out
}

impl Importer {
    fn note(&mut self, code: adsigma_syntax::Code, span: Span, msg: String) {
        self.diags.push(Diagnostic::new(code, span, msg));
    }

    fn run(&mut self, doc: &Doc<'_>) {
        let mut headings = atx_headings(doc);
        if headings.iter().all(|h| h.kind.is_none()) {
            // No Markdown heading names a section: look for bold lines that do ("**Goal**").
            headings.extend(bold_headings(doc));
            headings.sort_by_key(|h| h.line);
        }
        // Sections are at the level most known section headings use.
        let mut counts = [0usize; 8];
        for h in headings.iter().filter(|h| h.kind.is_some()) {
            counts[h.level] += 1;
        }
        let Some(level) = (1..8)
            .filter(|&l| counts[l] > 0)
            .max_by_key(|&l| (counts[l], std::cmp::Reverse(l)))
        else {
            self.note(
                codes::REPORT_NO_SECTIONS,
                doc.span(0),
                "no heading of an ADS section (Goal, Categorization, Strategy Abstract, ...) was found".into(),
            );
            return;
        };
        let first_section = headings
            .iter()
            .position(|h| h.level <= level && h.kind.is_some())
            .unwrap_or(0);
        // The title: a higher heading before the first section, else an unknown heading on
        // the first line of text.
        let first_text = doc.lines.iter().position(|l| !l.trim().is_empty());
        let title = headings[..first_section]
            .iter()
            .find(|h| h.level < level)
            .or_else(|| {
                headings[..first_section]
                    .first()
                    .filter(|h| Some(h.line) == first_text)
            })
            .map(|h| h.line);
        if let Some(t) = title.and_then(|t| headings.iter().find(|h| h.line == t)) {
            self.ads.title = title_from_heading(&t.raw).map(|t| one_line(&t));
        }
        let boundaries: Vec<&Heading> = headings
            .iter()
            .filter(|h| h.level <= level && title.is_none_or(|t| h.line > t))
            .collect();
        // The preamble: between the title and the first section.
        let pre_start = title.map_or(0, |t| t + 1);
        let pre_end = boundaries.first().map_or(doc.lines.len(), |h| h.line);
        self.preamble(doc, pre_start, pre_end);

        let mut seen: Vec<Kind> = Vec::new();
        let mut section_lines: Vec<(Section, usize)> = Vec::new();
        for (n, h) in boundaries.iter().enumerate() {
            let start = h.line + 1;
            let mut end = boundaries.get(n + 1).map_or(doc.lines.len(), |b| b.line);
            if n + 1 == boundaries.len() {
                end = self.cut_closing_remark(doc, start, end);
            }
            let body = &doc.lines[start..end];
            match h.kind {
                Some(kind) => {
                    if seen.contains(&kind) {
                        self.note(
                            codes::REPORT_DUPLICATE_SECTION,
                            doc.span(h.line),
                            format!(
                                "the report has a second \"{}\" section; the two are merged",
                                h.text
                            ),
                        );
                    }
                    seen.push(kind);
                    if let Some(s) = kind.section() {
                        section_lines.push((s, h.line));
                    }
                    self.section(doc, kind, &h.raw, body, start);
                }
                None => {
                    self.note(
                        codes::REPORT_EXTRA_SECTION,
                        doc.span(h.line),
                        format!(
                            "\"{}\" is not a section of the ADS framework; it is kept under `ads.extra`",
                            h.text
                        ),
                    );
                    let text = prose(body);
                    self.ads.extra.push(h.text.clone(), text);
                }
            }
        }
        for part in self.ads.missing_parts() {
            let section = part.section();
            let at = section_lines
                .iter()
                .find(|(s, _)| *s == section)
                .map(|&(_, l)| l);
            let span = doc.span(at.or(title).unwrap_or(0));
            let msg = match at {
                Some(_) => format!(
                    "the report has no {}: its \"{}\" section has none, or only a placeholder",
                    part.label(),
                    section.heading()
                ),
                None => format!(
                    "the report has no {}: it has no \"{}\" section",
                    part.label(),
                    section.heading()
                ),
            };
            let mut d = Diagnostic::new(codes::REPORT_SECTION_MISSING, span, msg);
            d.hint = Some(format!("write it in the rule as `{}`", part.rule_key()));
            self.diags.push(d);
        }
    }

    /// Drops a closing remark ("This report outlines ...") at the end of the last section.
    fn cut_closing_remark(&mut self, doc: &Doc<'_>, start: usize, end: usize) -> usize {
        let body = &doc.lines[start..end];
        let blocks = parse_blocks(body);
        let mut cut = None;
        // After the last thematic break, only closing paragraphs.
        if let Some(b) = blocks
            .iter()
            .rposition(|b| matches!(b, Block::Break { .. }))
        {
            let after = &blocks[b + 1..];
            if !after.is_empty()
                && after
                    .iter()
                    .all(|x| matches!(x, Block::Paragraph { text, .. } if is_closing_remark(text)))
            {
                cut = Some(blocks[b].lines().start);
            }
        }
        if cut.is_none() {
            if let Some(Block::Paragraph { text, lines }) = blocks.last() {
                if blocks.len() > 1 && is_closing_remark(text) {
                    cut = Some(lines.start);
                }
            }
        }
        // Thematic breaks just before the remark go with it.
        let Some(mut c) = cut else {
            return end;
        };
        self.note(
            codes::REPORT_TEXT_DROPPED,
            doc.span(start + c),
            "the closing remark after the last section is not part of the ADS and was left out"
                .into(),
        );
        while c > 0 && (body[c - 1].trim().is_empty() || is_break(body[c - 1])) {
            c -= 1;
        }
        start + c
    }

    fn preamble(&mut self, doc: &Doc<'_>, start: usize, end: usize) {
        let mut dropped = None;
        for i in start..end.min(doc.lines.len()) {
            let line = doc.lines[i].trim();
            if line.is_empty() || is_break(line) {
                continue;
            }
            match key_value(line) {
                Some((k, v)) if k.eq_ignore_ascii_case("title") => {
                    if !v.is_empty() {
                        self.ads.title = Some(one_line(v));
                    }
                }
                Some((k, _))
                    if [
                        "rule id",
                        "id",
                        "status",
                        "author",
                        "logsource",
                        "file",
                        "level",
                        "date",
                    ]
                    .contains(&k.to_lowercase().as_str()) => {}
                _ => {
                    dropped.get_or_insert(i);
                }
            }
        }
        if let Some(i) = dropped {
            self.note(
                codes::REPORT_TEXT_DROPPED,
                doc.span(i),
                "text before the first section is not part of the ADS and was left out".into(),
            );
        }
    }

    fn section(&mut self, doc: &Doc<'_>, kind: Kind, heading: &str, body: &[&str], start: usize) {
        let ads = &mut self.ads;
        match kind {
            Kind::Goal => append_prose(&mut ads.goal, prose_or_none(body)),
            Kind::Categorization => self.categorization(doc, body, start),
            Kind::StrategyAbstract => strategy(ads, body),
            Kind::TechnicalContext => technical_context(ads, body),
            Kind::Emulation => ads.emulation.extend(list_items(body, true)),
            Kind::BlindSpotsAndAssumptions => blind_spots_and_assumptions(ads, body, None),
            Kind::BlindSpots => blind_spots_and_assumptions(ads, body, Some(Target::BlindSpots)),
            Kind::Assumptions => blind_spots_and_assumptions(ads, body, Some(Target::Assumptions)),
            Kind::FalsePositives => ads.false_positives.extend(list_items(body, false)),
            Kind::Validation => ads.validation.extend(list_items(body, false)),
            Kind::Priority => {
                priority(ads, body);
                // "## Priority: High"
                if ads.priority.level.is_none() {
                    ads.priority.level = level_line(heading).map(|(l, _)| l);
                }
            }
            Kind::Response => ads.response.extend(list_items(body, false)),
            Kind::Resources => ads.resources.extend(list_items(body, false)),
            Kind::Environments => ads.environments.extend(list_items(body, false)),
            Kind::Tooling => ads.tooling.extend(list_items(body, false)),
        }
    }

    fn categorization(&mut self, doc: &Doc<'_>, body: &[&str], start: usize) {
        let mut dropped = None;
        let c = &mut self.ads.categorization;
        for (i, raw) in body.iter().enumerate() {
            let mut line = raw.trim();
            if line.is_empty() || is_break(line) {
                continue;
            }
            if let Some((_, offset, _)) = list_marker(line) {
                line = dedent(line, offset).trim();
            }
            let mut linked = false;
            for id in linked_techniques(line) {
                linked = true;
                if !c.techniques.iter().any(|t| t.id == id) {
                    c.techniques.push(TechniqueRef {
                        id,
                        name: String::new(),
                    });
                }
            }
            if linked && line.starts_with('[') {
                continue;
            }
            let Some((key, value)) = key_value(line) else {
                if !linked && !is_placeholder(line) {
                    dropped.get_or_insert(start + i);
                }
                continue;
            };
            let k = key.to_lowercase();
            if k.contains("tactic") || k.contains("kill chain") || k.contains("phase") {
                for t in value.split([',', ';', '|']) {
                    if let Some(t) = tactic_shortname(t) {
                        if !c.tactics.contains(&t) {
                            c.tactics.push(t);
                        }
                    }
                }
            } else if k.contains("platform") {
                for p in value.split([',', ';']) {
                    let p = platform_name(p);
                    if !p.is_empty() && !c.platforms.contains(&p) {
                        c.platforms.push(p);
                    }
                }
            } else if ["technique", "att&ck", "attack", "mapping", "mitre"]
                .iter()
                .any(|w| k.contains(w))
            {
                for t in techniques_in(value) {
                    match c.techniques.iter_mut().find(|x| x.id == t.id) {
                        Some(x) if x.name.is_empty() => x.name = t.name,
                        Some(_) => {}
                        None => c.techniques.push(t),
                    }
                }
            } else {
                dropped.get_or_insert(start + i);
            }
        }
        if let Some(line) = dropped {
            self.note(
                codes::REPORT_TEXT_DROPPED,
                doc.span(line),
                "a Categorization line that names no technique, tactic or platform was left out"
                    .into(),
            );
        }
    }
}

/// `**Key:** value`, `**Key**: value` or `Key: value` (a short key without Markdown).
fn key_value(line: &str) -> Option<(String, &str)> {
    let colon = line.find(':')?;
    let key_raw = &line[..colon];
    if key_raw.contains("](")
        || key_raw.starts_with('[')
        || key_raw.contains('`')
        || key_raw.chars().count() > 60
    {
        return None;
    }
    let key = strip_emphasis(key_raw);
    if key.is_empty() || key.contains("http") {
        return None;
    }
    let value = line[colon + 1..].trim_start_matches(['*', '_']).trim();
    Some((key, value))
}

/// Technique ids in ATT&CK links (`https://attack.mitre.org/techniques/T1589/002`).
fn linked_techniques(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let needle = "attack.mitre.org/techniques/";
    let mut rest = line;
    while let Some(p) = rest.find(needle) {
        rest = &rest[p + needle.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '.'))
            .unwrap_or(rest.len());
        let id = rest[..end].trim_end_matches(['/', '.']);
        if let Some(id) = normalize_technique_id(id) {
            out.push(id);
        }
    }
    out
}

/// The technique ids in a text and the name written with each: `T1609 - Name`,
/// `T1609: Name`, `Name (T1609)`.
fn techniques_in(value: &str) -> Vec<TechniqueRef> {
    let b = value.as_bytes();
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if boundary && matches!(b[i], b'T' | b't') && b.len() >= i + 5 {
            let mut end = i + 5;
            if b[i + 1..i + 5].iter().all(u8::is_ascii_digit) {
                if b.len() >= i + 9
                    && matches!(b[i + 5], b'.' | b'/')
                    && b[i + 6..i + 9].iter().all(u8::is_ascii_digit)
                {
                    end = i + 9;
                }
                if end == b.len() || !b[end].is_ascii_alphanumeric() {
                    if let Some(id) = normalize_technique_id(&value[i..end]) {
                        found.push((i, end, id));
                        i = end;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    let clean = |s: &str| -> String {
        let s = s
            .trim()
            .trim_start_matches(['-', '–', '—', ':', ')', ' '])
            .trim_end_matches([',', ';', '(', ' '])
            .trim();
        let mut s = s;
        while let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            s = inner.trim();
        }
        strip_emphasis(s.trim_matches(['"', '\'']))
    };
    let mut out = Vec::new();
    for (n, (start, end, id)) in found.iter().enumerate() {
        let next = found.get(n + 1).map_or(value.len(), |f| f.0);
        let mut name = clean(&value[*end..next]);
        if n == 0 && name.is_empty() {
            name = clean(&value[..*start]);
        }
        if !out.iter().any(|t: &TechniqueRef| t.id == *id) {
            out.push(TechniqueRef {
                id: id.clone(),
                name,
            });
        }
    }
    out
}

/// A tactic as a report writes it -> its short name (v19, renamed or as written).
fn tactic_shortname(t: &str) -> Option<String> {
    let t = strip_emphasis(t);
    let t = match t.find('(') {
        Some(p) if t.ends_with(')') => {
            let inner = &t[p + 1..t.len() - 1];
            if inner.len() == 6
                && inner.to_uppercase().starts_with("TA")
                && t[..p].trim().is_empty()
            {
                inner.to_owned()
            } else {
                t[..p].trim().to_owned()
            }
        }
        _ => t,
    };
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    let key = match catalogue().tactic_lookup(t) {
        TacticLookup::Current(x) => x.shortname.clone(),
        TacticLookup::Renamed(r) => r.shortname.to_owned(),
        TacticLookup::Unknown => tactic_key(t),
    };
    // Punctuation alone has no key.
    (!key.is_empty()).then_some(key)
}

/// A platform as a report writes it: ATT&CK's spelling when it is one (also "PRE
/// (Preparation)", and "Network" as ATT&CK once called Network Devices), else as written.
fn platform_name(p: &str) -> String {
    let p = strip_emphasis(p);
    let p = p.trim();
    let base = match p.find(" (") {
        Some(i) if p.ends_with(')') => &p[..i],
        _ => p,
    };
    // Older ATT&CK and report spellings.
    let base = match base.to_lowercase().as_str() {
        "network" => "Network Devices",
        "container" => "Containers",
        _ => base,
    };
    PLATFORMS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(base))
        .map_or_else(|| p.to_owned(), |k| (*k).to_owned())
}

/// The Markdown of a section body: its blocks, separated by blank lines.
fn prose(body: &[&str]) -> String {
    let blocks = parse_blocks(body);
    join_blocks(body, blocks.iter())
}

fn join_blocks<'b>(body: &[&str], blocks: impl Iterator<Item = &'b Block>) -> String {
    let mut pieces = Pieces::default();
    for b in blocks {
        if !matches!(b, Block::Break { .. }) {
            pieces.push(join_trimmed(&body[b.lines()]), b.lines());
        }
    }
    pieces.join()
}

/// Pieces of Markdown with the lines they came from: joined with a newline when they were
/// adjacent in the source (a lead-in and its list), else with a blank line.
#[derive(Default)]
struct Pieces(Vec<(String, std::ops::Range<usize>)>);

impl Pieces {
    fn push(&mut self, text: String, lines: std::ops::Range<usize>) {
        if !text.is_empty() {
            self.0.push((text, lines));
        }
    }

    fn join(&self) -> String {
        let mut out = String::new();
        let mut prev_end = None;
        for (text, lines) in &self.0 {
            if let Some(end) = prev_end {
                out.push_str(if end == lines.start { "\n" } else { "\n\n" });
            }
            out.push_str(text);
            prev_end = Some(lines.end);
        }
        out
    }
}

/// Prose, or `None` when empty or only a placeholder.
fn prose_or_none(body: &[&str]) -> Option<String> {
    let p = prose(body);
    (!p.is_empty() && !is_placeholder(&p)).then_some(p)
}

fn append_prose(to: &mut Option<String>, text: Option<String>) {
    let Some(text) = text else { return };
    match to {
        Some(t) => {
            t.push_str("\n\n");
            t.push_str(&text);
        }
        None => *to = Some(text),
    }
}

/// A paragraph that introduces the list after it ("Data sources used:").
fn is_lead_in(blocks: &[Block], i: usize) -> bool {
    lead_in(blocks, i).is_some()
}

/// The lead-in at block `i`: its text, and the items and lines of the list it introduces.
fn lead_in(blocks: &[Block], i: usize) -> Option<(&str, &[String], std::ops::Range<usize>)> {
    match (blocks.get(i), blocks.get(i + 1)) {
        (Some(Block::Paragraph { text, .. }), Some(Block::List { items, lines }))
            if ends_with_colon(text) =>
        {
            Some((text, items, lines.clone()))
        }
        _ => None,
    }
}

/// A list item that is only a label over a nested list (`**Sample Commands:**` + items).
fn label_only_items(item: &str) -> Option<Vec<String>> {
    let (first, rest) = item.split_once('\n')?;
    if !ends_with_colon(first) {
        return None;
    }
    let lines = super::lines_of(rest);
    let blocks = parse_blocks(&lines);
    match blocks.as_slice() {
        [Block::List { items, .. }] => Some(items.clone()),
        _ => None,
    }
}

/// The items of a list section: list items, paragraphs and code as items; lead-ins ("When an
/// alert fires:") and placeholders left out.
fn list_items(body: &[&str], flatten_labels: bool) -> Vec<String> {
    let blocks = parse_blocks(body);
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Paragraph { text, .. } => {
                if is_lead_in(&blocks, i) {
                    let (before, _) = split_last_sentence(text);
                    if !before.is_empty() && !is_placeholder(before) {
                        out.push(before.to_owned());
                    }
                } else if !is_placeholder(text) {
                    out.push(text.clone());
                }
            }
            Block::List { items, .. } => {
                for item in items {
                    if is_placeholder_exact(item) {
                        continue;
                    }
                    match label_only_items(item).filter(|_| flatten_labels) {
                        Some(nested) => out.extend(nested),
                        None => out.push(item.clone()),
                    }
                }
            }
            Block::Code { text, .. } => out.push(text.clone()),
            Block::Heading { .. } | Block::Break { .. } => {}
        }
    }
    out
}

fn strategy(ads: &mut Ads, body: &[&str]) {
    let blocks = parse_blocks(body);
    let mut summary = Pieces::default();
    let mut i = 0;
    while i < blocks.len() {
        if let Some((text, items, _)) = lead_in(&blocks, i) {
            let (before, label) = split_last_sentence(text);
            let l = label.to_lowercase();
            let target = if l.contains("source") || l.contains("telemetry") || l.contains("log") {
                Some(&mut ads.strategy_abstract.data_sources)
            } else if l.contains("pattern") || l.contains("indicator") || l.contains("behavio") {
                Some(&mut ads.strategy_abstract.patterns)
            } else {
                None
            };
            if let Some(target) = target {
                if !before.is_empty() {
                    summary.push(before.to_owned(), blocks[i].lines());
                }
                target.extend(items.iter().filter(|x| !is_placeholder_exact(x)).cloned());
                i += 2;
                continue;
            }
        }
        if !matches!(blocks[i], Block::Break { .. }) {
            summary.push(join_trimmed(&body[blocks[i].lines()]), blocks[i].lines());
        }
        i += 1;
    }
    let s = summary.join();
    if !s.is_empty() && !is_placeholder(&s) {
        append_prose(&mut ads.strategy_abstract.summary, Some(s));
    }
}

fn technical_context(ads: &mut Ads, body: &[&str]) {
    let blocks = parse_blocks(body);
    // A sub-heading on emulation starts the emulation details.
    let split = blocks.iter().position(|b| {
        matches!(b, Block::Heading { text, .. } if {
            let l = clean_heading(text).to_lowercase();
            l.contains("emulation") || l.contains("command") || l == EMULATION_HEADING.to_lowercase()
        })
    });
    let (context, emulation) = match split {
        Some(s) => (&blocks[..s], &blocks[s + 1..]),
        None => (&blocks[..], &blocks[0..0]),
    };
    let mut kept = Pieces::default();
    let mut i = 0;
    while i < context.len() {
        if let Some((text, _, lines)) = lead_in(context, i) {
            let (before, label) = split_last_sentence(text);
            let l = label.to_lowercase();
            if ["command", "emulat", "scenario", "example"]
                .iter()
                .any(|w| l.contains(w))
            {
                if !before.is_empty() {
                    kept.push(before.to_owned(), context[i].lines());
                }
                ads.emulation.extend(list_items(&body[lines], true));
                i += 2;
                continue;
            }
        }
        if !matches!(context[i], Block::Break { .. }) {
            kept.push(join_trimmed(&body[context[i].lines()]), context[i].lines());
        }
        i += 1;
    }
    let c = kept.join();
    if !c.is_empty() && !is_placeholder(&c) {
        append_prose(&mut ads.technical_context, Some(c));
    }
    if let (Some(first), Some(last)) = (emulation.first(), emulation.last()) {
        let lines = first.lines().start..last.lines().end;
        ads.emulation.extend(list_items(&body[lines], true));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    BlindSpots,
    Assumptions,
}

/// `**Blind Spots:** text` -> (BlindSpots, "text").
fn label_target(text: &str) -> Option<(Target, String)> {
    let first = text.lines().next().unwrap_or("");
    let colon = first.find(':')?;
    let key = strip_emphasis(&first[..colon]).to_lowercase();
    if key.chars().count() > 40 {
        return None;
    }
    let target = if key.contains("blind spot") || key.contains("limitation") {
        Target::BlindSpots
    } else if key.contains("assumption") {
        Target::Assumptions
    } else {
        return None;
    };
    let rest_first = first[colon + 1..].trim_start_matches(['*', '_']).trim();
    let rest: Vec<&str> = std::iter::once(rest_first)
        .chain(text.lines().skip(1))
        .collect();
    Some((target, join_trimmed(&rest)))
}

/// Splits a text before each line that starts with a blind-spot or assumption label.
fn split_labelled(text: &str) -> Vec<String> {
    let mut groups: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        match groups.last_mut() {
            Some(g) if label_target(line).is_none() => g.push(line),
            _ => groups.push(vec![line]),
        }
    }
    groups.iter().map(|g| join_trimmed(g)).collect()
}

/// Without a label, an item that states what the strategy takes for granted is an assumption.
fn guess_target(text: &str) -> Target {
    let l = text.trim_start().to_lowercase();
    let starts = [
        "assum",
        "relies",
        "reliance",
        "requires",
        "depends",
        "expects",
        "presumes",
        "it is assumed",
        "we assume",
    ];
    if starts.iter().any(|s| l.starts_with(s))
        || l.split_whitespace().take(4).any(|w| w == "assumes")
    {
        Target::Assumptions
    } else {
        Target::BlindSpots
    }
}

fn blind_spots_and_assumptions(ads: &mut Ads, body: &[&str], fixed: Option<Target>) {
    let blocks = parse_blocks(body);
    let mut current = fixed;
    let push = |ads: &mut Ads, target: Option<Target>, text: String| {
        if text.is_empty() || is_placeholder_exact(&text) {
            return;
        }
        match target.unwrap_or_else(|| guess_target(&text)) {
            Target::BlindSpots => ads.blind_spots.push(text),
            Target::Assumptions => ads.assumptions.push(text),
        }
    };
    let labelled = |ads: &mut Ads, target: Target, rest: String| {
        let lines = super::lines_of(&rest);
        for b in parse_blocks(&lines) {
            match b {
                Block::List { items, .. } => {
                    for item in items {
                        push(ads, Some(target), item);
                    }
                }
                Block::Paragraph { text, .. } | Block::Code { text, .. } => {
                    push(ads, Some(target), text)
                }
                Block::Heading { .. } | Block::Break { .. } => {}
            }
        }
    };
    for (i, b) in blocks.iter().enumerate() {
        match b {
            Block::Paragraph { text, .. } => {
                if label_target(text).is_some() {
                    for group in split_labelled(text) {
                        match label_target(&group) {
                            Some((t, rest)) if rest.is_empty() => current = Some(t),
                            Some((t, rest)) => labelled(ads, t, rest),
                            None => push(ads, current, group),
                        }
                    }
                } else if is_lead_in(&blocks, i) {
                    let (before, label) = split_last_sentence(text);
                    let l = label.to_lowercase();
                    if l.contains("blind spot") || l.contains("limitation") {
                        current = Some(Target::BlindSpots);
                    } else if l.contains("assum") {
                        current = Some(Target::Assumptions);
                    }
                    if !before.is_empty() {
                        push(ads, current, before.to_owned());
                    }
                } else if !is_placeholder(text) {
                    push(ads, current, text.clone());
                }
            }
            Block::List { items, .. } => {
                for item in items {
                    // A label over a nested list (`- **Blind Spots:**` and items under it, as
                    // the report writes them): the items, whatever labels they start with.
                    let (first, nested) = item.split_once('\n').unwrap_or((item, ""));
                    if let Some((t, _)) = label_target(first).filter(|(_, r)| r.is_empty()) {
                        labelled(ads, t, nested.to_owned());
                        continue;
                    }
                    if label_target(item).is_none() {
                        push(ads, current, item.clone());
                        continue;
                    }
                    for group in split_labelled(item) {
                        match label_target(&group) {
                            Some((t, rest)) => labelled(ads, t, rest),
                            None => push(ads, current, group),
                        }
                    }
                }
            }
            Block::Heading { text, .. } => {
                let l = text.to_lowercase();
                if l.contains("blind spot") || l.contains("limitation") {
                    current = Some(Target::BlindSpots);
                } else if l.contains("assum") {
                    current = Some(Target::Assumptions);
                }
            }
            Block::Code { text, .. } => push(ads, current, text.clone()),
            Block::Break { .. } => {}
        }
    }
}

/// `**Priority: High**`, `**Severity:** High`, `Priority Level: High`, or `**High**` alone.
pub(super) fn level_line(line: &str) -> Option<(Level, String)> {
    let mut t = line.trim();
    if let Some((_, offset, _)) = list_marker(t) {
        t = dedent(t, offset);
    }
    let t = strip_emphasis(t);
    let (key, value) = match t.split_once(':') {
        Some((k, v)) => (k.to_lowercase(), v.trim()),
        None => (String::new(), t.as_str()),
    };
    if !key.is_empty()
        && !["priority", "severity", "level", "rating", "criticality"]
            .iter()
            .any(|w| key.contains(w))
    {
        return None;
    }
    let word_end = value
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(value.len());
    let level = Level::parse_loose(&value[..word_end])?;
    let rest = value[word_end..]
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '–' | '—' | ':' | '.' | ',' | '*')
        })
        .trim();
    if key.is_empty() && !rest.is_empty() {
        return None;
    }
    Some((level, rest.to_owned()))
}

fn priority(ads: &mut Ads, body: &[&str]) {
    let mut rest: Vec<&str> = Vec::with_capacity(body.len());
    let mut leftover = String::new();
    let mut found = ads.priority.level.is_some();
    for line in body {
        if !found {
            if let Some((level, after)) = level_line(line) {
                ads.priority.level = Some(level);
                leftover = after;
                found = true;
                continue;
            }
        }
        rest.push(line);
    }
    let mut j = prose(&rest);
    if !leftover.is_empty() {
        j = if j.is_empty() {
            leftover
        } else {
            format!("{leftover}\n\n{j}")
        };
    }
    // The normal form of the text as written, label and all: the label can change what
    // the first line is (`Justification: - x` is a paragraph).
    let j = strip_justification_label(&normal_prose(&j));
    if !j.is_empty() && !is_placeholder(&j) {
        append_prose(&mut ads.priority.justification, Some(j));
    }
}

/// True when a Priority section `body` reads back to `level` and the justification `j`.
pub(super) fn priority_reads_back(body: &str, level: Option<Level>, j: &str) -> bool {
    let mut ads = Ads::default();
    let lines = super::lines_of(body);
    priority(&mut ads, &lines);
    ads.priority.level == level && ads.priority.justification.as_deref() == Some(j)
}

/// Removes one leading `Justification:` (perhaps in bold).
fn strip_justification_label(j: &str) -> String {
    let t = j.trim_start();
    for prefix in [
        "**Justification:**",
        "**Justification**:",
        "__Justification:__",
        "*Justification:*",
        JUSTIFICATION_LABEL,
    ] {
        // `get` rather than indexing: the text may have a multi-byte character where the
        // label would end.
        if let Some(head) = t.get(..prefix.len()) {
            if head.eq_ignore_ascii_case(prefix) {
                return t[prefix.len()..].trim().to_owned();
            }
        }
    }
    t.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn justification_label_next_to_multibyte_text() {
        // A character straddling the label's length used to panic (found by fuzzing).
        assert_eq!(
            strip_justification_label("**Justificatio\u{e9}n"),
            "**Justificatio\u{e9}n"
        );
        assert_eq!(
            strip_justification_label("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}"),
            "\u{e9}".repeat(9)
        );
        assert_eq!(strip_justification_label("**Justification:** high"), "high");
    }

    #[test]
    fn headings() {
        assert_eq!(clean_heading("1. Goal"), "Goal");
        assert_eq!(clean_heading("**2) Alert Priority:**"), "Alert Priority");
        assert_eq!(clean_heading("IV. Response"), "Response");
        assert_eq!(classify("Alert Priority"), Some(Kind::Priority));
        assert_eq!(
            classify("Validation (Adversary Emulation)"),
            Some(Kind::Validation)
        );
        assert_eq!(
            classify("Adversary Emulation Details"),
            Some(Kind::Emulation)
        );
        assert_eq!(classify("Owners"), None);
        assert_eq!(
            title_from_heading("Palantir Alerting & Detection Strategy (ADS) Framework Report"),
            None
        );
        assert_eq!(
            title_from_heading("Detection Strategy: Adversarial Use of Containers").as_deref(),
            Some("Adversarial Use of Containers")
        );
        assert_eq!(
            title_from_heading("Kubelet API abuse").as_deref(),
            Some("Kubelet API abuse")
        );
    }

    #[test]
    fn technique_names() {
        let t = techniques_in("T1609 - Container Administration Command");
        assert_eq!(t[0].id, "T1609");
        assert_eq!(t[0].name, "Container Administration Command");
        let t = techniques_in("Deploy Container (T1610), T1611: Escape to Host");
        assert_eq!(t[0].name, "Deploy Container");
        assert_eq!(t[1].id, "T1611");
        assert_eq!(t[1].name, "Escape to Host");
        assert_eq!(techniques_in("T1589/002")[0].id, "T1589.002");
        assert!(techniques_in("RT12345").is_empty());
        assert_eq!(
            linked_techniques(
                "[MITRE ATT&CK Reference](https://attack.mitre.org/techniques/T1589/002/)"
            ),
            ["T1589.002"]
        );
    }

    #[test]
    fn levels() {
        assert_eq!(
            level_line("**Priority: High**"),
            Some((Level::High, String::new()))
        );
        assert_eq!(
            level_line("**Severity:** High  "),
            Some((Level::High, String::new()))
        );
        assert_eq!(
            level_line("Priority Level: Medium - noisy"),
            Some((Level::Medium, "noisy".into()))
        );
        assert_eq!(
            level_line("**Critical**"),
            Some((Level::Critical, String::new()))
        );
        assert_eq!(level_line("High impact on the cluster"), None);
        assert_eq!(level_line("Justification: high"), None);
    }
}

/// The round trip over generated Markdown-ish text: whatever a report says,
/// `import(render(import(text))) == import(text)`, and [`settle`] never has to leave a part
/// out to get there.
#[cfg(test)]
mod round_trip {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of lines: headings, labels, markers, fences, links and odd whitespace.
    const PIECES: &[&str] = &[
        "#",
        "##",
        "###",
        "####",
        "# ",
        "## ",
        "### ",
        "#Goal",
        "## Goal",
        "# Goal",
        "## 1. Categorization",
        "## Strategy Abstract",
        "## Technical Context",
        "### Adversary Emulation Details",
        "## Blind Spots and Assumptions",
        "## Blind Spots",
        "## Assumptions",
        "## False Positives",
        "## Validation (Adversary Emulation)",
        "## Priority",
        "## Priority: High",
        "## Response",
        "## Additional Resources",
        "## Environments",
        "## Tooling",
        "## Notes",
        "**Goal**",
        "**Response:**",
        "- ",
        "* ",
        "+ ",
        "1. ",
        "2) ",
        "10. ",
        "  - ",
        "    ",
        "   ",
        " ",
        "  ",
        "\t",
        "\r",
        "\u{b}",
        "\u{a0}",
        "\u{3000}",
        "```",
        "~~~",
        "````sh",
        "   ```",
        "  ~~~~",
        "---",
        "***",
        "- - -",
        "**Title:** ",
        "Title: ",
        "**Blind Spots:**",
        "Assumptions:",
        "Limitation:",
        "Justification:",
        "**Justification:** ",
        "**Priority: High**",
        "**Severity:** Low",
        "Critical",
        "**MITRE ATT&CK Mapping:** ",
        "T1609",
        "T1059.001",
        "t1610 - Deploy",
        "(T1611)",
        "Tactic / Kill Chain Phases: ",
        "Execution, Persistence",
        "Platforms: ",
        "Linux, Containers; Windows",
        "[MITRE ATT&CK Reference](https://attack.mitre.org/techniques/T1609)",
        "](",
        "[x](y)",
        "https://example.org/a",
        "Data sources used:",
        "Patterns analyzed include:",
        "Sample commands:",
        "Not documented.",
        "None",
        "N/A",
        "This report outlines the strategy.",
        "pod",
        "shell",
        "über",
        "日本",
        "é",
        "&",
        "*",
        "_",
        "**",
        "`",
        ":",
        ".",
        ". ",
        "?",
        "word",
        "two words",
        "Relies on audit logs",
        "when an alert fires:",
    ];

    fn text() -> impl Strategy<Value = String> {
        let line = proptest::collection::vec(proptest::sample::select(PIECES), 0..5)
            .prop_map(|p| p.concat());
        (
            proptest::collection::vec(line, 0..40),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lines, crlf, bom)| {
                let body = lines.join(if crlf { "\r\n" } else { "\n" });
                if bom { format!("\u{feff}{body}") } else { body }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn imported_models_read_back_the_same(text in text()) {
            let (ads, diags) = import_markdown(&text);
            prop_assert!(!diags.iter().any(|d| d.message.contains("read differently")));
            let md = render_markdown(&ads, &RuleInfo::default());
            prop_assert_eq!(import_markdown(&md).0, ads, "{}", md);
        }
    }

    /// The model [`settle`] falls back to reads back the same, so settling always ends.
    #[test]
    fn the_empty_model_settles() {
        assert_eq!(reread(&Ads::default()), Ads::default());
    }
}
