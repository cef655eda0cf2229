//! pySigma processing pipelines (YAML), so that pipelines written for
//! pySigma backends carry over: their rule pre-processing transformations
//! rewrite each rule document before it is compiled, exactly where pySigma
//! applies them. Query post-processing and output finalizers shape backend
//! query text and mean nothing when events are matched directly; they are
//! accepted and listed as ignored. Anything else outflow cannot honour is
//! refused by name, never silently skipped.

use yaml_serde::{Mapping, Value as Yaml};

/// Transformation types outflow applies.
pub const SUPPORTED: &[&str] = &[
    "field_name_mapping",
    "field_name_prefix_mapping",
    "field_name_prefix",
    "field_name_suffix",
    "drop_detection_item",
    "add_condition",
    "change_logsource",
    "add_field",
    "remove_field",
    "set_field",
    "rule_failure",
    "detection_item_failure",
    "set_state",
    "nest",
];

/// A loaded pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub name: String,
    pub priority: i64,
    items: Vec<Item>,
    /// Stages outflow does not run (`postprocessing`, `finalizers`), for the report.
    pub ignored: Vec<String>,
}

#[derive(Clone, Debug)]
struct Item {
    id: Option<String>,
    action: Action,
    rule_conds: Conds<RuleCond>,
    field_conds: Conds<FieldCond>,
}

#[derive(Clone, Debug)]
enum Action {
    /// Field name → one or more names (several: OR of the alternatives).
    FieldMap(Vec<(String, Vec<String>)>),
    PrefixMap(Vec<(String, String)>),
    AddPrefix(String),
    AddSuffix(String),
    DropItem,
    AddCondition {
        conditions: Mapping,
        negated: bool,
    },
    ChangeLogsource(Mapping),
    AddField(Vec<String>),
    RemoveField(Vec<String>),
    SetField(Vec<String>),
    RuleFailure(String),
    ItemFailure(String),
    Nothing,
    Nest(Vec<Item>),
}

/// Conditions linked by all (`and`) or any (`or`), possibly negated.
#[derive(Clone, Debug)]
struct Conds<C> {
    list: Vec<C>,
    any: bool,
    negate: bool,
}

#[derive(Clone, Debug)]
enum RuleCond {
    Logsource(Mapping),
    Tag(String),
    Attribute(String, String),
    IsRule(bool),
}

#[derive(Clone, Debug)]
struct FieldCond {
    include: bool,
    fields: Vec<String>,
    regex: Option<Vec<regex::Regex>>,
}

fn err(msg: impl Into<String>) -> String {
    msg.into()
}

fn text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn texts(v: Option<&Yaml>) -> Vec<String> {
    match v {
        Some(Yaml::Sequence(s)) => s.iter().filter_map(text).collect(),
        Some(v) => text(v).into_iter().collect(),
        None => Vec::new(),
    }
}

impl Pipeline {
    /// Parses pipeline YAML; `origin` names it in errors.
    pub fn from_yaml(origin: &str, src: &str) -> Result<Pipeline, String> {
        let doc: Yaml = yaml_serde::from_str(src).map_err(|e| format!("{origin}: {e}"))?;
        let Yaml::Mapping(root) = doc else {
            return Err(format!("{origin}: a pipeline is a YAML mapping"));
        };
        let name = root
            .get("name")
            .and_then(text)
            .unwrap_or_else(|| origin.to_string());
        let priority = root.get("priority").and_then(Yaml::as_i64).unwrap_or(0);
        let items = match root.get("transformations") {
            Some(Yaml::Sequence(s)) => s
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    parse_item(t).map_err(|e| format!("{origin}: transformation {}: {e}", i + 1))
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
            Some(_) => return Err(format!("{origin}: transformations is not a list")),
        };
        let ignored = ["postprocessing", "finalizers"]
            .iter()
            .filter(|k| root.get(**k).is_some())
            .map(|k| k.to_string())
            .collect();
        Ok(Pipeline {
            name,
            priority,
            items,
            ignored,
        })
    }

    pub fn load(path: &std::path::Path) -> Result<Pipeline, String> {
        let src = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Pipeline::from_yaml(&path.display().to_string(), &src)
    }

    /// Applies the pipeline to one rule, filter or correlation document.
    /// `Err` carries the reason a `rule_failure`-type transformation gives.
    pub fn apply(&self, doc: &mut Yaml) -> Result<(), String> {
        let mut added = 0;
        apply_items(&self.items, doc, &mut added)
    }
}

/// Applies pipelines in priority order (lower first; ties keep their order).
pub fn apply_all(pipelines: &[Pipeline], doc: &mut Yaml) -> Result<(), String> {
    let mut order: Vec<&Pipeline> = pipelines.iter().collect();
    order.sort_by_key(|p| p.priority);
    for p in order {
        p.apply(doc)
            .map_err(|e| format!("pipeline '{}': {e}", p.name))?;
    }
    Ok(())
}

fn parse_item(t: &Yaml) -> Result<Item, String> {
    let Yaml::Mapping(m) = t else {
        return Err(err("not a mapping"));
    };
    for k in [
        "detection_item_conditions",
        "rule_cond_expr",
        "rule_condition_expression",
        "field_name_cond_expr",
        "field_name_condition_expression",
    ] {
        if m.get(k).is_some() {
            return Err(format!("`{k}` is not supported by outflow"));
        }
    }
    let kind = m
        .get("type")
        .and_then(text)
        .ok_or_else(|| err("missing type"))?;
    let map_pairs = |key: &str| -> Result<Vec<(String, Vec<String>)>, String> {
        match m.get(key) {
            Some(Yaml::Mapping(mm)) => Ok(mm
                .iter()
                .filter_map(|(k, v)| Some((text(k)?, texts(Some(v)))))
                .collect()),
            _ => Err(format!("{kind}: `{key}` must be a mapping")),
        }
    };
    let action = match kind.as_str() {
        "field_name_mapping" => Action::FieldMap(map_pairs("mapping")?),
        "field_name_prefix_mapping" => Action::PrefixMap(
            map_pairs("mapping")?
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().next().unwrap_or_default()))
                .collect(),
        ),
        "field_name_prefix" => Action::AddPrefix(
            m.get("prefix")
                .and_then(text)
                .ok_or_else(|| err("field_name_prefix needs `prefix`"))?,
        ),
        "field_name_suffix" => Action::AddSuffix(
            m.get("suffix")
                .and_then(text)
                .ok_or_else(|| err("field_name_suffix needs `suffix`"))?,
        ),
        "drop_detection_item" => Action::DropItem,
        "add_condition" => match m.get("conditions") {
            Some(Yaml::Mapping(c)) => Action::AddCondition {
                conditions: c.clone(),
                negated: m.get("negated").and_then(Yaml::as_bool).unwrap_or(false),
            },
            _ => return Err(err("add_condition needs a `conditions` mapping")),
        },
        "change_logsource" => {
            let mut ls = Mapping::new();
            for k in ["product", "category", "service"] {
                if let Some(v) = m.get(k) {
                    ls.insert(Yaml::String(k.into()), v.clone());
                }
            }
            Action::ChangeLogsource(ls)
        }
        "add_field" => Action::AddField(texts(m.get("field"))),
        "remove_field" => Action::RemoveField(texts(m.get("field"))),
        "set_field" => Action::SetField(texts(m.get("fields"))),
        "rule_failure" => Action::RuleFailure(
            m.get("message")
                .and_then(text)
                .unwrap_or_else(|| "rule refused by the pipeline".into()),
        ),
        "detection_item_failure" => Action::ItemFailure(
            m.get("message")
                .and_then(text)
                .unwrap_or_else(|| "detection item refused by the pipeline".into()),
        ),
        "set_state" => Action::Nothing,
        "nest" => match m.get("items") {
            Some(Yaml::Sequence(items)) => {
                Action::Nest(items.iter().map(parse_item).collect::<Result<_, _>>()?)
            }
            _ => return Err(err("nest needs an `items` list")),
        },
        other => {
            return Err(format!(
                "transformation type '{other}' is not supported by outflow (supported: {})",
                SUPPORTED.join(", ")
            ))
        }
    };
    Ok(Item {
        id: m.get("id").and_then(text),
        action,
        rule_conds: parse_conds(m, "rule", parse_rule_cond)?,
        field_conds: parse_conds(m, "field_name", parse_field_cond)?,
    })
}

fn parse_conds<C>(
    m: &Mapping,
    prefix: &str,
    one: fn(&Mapping) -> Result<C, String>,
) -> Result<Conds<C>, String> {
    let list = match m.get(format!("{prefix}_conditions").as_str()) {
        None => Vec::new(),
        Some(Yaml::Sequence(s)) => s
            .iter()
            .map(|c| match c {
                Yaml::Mapping(cm) => one(cm),
                _ => Err(format!("{prefix}_conditions: each condition is a mapping")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(format!(
                "named {prefix}_conditions (with an expression) are not supported by outflow"
            ))
        }
    };
    let op = m
        .get(format!("{prefix}_cond_op").as_str())
        .or_else(|| m.get(format!("{prefix}_condition_linking").as_str()))
        .and_then(text)
        .unwrap_or_else(|| "and".into());
    let any = match op.as_str() {
        "and" | "all" => false,
        "or" | "any" => true,
        other => {
            return Err(format!(
                "{prefix} condition operator '{other}' (and/or, all/any)"
            ))
        }
    };
    let negate = m
        .get(format!("{prefix}_cond_not").as_str())
        .or_else(|| m.get(format!("{prefix}_condition_negation").as_str()))
        .and_then(Yaml::as_bool)
        .unwrap_or(false);
    Ok(Conds { list, any, negate })
}

fn parse_rule_cond(c: &Mapping) -> Result<RuleCond, String> {
    match c.get("type").and_then(text).as_deref() {
        Some("logsource") => {
            let mut ls = Mapping::new();
            for k in ["product", "category", "service"] {
                if let Some(v) = c.get(k) {
                    ls.insert(Yaml::String(k.into()), v.clone());
                }
            }
            Ok(RuleCond::Logsource(ls))
        }
        Some("tag") => Ok(RuleCond::Tag(c.get("tag").and_then(text).ok_or_else(|| err("tag condition needs `tag`"))?)),
        Some("rule_attribute") => Ok(RuleCond::Attribute(
            c.get("attribute").and_then(text).ok_or_else(|| err("rule_attribute needs `attribute`"))?,
            c.get("value").and_then(text).unwrap_or_default(),
        )),
        Some("is_sigma_rule") => Ok(RuleCond::IsRule(true)),
        Some("is_sigma_correlation_rule") => Ok(RuleCond::IsRule(false)),
        Some(other) => Err(format!("rule condition type '{other}' is not supported by outflow (logsource, tag, rule_attribute, is_sigma_rule, is_sigma_correlation_rule)")),
        None => Err(err("rule condition without type")),
    }
}

fn parse_field_cond(c: &Mapping) -> Result<FieldCond, String> {
    let include = match c.get("type").and_then(text).as_deref() {
        Some("include_fields") => true,
        Some("exclude_fields") => false,
        Some(other) => return Err(format!("field name condition type '{other}' is not supported by outflow (include_fields, exclude_fields)")),
        None => return Err(err("field name condition without type")),
    };
    let fields = texts(c.get("fields"));
    let regex = match c
        .get("matching_mode")
        .or_else(|| c.get("mode"))
        .and_then(text)
        .as_deref()
    {
        Some("re") => Some(
            fields
                .iter()
                .map(|f| {
                    regex::Regex::new(&format!("^(?:{f})$"))
                        .map_err(|e| format!("field pattern {f}: {e}"))
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => None,
    };
    Ok(FieldCond {
        include,
        fields,
        regex,
    })
}

fn eval<C>(conds: &Conds<C>, test: impl Fn(&C) -> bool) -> bool {
    if conds.list.is_empty() {
        return true;
    }
    let r = if conds.any {
        conds.list.iter().any(test)
    } else {
        conds.list.iter().all(test)
    };
    r != conds.negate
}

fn rule_cond_holds(c: &RuleCond, doc: &Mapping) -> bool {
    let is_correlation = doc.get("correlation").is_some();
    match c {
        RuleCond::IsRule(rule) => *rule != is_correlation,
        RuleCond::Logsource(want) => {
            let have = doc.get("logsource").and_then(Yaml::as_mapping);
            want.iter().all(|(k, v)| {
                let got = have.and_then(|h| h.get(k)).and_then(text);
                got.zip(text(v))
                    .is_some_and(|(g, w)| g.eq_ignore_ascii_case(&w))
            })
        }
        RuleCond::Tag(t) => texts(doc.get("tags"))
            .iter()
            .any(|x| x.eq_ignore_ascii_case(t)),
        RuleCond::Attribute(a, v) => doc.get(a.as_str()).and_then(text).is_some_and(|x| x == *v),
    }
}

fn field_cond_holds(c: &FieldCond, field: &str) -> bool {
    let hit = match &c.regex {
        Some(res) => res.iter().any(|r| r.is_match(field)),
        None => c.fields.iter().any(|f| f == field),
    };
    hit == c.include
}

fn apply_items(items: &[Item], doc: &mut Yaml, added: &mut usize) -> Result<(), String> {
    for item in items {
        let Yaml::Mapping(m) = doc else { return Ok(()) };
        if !eval(&item.rule_conds, |c| rule_cond_holds(c, m)) {
            continue;
        }
        apply_item(item, doc, added).map_err(|e| match &item.id {
            Some(id) => format!("{id}: {e}"),
            None => e,
        })?;
    }
    Ok(())
}

fn apply_item(item: &Item, doc: &mut Yaml, added: &mut usize) -> Result<(), String> {
    let selected = |f: &str| eval(&item.field_conds, |c| field_cond_holds(c, f));
    let Yaml::Mapping(m) = doc else { return Ok(()) };
    match &item.action {
        Action::FieldMap(map) => rename_fields(m, &selected, |f| {
            map.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone())
        }),
        Action::PrefixMap(map) => rename_fields(m, &selected, |f| {
            map.iter()
                .find(|(p, _)| f.starts_with(p.as_str()))
                .map(|(p, to)| vec![format!("{to}{}", &f[p.len()..])])
        }),
        Action::AddPrefix(p) => rename_fields(m, &selected, |f| Some(vec![format!("{p}{f}")])),
        Action::AddSuffix(s) => rename_fields(m, &selected, |f| Some(vec![format!("{f}{s}")])),
        Action::DropItem => {
            let mut emptied = false;
            for_each_map(m, &mut |map| {
                let before = map.len();
                map.retain(|k, _| field_of(k).is_none_or(|f| !selected(&f)));
                emptied |= before > 0 && map.is_empty();
            });
            if emptied {
                // pySigma would also drop the selection from the condition;
                // outflow does not rewrite conditions, so it says so.
                return Err(err("drop_detection_item removed every item of a selection; outflow does not rewrite the condition around an emptied selection"));
            }
        }
        Action::ItemFailure(msg) => {
            let mut hit = false;
            for_each_map(m, &mut |map| {
                hit |= map
                    .keys()
                    .any(|k| field_of(k).is_some_and(|f| selected(&f)))
            });
            if hit {
                return Err(msg.clone());
            }
        }
        Action::RuleFailure(msg) => return Err(msg.clone()),
        Action::AddCondition {
            conditions,
            negated,
        } => add_condition(m, conditions, *negated, added)?,
        // As in pySigma, the logsource is replaced whole: parts not given are unset.
        Action::ChangeLogsource(ls) => {
            m.insert(Yaml::String("logsource".into()), Yaml::Mapping(ls.clone()));
        }
        Action::AddField(fs) => {
            let mut list = texts(m.get("fields"));
            list.extend(
                fs.iter()
                    .filter(|f| !list.contains(f))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            m.insert(Yaml::String("fields".into()), seq(list));
        }
        Action::RemoveField(fs) => {
            let list: Vec<String> = texts(m.get("fields"))
                .into_iter()
                .filter(|f| !fs.contains(f))
                .collect();
            m.insert(Yaml::String("fields".into()), seq(list));
        }
        Action::SetField(fs) => {
            m.insert(Yaml::String("fields".into()), seq(fs.clone()));
        }
        Action::Nothing => {}
        Action::Nest(items) => apply_items(items, doc, added)?,
    }
    Ok(())
}

fn seq(v: Vec<String>) -> Yaml {
    Yaml::Sequence(v.into_iter().map(Yaml::String).collect())
}

/// The field name of a detection-item key (`Image|endswith` → `Image`); `None` for keywords.
fn field_of(k: &Yaml) -> Option<String> {
    let s = text(k)?;
    let f = s.split('|').next().unwrap_or("").trim().to_string();
    (!f.is_empty()).then_some(f)
}

/// The detection (rules) or filter body (filters) of a document.
fn detection_of(m: &mut Mapping) -> Option<&mut Mapping> {
    let key = if m.get("detection").is_some() {
        "detection"
    } else {
        "filter"
    };
    m.get_mut(key).and_then(Yaml::as_mapping_mut)
}

/// Calls `f` on every field map of the detection (selections that are maps
/// or lists of maps).
fn for_each_map(doc: &mut Mapping, f: &mut dyn FnMut(&mut Mapping)) {
    let Some(det) = detection_of(doc) else { return };
    for (k, v) in det.iter_mut() {
        if matches!(
            text(k).as_deref(),
            Some("condition" | "timeframe" | "rules")
        ) {
            continue;
        }
        match v {
            Yaml::Mapping(map) => f(map),
            Yaml::Sequence(items) => items
                .iter_mut()
                .filter_map(Yaml::as_mapping_mut)
                .for_each(&mut *f),
            _ => {}
        }
    }
}

/// Renames the selected fields of every detection item (and of `fields`,
/// `fieldref` values and correlation `group-by`) by `to`; a field mapped to
/// several names becomes an OR of copies of its map, one per name.
fn rename_fields(
    doc: &mut Mapping,
    selected: &dyn Fn(&str) -> bool,
    to: impl Fn(&str) -> Option<Vec<String>>,
) {
    let one = |f: &str| -> Option<String> {
        if !selected(f) {
            return None;
        }
        to(f).and_then(|v| v.into_iter().next())
    };
    if let Some(det) = detection_of(doc) {
        for (k, v) in det.iter_mut() {
            if matches!(
                text(k).as_deref(),
                Some("condition" | "timeframe" | "rules")
            ) {
                continue;
            }
            let maps: Vec<Mapping> = match v {
                Yaml::Mapping(map) => vec![map.clone()],
                Yaml::Sequence(items) if items.iter().all(|i| matches!(i, Yaml::Mapping(_))) => {
                    items
                        .iter()
                        .filter_map(|i| i.as_mapping().cloned())
                        .collect()
                }
                _ => continue,
            };
            let was_map = matches!(v, Yaml::Mapping(_));
            let mut out: Vec<Mapping> = Vec::new();
            for map in maps {
                out.extend(expand_map(&map, selected, &to, &one));
            }
            *v = if was_map && out.len() == 1 {
                Yaml::Mapping(out.remove(0))
            } else {
                Yaml::Sequence(out.into_iter().map(Yaml::Mapping).collect())
            };
        }
    }
    for key in ["fields"] {
        if let Some(Yaml::Sequence(list)) = doc.get_mut(key) {
            for item in list.iter_mut() {
                if let Some(n) = text(item).and_then(|f| one(&f)) {
                    *item = Yaml::String(n);
                }
            }
        }
    }
    if let Some(Yaml::Mapping(corr)) = doc.get_mut("correlation") {
        if let Some(Yaml::Sequence(list)) = corr.get_mut("group-by") {
            for item in list.iter_mut() {
                if let Some(n) = text(item).and_then(|f| one(&f)) {
                    *item = Yaml::String(n);
                }
            }
        }
    }
}

/// One field map with its selected fields renamed: several maps when a
/// field has several names (their OR).
fn expand_map(
    map: &Mapping,
    selected: &dyn Fn(&str) -> bool,
    to: &impl Fn(&str) -> Option<Vec<String>>,
    one: &dyn Fn(&str) -> Option<String>,
) -> Vec<Mapping> {
    let mut outs = vec![Mapping::new()];
    for (k, v) in map {
        let key = text(k).unwrap_or_default();
        let (name, mods) = match key.split_once('|') {
            Some((n, m)) => (n.trim().to_string(), format!("|{m}")),
            None => (key.trim().to_string(), String::new()),
        };
        // `fieldref` values name fields too.
        let value = if mods.split('|').any(|m| m == "fieldref") {
            rename_values(v, one)
        } else {
            v.clone()
        };
        let names = match (name.is_empty(), selected(&name)) {
            (false, true) => to(&name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| vec![name.clone()]),
            _ => vec![name.clone()],
        };
        let mut next = Vec::with_capacity(outs.len() * names.len());
        for o in &outs {
            for n in &names {
                let mut m = o.clone();
                m.insert(Yaml::String(format!("{n}{mods}")), value.clone());
                next.push(m);
            }
        }
        outs = next;
    }
    outs
}

fn rename_values(v: &Yaml, one: &dyn Fn(&str) -> Option<String>) -> Yaml {
    match v {
        Yaml::Sequence(s) => Yaml::Sequence(s.iter().map(|x| rename_values(x, one)).collect()),
        other => match text(other).and_then(|f| one(&f)) {
            Some(n) => Yaml::String(n),
            None => other.clone(),
        },
    }
}

/// ANDs (or ANDs NOT) a new selection into every condition of the rule.
fn add_condition(
    doc: &mut Mapping,
    conditions: &Mapping,
    negated: bool,
    added: &mut usize,
) -> Result<(), String> {
    let Some(det) = detection_of(doc) else {
        return Ok(());
    };
    *added += 1;
    let name = format!("outflow_pipeline_condition_{added}");
    det.insert(
        Yaml::String(name.clone()),
        Yaml::Mapping(conditions.clone()),
    );
    let wrap = |c: &str| {
        if negated {
            format!("not {name} and ({c})")
        } else {
            format!("{name} and ({c})")
        }
    };
    match det.get_mut("condition") {
        Some(Yaml::String(c)) => *c = wrap(c),
        Some(Yaml::Sequence(cs)) => {
            for c in cs.iter_mut() {
                if let Some(s) = text(c) {
                    *c = Yaml::String(wrap(&s));
                }
            }
        }
        _ => return Err(err("add_condition: the rule has no condition to extend")),
    }
    Ok(())
}
