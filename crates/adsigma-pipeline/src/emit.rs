//! [`Pipeline`] -> canonical YAML that parses back to an equal pipeline.

use crate::apply::lit_yaml;
use crate::model::*;
use adsigma_syntax::emit::quote;
use std::fmt::Write;

pub(crate) fn to_yaml(p: &Pipeline) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "name: {}", quote(&p.name));
    if let Some(d) = &p.description {
        let _ = writeln!(o, "description: {}", quote(d));
    }
    let _ = writeln!(o, "priority: {}", p.priority);
    if !p.vars.is_empty() {
        o.push_str("vars:\n");
        for (k, vals) in &p.vars {
            let _ = writeln!(o, "  {}: {}", quote(k), lits(vals));
        }
    }
    if !p.recognizers.is_empty() {
        o.push_str("recognizers:\n");
        for r in &p.recognizers {
            o.push_str("  - logsource: {");
            let mut first = true;
            for (k, v) in [
                ("product", &r.logsource.product),
                ("category", &r.logsource.category),
                ("service", &r.logsource.service),
            ] {
                if let Some(v) = v {
                    if !first {
                        o.push_str(", ");
                    }
                    let _ = write!(o, "{k}: {}", quote(v));
                    first = false;
                }
            }
            o.push_str("}\n    when:\n");
            for t in &r.when {
                test(&mut o, t, 6);
            }
        }
    }
    if !p.derived_fields.is_empty() {
        o.push_str("derived_fields:\n");
        for d in &p.derived_fields {
            let _ = writeln!(o, "  - name: {}", quote(&d.name));
            let _ = writeln!(o, "    concat: {}", strs(&d.concat));
            let _ = writeln!(o, "    separator: {}", quote(&d.separator));
        }
    }
    o.push_str("transformations:");
    if p.transformations.is_empty() {
        o.push_str(" []\n");
    } else {
        o.push('\n');
    }
    for item in &p.transformations {
        let t = &item.transformation;
        let _ = writeln!(o, "  - type: {}", t.type_name());
        if let Some(id) = &item.id {
            let _ = writeln!(o, "    id: {}", quote(id));
        }
        transformation(&mut o, t);
        if let Some(c) = &item.rule_conditions {
            conditions(&mut o, "rule", c, rule_condition);
        }
        if let Some(c) = &item.detection_item_conditions {
            conditions(&mut o, "detection_item", c, item_condition);
        }
        if let Some(c) = &item.field_name_conditions {
            conditions(&mut o, "field_name", c, field_condition);
        }
    }
    o
}

fn strs(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| quote(s)).collect();
    format!("[{}]", items.join(", "))
}

fn lits(v: &[Lit]) -> String {
    let items: Vec<String> = v.iter().map(lit_yaml).collect();
    format!("[{}]", items.join(", "))
}

fn test(o: &mut String, t: &Test, indent: usize) {
    let _ = writeln!(o, "{}- {}", " ".repeat(indent), test_flow(t));
}

/// A test as a YAML flow mapping.
fn test_flow(t: &Test) -> String {
    match t {
        Test::Exists { field, exists } => format!("{{field: {}, exists: {exists}}}", quote(field)),
        Test::Equals { field, values } => {
            format!("{{field: {}, equals: {}}}", quote(field), lits(values))
        }
        Test::Glob { field, patterns } => {
            format!("{{field: {}, glob: {}}}", quote(field), strs(patterns))
        }
        Test::Any(ts) | Test::All(ts) => {
            let k = if matches!(t, Test::Any(_)) {
                "any"
            } else {
                "all"
            };
            let items: Vec<String> = ts.iter().map(test_flow).collect();
            format!("{{{k}: [{}]}}", items.join(", "))
        }
        Test::Not(t) => format!("{{not: {}}}", test_flow(t)),
    }
}

fn transformation(o: &mut String, t: &Transformation) {
    match t {
        Transformation::FieldNameMapping { mapping } | Transformation::MapString { mapping } => {
            // An empty block would read as `mapping: null`.
            o.push_str(if mapping.is_empty() {
                "    mapping: {}\n"
            } else {
                "    mapping:\n"
            });
            for (k, v) in mapping {
                if v.len() == 1 {
                    let _ = writeln!(o, "      {}: {}", quote(k), quote(&v[0]));
                } else {
                    let _ = writeln!(o, "      {}: {}", quote(k), strs(v));
                }
            }
        }
        Transformation::FieldNamePrefixMapping { mapping } => {
            o.push_str(if mapping.is_empty() {
                "    mapping: {}\n"
            } else {
                "    mapping:\n"
            });
            for (k, v) in mapping {
                let _ = writeln!(o, "      {}: {}", quote(k), quote(v));
            }
        }
        Transformation::FieldNamePrefix { prefix } => {
            let _ = writeln!(o, "    prefix: {}", quote(prefix));
        }
        Transformation::FieldNameSuffix { suffix } => {
            let _ = writeln!(o, "    suffix: {}", quote(suffix));
        }
        Transformation::ChangeLogsource {
            category,
            product,
            service,
        } => {
            for (k, v) in [
                ("category", category),
                ("product", product),
                ("service", service),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(o, "    {k}: {}", quote(v));
                }
            }
        }
        Transformation::AddCondition {
            conditions,
            name,
            negated,
        } => {
            o.push_str("    conditions:\n");
            for (k, v) in conditions {
                let _ = writeln!(o, "      {}: {}", quote(k), lits(v));
            }
            if let Some(n) = name {
                let _ = writeln!(o, "    name: {}", quote(n));
            }
            if *negated {
                o.push_str("    negated: true\n");
            }
        }
        Transformation::DropDetectionItem => {}
        Transformation::ReplaceString { regex, replacement } => {
            let _ = writeln!(o, "    regex: {}", quote(&regex.text));
            let _ = writeln!(o, "    replacement: {}", quote(replacement));
        }
        Transformation::SetValue { value, force_type } => {
            let _ = writeln!(o, "    value: {}", lit_yaml(value));
            if let Some(f) = force_type {
                let _ = writeln!(o, "    force_type: {}", quote(f));
            }
        }
        Transformation::ValuePlaceholders { include, exclude } => {
            if let Some(i) = include {
                let _ = writeln!(o, "    include: {}", strs(i));
            }
            if let Some(e) = exclude {
                let _ = writeln!(o, "    exclude: {}", strs(e));
            }
        }
        Transformation::Case { method } => {
            let _ = writeln!(o, "    method: {}", method.as_str());
        }
        Transformation::RuleFailure { message }
        | Transformation::DetectionItemFailure { message } => {
            let _ = writeln!(o, "    message: {}", quote(message));
        }
    }
}

fn conditions<C>(o: &mut String, prefix: &str, c: &Conditions<C>, one: fn(&C) -> String) {
    match &c.linking {
        Linking::List { items, op } => {
            let _ = writeln!(o, "    {prefix}_conditions:");
            for i in items {
                let _ = writeln!(o, "      - {}", one(i));
            }
            if *op == LinkOp::Or {
                let _ = writeln!(o, "    {prefix}_cond_op: or");
            }
        }
        Linking::Named { items, text, .. } => {
            let _ = writeln!(o, "    {prefix}_conditions:");
            for (n, i) in items {
                let _ = writeln!(o, "      {}: {}", quote(n), one(i));
            }
            let _ = writeln!(o, "    {prefix}_cond_expr: {}", quote(text));
        }
    }
    if c.negate {
        let _ = writeln!(o, "    {prefix}_cond_not: true");
    }
}

fn rule_condition(c: &RuleCondition) -> String {
    match c {
        RuleCondition::Logsource {
            category,
            product,
            service,
        } => {
            let mut s = String::from("{type: logsource");
            for (k, v) in [
                ("category", category),
                ("product", product),
                ("service", service),
            ] {
                if let Some(v) = v {
                    let _ = write!(s, ", {k}: {}", quote(v));
                }
            }
            s.push('}');
            s
        }
        RuleCondition::Tag(t) => format!("{{type: tag, tag: {}}}", quote(t)),
        RuleCondition::ContainsDetectionItem { field, value } => format!(
            "{{type: contains_detection_item, field: {}, value: {}}}",
            quote(field),
            lit_yaml(value)
        ),
        RuleCondition::RuleAttribute {
            attribute,
            value,
            op,
        } => format!(
            "{{type: rule_attribute, attribute: {}, value: {}, op: {}}}",
            quote(attribute),
            lit_yaml(value),
            quote(op)
        ),
        RuleCondition::ProcessingItemApplied(id) => format!(
            "{{type: processing_item_applied, processing_item_id: {}}}",
            quote(id)
        ),
        RuleCondition::IsSigmaRule => "{type: is_sigma_rule}".to_owned(),
    }
}

fn any_all(c: AnyAll) -> &'static str {
    match c {
        AnyAll::Any => "any",
        AnyAll::All => "all",
    }
}

fn item_condition(c: &ItemCondition) -> String {
    match c {
        ItemCondition::MatchString {
            pattern,
            cond,
            negate,
        } => format!(
            "{{type: match_string, pattern: {}, cond: {}, negate: {negate}}}",
            quote(&pattern.text),
            any_all(*cond)
        ),
        ItemCondition::IsNull { cond } => format!("{{type: is_null, cond: {}}}", any_all(*cond)),
    }
}

fn field_condition(c: &FieldCondition) -> String {
    let (k, set) = match c {
        FieldCondition::Include(s) => ("include_fields", s),
        FieldCondition::Exclude(s) => ("exclude_fields", s),
    };
    let mode = if set.patterns.is_empty() {
        "plain"
    } else {
        "re"
    };
    format!("{{type: {k}, fields: {}, mode: {mode}}}", strs(&set.fields))
}
