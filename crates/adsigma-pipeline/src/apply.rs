//! Applying a pipeline's transformations to a rule's AST.

use crate::codes;
use crate::model::*;
use adsigma_syntax::condition::{ExprKind, Quantifier, parse_condition};
use adsigma_syntax::value::{Modifier, Number, NumberValue, Piece, SigmaString, Value, ValueKind};
use adsigma_syntax::{
    ConditionSource, Detection, DetectionItem, Diagnostic, Document, FieldMap, FileId, Identifier,
    IdentifierBody, Limits, ListElement, Rule, Span, Spanned,
};
use std::collections::HashSet;

/// Most field maps one map may turn into when one-to-many mappings are distributed.
pub const MAX_ALTERNATIVES: usize = 256;
/// Most values one value may turn into (placeholders, one-to-many `map_string`).
pub const MAX_VALUES: usize = 4096;

/// What applying saw, for [`crate::Pipeline::unmapped_fields`].
#[derive(Default)]
pub(crate) struct Tracking {
    /// Start offsets of the keys of the detection items whose field a field-name
    /// transformation changed (or that were dropped).
    pub touched: HashSet<u32>,
    /// Ids of processing items that changed the rule.
    pub applied: HashSet<String>,
    /// True when some field-name transformation's rule conditions held for the rule.
    pub renaming_applied: bool,
}

type R<T> = Result<T, Box<Diagnostic>>;

/// Applies `pipeline` to `rule`, updating `track`.
pub(crate) fn apply(pipeline: &Pipeline, rule: &mut Rule, track: &mut Tracking) -> R<()> {
    for (index, item) in pipeline.transformations.iter().enumerate() {
        if let Some(c) = &item.rule_conditions {
            if !eval(c, |rc| rule_condition(rc, rule, &track.applied)) {
                continue;
            }
        }
        let changed = apply_item(pipeline, index, item, rule, track)?;
        if changed {
            if let Some(id) = &item.id {
                track.applied.insert(id.clone());
            }
        }
    }
    Ok(())
}

fn apply_item(
    pipeline: &Pipeline,
    index: usize,
    item: &ProcessingItem,
    rule: &mut Rule,
    track: &mut Tracking,
) -> R<bool> {
    let t = &item.transformation;
    match t {
        Transformation::ChangeLogsource {
            category,
            product,
            service,
        } => {
            let at = rule.logsource.span;
            for (slot, v) in [
                (&mut rule.logsource.category, category),
                (&mut rule.logsource.product, product),
                (&mut rule.logsource.service, service),
            ] {
                if let Some(v) = v {
                    *slot = Some(Spanned::new(v.clone(), at));
                }
            }
            Ok(true)
        }
        Transformation::AddCondition {
            conditions,
            name,
            negated,
        } => {
            let name = name.clone().unwrap_or_else(|| format!("_cond_{index}"));
            if rule.detection.identifier(&name).is_some() {
                return Err(Box::new(
                    Diagnostic::new(
                        codes::INVALID_RESULT,
                        rule.detection.span,
                        format!("`add_condition` adds the identifier `{name}`, which the rule already has"),
                    )
                    .with_label(item.span, "added by this transformation")
                    .with_hint("give the transformation another `name`"),
                ));
            }
            let ident = build_condition(&name, conditions, rule.detection.span)?;
            rule.detection.identifiers.push(ident);
            for c in &mut rule.detection.conditions {
                let text = format!(
                    "{}{name} and ({})",
                    if *negated { "not " } else { "" },
                    c.text.value
                );
                let expr = parse_condition(&text, 64).map_err(|e| {
                    Box::new(Diagnostic::new(
                        codes::INVALID_RESULT,
                        c.text.span,
                        format!("the condition with `{name}` added does not parse: {e}"),
                    ))
                })?;
                *c = ConditionSource {
                    text: Spanned::new(text, c.text.span),
                    expr,
                };
            }
            Ok(true)
        }
        Transformation::RuleFailure { message } => {
            let at = rule.meta.title.as_ref().map_or(rule.span, |t| t.span);
            Err(Box::new(
                Diagnostic::new(codes::RULE_FAILURE, at, message.clone()).with_label(
                    item.span,
                    format!("`rule_failure` of pipeline `{}`", pipeline.name),
                ),
            ))
        }
        _ => {
            if t.renames_fields() {
                track.renaming_applied = true;
            }
            let mut cx = ItemCx {
                pipeline,
                item,
                track,
                changed: false,
            };
            let mut detection = std::mem::replace(
                &mut rule.detection,
                Detection {
                    identifiers: Vec::new(),
                    conditions: Vec::new(),
                    span: Span::default(),
                },
            );
            let result = cx.detection(&mut detection);
            rule.detection = detection;
            result?;
            if t.renames_fields() {
                let mut fields = Vec::new();
                for f in std::mem::take(&mut rule.meta.fields) {
                    if field_conditions_hold(item, Some(&f.value)) {
                        if let Some(targets) = rename(t, &f.value) {
                            cx.changed = true;
                            fields.extend(targets.into_iter().map(|n| Spanned::new(n, f.span)));
                            continue;
                        }
                    }
                    fields.push(f);
                }
                rule.meta.fields = fields;
            }
            Ok(cx.changed)
        }
    }
}

struct ItemCx<'a> {
    pipeline: &'a Pipeline,
    item: &'a ProcessingItem,
    track: &'a mut Tracking,
    changed: bool,
}

impl ItemCx<'_> {
    fn detection(&mut self, d: &mut Detection) -> R<()> {
        for ident in &mut d.identifiers {
            let body = std::mem::replace(&mut ident.body, IdentifierBody::List(Vec::new()));
            ident.body = match body {
                IdentifierBody::Map(fm) => {
                    let mut alts = self.field_map(fm)?;
                    if alts.len() == 1 {
                        IdentifierBody::Map(alts.pop().unwrap_or_else(|| unreachable!()))
                    } else {
                        IdentifierBody::List(alts.into_iter().map(ListElement::Map).collect())
                    }
                }
                IdentifierBody::List(elems) => {
                    let mut out = Vec::with_capacity(elems.len());
                    for e in elems {
                        match e {
                            ListElement::Map(fm) => {
                                out.extend(self.field_map(fm)?.into_iter().map(ListElement::Map))
                            }
                            ListElement::Keyword(v) => {
                                if self.selected(None, std::slice::from_ref(&v)) {
                                    let was = std::mem::replace(&mut self.changed, false);
                                    let at = v.span;
                                    let mut vals = self.values(vec![v], false, true)?;
                                    if self.changed {
                                        vals = self.retype_keywords(vals, at)?;
                                    }
                                    self.changed |= was;
                                    out.extend(vals.into_iter().map(ListElement::Keyword));
                                } else {
                                    out.push(ListElement::Keyword(v));
                                }
                            }
                        }
                    }
                    IdentifierBody::List(out)
                }
            };
        }
        Ok(())
    }

    fn selected(&self, field: Option<&str>, values: &[Value]) -> bool {
        if let Some(c) = &self.item.detection_item_conditions {
            if !eval(c, |ic| item_condition(ic, values)) {
                return false;
            }
        }
        field_conditions_hold(self.item, field)
    }

    /// One map of items -> its alternatives (one unless a field maps to several targets).
    fn field_map(&mut self, fm: FieldMap) -> R<Vec<FieldMap>> {
        let span = fm.span;
        let mut variants: Vec<Vec<DetectionItem>> = Vec::with_capacity(fm.items.len());
        for mut it in fm.items {
            if !self.selected(it.field.as_ref().map(|f| f.value.as_str()), &it.values) {
                variants.push(vec![it]);
                continue;
            }
            let t = &self.item.transformation;
            match t {
                Transformation::DropDetectionItem => {
                    self.track.touched.insert(it.key_span.start.offset);
                    self.changed = true;
                }
                Transformation::DetectionItemFailure { message } => {
                    return Err(Box::new(
                        Diagnostic::new(
                            codes::DETECTION_ITEM_FAILURE,
                            it.key_span,
                            message.clone(),
                        )
                        .with_label(
                            self.item.span,
                            format!(
                                "`detection_item_failure` of pipeline `{}`",
                                self.pipeline.name
                            ),
                        ),
                    ));
                }
                _ if t.renames_fields() => {
                    if it.has(Modifier::FieldRef) {
                        let mut renamed = false;
                        for v in &mut it.values {
                            if let ValueKind::FieldRef(f) = &mut v.kind {
                                if let Some(mut n) = rename(t, f) {
                                    *f = n.swap_remove(0);
                                    renamed = true;
                                }
                            }
                        }
                        if renamed {
                            self.changed = true;
                            it = self.retype(it)?;
                        }
                    }
                    let Some(field) = &it.field else {
                        variants.push(vec![it]);
                        continue;
                    };
                    match rename(t, &field.value) {
                        None => variants.push(vec![it]),
                        Some(targets) => {
                            for n in &targets {
                                self.check_name(n, &field.value, it.key_span)?;
                            }
                            self.track.touched.insert(it.key_span.start.offset);
                            self.changed = true;
                            let fspan = field.span;
                            variants.push(
                                targets
                                    .into_iter()
                                    .map(|n| DetectionItem {
                                        field: Some(Spanned::new(n, fspan)),
                                        ..it.clone()
                                    })
                                    .collect(),
                            );
                        }
                    }
                }
                _ => {
                    let all = it.has(Modifier::All);
                    let expand = it.has(Modifier::Expand);
                    let before = it.values.len();
                    let was = std::mem::replace(&mut self.changed, false);
                    it.values = self.values(std::mem::take(&mut it.values), all, expand)?;
                    if it.values.len() > before {
                        it.list = true;
                    }
                    if self.changed {
                        it = self.retype(it)?;
                    }
                    self.changed |= was;
                    variants.push(vec![it]);
                }
            }
        }
        // Distribute: (a1 or a2) and b -> (a1 and b) or (a2 and b).
        let mut alts: Vec<Vec<DetectionItem>> = vec![Vec::new()];
        for v in variants {
            if v.len() == 1 {
                let it = v.into_iter().next().unwrap_or_else(|| unreachable!());
                for a in &mut alts {
                    a.push(it.clone());
                }
                continue;
            }
            if alts.len().saturating_mul(v.len()) > MAX_ALTERNATIVES {
                return Err(Box::new(Diagnostic::new(
                    codes::EXPANSION_TOO_LARGE,
                    span,
                    format!(
                        "one-to-many field mappings turn this map into more than {MAX_ALTERNATIVES} alternatives"
                    ),
                )));
            }
            let mut next = Vec::with_capacity(alts.len() * v.len());
            for a in &alts {
                for it in &v {
                    let mut n = a.clone();
                    n.push(it.clone());
                    next.push(n);
                }
            }
            alts = next;
        }
        if self.item.transformation.renames_fields() {
            for a in &alts {
                self.check_unique_keys(a)?;
            }
        }
        Ok(alts
            .into_iter()
            .map(|items| FieldMap { items, span })
            .collect())
    }

    /// P205 at `at`, with a label at the processing item.
    fn invalid(&self, at: Span, message: String) -> Box<Diagnostic> {
        Box::new(self.invalid_diag(at, message))
    }

    fn invalid_diag(&self, at: Span, message: String) -> Diagnostic {
        Diagnostic::new(codes::INVALID_RESULT, at, message).with_label(
            self.item.span,
            format!(
                "`{}` of pipeline `{}`",
                self.item.transformation.type_name(),
                self.pipeline.name
            ),
        )
    }

    /// A renamed field: `|` would read as modifiers once written out, and an empty name
    /// makes a field-less item (keywords), which takes no modifier but `all`.
    fn check_name(&self, name: &str, from: &str, at: Span) -> R<()> {
        let problem = if name.contains('|') {
            "which contains `|` (it would read as a modifier)"
        } else if name.is_empty() {
            "an empty name"
        } else {
            return Ok(());
        };
        Err(self.invalid(
            at,
            format!(
                "`{}` renames the field `{from}` to `{name}`, {problem}",
                self.item.transformation.type_name()
            ),
        ))
    }

    /// Two items of one map with the same field and modifiers (a renaming onto a field the
    /// map already uses): a YAML mapping cannot hold the key twice.
    fn check_unique_keys(&self, items: &[DetectionItem]) -> R<()> {
        fn field(it: &DetectionItem) -> Option<&str> {
            it.field.as_ref().map(|f| f.value.as_str())
        }
        for (i, x) in items.iter().enumerate() {
            let same = |y: &&DetectionItem| {
                field(y) == field(x)
                    && y.modifiers
                        .iter()
                        .map(|m| m.value)
                        .eq(x.modifiers.iter().map(|m| m.value))
            };
            if let Some(y) = items[..i].iter().find(same) {
                let key = format!(
                    "{}{}",
                    field(x).unwrap_or_default(),
                    x.modifiers
                        .iter()
                        .map(|m| format!("|{}", m.value.name()))
                        .collect::<String>()
                );
                return Err(Box::new(
                    self.invalid_diag(
                        x.key_span,
                        format!(
                            "`{}` gives this map two items `{key}`, which one YAML mapping cannot hold",
                            self.item.transformation.type_name()
                        ),
                    )
                    .with_label(y.key_span, "the other item")
                    .with_hint(
                        "map the field onto one the map does not use, or restrict the mapping with `field_name_conditions`",
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The item with its values typed by its modifiers as the rule parser types them (the
    /// item written out in a rule of its own and parsed again), or P205 when the parser
    /// rejects them: a value transformation must leave values the item's modifiers accept.
    fn retype(&self, mut it: DetectionItem) -> R<DetectionItem> {
        let probe = IdentifierBody::Map(FieldMap {
            items: vec![it.clone()],
            span: it.key_span,
        });
        match reparse(probe) {
            Ok(IdentifierBody::Map(mut fm))
                if fm.items.len() == 1 && fm.items[0].values.len() == it.values.len() =>
            {
                let parsed = fm.items.swap_remove(0);
                for (v, p) in it.values.iter_mut().zip(parsed.values) {
                    v.kind = p.kind;
                }
                Ok(it)
            }
            Ok(_) => Err(self.invalid(
                it.key_span,
                format!(
                    "`{}` leaves an item that does not read back as itself",
                    self.item.transformation.type_name()
                ),
            )),
            Err(message) => Err(self.invalid(
                it.key_span,
                format!(
                    "`{}` leaves a value this item's modifiers reject: {message}",
                    self.item.transformation.type_name()
                ),
            )),
        }
    }

    /// [`Self::retype`] for keywords.
    fn retype_keywords(&self, mut values: Vec<Value>, at: Span) -> R<Vec<Value>> {
        let probe =
            IdentifierBody::List(values.iter().cloned().map(ListElement::Keyword).collect());
        match reparse(probe) {
            Ok(IdentifierBody::List(elems)) if elems.len() == values.len() => {
                for (v, e) in values.iter_mut().zip(elems) {
                    match e {
                        ListElement::Keyword(p) => v.kind = p.kind,
                        ListElement::Map(_) => {
                            return Err(self.invalid(at, "a keyword reads back as a map".into()));
                        }
                    }
                }
                Ok(values)
            }
            Ok(_) => Err(self.invalid(
                at,
                format!(
                    "`{}` leaves keywords that do not read back as themselves",
                    self.item.transformation.type_name()
                ),
            )),
            Err(message) => Err(self.invalid(
                at,
                format!(
                    "`{}` leaves an invalid keyword: {message}",
                    self.item.transformation.type_name()
                ),
            )),
        }
    }

    /// The value transformations.
    fn values(&mut self, values: Vec<Value>, all: bool, expand: bool) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            let span = v.span;
            let new: Option<Vec<ValueKind>> = match (&self.item.transformation, &v.kind) {
                (Transformation::ReplaceString { regex, replacement }, ValueKind::String(s)) => {
                    let text = s.to_string();
                    let rep = python_replacement(replacement);
                    let replaced = regex.re.replace_all(&text, rep.as_str());
                    (replaced != text).then(|| {
                        vec![ValueKind::String(SigmaString::parse(
                            &replaced,
                            s.has_placeholders(),
                        ))]
                    })
                }
                (Transformation::ReplaceString { regex, replacement }, ValueKind::Number(n)) => {
                    let rep = python_replacement(replacement);
                    let replaced = regex.re.replace_all(&n.text, rep.as_str());
                    (replaced != n.text)
                        .then(|| vec![ValueKind::String(SigmaString::parse(&replaced, false))])
                }
                (Transformation::MapString { mapping }, ValueKind::String(s)) => {
                    let text = s.to_string();
                    mapping.iter().find(|(k, _)| *k == text).map(|(_, to)| {
                        to.iter()
                            .map(|t| ValueKind::String(SigmaString::parse(t, expand)))
                            .collect()
                    })
                }
                (Transformation::SetValue { value, force_type }, _) => {
                    Some(vec![set_value(value, force_type.as_deref(), expand)])
                }
                (Transformation::ValuePlaceholders { include, exclude }, ValueKind::String(s))
                    if !all && s.has_placeholders() =>
                {
                    self.placeholders(s, include.as_deref(), exclude.as_deref(), span)?
                }
                (Transformation::Case { method }, ValueKind::String(s)) => {
                    let c = case(s, *method);
                    (c != *s).then(|| vec![ValueKind::String(c)])
                }
                _ => None,
            };
            match new {
                None => out.push(v),
                Some(kinds) => {
                    self.changed = true;
                    for kind in kinds {
                        out.push(Value {
                            kind,
                            span,
                            quoted: v.quoted,
                        });
                    }
                }
            }
            if out.len() > MAX_VALUES {
                return Err(Box::new(Diagnostic::new(
                    codes::EXPANSION_TOO_LARGE,
                    span,
                    format!("the transformation turns the values into more than {MAX_VALUES}"),
                )));
            }
        }
        Ok(out)
    }

    fn placeholders(
        &self,
        s: &SigmaString,
        include: Option<&[String]>,
        exclude: Option<&[String]>,
        span: Span,
    ) -> R<Option<Vec<ValueKind>>> {
        let handled = |n: &str| {
            include.is_none_or(|i| i.iter().any(|x| x == n))
                && exclude.is_none_or(|e| !e.iter().any(|x| x == n))
                && self.pipeline.vars.iter().any(|(v, _)| v == n)
        };
        if !s
            .pieces
            .iter()
            .any(|p| matches!(p, Piece::Placeholder(n) if handled(n)))
        {
            return Ok(None);
        }
        let mut alts: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in &s.pieces {
            match p {
                Piece::Placeholder(n) if handled(n) => {
                    let values = &self
                        .pipeline
                        .vars
                        .iter()
                        .find(|(v, _)| v == n)
                        .map(|(_, vals)| vals.as_slice())
                        .unwrap_or_default();
                    if alts.len().saturating_mul(values.len()) > MAX_VALUES {
                        return Err(Box::new(Diagnostic::new(
                            codes::EXPANSION_TOO_LARGE,
                            span,
                            format!("placeholders expand to more than {MAX_VALUES} values"),
                        )));
                    }
                    let mut next = Vec::new();
                    for a in &alts {
                        for v in *values {
                            let mut x = a.clone();
                            x.extend(
                                SigmaString::parse(&v.text().unwrap_or_default(), false).pieces,
                            );
                            next.push(x);
                        }
                    }
                    alts = next;
                }
                other => alts.iter_mut().for_each(|a| a.push(other.clone())),
            }
        }
        Ok(Some(
            alts.into_iter()
                .map(|pieces| ValueKind::String(normalize(pieces)))
                .collect(),
        ))
    }
}

/// `body` as the rule parser reads it once written out (in a rule of its own), or the
/// message of the first error the parser reports.
fn reparse(body: IdentifierBody) -> Result<IdentifierBody, String> {
    const PROBE: &str =
        "title: t\nlogsource: {product: x}\ndetection:\n  sel: x\n  condition: sel\n";
    let parse = |text: &str| adsigma_syntax::parse_str(text, FileId(u32::MAX), &Limits::default());
    let Some(Document::Rule(mut rule)) = parse(PROBE).documents.into_iter().next() else {
        return Err("the probe rule does not parse".to_owned());
    };
    let Some(ident) = rule.detection.identifiers.first_mut() else {
        return Err("the probe rule has no identifier".to_owned());
    };
    ident.body = body;
    let text = adsigma_syntax::emit::to_yaml(&Document::Rule(rule));
    let back = parse(&text);
    if let Some(d) = back.diagnostics.iter().find(|d| d.is_error()) {
        return Err(d.message.clone());
    }
    match back.documents.into_iter().next() {
        Some(Document::Rule(r)) => r
            .detection
            .identifiers
            .into_iter()
            .next()
            .map(|i| i.body)
            .ok_or_else(|| "the item does not read back".to_owned()),
        _ => Err("the item does not read back".to_owned()),
    }
}

/// Merges adjacent literals (as the parser does).
fn normalize(pieces: Vec<Piece>) -> SigmaString {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        if let (Some(Piece::Literal(a)), Piece::Literal(b)) = (out.last_mut(), &p) {
            a.push_str(b);
            continue;
        }
        out.push(p);
    }
    SigmaString { pieces: out }
}

/// pySigma (Python `re.sub`) writes group references `\1`; the regex crate `${1}`.
fn python_replacement(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                chars.next();
                out.push_str("${");
                out.push(d);
                out.push('}');
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn set_value(value: &Lit, force: Option<&str>, expand: bool) -> ValueKind {
    let number = |text: String| -> ValueKind {
        let value = match text.parse::<i64>() {
            Ok(i) => NumberValue::Int(i),
            Err(_) => NumberValue::Float(text.trim().parse::<f64>().unwrap_or(f64::NAN)),
        };
        ValueKind::Number(Number { text, value })
    };
    match (value, force) {
        (Lit::Null, _) => ValueKind::Null,
        (Lit::Bool(b), None) => ValueKind::Bool(*b),
        (v, Some("str")) => {
            ValueKind::String(SigmaString::parse(&v.text().unwrap_or_default(), expand))
        }
        (v, Some("num")) | (v @ (Lit::Int(_) | Lit::Float(_)), _) => {
            number(v.text().unwrap_or_default())
        }
        (v, _) => ValueKind::String(SigmaString::parse(&v.text().unwrap_or_default(), expand)),
    }
}

fn case(s: &SigmaString, method: CaseMethod) -> SigmaString {
    let mut pieces = s.pieces.clone();
    let mut first = true;
    for p in &mut pieces {
        if let Piece::Literal(t) = p {
            *t = match method {
                CaseMethod::Lower => t.to_lowercase(),
                CaseMethod::Upper => t.to_uppercase(),
                CaseMethod::SnakeCase => {
                    let mut out = String::with_capacity(t.len() + 4);
                    for c in t.chars() {
                        if c.is_uppercase() {
                            if !first && !out.ends_with('_') {
                                out.push('_');
                            }
                            out.extend(c.to_lowercase());
                        } else if c.is_whitespace() || c == '-' {
                            out.push('_');
                        } else {
                            out.push(c);
                        }
                        first = false;
                    }
                    out
                }
            };
        }
        first = false;
    }
    SigmaString { pieces }
}

/// The new names of `field` under a field-name transformation, or `None` when it does not
/// apply to this field.
pub(crate) fn rename(t: &Transformation, field: &str) -> Option<Vec<String>> {
    match t {
        Transformation::FieldNameMapping { mapping } => mapping
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, to)| to.clone()),
        Transformation::FieldNamePrefixMapping { mapping } => mapping
            .iter()
            .find(|(p, _)| field.starts_with(p.as_str()))
            .map(|(p, to)| vec![format!("{to}{}", &field[p.len()..])]),
        Transformation::FieldNamePrefix { prefix } => Some(vec![format!("{prefix}{field}")]),
        Transformation::FieldNameSuffix { suffix } => Some(vec![format!("{field}{suffix}")]),
        _ => None,
    }
}

pub(crate) fn field_conditions_hold(item: &ProcessingItem, field: Option<&str>) -> bool {
    match &item.field_name_conditions {
        None => true,
        Some(c) => eval(c, |fc| match (fc, field) {
            (FieldCondition::Include(set), Some(f)) => set.contains(f),
            (FieldCondition::Include(_), None) => false,
            (FieldCondition::Exclude(set), Some(f)) => !set.contains(f),
            (FieldCondition::Exclude(_), None) => true,
        }),
    }
}

/// Evaluates conditions with `one` deciding each.
pub(crate) fn eval<C>(c: &Conditions<C>, one: impl Fn(&C) -> bool) -> bool {
    let r = match &c.linking {
        Linking::List { items, op } => match op {
            LinkOp::And => items.iter().all(&one),
            LinkOp::Or => items.iter().any(&one),
        },
        Linking::Named { items, expr, .. } => {
            let results: Vec<(&str, bool)> =
                items.iter().map(|(n, c)| (n.as_str(), one(c))).collect();
            eval_expr(expr, &results)
        }
    };
    r != c.negate
}

fn eval_expr(e: &adsigma_syntax::condition::Expr, results: &[(&str, bool)]) -> bool {
    match &e.kind {
        ExprKind::Ident(n) => results.iter().any(|(k, r)| k == n && *r),
        ExprKind::Not(x) => !eval_expr(x, results),
        ExprKind::And(xs) => xs.iter().all(|x| eval_expr(x, results)),
        ExprKind::Or(xs) => xs.iter().any(|x| eval_expr(x, results)),
        ExprKind::Quantified(q, p) => {
            let names = p.select(results.iter().map(|(n, _)| *n));
            let get = |n: &str| results.iter().any(|(k, r)| *k == n && *r);
            match q {
                Quantifier::One => names.iter().any(|n| get(n)),
                Quantifier::All => names.iter().all(|n| get(n)),
            }
        }
    }
}

fn lit_matches(lit: &Lit, v: &ValueKind) -> bool {
    match (lit, v) {
        (Lit::Null, ValueKind::Null) => true,
        (Lit::Bool(a), ValueKind::Bool(b)) => a == b,
        (Lit::Int(a), ValueKind::Number(n)) => n.value.as_f64() == *a as f64,
        (Lit::Float(a), ValueKind::Number(n)) => n.value.as_f64() == *a,
        (Lit::Str(a), ValueKind::String(s)) => SigmaString::parse(a, s.has_placeholders()) == *s,
        (Lit::Str(a), ValueKind::Regex(r)) => a == r,
        _ => false,
    }
}

fn each_item(d: &Detection, f: &mut dyn FnMut(&DetectionItem)) {
    for ident in &d.identifiers {
        match &ident.body {
            IdentifierBody::Map(fm) => fm.items.iter().for_each(&mut *f),
            IdentifierBody::List(elems) => {
                for e in elems {
                    if let ListElement::Map(fm) = e {
                        fm.items.iter().for_each(&mut *f);
                    }
                }
            }
        }
    }
}

/// Every detection item of a rule, with a callback.
pub(crate) fn for_each_item(rule: &Rule, f: &mut dyn FnMut(&DetectionItem)) {
    each_item(&rule.detection, f)
}

fn rule_condition(c: &RuleCondition, rule: &Rule, applied: &HashSet<String>) -> bool {
    let ls = &rule.logsource;
    let eq = |want: &Option<String>, have: &Option<Spanned<String>>| {
        want.as_ref()
            .is_none_or(|w| have.as_ref().is_some_and(|h| h.value == *w))
    };
    match c {
        RuleCondition::Logsource {
            category,
            product,
            service,
        } => eq(category, &ls.category) && eq(product, &ls.product) && eq(service, &ls.service),
        RuleCondition::Tag(t) => rule.meta.tags.iter().any(|x| x.value == *t),
        RuleCondition::ContainsDetectionItem { field, value } => {
            let mut found = false;
            each_item(&rule.detection, &mut |it| {
                if it.field.as_ref().is_some_and(|f| f.value == *field)
                    && it.values.iter().any(|v| lit_matches(value, &v.kind))
                {
                    found = true;
                }
            });
            found
        }
        RuleCondition::RuleAttribute {
            attribute,
            value,
            op,
        } => rule_attribute(rule, attribute, value, op),
        RuleCondition::ProcessingItemApplied(id) => applied.contains(id),
        RuleCondition::IsSigmaRule => true,
    }
}

fn rule_attribute(rule: &Rule, attribute: &str, value: &Lit, op: &str) -> bool {
    let m = &rule.meta;
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|x| x.value.clone());
    if attribute == "level" {
        if let (Some(l), Lit::Str(w)) = (&m.level, value) {
            if let Some(&(_, want)) = adsigma_syntax::Level::ALL.iter().find(|(n, _)| n == w) {
                let have = l.value;
                return match op {
                    "eq" => have == want,
                    "ne" => have != want,
                    "gte" => have >= want,
                    "gt" => have > want,
                    "lte" => have <= want,
                    "lt" => have < want,
                    _ => false,
                };
            }
        }
        return false;
    }
    let have = match attribute {
        "id" => text(&m.id),
        "title" => text(&m.title),
        "name" => text(&m.name),
        "description" => text(&m.description),
        "author" => text(&m.author),
        "license" => text(&m.license),
        "taxonomy" => text(&m.taxonomy),
        "status" => m.status.as_ref().map(|s| s.value.as_str().to_owned()),
        other => m
            .custom(other)
            .and_then(|n| n.as_scalar())
            .map(|s| s.text.clone()),
    };
    let Some(have) = have else {
        return false;
    };
    let want = value.text().unwrap_or_default();
    match op {
        "eq" => have == want,
        "ne" => have != want,
        _ => false,
    }
}

type ValueTest<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

fn item_condition(c: &ItemCondition, values: &[Value]) -> bool {
    let (cond, test): (AnyAll, ValueTest<'_>) = match c {
        ItemCondition::MatchString {
            pattern,
            cond,
            negate,
        } => (
            *cond,
            Box::new(move |v: &Value| {
                let r = match &v.kind {
                    ValueKind::String(s) => pattern
                        .re
                        .find(&s.to_string())
                        .is_some_and(|m| m.start() == 0),
                    _ => false,
                };
                r != *negate
            }),
        ),
        ItemCondition::IsNull { cond } => (
            *cond,
            Box::new(|v: &Value| matches!(v.kind, ValueKind::Null)),
        ),
    };
    match cond {
        AnyAll::Any => values.iter().any(test),
        AnyAll::All => !values.is_empty() && values.iter().all(test),
    }
}

/// The search identifier `add_condition` adds: its `conditions` as a detection mapping,
/// parsed by the Sigma parser (so modifiers and values mean what they mean in rules).
pub(crate) fn build_condition(
    name: &str,
    conditions: &[(String, Vec<Lit>)],
    at: Span,
) -> R<Identifier> {
    use adsigma_syntax::emit::quote;
    let mut text = String::from("title: t\nlogsource: {product: x}\ndetection:\n  ");
    text.push_str(&quote(name));
    text.push_str(":\n");
    for (k, vals) in conditions {
        text.push_str("    ");
        text.push_str(&quote(k));
        text.push_str(": [");
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(&lit_yaml(v));
        }
        text.push_str("]\n");
    }
    text.push_str("  condition: ");
    text.push_str(&quote(name));
    text.push('\n');
    let parsed = adsigma_syntax::parse_str(&text, FileId(u32::MAX), &Limits::default());
    if let Some(d) = parsed.diagnostics.iter().find(|d| d.is_error()) {
        return Err(Box::new(Diagnostic::new(
            codes::INVALID_ARGUMENT,
            at,
            format!("`conditions` is not a valid detection: {}", d.message),
        )));
    }
    let Some(Document::Rule(rule)) = parsed.documents.into_iter().next() else {
        return Err(Box::new(Diagnostic::new(
            codes::INVALID_ARGUMENT,
            at,
            "`conditions` is not a valid detection",
        )));
    };
    let Some(mut ident) = rule.detection.identifiers.into_iter().next() else {
        return Err(Box::new(Diagnostic::new(
            codes::INVALID_ARGUMENT,
            at,
            "`conditions` is not a valid detection",
        )));
    };
    // Positions point at the transformation, not at the generated text.
    ident.name.span = at;
    if let IdentifierBody::Map(fm) = &mut ident.body {
        fm.span = at;
        for it in &mut fm.items {
            it.key_span = at;
            if let Some(f) = &mut it.field {
                f.span = at;
            }
            for m in &mut it.modifiers {
                m.span = at;
            }
            for v in &mut it.values {
                v.span = at;
            }
        }
    }
    Ok(ident)
}

/// A scalar as YAML flow text.
pub(crate) fn lit_yaml(v: &Lit) -> String {
    match v {
        Lit::Null => "null".to_owned(),
        Lit::Bool(b) => b.to_string(),
        Lit::Int(i) => i.to_string(),
        Lit::Float(f) => {
            if f.is_nan() {
                ".nan".to_owned()
            } else if f.is_infinite() {
                if *f > 0.0 { ".inf" } else { "-.inf" }.to_owned()
            } else {
                let s = format!("{f:?}");
                if s.contains(['.', 'e', 'E']) {
                    s
                } else {
                    format!("{s}.0")
                }
            }
        }
        Lit::Str(s) => adsigma_syntax::emit::quote(s),
    }
}
