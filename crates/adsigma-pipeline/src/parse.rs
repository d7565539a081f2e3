//! Pipeline YAML -> [`Pipeline`], every problem a diagnostic with its position.

use crate::codes;
use crate::model::*;
use adsigma_engine::LogSource;
use adsigma_syntax::condition::parse_condition;
use adsigma_syntax::yaml::{self, Node, Resolved};
use adsigma_syntax::{Code, Diagnostic, FileId, Limits, Span};

struct Ctx {
    diags: Vec<Diagnostic>,
}

type Entries<'n> = &'n [(Node, Node)];
/// Known keys of a mapping with their values and key spans.
type Keys<'n> = Vec<(&'n str, &'n Node, Span)>;

impl Ctx {
    fn err(&mut self, code: Code, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, span, msg));
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<Entries<'n>> {
        let m = node.as_map();
        if m.is_none() {
            self.err(
                codes::INVALID_ARGUMENT,
                node.span,
                format!("{what} must be a mapping, found a {}", node.kind_name()),
            );
        }
        m
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_scalar().map(|s| (s, s.resolve())) {
            Some((_, Resolved::Str(s))) => Some(s.to_owned()),
            // Numbers and booleans written plain are taken as their text, as field names
            // and values like `4688` or `true` often are.
            Some((s, Resolved::Int(_) | Resolved::Float(_) | Resolved::Bool(_))) => {
                Some(s.text.clone())
            }
            _ => {
                self.err(
                    codes::INVALID_ARGUMENT,
                    node.span,
                    format!("{what} must be a string, found a {}", node.kind_name()),
                );
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Option<Vec<String>> {
        match node.as_seq() {
            Some(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.string(i, what)?);
                }
                Some(out)
            }
            None => self.string(node, what).map(|s| vec![s]),
        }
    }

    /// A field name a renaming writes (or a part of one: `part` allows it empty): `|`
    /// would read as the start of modifiers once the rule is written out, and an empty name
    /// makes a field-less item (keywords), which takes no modifier but `all`.
    fn field_name(&mut self, node: &Node, name: String, what: &str, part: bool) -> Option<String> {
        let problem = if name.contains('|') {
            "contains `|`, which would read as a modifier"
        } else if name.is_empty() && !part {
            "is empty"
        } else {
            return Some(name);
        };
        self.err(
            codes::INVALID_ARGUMENT,
            node.span,
            format!("{what} `{name}` {problem}; a field name cannot be rewritten to it"),
        );
        None
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.as_scalar().map(|s| s.resolve()) {
            Some(Resolved::Bool(b)) => Some(b),
            _ => {
                self.err(
                    codes::INVALID_ARGUMENT,
                    node.span,
                    format!("{what} must be true or false, found a {}", node.kind_name()),
                );
                None
            }
        }
    }

    fn lit(&mut self, node: &Node, what: &str) -> Option<Lit> {
        match node.as_scalar().map(|s| s.resolve()) {
            Some(Resolved::Null) => Some(Lit::Null),
            Some(Resolved::Bool(b)) => Some(Lit::Bool(b)),
            Some(Resolved::Int(i)) => Some(Lit::Int(i)),
            Some(Resolved::Float(f)) => Some(Lit::Float(f)),
            Some(Resolved::Str(s)) => Some(Lit::Str(s.to_owned())),
            None => {
                self.err(
                    codes::INVALID_ARGUMENT,
                    node.span,
                    format!(
                        "{what} must be a string, number, boolean or null, found a {}",
                        node.kind_name()
                    ),
                );
                None
            }
        }
    }

    fn lits(&mut self, node: &Node, what: &str) -> Option<Vec<Lit>> {
        match node.as_seq() {
            Some(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.lit(i, what)?);
                }
                Some(out)
            }
            None => self.lit(node, what).map(|l| vec![l]),
        }
    }

    fn regex(&mut self, node: &Node, what: &str) -> Option<Re> {
        let text = self.string(node, what)?;
        match regex::RegexBuilder::new(&text).size_limit(1 << 20).build() {
            Ok(re) => Some(Re { text, re }),
            Err(e) => {
                self.err(
                    codes::INVALID_ARGUMENT,
                    node.span,
                    format!("{what} is not a valid regular expression: {e}"),
                );
                None
            }
        }
    }

    fn sorted_keys<'n>(
        &mut self,
        entries: Entries<'n>,
        known: &[&str],
        what: &str,
    ) -> Vec<(&'n str, &'n Node, Span)> {
        let mut out = Vec::new();
        for (k, v) in entries {
            let Some(key) = k.as_scalar().map(|s| s.text.as_str()) else {
                continue;
            };
            if known.contains(&key) {
                out.push((key, v, k.span));
            } else {
                self.diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_KEY,
                        k.span,
                        format!("unknown key `{key}` in {what}"),
                    )
                    .with_note(format!("known keys: {}", known.join(", "))),
                );
            }
        }
        out
    }
}

fn get<'n>(keys: &[(&'n str, &'n Node, Span)], name: &str) -> Option<&'n Node> {
    keys.iter().find(|(k, _, _)| *k == name).map(|(_, v, _)| *v)
}

/// Parses one pipeline from YAML text. See the crate documentation for the format.
pub fn parse(source: &str, file: FileId, text: &str) -> Result<Pipeline, Vec<Diagnostic>> {
    let mut cx = Ctx { diags: Vec::new() };
    let docs = yaml::load(text, file, &Limits::default(), &mut cx.diags);
    if cx.diags.iter().any(Diagnostic::is_error) {
        return Err(cx.diags);
    }
    let start = adsigma_syntax::Position::new(0, 1, 1);
    let Some(root) = docs.first() else {
        cx.err(
            codes::STRUCTURE,
            Span::new(file, start, start),
            "the pipeline file is empty",
        );
        return Err(cx.diags);
    };
    if docs.len() > 1 {
        cx.err(
            codes::STRUCTURE,
            docs[1].span,
            "a pipeline file holds one YAML document",
        );
    }
    let Some(entries) = root.as_map() else {
        cx.err(
            codes::STRUCTURE,
            root.span,
            format!(
                "a pipeline must be a YAML mapping, found a {}",
                root.kind_name()
            ),
        );
        return Err(cx.diags);
    };
    let keys = cx.sorted_keys(
        entries,
        &[
            "name",
            "description",
            "priority",
            "vars",
            "transformations",
            "recognizers",
            "derived_fields",
            "postprocessing",
            "finalizers",
        ],
        "a pipeline",
    );
    let name = match get(&keys, "name") {
        Some(n) => cx.string(n, "`name`").unwrap_or_default(),
        None => {
            cx.err(codes::STRUCTURE, root.span, "the pipeline has no `name`");
            String::new()
        }
    };
    let description = get(&keys, "description").and_then(|d| cx.string(d, "`description`"));
    let priority = match get(&keys, "priority") {
        None => 0,
        Some(p) => match p.as_scalar().map(|s| s.resolve()) {
            Some(Resolved::Int(i)) => i,
            _ => {
                cx.err(
                    codes::INVALID_ARGUMENT,
                    p.span,
                    format!("`priority` must be an integer, found a {}", p.kind_name()),
                );
                0
            }
        },
    };
    for key in ["postprocessing", "finalizers"] {
        if let Some(n) = get(&keys, key) {
            cx.err(
                codes::UNKNOWN_TRANSFORMATION,
                n.span,
                format!("`{key}` (query post-processing) does not apply: adsigma evaluates rules, it does not generate queries"),
            );
        }
    }
    let mut vars = Vec::new();
    if let Some(v) = get(&keys, "vars") {
        if let Some(m) = cx.map(v, "`vars`") {
            for (k, val) in m {
                if let (Some(name), Some(values)) = (
                    cx.string(k, "a variable name"),
                    cx.lits(val, "a variable value"),
                ) {
                    vars.push((name, values));
                }
            }
        }
    }
    let mut transformations = Vec::new();
    if let Some(t) = get(&keys, "transformations") {
        match t.as_seq() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(p) = processing_item(&mut cx, item, i) {
                        transformations.push(p);
                    }
                }
            }
            None => cx.err(
                codes::STRUCTURE,
                t.span,
                format!(
                    "`transformations` must be a list, found a {}",
                    t.kind_name()
                ),
            ),
        }
    }
    let mut recognizers = Vec::new();
    if let Some(r) = get(&keys, "recognizers") {
        match r.as_seq() {
            Some(items) => {
                for item in items {
                    if let Some(r) = recognizer(&mut cx, item) {
                        recognizers.push(r);
                    }
                }
            }
            None => cx.err(
                codes::INVALID_RECOGNIZER,
                r.span,
                format!("`recognizers` must be a list, found a {}", r.kind_name()),
            ),
        }
    }
    let mut derived_fields = Vec::new();
    if let Some(d) = get(&keys, "derived_fields") {
        match d.as_seq() {
            Some(items) => {
                for item in items {
                    if let Some(d) = derived(&mut cx, item) {
                        derived_fields.push(d);
                    }
                }
            }
            None => cx.err(
                codes::INVALID_DERIVED_FIELD,
                d.span,
                format!("`derived_fields` must be a list, found a {}", d.kind_name()),
            ),
        }
    }
    check_conflicts(&mut cx, &transformations);
    check_placeholders(&mut cx, &transformations, &vars);
    if cx.diags.iter().any(Diagnostic::is_error) {
        return Err(cx.diags);
    }
    Ok(Pipeline {
        name,
        description,
        priority,
        vars,
        transformations,
        recognizers,
        derived_fields,
        source: source.to_owned(),
        file,
    })
}

const ITEM_KEYS: &[&str] = &[
    "id",
    "type",
    "rule_conditions",
    "rule_cond_op",
    "rule_cond_not",
    "rule_cond_expr",
    "rule_condition_linking",
    "rule_condition_negation",
    "rule_condition_expression",
    "detection_item_conditions",
    "detection_item_cond_op",
    "detection_item_cond_not",
    "detection_item_cond_expr",
    "detection_item_condition_linking",
    "detection_item_condition_negation",
    "detection_item_condition_expression",
    "field_name_conditions",
    "field_name_cond_op",
    "field_name_cond_not",
    "field_name_cond_expr",
    "field_name_condition_linking",
    "field_name_condition_negation",
    "field_name_condition_expression",
];

/// The argument keys of each transformation type.
fn argument_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "field_name_mapping" | "field_name_prefix_mapping" | "map_string" => &["mapping"],
        "field_name_prefix" => &["prefix"],
        "field_name_suffix" => &["suffix"],
        "change_logsource" => &["category", "product", "service"],
        "add_condition" => &["conditions", "name", "negated", "template"],
        "drop_detection_item" => &[],
        "replace_string" => &["regex", "replacement", "skip_special", "interpret_special"],
        "set_value" => &["value", "force_type"],
        "value_placeholders" => &["include", "exclude"],
        "case" => &["method"],
        "rule_failure" | "detection_item_failure" => &["message"],
        _ => return None,
    })
}

fn processing_item(cx: &mut Ctx, node: &Node, index: usize) -> Option<ProcessingItem> {
    let entries = cx.map(node, "a transformation")?;
    let Some(type_node) = node.get("type") else {
        cx.err(
            codes::STRUCTURE,
            node.span,
            "the transformation has no `type`",
        );
        return None;
    };
    let kind = cx.string(type_node, "`type`")?;
    let Some(args) = argument_keys(&kind) else {
        cx.diags.push(
            Diagnostic::new(
                codes::UNKNOWN_TRANSFORMATION,
                type_node.span,
                format!("unknown transformation type `{kind}`"),
            )
            .with_note(format!("known types: {}", TRANSFORMATION_TYPES.join(", "))),
        );
        return None;
    };
    let mut known: Vec<&str> = ITEM_KEYS.to_vec();
    known.extend_from_slice(args);
    let keys = cx.sorted_keys(entries, &known, &format!("a `{kind}` transformation"));
    let before = cx.diags.len();
    let id = get(&keys, "id").and_then(|n| cx.string(n, "`id`"));
    let transformation = transformation(cx, &kind, &keys, node, index)?;
    let rule_conditions = conditions(cx, &keys, "rule", rule_condition);
    let detection_item_conditions = conditions(cx, &keys, "detection_item", item_condition);
    let field_name_conditions = conditions(cx, &keys, "field_name", field_condition);
    if cx.diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(ProcessingItem {
        id,
        transformation,
        rule_conditions,
        detection_item_conditions,
        field_name_conditions,
        span: node.span,
    })
}

fn required<'n>(
    cx: &mut Ctx,
    keys: &[(&'n str, &'n Node, Span)],
    node: &Node,
    kind: &str,
    arg: &str,
) -> Option<&'n Node> {
    let v = get(keys, arg);
    if v.is_none() {
        cx.diags.push(Diagnostic::new(
            codes::INVALID_ARGUMENT,
            node.span,
            format!("`{kind}` needs the argument `{arg}`"),
        ));
    }
    v
}

fn transformation(
    cx: &mut Ctx,
    kind: &str,
    keys: &[(&str, &Node, Span)],
    node: &Node,
    index: usize,
) -> Option<Transformation> {
    let opt_str = |cx: &mut Ctx, k: &str| -> Option<Option<String>> {
        match get(keys, k) {
            None => Some(None),
            Some(n) if n.is_null() => Some(None),
            Some(n) => cx.string(n, &format!("`{k}`")).map(Some),
        }
    };
    Some(match kind {
        "field_name_mapping" | "map_string" => {
            let m = required(cx, keys, node, kind, "mapping")?;
            let entries = cx.map(m, "`mapping`")?;
            let mut mapping = Vec::new();
            for (k, v) in entries {
                let from = cx.string(k, "a mapped name")?;
                let to = cx.strings(v, "a mapping target")?;
                if kind == "field_name_mapping" {
                    let nodes = v.as_seq().unwrap_or(std::slice::from_ref(v));
                    for (n, t) in nodes.iter().zip(&to) {
                        cx.field_name(n, t.clone(), "the mapping target", false)?;
                    }
                }
                if to.is_empty() {
                    cx.err(
                        codes::INVALID_ARGUMENT,
                        v.span,
                        format!("`{from}` is mapped to an empty list"),
                    );
                    return None;
                }
                mapping.push((from, to));
            }
            if kind == "map_string" {
                Transformation::MapString { mapping }
            } else {
                Transformation::FieldNameMapping { mapping }
            }
        }
        "field_name_prefix_mapping" => {
            let m = required(cx, keys, node, kind, "mapping")?;
            let entries = cx.map(m, "`mapping`")?;
            let mut mapping = Vec::new();
            for (k, v) in entries {
                let to = cx.string(v, "a prefix replacement")?;
                mapping.push((
                    cx.string(k, "a prefix")?,
                    cx.field_name(v, to, "the prefix replacement", true)?,
                ));
            }
            Transformation::FieldNamePrefixMapping { mapping }
        }
        "field_name_prefix" => Transformation::FieldNamePrefix {
            prefix: {
                let n = required(cx, keys, node, kind, "prefix")?;
                let prefix = cx.string(n, "`prefix`")?;
                cx.field_name(n, prefix, "the prefix", true)?
            },
        },
        "field_name_suffix" => Transformation::FieldNameSuffix {
            suffix: {
                let n = required(cx, keys, node, kind, "suffix")?;
                let suffix = cx.string(n, "`suffix`")?;
                cx.field_name(n, suffix, "the suffix", true)?
            },
        },
        "change_logsource" => {
            let t = Transformation::ChangeLogsource {
                category: opt_str(cx, "category")?,
                product: opt_str(cx, "product")?,
                service: opt_str(cx, "service")?,
            };
            if let Transformation::ChangeLogsource {
                category: None,
                product: None,
                service: None,
            } = t
            {
                cx.err(
                    codes::INVALID_ARGUMENT,
                    node.span,
                    "`change_logsource` needs at least one of `category`, `product`, `service`",
                );
                return None;
            }
            t
        }
        "add_condition" => {
            let c = required(cx, keys, node, kind, "conditions")?;
            let entries = cx.map(c, "`conditions`")?;
            let mut conditions = Vec::new();
            for (k, v) in entries {
                conditions.push((cx.string(k, "a field")?, cx.lits(v, "a condition value")?));
            }
            if conditions.is_empty() {
                cx.err(codes::INVALID_ARGUMENT, c.span, "`conditions` is empty");
                return None;
            }
            if let Some(t) = get(keys, "template") {
                if cx.boolean(t, "`template`")? {
                    cx.err(
                        codes::INVALID_ARGUMENT,
                        t.span,
                        "`template: true` is not supported",
                    );
                    return None;
                }
            }
            let name = opt_str(cx, "name")?;
            if let Some(n) = &name {
                if !adsigma_syntax::condition::is_condition_identifier(n) {
                    cx.err(
                        codes::INVALID_ARGUMENT,
                        get(keys, "name").map_or(node.span, |n| n.span),
                        format!("`{n}` cannot be a search identifier name"),
                    );
                    return None;
                }
            }
            let negated = match get(keys, "negated") {
                Some(n) => cx.boolean(n, "`negated`")?,
                None => false,
            };
            // Check now that the conditions make a valid detection, so that applying
            // cannot fail on them.
            let ident = name.clone().unwrap_or_else(|| format!("_cond_{index}"));
            if let Err(d) = crate::apply::build_condition(&ident, &conditions, c.span) {
                cx.diags.push(*d);
                return None;
            }
            Transformation::AddCondition {
                conditions,
                name,
                negated,
            }
        }
        "drop_detection_item" => Transformation::DropDetectionItem,
        "replace_string" => {
            for k in ["skip_special", "interpret_special"] {
                if let Some(n) = get(keys, k) {
                    if cx.boolean(n, &format!("`{k}`"))? {
                        cx.err(
                            codes::INVALID_ARGUMENT,
                            n.span,
                            format!("`{k}: true` is not supported"),
                        );
                        return None;
                    }
                }
            }
            let rnode = required(cx, keys, node, kind, "regex")?;
            let regex = cx.regex(rnode, "`regex`")?;
            let rep = required(cx, keys, node, kind, "replacement")?;
            let replacement = cx.string(rep, "`replacement`")?;
            Transformation::ReplaceString { regex, replacement }
        }
        "set_value" => {
            let vnode = required(cx, keys, node, kind, "value")?;
            let value = cx.lit(vnode, "`value`")?;
            let force_type = opt_str(cx, "force_type")?;
            match force_type.as_deref() {
                None | Some("str") => {}
                Some("num") => {
                    let ok = match &value {
                        Lit::Int(_) | Lit::Float(_) => true,
                        Lit::Str(s) => s.trim().parse::<f64>().is_ok(),
                        _ => false,
                    };
                    if !ok {
                        cx.err(
                            codes::INVALID_ARGUMENT,
                            vnode.span,
                            "`force_type: num` needs a value that is a number",
                        );
                        return None;
                    }
                }
                Some(other) => {
                    cx.err(
                        codes::INVALID_ARGUMENT,
                        get(keys, "force_type").map_or(node.span, |n| n.span),
                        format!("`force_type` is `str` or `num`, not `{other}`"),
                    );
                    return None;
                }
            }
            Transformation::SetValue { value, force_type }
        }
        "value_placeholders" => {
            let include = match get(keys, "include") {
                Some(n) => Some(cx.strings(n, "`include`")?),
                None => None,
            };
            let exclude = match get(keys, "exclude") {
                Some(n) => Some(cx.strings(n, "`exclude`")?),
                None => None,
            };
            if include.is_some() && exclude.is_some() {
                cx.err(
                    codes::INVALID_ARGUMENT,
                    node.span,
                    "`include` and `exclude` cannot both be given",
                );
                return None;
            }
            Transformation::ValuePlaceholders { include, exclude }
        }
        "case" => {
            let method = match get(keys, "method") {
                None => CaseMethod::Lower,
                Some(n) => match cx.string(n, "`method`")?.as_str() {
                    "lower" => CaseMethod::Lower,
                    "upper" => CaseMethod::Upper,
                    "snake_case" => CaseMethod::SnakeCase,
                    other => {
                        cx.err(
                            codes::INVALID_ARGUMENT,
                            n.span,
                            format!("`method` is `lower`, `upper` or `snake_case`, not `{other}`"),
                        );
                        return None;
                    }
                },
            };
            Transformation::Case { method }
        }
        "rule_failure" | "detection_item_failure" => {
            let mnode = required(cx, keys, node, kind, "message")?;
            let message = cx.string(mnode, "`message`")?;
            if kind == "rule_failure" {
                Transformation::RuleFailure { message }
            } else {
                Transformation::DetectionItemFailure { message }
            }
        }
        _ => return None,
    })
}

fn conditions<C>(
    cx: &mut Ctx,
    keys: &[(&str, &Node, Span)],
    prefix: &str,
    one: fn(&mut Ctx, &Node) -> Option<C>,
) -> Option<Conditions<C>> {
    let list = get(keys, &format!("{prefix}_conditions"))?;
    let op_node = get(keys, &format!("{prefix}_cond_op"))
        .map(|n| (n, false))
        .or_else(|| get(keys, &format!("{prefix}_condition_linking")).map(|n| (n, true)));
    let not_node = get(keys, &format!("{prefix}_cond_not"))
        .or_else(|| get(keys, &format!("{prefix}_condition_negation")));
    let expr_node = get(keys, &format!("{prefix}_cond_expr"))
        .or_else(|| get(keys, &format!("{prefix}_condition_expression")));
    let negate = match not_node {
        Some(n) => cx.boolean(n, &format!("`{prefix}_cond_not`"))?,
        None => false,
    };
    let linking = if let Some(items) = list.as_seq() {
        if let Some(e) = expr_node {
            cx.err(
                codes::INVALID_CONDITION,
                e.span,
                "an expression needs named conditions (a mapping), not a list",
            );
            return None;
        }
        let op = match op_node {
            None => LinkOp::And,
            Some((n, linking)) => match (cx.string(n, "the condition operator")?.as_str(), linking)
            {
                ("and", false) | ("all", true) => LinkOp::And,
                ("or", false) | ("any", true) => LinkOp::Or,
                (other, _) => {
                    cx.err(
                        codes::INVALID_CONDITION,
                        n.span,
                        format!("`{other}` is not a condition operator (`and` or `or`; `all` or `any` for `*_condition_linking`)"),
                    );
                    return None;
                }
            },
        };
        let mut out = Vec::new();
        for i in items {
            out.push(one(cx, i)?);
        }
        Linking::List { items: out, op }
    } else if let Some(entries) = list.as_map() {
        if let Some((n, _)) = op_node {
            cx.err(
                codes::INVALID_CONDITION,
                n.span,
                "named conditions are combined by an expression, not an operator",
            );
            return None;
        }
        let Some(e) = expr_node else {
            cx.err(
                codes::INVALID_CONDITION,
                list.span,
                format!("named conditions need `{prefix}_cond_expr`"),
            );
            return None;
        };
        let mut items = Vec::new();
        for (k, v) in entries {
            items.push((cx.string(k, "a condition name")?, one(cx, v)?));
        }
        let text = cx.string(e, "the condition expression")?;
        let expr = match parse_condition(&text, 32) {
            Ok(x) => x,
            Err(err) => {
                cx.err(
                    codes::INVALID_CONDITION,
                    e.span,
                    format!("invalid condition expression: {}", err.message),
                );
                return None;
            }
        };
        let mut unknown = None;
        expr.walk(&mut |x| {
            if let adsigma_syntax::condition::ExprKind::Ident(n) = &x.kind {
                if unknown.is_none() && !items.iter().any(|(k, _)| k == n) {
                    unknown = Some(n.clone());
                }
            }
        });
        if let Some(n) = unknown {
            cx.err(
                codes::INVALID_CONDITION,
                e.span,
                format!("the expression names `{n}`, which no condition defines"),
            );
            return None;
        }
        Linking::Named { items, text, expr }
    } else {
        cx.err(
            codes::INVALID_CONDITION,
            list.span,
            format!(
                "`{prefix}_conditions` must be a list or a mapping, found a {}",
                list.kind_name()
            ),
        );
        return None;
    };
    Some(Conditions { linking, negate })
}

fn cond_head<'n>(
    cx: &mut Ctx,
    node: &'n Node,
    known: &[(&str, &[&str])],
) -> Option<(String, Keys<'n>)> {
    let entries = cx.map(node, "a condition")?;
    let Some(t) = node.get("type") else {
        cx.err(
            codes::INVALID_CONDITION,
            node.span,
            "the condition has no `type`",
        );
        return None;
    };
    let kind = cx.string(t, "`type`")?;
    let Some((_, args)) = known.iter().find(|(k, _)| *k == kind) else {
        let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
        cx.diags.push(
            Diagnostic::new(
                codes::UNKNOWN_CONDITION,
                t.span,
                format!("unknown condition type `{kind}` here"),
            )
            .with_note(format!("known types: {}", names.join(", "))),
        );
        return None;
    };
    let mut all = vec!["type"];
    all.extend_from_slice(args);
    let keys = cx.sorted_keys(entries, &all, &format!("a `{kind}` condition"));
    Some((kind, keys))
}

fn need<'n>(
    cx: &mut Ctx,
    keys: &[(&'n str, &'n Node, Span)],
    node: &Node,
    kind: &str,
    arg: &str,
) -> Option<&'n Node> {
    let v = get(keys, arg);
    if v.is_none() {
        cx.err(
            codes::INVALID_CONDITION,
            node.span,
            format!("the `{kind}` condition needs `{arg}`"),
        );
    }
    v
}

fn rule_condition(cx: &mut Ctx, node: &Node) -> Option<RuleCondition> {
    let (kind, keys) = cond_head(
        cx,
        node,
        &[
            ("logsource", &["category", "product", "service"]),
            ("tag", &["tag"]),
            ("contains_detection_item", &["field", "value"]),
            ("rule_attribute", &["attribute", "value", "op"]),
            ("processing_item_applied", &["processing_item_id"]),
            ("is_sigma_rule", &[]),
        ],
    )?;
    let opt = |cx: &mut Ctx, k: &str| match get(&keys, k) {
        Some(n) => cx.string(n, &format!("`{k}`")).map(Some),
        None => Some(None),
    };
    Some(match kind.as_str() {
        "logsource" => RuleCondition::Logsource {
            category: opt(cx, "category")?,
            product: opt(cx, "product")?,
            service: opt(cx, "service")?,
        },
        "tag" => {
            let n = need(cx, &keys, node, &kind, "tag")?;
            RuleCondition::Tag(cx.string(n, "`tag`")?)
        }
        "contains_detection_item" => {
            let f = need(cx, &keys, node, &kind, "field")?;
            let v = need(cx, &keys, node, &kind, "value")?;
            RuleCondition::ContainsDetectionItem {
                field: cx.string(f, "`field`")?,
                value: cx.lit(v, "`value`")?,
            }
        }
        "rule_attribute" => {
            let op = opt(cx, "op")?.unwrap_or_else(|| "eq".to_owned());
            if !["eq", "ne", "gte", "gt", "lte", "lt"].contains(&op.as_str()) {
                cx.err(
                    codes::INVALID_CONDITION,
                    get(&keys, "op").map_or(node.span, |n| n.span),
                    format!("`op` is eq, ne, gte, gt, lte or lt, not `{op}`"),
                );
                return None;
            }
            let a = need(cx, &keys, node, &kind, "attribute")?;
            let v = need(cx, &keys, node, &kind, "value")?;
            RuleCondition::RuleAttribute {
                attribute: cx.string(a, "`attribute`")?,
                value: cx.lit(v, "`value`")?,
                op,
            }
        }
        "processing_item_applied" => {
            let n = need(cx, &keys, node, &kind, "processing_item_id")?;
            RuleCondition::ProcessingItemApplied(cx.string(n, "`processing_item_id`")?)
        }
        _ => RuleCondition::IsSigmaRule,
    })
}

fn any_all(cx: &mut Ctx, keys: &[(&str, &Node, Span)]) -> Option<AnyAll> {
    match get(keys, "cond") {
        None => Some(AnyAll::Any),
        Some(n) => match cx.string(n, "`cond`")?.as_str() {
            "any" => Some(AnyAll::Any),
            "all" => Some(AnyAll::All),
            other => {
                cx.err(
                    codes::INVALID_CONDITION,
                    n.span,
                    format!("`cond` is `any` or `all`, not `{other}`"),
                );
                None
            }
        },
    }
}

fn item_condition(cx: &mut Ctx, node: &Node) -> Option<ItemCondition> {
    let (kind, keys) = cond_head(
        cx,
        node,
        &[
            ("match_string", &["pattern", "cond", "negate"]),
            ("is_null", &["cond"]),
        ],
    )?;
    let cond = any_all(cx, &keys)?;
    Some(match kind.as_str() {
        "match_string" => ItemCondition::MatchString {
            pattern: {
                let n = need(cx, &keys, node, &kind, "pattern")?;
                cx.regex(n, "`pattern`")?
            },
            cond,
            negate: match get(&keys, "negate") {
                Some(n) => cx.boolean(n, "`negate`")?,
                None => false,
            },
        },
        _ => ItemCondition::IsNull { cond },
    })
}

fn field_condition(cx: &mut Ctx, node: &Node) -> Option<FieldCondition> {
    let (kind, keys) = cond_head(
        cx,
        node,
        &[
            ("include_fields", &["fields", "mode", "type"]),
            ("exclude_fields", &["fields", "mode", "type"]),
        ],
    )?;
    let fnode = need(cx, &keys, node, &kind, "fields")?;
    let fields = cx.strings(fnode, "`fields`")?;
    let mode = match get(&keys, "mode") {
        Some(n) => cx.string(n, "`mode`")?,
        None => "plain".to_owned(),
    };
    let patterns = match mode.as_str() {
        "plain" => Vec::new(),
        "re" => {
            let mut out = Vec::new();
            for f in &fields {
                match regex::Regex::new(f) {
                    Ok(re) => out.push(Re {
                        text: f.clone(),
                        re,
                    }),
                    Err(e) => {
                        cx.err(
                            codes::INVALID_CONDITION,
                            fnode.span,
                            format!("`{f}` is not a valid regular expression: {e}"),
                        );
                        return None;
                    }
                }
            }
            out
        }
        other => {
            cx.err(
                codes::INVALID_CONDITION,
                get(&keys, "mode").map_or(node.span, |n| n.span),
                format!("`mode` is `plain` or `re`, not `{other}`"),
            );
            return None;
        }
    };
    let set = FieldSet { fields, patterns };
    Some(if kind == "include_fields" {
        FieldCondition::Include(set)
    } else {
        FieldCondition::Exclude(set)
    })
}

fn recognizer(cx: &mut Ctx, node: &Node) -> Option<Recognizer> {
    let entries = node.as_map().or_else(|| {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            format!(
                "a recognizer must be a mapping, found a {}",
                node.kind_name()
            ),
        );
        None
    })?;
    let keys = cx.sorted_keys(entries, &["logsource", "when"], "a recognizer");
    let Some(ls) = get(&keys, "logsource") else {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            "the recognizer has no `logsource`",
        );
        return None;
    };
    let ls_entries = ls.as_map().or_else(|| {
        cx.err(
            codes::INVALID_RECOGNIZER,
            ls.span,
            "`logsource` must be a mapping",
        );
        None
    })?;
    let ls_keys = cx.sorted_keys(
        ls_entries,
        &["product", "category", "service"],
        "a logsource",
    );
    let mut logsource = LogSource::default();
    for (k, v, _) in &ls_keys {
        let s = cx.string(v, &format!("`{k}`"))?;
        match *k {
            "product" => logsource.product = Some(s),
            "category" => logsource.category = Some(s),
            _ => logsource.service = Some(s),
        }
    }
    if logsource == LogSource::default() {
        cx.err(
            codes::INVALID_RECOGNIZER,
            ls.span,
            "the logsource sets nothing",
        );
        return None;
    }
    let Some(when) = get(&keys, "when") else {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            "the recognizer has no `when` tests",
        );
        return None;
    };
    let when = tests(cx, when)?;
    if when.is_empty() {
        cx.err(codes::INVALID_RECOGNIZER, node.span, "`when` has no tests");
        return None;
    }
    Some(Recognizer { logsource, when })
}

fn tests(cx: &mut Ctx, node: &Node) -> Option<Vec<Test>> {
    let Some(items) = node.as_seq() else {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            format!("tests must be a list, found a {}", node.kind_name()),
        );
        return None;
    };
    let mut out = Vec::new();
    for i in items {
        out.push(test(cx, i)?);
    }
    Some(out)
}

fn test(cx: &mut Ctx, node: &Node) -> Option<Test> {
    let entries = node.as_map().or_else(|| {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            format!("a test must be a mapping, found a {}", node.kind_name()),
        );
        None
    })?;
    let keys = cx.sorted_keys(
        entries,
        &["field", "exists", "equals", "glob", "any", "all", "not"],
        "a recognizer test",
    );
    let has = |k: &str| get(&keys, k).is_some();
    let ops = ["exists", "equals", "glob", "any", "all", "not"]
        .iter()
        .filter(|k| has(k))
        .count();
    if ops != 1 {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            "a test has exactly one of `exists`, `equals`, `glob`, `any`, `all`, `not`",
        );
        return None;
    }
    if let Some(n) = get(&keys, "any") {
        return tests(cx, n).map(Test::Any);
    }
    if let Some(n) = get(&keys, "all") {
        return tests(cx, n).map(Test::All);
    }
    if let Some(n) = get(&keys, "not") {
        return test(cx, n).map(|t| Test::Not(Box::new(t)));
    }
    let Some(fnode) = get(&keys, "field") else {
        cx.err(
            codes::INVALID_RECOGNIZER,
            node.span,
            "the test has no `field`",
        );
        return None;
    };
    let field = cx.string(fnode, "`field`")?;
    if field.is_empty() {
        cx.err(codes::INVALID_RECOGNIZER, fnode.span, "`field` is empty");
        return None;
    }
    if let Some(n) = get(&keys, "exists") {
        return Some(Test::Exists {
            field,
            exists: cx.boolean(n, "`exists`")?,
        });
    }
    if let Some(n) = get(&keys, "equals") {
        return Some(Test::Equals {
            field,
            values: cx.lits(n, "`equals`")?,
        });
    }
    let n = get(&keys, "glob")?;
    Some(Test::Glob {
        field,
        patterns: cx.strings(n, "`glob`")?,
    })
}

fn derived(cx: &mut Ctx, node: &Node) -> Option<DerivedField> {
    let entries = node.as_map().or_else(|| {
        cx.err(
            codes::INVALID_DERIVED_FIELD,
            node.span,
            format!(
                "a derived field must be a mapping, found a {}",
                node.kind_name()
            ),
        );
        None
    })?;
    let keys = cx.sorted_keys(entries, &["name", "concat", "separator"], "a derived field");
    let (Some(name), Some(concat)) = (get(&keys, "name"), get(&keys, "concat")) else {
        cx.err(
            codes::INVALID_DERIVED_FIELD,
            node.span,
            "a derived field needs `name` and `concat`",
        );
        return None;
    };
    let name = cx.string(name, "`name`")?;
    let cnode = concat;
    let concat = cx.strings(cnode, "`concat`")?;
    if concat.is_empty() || name.is_empty() {
        cx.err(
            codes::INVALID_DERIVED_FIELD,
            cnode.span,
            "a derived field needs a name and at least one field to concatenate",
        );
        return None;
    }
    let separator = match get(&keys, "separator") {
        Some(n) => cx.string(n, "`separator`")?,
        None => " ".to_owned(),
    };
    Some(DerivedField {
        name,
        concat,
        separator,
    })
}

/// Two `field_name_mapping` items under the same conditions that map one field to different
/// targets: which applies would depend on order, and the second never sees the field.
fn check_conflicts(cx: &mut Ctx, items: &[ProcessingItem]) {
    for (i, a) in items.iter().enumerate() {
        let Transformation::FieldNameMapping { mapping: ma } = &a.transformation else {
            continue;
        };
        for b in &items[i + 1..] {
            let Transformation::FieldNameMapping { mapping: mb } = &b.transformation else {
                continue;
            };
            if a.rule_conditions != b.rule_conditions
                || a.detection_item_conditions != b.detection_item_conditions
                || a.field_name_conditions != b.field_name_conditions
            {
                continue;
            }
            for (field, tb) in mb {
                if let Some((_, ta)) = ma.iter().find(|(f, _)| f == field) {
                    if ta != tb {
                        cx.diags.push(
                            Diagnostic::new(
                                codes::MAPPING_CONFLICT,
                                b.span,
                                format!(
                                    "`{field}` is mapped to {} here and to {} by an earlier mapping under the same conditions",
                                    tb.join(", "),
                                    ta.join(", ")
                                ),
                            )
                            .with_label(a.span, "first mapped here")
                            .with_hint("map each field once, or give the mappings different conditions"),
                        );
                    }
                }
            }
        }
    }
}

/// `value_placeholders` naming a variable that `vars` does not define.
fn check_placeholders(cx: &mut Ctx, items: &[ProcessingItem], vars: &[(String, Vec<Lit>)]) {
    for item in items {
        if let Transformation::ValuePlaceholders {
            include: Some(names),
            ..
        } = &item.transformation
        {
            for n in names {
                if !vars.iter().any(|(v, _)| v == n) {
                    cx.diags.push(Diagnostic::new(
                        codes::UNKNOWN_VARIABLE,
                        item.span,
                        format!(
                            "`value_placeholders` includes `{n}`, which `vars` does not define"
                        ),
                    ));
                }
            }
        }
    }
}
