//! The compiled program: rules, items, the candidate prefilter, and evaluation.

use crate::derive::{DerivedField, Overlaid, Seen, Values};
use crate::event::{Event, EventValue, LogSource};
use crate::ir::*;
use crate::literals::{LiteralSet, Place};
use crate::pattern::{Anchor, StrPat, fold_into};
use crate::time;
use adsigma_syntax::{Level, Status};
use rustc_hash::FxHashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// What a match reports about its rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleInfo {
    /// `id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level`.
    pub level: Option<Level>,
    /// `status`.
    pub status: Option<Status>,
    /// `tags`.
    pub tags: Vec<String>,
    /// The rule's logsource.
    pub logsource: LogSource,
    /// ADS response steps, when the rule has them.
    pub response: Vec<String>,
    /// The file the rule came from, when known.
    pub file: Option<String>,
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub info: Arc<RuleInfo>,
    pub formula: Formula,
    pub identifiers: Vec<(String, Formula)>,
}

/// How the prefilter knows an item might be true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gate {
    /// One of the item's anchor literals was seen where it must be.
    Pattern,
    /// The field is present.
    Presence,
    /// Nothing: the item can be true without its field (null, exists: false).
    None,
}

/// The literals of one field (or of the keywords), found in a value by one
/// [`LiteralSet`] pass.
///
/// Case-insensitive scanners hold folded literals and scan folded text.
struct Scanner {
    /// Items whose value must be exactly empty (no literal search can look for that).
    empty: Vec<u32>,
    /// Literals that only ever must be the whole value: a hash lookup of the (folded)
    /// value finds them, with no search.
    exact: FxHashMap<Box<str>, Vec<u32>>,
    /// Per literal of `set`: (anchor, item, value index) triples; the value index says which
    /// of a keyword item's values the literal belongs to.
    hits: Vec<Vec<(Anchor, u32, u32)>>,
    set: LiteralSet,
}

#[derive(Default)]
struct ScannerBuilder {
    empty: Vec<u32>,
    literals: FxHashMap<String, usize>,
    pats: Vec<String>,
    hits: Vec<Vec<(Anchor, u32, u32)>>,
}

impl ScannerBuilder {
    fn add(&mut self, lit: &str, anchor: Anchor, item: u32) {
        self.add_value(lit, anchor, item, 0)
    }

    fn add_value(&mut self, lit: &str, anchor: Anchor, item: u32, value: u32) {
        if lit.is_empty() {
            // Only the exact empty value has an empty anchor.
            if !self.empty.contains(&item) {
                self.empty.push(item);
            }
            return;
        }
        // Looked up before anything is copied: most literals are already there.
        let id = match self.literals.get(lit) {
            Some(&id) => id,
            None => {
                self.pats.push(lit.to_owned());
                self.hits.push(Vec::with_capacity(1));
                self.literals.insert(lit.to_owned(), self.pats.len() - 1);
                self.pats.len() - 1
            }
        };
        // Items arrive in order, so this item's triples are the last ones: only they can
        // repeat this one (a whole-list search is quadratic for a literal many items share).
        let hits = &mut self.hits[id];
        debug_assert!(
            hits.last().is_none_or(|h| h.1 <= item),
            "items out of order"
        );
        let seen = hits
            .iter()
            .rev()
            .take_while(|h| h.1 == item)
            .any(|h| *h == (anchor, item, value));
        if !seen {
            hits.push((anchor, item, value));
        }
    }

    fn build(self) -> Option<Scanner> {
        if self.pats.is_empty() && self.empty.is_empty() {
            return None;
        }
        let mut exact: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut lits = Vec::with_capacity(self.pats.len());
        let mut hits = Vec::with_capacity(self.hits.len());
        for (p, h) in self.pats.into_iter().zip(self.hits) {
            let at = |want: Anchor| h.iter().all(|(a, _, _)| *a == want || *a == Anchor::Exact);
            if h.iter().all(|(a, _, _)| *a == Anchor::Exact) {
                exact
                    .entry(p.into_boxed_str())
                    .or_default()
                    .extend(h.iter().map(|(_, item, _)| *item));
                continue;
            }
            let place = if at(Anchor::Prefix) {
                Place::Start
            } else if at(Anchor::Suffix) {
                Place::End
            } else {
                Place::Anywhere
            };
            lits.push((p, place));
            hits.push(h);
        }
        Some(Scanner {
            empty: self.empty,
            exact,
            hits,
            set: LiteralSet::new(lits),
        })
    }
}

#[derive(Default)]
struct FieldSlot {
    /// Items gated on presence of this field.
    presence: Vec<u32>,
    ci: Option<Scanner>,
    cs: Option<Scanner>,
    /// Derived-field parts this path is (indices over every derived field's parts, in
    /// order): the walk captures its values.
    parts: Vec<u32>,
    /// The path is a derived field's name: the event's own values there are hidden.
    derived_name: bool,
}

/// The compiled, immutable program: share it between threads (the facade wraps it in an
/// `Arc`).
pub struct Program {
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) items: Vec<Item>,
    fields: FxHashMap<Box<str>, u32>,
    slots: Vec<FieldSlot>,
    keywords_ci: Option<Scanner>,
    /// Keyword literals are all `Anywhere` and none contains NUL: scan all strings at once.
    keywords_joinable: bool,
    /// Keyword items without a literal: true candidates on any string.
    keyword_presence: Vec<u32>,
    /// Item -> rules it triggers.
    item_rules: Vec<Vec<u32>>,
    /// Items whose gate firing is exactly the item holding (simple string patterns,
    /// numbers, booleans): when the event's paths are unambiguous their result is the
    /// prefilter's, with no lookup.
    exact_gate: Vec<bool>,
    /// Per item: every value has a literal the prefilter looks for (its gate is a pattern).
    literal_gated: Vec<bool>,
    /// Rules that can match without any gate firing.
    ungated: Vec<u32>,
    /// For a subset program: each rule's index in the program it was taken from (sorted).
    pub(crate) origin: Option<Vec<u32>>,
    /// Derived fields the program computes for every event ([`Program::with_derived`]).
    derived: Vec<DerivedField>,
    /// Their parts, counted.
    derived_parts: usize,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("rules", &self.rules.len())
            .field("items", &self.items.len())
            .field("fields", &self.fields.len())
            .field("ungated", &self.ungated.len())
            .finish()
    }
}

/// Per-thread working memory for evaluation; reuse it across events to avoid allocation.
#[derive(Default, Debug, Clone)]
pub struct Scratch {
    generation: u32,
    /// Per item: the generation in which its gate fired.
    item_fired: Vec<u32>,
    /// The last event's walk paths are exactly lookup's.
    exact_paths: bool,
    item_memo: Vec<(u32, bool)>,
    rule_stamp: Vec<u32>,
    candidates: Vec<u32>,
    fired: Vec<u32>,
    kwbuf: String,
    /// `kwbuf` holds this event's strings (folded, NUL-separated).
    pub(crate) kw_ready: bool,
    /// (keyword item, value index) whose literal the keyword scan found, sorted.
    kw_values: Vec<(u32, u32)>,
    fold: String,
    num: String,
    num2: String,
    /// The last event's derived values, and the walk's captures of their parts.
    derived: Values,
    captured: String,
    seen: Vec<Seen>,
}

impl Scratch {
    /// Fresh scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rules the last evaluation evaluated exactly (indices, sorted).
    pub fn last_candidate_rules(&self) -> &[u32] {
        &self.candidates
    }

    /// How many rules the last evaluation had to evaluate exactly (the candidates the
    /// prefilter let through, before logsource routing).
    pub fn last_candidates(&self) -> usize {
        self.candidates.len()
    }

    /// Starts an evaluation that does not run the prefilter: every item is tested exactly.
    pub(crate) fn begin_exact(&mut self, items: usize, rules: usize) {
        self.begin(items, rules);
        self.exact_paths = false;
        self.kw_ready = false;
    }

    /// Starts an evaluation. The buffers only grow, so one scratch serves several programs
    /// (e.g. an engine's per-logsource programs): stamps of older generations are stale
    /// whichever program wrote them.
    fn begin(&mut self, items: usize, rules: usize) {
        if self.item_memo.len() < items {
            self.item_memo.resize(items, (0, false));
            self.item_fired.resize(items, 0);
        }
        if self.rule_stamp.len() < rules {
            self.rule_stamp.resize(rules, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.item_memo.iter_mut().for_each(|m| m.0 = 0);
            self.item_fired.iter_mut().for_each(|m| *m = 0);
            self.rule_stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.candidates.clear();
    }
}

/// How often an item's gate may fire, roughly: lower is rarer. `u32::MAX` for items with
/// no gate.
fn item_cost(item: &Item, gate: Gate) -> u32 {
    match gate {
        Gate::None => u32::MAX,
        Gate::Presence => 64,
        Gate::Pattern => {
            let shortest = match &item.kind {
                ItemKind::Str { values, .. } => values
                    .iter()
                    .flatten()
                    .filter_map(|p| p.anchor().map(|(a, l)| (a, l.len())))
                    .map(|(a, l)| if a == Anchor::Exact { l + 4 } else { l })
                    .min()
                    .unwrap_or(0),
                ItemKind::Regex { literals, .. } => literals
                    .iter()
                    .flatten()
                    .flatten()
                    .map(String::len)
                    .min()
                    .unwrap_or(0),
                ItemKind::NumEq { text, .. } => text.len() + 4,
                _ => 1,
            };
            match shortest {
                0..=1 => 32,
                2 => 16,
                3 => 8,
                4..=5 => 4,
                6..=8 => 2,
                _ => 1,
            }
        }
    }
}

/// A set of gated items at least one of which fires whenever the formula holds, with its
/// cost; `None` when the formula can hold with no gate firing.
fn triggers(f: &Formula, costs: &[u32]) -> Option<(u64, Vec<u32>)> {
    match f {
        Formula::Item(i) => {
            let c = costs[*i as usize];
            (c != u32::MAX).then(|| (u64::from(c), vec![*i]))
        }
        Formula::Const(false) => Some((0, Vec::new())),
        Formula::Const(true) | Formula::Not(_) => None,
        Formula::Or(xs) => {
            let mut cost = 0u64;
            let mut set = Vec::new();
            for x in xs {
                let (c, s) = triggers(x, costs)?;
                cost += c;
                set.extend(s);
            }
            Some((cost, set))
        }
        Formula::And(xs) => xs
            .iter()
            .filter_map(|x| triggers(x, costs))
            .min_by_key(|(c, s)| (*c, s.len())),
    }
}

impl Program {
    pub(crate) fn new(rules: Vec<CompiledRule>, items: Vec<Item>) -> Program {
        let mut fields: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut slot_builders: Vec<(FieldSlot, ScannerBuilder, ScannerBuilder)> = Vec::new();
        let mut kw = ScannerBuilder::default();
        let mut keyword_presence = Vec::new();
        let mut gates = Vec::with_capacity(items.len());
        for (id, item) in items.iter().enumerate() {
            let id = id as u32;
            let gate = match &item.kind {
                ItemKind::Null | ItemKind::Exists(false) => Gate::None,
                ItemKind::Str { values, cased, .. } => {
                    let anchors: Option<Vec<(usize, Anchor, &str)>> = values
                        .iter()
                        .enumerate()
                        .flat_map(|(k, alts)| {
                            alts.iter().map(move |p| p.anchor().map(|(a, l)| (k, a, l)))
                        })
                        .collect();
                    match anchors {
                        Some(list) if !list.is_empty() => {
                            for (k, anchor, lit) in list {
                                match &item.target {
                                    Target::Keywords => kw.add_value(lit, anchor, id, k as u32),
                                    Target::Field(path) => {
                                        let slot = slot_of(&mut fields, &mut slot_builders, path);
                                        let b = &mut slot_builders[slot];
                                        if *cased {
                                            b.2.add(lit, anchor, id)
                                        } else {
                                            b.1.add(lit, anchor, id)
                                        }
                                    }
                                }
                            }
                            Gate::Pattern
                        }
                        _ => Gate::Presence,
                    }
                }
                ItemKind::Regex { literals, .. } if literals.iter().all(Option::is_some) => {
                    if let Target::Field(path) = &item.target {
                        let slot = slot_of(&mut fields, &mut slot_builders, path);
                        for lit in literals.iter().flatten().flatten() {
                            slot_builders[slot].1.add(lit, Anchor::Anywhere, id);
                        }
                    }
                    Gate::Pattern
                }
                ItemKind::NumEq { text, .. } => {
                    if let Target::Field(path) = &item.target {
                        let slot = slot_of(&mut fields, &mut slot_builders, path);
                        slot_builders[slot].1.add(text, Anchor::Exact, id);
                    }
                    Gate::Pattern
                }
                ItemKind::Bool(b) => {
                    if let Target::Field(path) = &item.target {
                        let slot = slot_of(&mut fields, &mut slot_builders, path);
                        slot_builders[slot].1.add(
                            if *b { "true" } else { "false" },
                            Anchor::Exact,
                            id,
                        );
                    }
                    Gate::Pattern
                }
                _ => Gate::Presence,
            };
            if gate == Gate::Presence {
                match &item.target {
                    Target::Keywords => keyword_presence.push(id),
                    Target::Field(path) => {
                        let slot = slot_of(&mut fields, &mut slot_builders, path);
                        slot_builders[slot].0.presence.push(id);
                    }
                }
            }
            gates.push(gate);
        }
        let exact_gate = items
            .iter()
            .zip(&gates)
            .map(|(item, gate)| {
                *gate == Gate::Pattern
                    && match &item.kind {
                        ItemKind::Str { values, all, .. } => {
                            !*all
                                && values
                                    .iter()
                                    .flatten()
                                    .all(|p| !matches!(p, StrPat::Glob(_)))
                        }
                        ItemKind::NumEq { .. } | ItemKind::Bool(_) => {
                            matches!(item.target, Target::Field(_))
                        }
                        _ => false,
                    }
            })
            .collect();
        let slots = slot_builders
            .into_iter()
            .map(|(mut slot, ci, cs)| {
                slot.ci = ci.build();
                slot.cs = cs.build();
                slot
            })
            .collect();
        // Rules: gated when they cannot hold unless one of a set of gated items fires; the
        // set is chosen to fire rarely (one branch of each `and`, the cheapest).
        let costs: Vec<u32> = items
            .iter()
            .zip(&gates)
            .map(|(item, gate)| item_cost(item, *gate))
            .collect();
        let mut item_rules = vec![Vec::new(); items.len()];
        let mut ungated = Vec::new();
        for (r, rule) in rules.iter().enumerate() {
            match triggers(&rule.formula, &costs) {
                Some((_, set)) => {
                    for i in set {
                        let list: &mut Vec<u32> = &mut item_rules[i as usize];
                        if list.last() != Some(&(r as u32)) {
                            list.push(r as u32);
                        }
                    }
                }
                None => ungated.push(r as u32),
            }
        }
        Program {
            rules,
            items,
            fields,
            slots,
            keywords_joinable: kw.pats.iter().all(|p| !p.contains('\0'))
                && kw
                    .hits
                    .iter()
                    .flatten()
                    .all(|(a, _, _)| *a == Anchor::Anywhere),
            keywords_ci: kw.build(),
            keyword_presence,
            item_rules,
            exact_gate,
            literal_gated: gates.iter().map(|g| *g == Gate::Pattern).collect(),
            ungated,
            origin: None,
            derived: Vec::new(),
            derived_parts: 0,
        }
    }

    /// This program computing `derived` fields for every event it evaluates or explains:
    /// their values are captured as the prefilter's walk passes their parts (no lookup),
    /// and the rules see them as fields that hide any value the event has at the same path.
    ///
    /// ```
    /// use adsigma_engine::derive::DerivedField;
    /// use adsigma_engine::{compile, EngineConfig, Scratch};
    /// use adsigma_syntax::{parse_str, Document, FileId, Limits};
    /// let text = "title: t\nlogsource: {product: linux}\ndetection:\n  sel: {cmd|contains: 'sh -c'}\n  condition: sel\n";
    /// let parsed = parse_str(text, FileId(0), &Limits::default());
    /// let Document::Rule(rule) = &parsed.documents[0] else { unreachable!() };
    /// let (program, _) = compile([rule], &EngineConfig::default());
    /// let program = program.with_derived(vec![DerivedField {
    ///     name: "cmd".into(),
    ///     concat: vec!["bin".into(), "args".into()],
    ///     separator: " ".into(),
    /// }]);
    /// let event = serde_json::json!({"bin": "/bin/sh", "args": "-c id"});
    /// let mut out = Vec::new();
    /// program.matching_rules(&event, None, &mut Scratch::new(), &mut out);
    /// assert_eq!(out, [0]);
    /// ```
    pub fn with_derived(mut self, derived: Vec<DerivedField>) -> Program {
        // Replaces any derived fields given before.
        for slot in &mut self.slots {
            slot.parts.clear();
            slot.derived_name = false;
        }
        let mut k = 0u32;
        for f in &derived {
            let slot = self.slot_for(&f.name);
            self.slots[slot].derived_name = true;
            for part in &f.concat {
                let slot = self.slot_for(part);
                self.slots[slot].parts.push(k);
                k += 1;
            }
        }
        self.derived_parts = k as usize;
        self.derived = derived;
        self
    }

    /// The derived fields the program computes.
    pub fn derived(&self) -> &[DerivedField] {
        &self.derived
    }

    /// The slot of `path`, added (with no items) when the program had none.
    fn slot_for(&mut self, path: &str) -> usize {
        if let Some(&s) = self.fields.get(path) {
            return s as usize;
        }
        self.slots.push(FieldSlot::default());
        self.fields.insert(path.into(), self.slots.len() as u32 - 1);
        self.slots.len() - 1
    }

    /// This program reporting its rule `i` as `origin[i]`: for a program compiled from some of
    /// another program's rules (e.g. transformed by a pipeline), so that both report the
    /// same indices. `origin` must be ascending and as long as the program.
    ///
    /// # Panics
    /// When `origin` is not ascending or not as long as the program (a caller's bug).
    pub fn with_origin(mut self, origin: Vec<u32>) -> Program {
        assert_eq!(origin.len(), self.rules.len(), "one origin per rule");
        assert!(origin.windows(2).all(|w| w[0] < w[1]), "ascending origins");
        self.origin = Some(origin);
        self
    }

    /// A program of only the rules `keep` selects, for evaluating events known to be of one
    /// logsource: smaller automata, fewer fields, fewer candidates. Rule indices it reports
    /// are those of `self`.
    pub fn subset(&self, keep: impl Fn(&RuleInfo) -> bool) -> Program {
        let mut map: FxHashMap<u32, u32> = FxHashMap::default();
        let mut items = Vec::new();
        let mut origin = Vec::new();
        let mut rules = Vec::new();
        fn remap(
            f: &Formula,
            map: &mut FxHashMap<u32, u32>,
            from: &[Item],
            to: &mut Vec<Item>,
        ) -> Formula {
            match f {
                Formula::Item(i) => Formula::Item(*map.entry(*i).or_insert_with(|| {
                    to.push(from[*i as usize].clone());
                    to.len() as u32 - 1
                })),
                Formula::Not(x) => Formula::Not(Box::new(remap(x, map, from, to))),
                Formula::And(xs) => {
                    Formula::And(xs.iter().map(|x| remap(x, map, from, to)).collect())
                }
                Formula::Or(xs) => {
                    Formula::Or(xs.iter().map(|x| remap(x, map, from, to)).collect())
                }
                Formula::Const(b) => Formula::Const(*b),
            }
        }
        for (r, rule) in self.rules.iter().enumerate() {
            if !keep(&rule.info) {
                continue;
            }
            let formula = remap(&rule.formula, &mut map, &self.items, &mut items);
            let identifiers = rule
                .identifiers
                .iter()
                .map(|(n, f)| (n.clone(), remap(f, &mut map, &self.items, &mut items)))
                .collect();
            rules.push(CompiledRule {
                info: rule.info.clone(),
                formula,
                identifiers,
            });
            origin.push(match &self.origin {
                Some(o) => o[r],
                None => r as u32,
            });
        }
        let mut p = Program::new(rules, items).with_derived(self.derived.clone());
        p.origin = Some(origin);
        p
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when the program has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What the program knows about rule `index`.
    pub fn rule(&self, index: usize) -> Option<&Arc<RuleInfo>> {
        self.rules.get(index).map(|r| &r.info)
    }

    /// Number of rules evaluated for every event whatever it holds (those that can match on
    /// absence alone).
    pub fn ungated_rules(&self) -> usize {
        self.ungated.len()
    }

    /// Evaluates an event; pushes the indices of matching rules, in rule order, to `out`.
    /// With a logsource, only rules whose logsource fits are considered (a rule fits when
    /// every logsource field it sets equals the event's).
    pub fn matching_rules(
        &self,
        event: &dyn Event,
        logsource: Option<&LogSource>,
        scratch: &mut Scratch,
        out: &mut Vec<u32>,
    ) {
        scratch.begin(self.items.len(), self.rules.len());
        self.prefilter(event, scratch);
        let generation = scratch.generation;
        for &r in &self.ungated {
            if scratch.rule_stamp[r as usize] != generation {
                scratch.rule_stamp[r as usize] = generation;
                scratch.candidates.push(r);
            }
        }
        let mut candidates = std::mem::take(&mut scratch.candidates);
        candidates.sort_unstable();
        // With derived fields, the rules see the event with the values the prefilter
        // computed.
        let values = std::mem::take(&mut scratch.derived);
        let view = Overlaid {
            fields: &self.derived,
            inner: event,
            values: &values,
        };
        let event: &dyn Event = if self.derived.is_empty() {
            event
        } else {
            &view
        };
        for &r in &candidates {
            let rule = &self.rules[r as usize];
            if let Some(ls) = logsource {
                if !fits(&rule.info.logsource, ls) {
                    continue;
                }
            }
            if self.eval(&rule.formula, event, scratch) {
                out.push(match &self.origin {
                    Some(origin) => origin[r as usize],
                    None => r,
                });
            }
        }
        scratch.candidates = candidates;
        scratch.derived = values;
    }

    fn fire(&self, item: u32, scratch: &mut Scratch) {
        let generation = scratch.generation;
        if scratch.item_fired[item as usize] == generation {
            return;
        }
        scratch.item_fired[item as usize] = generation;
        for &r in &self.item_rules[item as usize] {
            let stamp = &mut scratch.rule_stamp[r as usize];
            if *stamp != generation {
                *stamp = generation;
                scratch.candidates.push(r);
            }
        }
    }

    /// Scans a value with a case-insensitive scanner: folds it first when it needs folding.
    fn scan(&self, scanner: &Scanner, text: &str, fold: &mut String, fired: &mut Vec<u32>) {
        let folded: &str = if text.is_ascii() {
            if text.bytes().any(|b| b.is_ascii_uppercase()) {
                fold.clear();
                fold.push_str(text);
                fold.make_ascii_lowercase();
                fold
            } else {
                text
            }
        } else {
            fold_into(text, fold);
            fold
        };
        self.scan_cased(scanner, folded, fired);
    }

    /// Scans text that needs no folding (case-sensitive, or already folded).
    fn scan_cased(&self, scanner: &Scanner, text: &str, fired: &mut Vec<u32>) {
        if !scanner.exact.is_empty() {
            if let Some(items) = scanner.exact.get(text) {
                fired.extend_from_slice(items);
            }
        }
        self.scan_literals(scanner, text, fired, None);
    }

    /// The literal search (and the empty value), optionally collecting which value of each
    /// item hit.
    fn scan_literals(
        &self,
        scanner: &Scanner,
        text: &str,
        fired: &mut Vec<u32>,
        mut values: Option<&mut Vec<(u32, u32)>>,
    ) {
        let len = text.len();
        if len == 0 {
            fired.extend_from_slice(&scanner.empty);
            return;
        }
        scanner.set.find(text.as_bytes(), &mut |lit, start, end| {
            for &(anchor, item, value) in &scanner.hits[lit as usize] {
                if anchor.accepts(start, end, len) {
                    fired.push(item);
                    if let Some(v) = values.as_deref_mut() {
                        v.push((item, value));
                    }
                }
            }
        });
    }

    fn prefilter(&self, event: &dyn Event, scratch: &mut Scratch) {
        let mut fired = std::mem::take(&mut scratch.fired);
        fired.clear();
        let mut fold = std::mem::take(&mut scratch.fold);
        let mut num = std::mem::take(&mut scratch.num);
        let mut any_string = false;
        // Keywords: every string of the event goes into one buffer, separated by NUL (which
        // no keyword literal contains), and is scanned once: a hit cannot span two strings,
        // and every keyword literal may occur anywhere in a value.
        let mut kwbuf = std::mem::take(&mut scratch.kwbuf);
        kwbuf.clear();
        let mut kw_nul = false;
        let joined = self.keywords_joinable;
        // What one leaf of the event (or one derived value) contributes.
        let mut leaf = |value: EventValue<'_>, slot: Option<&FieldSlot>| {
            if let EventValue::Str(s) = value {
                any_string = true;
                if let Some(kw) = &self.keywords_ci {
                    if joined {
                        if s.is_ascii() {
                            let at = kwbuf.len();
                            kwbuf.push_str(s);
                            kwbuf[at..].make_ascii_lowercase();
                        } else {
                            kwbuf.extend(s.chars().map(crate::pattern::fold_char));
                        }
                        kw_nul |= memchr::memchr(0, s.as_bytes()).is_some();
                        kwbuf.push('\0');
                    } else {
                        self.scan(kw, s, &mut fold, &mut fired);
                    }
                }
            }
            let Some(slot) = slot else {
                return;
            };
            fired.extend_from_slice(&slot.presence);
            if slot.ci.is_none() && slot.cs.is_none() {
                return;
            }
            if let Some(text) = value.text(&mut num) {
                if let Some(ci) = &slot.ci {
                    self.scan(ci, text, &mut fold, &mut fired);
                }
                if let Some(cs) = &slot.cs {
                    self.scan_cased(cs, text, &mut fired);
                }
            }
        };
        let derived = !self.derived.is_empty();
        let mut captured = std::mem::take(&mut scratch.captured);
        let mut seen = std::mem::take(&mut scratch.seen);
        let mut part_text = String::new();
        if derived {
            captured.clear();
            seen.clear();
            seen.resize(self.derived_parts, Seen::default());
        }
        let exact_paths = event.walk(&mut |path, value| {
            let slot = self.fields.get(path).map(|&s| &self.slots[s as usize]);
            if let (true, Some(slot)) = (derived, slot) {
                if !slot.parts.is_empty() {
                    if let Some(text) = value.text(&mut part_text) {
                        for &k in &slot.parts {
                            seen[k as usize].capture(text, &mut captured);
                        }
                    }
                }
                if slot.derived_name {
                    // Hidden by the derived value.
                    return;
                }
            }
            leaf(value, slot)
        });
        let mut values = std::mem::take(&mut scratch.derived);
        if derived {
            if !(exact_paths && values.fill_from_capture(&self.derived, &seen, &captured)) {
                values.fill_by_lookup(&self.derived, event);
            }
            for (k, f) in self.derived.iter().enumerate() {
                if let Some(v) = values.get(k) {
                    let slot = self.fields.get(f.name.as_str());
                    leaf(EventValue::Str(v), slot.map(|&s| &self.slots[s as usize]));
                }
            }
        }
        scratch.derived = values;
        scratch.captured = captured;
        scratch.seen = seen;
        if any_string {
            fired.extend_from_slice(&self.keyword_presence);
        }
        let mut kw_values = std::mem::take(&mut scratch.kw_values);
        kw_values.clear();
        if let (true, Some(kw)) = (joined, &self.keywords_ci) {
            // Already folded.
            self.scan_literals(kw, &kwbuf, &mut fired, Some(&mut kw_values));
            kw_values.sort_unstable();
            kw_values.dedup();
        }
        scratch.kw_values = kw_values;
        scratch.kwbuf = kwbuf;
        // The buffer holds every string of the event, folded and NUL-separated: keyword
        // items are then tested on it without walking the event again.
        scratch.kw_ready = joined && self.keywords_ci.is_some() && !kw_nul;
        for &item in &fired {
            self.fire(item, scratch);
        }
        scratch.fired = fired;
        scratch.exact_paths = exact_paths;
        scratch.fold = fold;
        scratch.num = num;
    }

    pub(crate) fn eval(&self, f: &Formula, event: &dyn Event, scratch: &mut Scratch) -> bool {
        match f {
            Formula::Item(i) => {
                let generation = scratch.generation;
                let (stamp, value) = scratch.item_memo[*i as usize];
                if stamp == generation {
                    return value;
                }
                if scratch.exact_paths && self.exact_gate[*i as usize] {
                    return scratch.item_fired[*i as usize] == generation;
                }
                let v = self.eval_item(*i, event, scratch);
                scratch.item_memo[*i as usize] = (generation, v);
                v
            }
            Formula::Not(x) => !self.eval(x, event, scratch),
            Formula::And(xs) => xs.iter().all(|x| self.eval(x, event, scratch)),
            Formula::Or(xs) => xs.iter().any(|x| self.eval(x, event, scratch)),
            Formula::Const(b) => *b,
        }
    }

    /// Evaluates one item exactly.
    pub(crate) fn eval_item(&self, id: u32, event: &dyn Event, scratch: &mut Scratch) -> bool {
        self.witness(id, event, scratch, &mut |_| {})
    }

    /// Evaluates one item; calls `seen` with the text of a value that made it hold.
    pub(crate) fn witness(
        &self,
        id: u32,
        event: &dyn Event,
        scratch: &mut Scratch,
        seen: &mut dyn FnMut(&str),
    ) -> bool {
        let item = &self.items[id as usize];
        let Scratch {
            fold,
            num,
            num2,
            kw_ready,
            kwbuf,
            kw_values,
            ..
        } = scratch;
        match &item.target {
            Target::Keywords => {
                let ItemKind::Str { values, all, .. } = &item.kind else {
                    return false;
                };
                let mut hits = Hits::new(values.len(), *all);
                if *kw_ready {
                    // When every value has a literal, only the values whose literal the
                    // keyword scan found can hold; otherwise (e.g. `'*'`) test them all.
                    let start = kw_values.partition_point(|&(i, _)| i < id);
                    let end = start + kw_values[start..].partition_point(|&(i, _)| i == id);
                    let found = &kw_values[start..end];
                    let literal_gated = self.literal_gated[id as usize];
                    for seg in kwbuf.split_terminator('\0') {
                        let mut test = |k: usize| {
                            if !hits.has(k) && values[k].iter().any(|p| p.matches(seg)) {
                                hits.mark(k);
                                seen(seg);
                            }
                        };
                        if literal_gated {
                            found.iter().for_each(|&(_, k)| test(k as usize));
                        } else {
                            (0..values.len()).for_each(&mut test);
                        }
                        if hits.done() {
                            break;
                        }
                    }
                    return hits.done();
                }
                event.walk(&mut |_, v| {
                    if hits.done() {
                        return;
                    }
                    if let EventValue::Str(s) = v {
                        fold_into(s, fold);
                        for (k, alts) in values.iter().enumerate() {
                            if !hits.has(k) && alts.iter().any(|p| p.matches(fold)) {
                                hits.mark(k);
                                seen(s);
                            }
                        }
                    }
                });
                hits.done()
            }
            Target::Field(path) => match &item.kind {
                ItemKind::Str { values, all, cased } => {
                    let mut hits = Hits::new(values.len(), *all);
                    event.lookup(path, &mut |v| {
                        if hits.done() {
                            return;
                        }
                        let Some(text) = v.text(num) else { return };
                        let t: &str = if *cased {
                            text
                        } else {
                            fold_into(text, fold);
                            fold
                        };
                        for (k, alts) in values.iter().enumerate() {
                            if !hits.has(k) && alts.iter().any(|p| p.matches(t)) {
                                hits.mark(k);
                                seen(text);
                            }
                        }
                    });
                    hits.done()
                }
                ItemKind::Regex { values, all, .. } => {
                    let mut hits = Hits::new(values.len(), *all);
                    event.lookup(path, &mut |v| {
                        if hits.done() {
                            return;
                        }
                        let Some(text) = v.text(num) else { return };
                        for (k, re) in values.iter().enumerate() {
                            if !hits.has(k) && re.is_match(text) {
                                hits.mark(k);
                                seen(text);
                            }
                        }
                    });
                    hits.done()
                }
                ItemKind::NumEq { value, text } => {
                    let mut ok = false;
                    event.lookup(path, &mut |v| {
                        let m = match v {
                            EventValue::Str(s) => s == &**text,
                            EventValue::Int(_) | EventValue::UInt(_) | EventValue::Float(_) => {
                                v.as_f64() == Some(*value)
                            }
                            _ => false,
                        };
                        if m && !ok {
                            ok = true;
                            seen(v.text(num).unwrap_or(""));
                        }
                    });
                    ok
                }
                ItemKind::Cmp { op, value } => {
                    let mut ok = false;
                    event.lookup(path, &mut |v| {
                        if !ok && v.as_f64().is_some_and(|x| op.apply(x, *value)) {
                            ok = true;
                            seen(v.text(num).unwrap_or(""));
                        }
                    });
                    ok
                }
                ItemKind::Bool(b) => {
                    let mut ok = false;
                    event.lookup(path, &mut |v| {
                        let m = match v {
                            EventValue::Bool(x) => x == *b,
                            EventValue::Str(s) => {
                                s.eq_ignore_ascii_case(if *b { "true" } else { "false" })
                            }
                            _ => false,
                        };
                        if m && !ok {
                            ok = true;
                            seen(if *b { "true" } else { "false" });
                        }
                    });
                    ok
                }
                ItemKind::Null => {
                    let mut null = false;
                    let found = event.lookup(path, &mut |v| {
                        null |= matches!(v, EventValue::Null | EventValue::Missing)
                    });
                    // An implementation that does not report `Missing` still gets a missing
                    // field right.
                    null |= !found;
                    if null {
                        seen("null");
                    }
                    null
                }
                ItemKind::Exists(want) => {
                    let found = event.lookup(path, &mut |_| {});
                    if found == *want {
                        seen(if found { "exists" } else { "absent" });
                    }
                    found == *want
                }
                ItemKind::Cidr { nets, all } => {
                    let mut hits = Hits::new(nets.len(), *all);
                    event.lookup(path, &mut |v| {
                        let EventValue::Str(s) = v else { return };
                        let Ok(ip) = s.parse::<IpAddr>() else {
                            return;
                        };
                        for (k, net) in nets.iter().enumerate() {
                            if !hits.has(k) && in_net(ip, net) {
                                hits.mark(k);
                                seen(s);
                            }
                        }
                    });
                    hits.done()
                }
                ItemKind::Time { part, op, value } => {
                    let mut ok = false;
                    event.lookup(path, &mut |v| {
                        if ok {
                            return;
                        }
                        let dt = match v {
                            EventValue::Str(s) => time::parse_iso(s).or_else(|| {
                                s.trim().parse::<f64>().ok().and_then(time::from_epoch)
                            }),
                            EventValue::Int(_) | EventValue::UInt(_) | EventValue::Float(_) => {
                                v.as_f64().and_then(time::from_epoch)
                            }
                            _ => None,
                        };
                        let Some(dt) = dt else { return };
                        let x = match part {
                            TimePart::Minute => f64::from(dt.minute),
                            TimePart::Hour => f64::from(dt.hour),
                            TimePart::Day => f64::from(dt.day),
                            TimePart::Week => f64::from(dt.iso_week()),
                            TimePart::Month => f64::from(dt.month),
                            TimePart::Year => dt.year as f64,
                        };
                        if op.apply(x, *value) {
                            ok = true;
                            seen(v.text(num).unwrap_or(""));
                        }
                    });
                    ok
                }
                ItemKind::FieldRef { other, pos, cased } => {
                    let mut others: Vec<String> = Vec::new();
                    event.lookup(other, &mut |v| {
                        if let Some(t) = v.text(num2) {
                            others.push(if *cased {
                                t.to_owned()
                            } else {
                                crate::pattern::fold(t)
                            });
                        }
                    });
                    if others.is_empty() {
                        return false;
                    }
                    let mut ok = false;
                    event.lookup(path, &mut |v| {
                        if ok {
                            return;
                        }
                        let Some(text) = v.text(num) else { return };
                        let t: &str = if *cased {
                            text
                        } else {
                            fold_into(text, fold);
                            fold
                        };
                        let m = others.iter().any(|o| match pos {
                            RefPos::Exact => t == o,
                            RefPos::Prefix => t.starts_with(o.as_str()),
                            RefPos::Suffix => t.ends_with(o.as_str()),
                            RefPos::Contains => t.contains(o.as_str()),
                        });
                        if m {
                            ok = true;
                            seen(text);
                        }
                    });
                    ok
                }
            },
        }
    }
}

/// Which values of an item held so far, without allocating for up to 64 values.
enum Hits {
    /// Any mode: one value holding is enough.
    Any(bool),
    /// All mode, up to 64 values: a bit per value.
    Few { set: u64, full: u64 },
    /// All mode, more values.
    Many(Vec<bool>),
}

impl Hits {
    fn new(n: usize, all: bool) -> Hits {
        if !all {
            Hits::Any(false)
        } else if n <= 64 {
            let full = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
            Hits::Few { set: 0, full }
        } else {
            Hits::Many(vec![false; n])
        }
    }

    /// True when value `k` needs no more checking.
    fn has(&self, k: usize) -> bool {
        match self {
            Hits::Any(b) => *b,
            Hits::Few { set, .. } => set >> k & 1 == 1,
            Hits::Many(v) => v[k],
        }
    }

    fn mark(&mut self, k: usize) {
        match self {
            Hits::Any(b) => *b = true,
            Hits::Few { set, .. } => *set |= 1 << k,
            Hits::Many(v) => v[k] = true,
        }
    }

    /// True when the item holds.
    fn done(&self) -> bool {
        match self {
            Hits::Any(b) => *b,
            Hits::Few { set, full } => set == full,
            Hits::Many(v) => v.iter().all(|h| *h),
        }
    }
}

fn in_net(ip: IpAddr, net: &adsigma_syntax::value::Cidr) -> bool {
    match (ip, net.addr) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if net.prefix == 0 {
                0
            } else {
                u32::MAX << (32 - net.prefix)
            };
            u32::from(a) & mask == u32::from(n)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if net.prefix == 0 {
                0
            } else {
                u128::MAX << (128 - net.prefix)
            };
            u128::from(a) & mask == u128::from(n)
        }
        _ => false,
    }
}

/// A rule fits an event's logsource when every logsource field the rule sets equals the
/// event's.
pub fn fits(rule: &LogSource, event: &LogSource) -> bool {
    let ok = |r: &Option<String>, e: &Option<String>| match r {
        None => true,
        Some(r) => e.as_deref() == Some(r.as_str()),
    };
    ok(&rule.product, &event.product)
        && ok(&rule.category, &event.category)
        && ok(&rule.service, &event.service)
}

fn slot_of(
    fields: &mut FxHashMap<Box<str>, u32>,
    slots: &mut Vec<(FieldSlot, ScannerBuilder, ScannerBuilder)>,
    path: &str,
) -> usize {
    if let Some(&s) = fields.get(path) {
        return s as usize;
    }
    slots.push(Default::default());
    fields.insert(path.into(), slots.len() as u32 - 1);
    slots.len() - 1
}
