use crate::entity::set_slot;
use crate::file::MappingFile;
use crate::{MappingError, BUILTIN};
use outflow_event::{EntitySlot, Event, Key, LogSource, SourceKind, Value};
use rustc_hash::FxHashMap;
use std::path::Path;
use std::sync::Arc;

/// All mapping files, compiled, by source kind.
#[derive(Debug, Default)]
pub struct Mappings {
    by_source: FxHashMap<SourceKind, Vec<Arc<Compiled>>>,
    /// (name, origin) of every loaded file, user files first.
    pub loaded: Vec<(String, String)>,
}

#[derive(Debug)]
struct Compiled {
    select: Vec<String>,
    /// Wildcard masks over the selectors, most specific first: no wildcard,
    /// then the last selectors wildcarded.
    masks: Vec<u32>,
    /// Selector values (lower case, `*` for any) joined by U+001F → rule.
    index: FxHashMap<String, usize>,
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    when: Vec<(String, Vec<String>)>,
    logsources: Arc<[LogSource]>,
    fields: Vec<(Key, Vec<String>)>,
    entity: Vec<(EntitySlot, Vec<String>)>,
}

const SEP: char = '\u{1f}';

impl Mappings {
    /// The built-in mappings only.
    pub fn builtin() -> Result<Mappings, MappingError> {
        Mappings::load(None)
    }

    /// Built-in mappings, with the `*.yml`/`*.yaml` files of `user_dir` first:
    /// a user file named like a built-in one replaces it.
    pub fn load(user_dir: Option<&Path>) -> Result<Mappings, MappingError> {
        let mut files: Vec<(String, MappingFile)> = Vec::new();
        if let Some(dir) = user_dir {
            let io = |source| MappingError::Io {
                file: dir.display().to_string(),
                source,
            };
            let mut paths: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).map_err(|source| MappingError::Io {
                    file: p.display().to_string(),
                    source,
                })?;
                files.push((
                    p.display().to_string(),
                    parse_mapping(&p.display().to_string(), &text)?,
                ));
            }
        }
        for (name, text) in BUILTIN {
            let file = parse_mapping(&format!("built-in {name}"), text)?;
            if !files.iter().any(|(_, f)| f.name == file.name) {
                files.push((format!("built-in {name}"), file));
            }
        }
        let mut m = Mappings::default();
        for (origin, file) in files {
            let compiled = Arc::new(compile(&origin, &file)?);
            for s in &file.sources {
                let kind: SourceKind = s.parse().map_err(|e| invalid(&origin, e))?;
                m.by_source.entry(kind).or_default().push(compiled.clone());
            }
            m.loaded.push((file.name.clone(), origin));
        }
        Ok(m)
    }
}

fn invalid(file: &str, message: impl Into<String>) -> MappingError {
    MappingError::Invalid {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Parses one mapping file's text; `origin` names it in errors.
pub fn parse_mapping(origin: &str, text: &str) -> Result<MappingFile, MappingError> {
    yaml_serde::from_str(text).map_err(|e| invalid(origin, e.to_string()))
}

fn compile(origin: &str, file: &MappingFile) -> Result<Compiled, MappingError> {
    let mut rules = Vec::new();
    let mut index = FxHashMap::default();
    for (i, r) in file.rules.iter().enumerate() {
        let when: Vec<(String, Vec<String>)> = r
            .when
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.to_vec().iter().map(|s| s.to_lowercase()).collect(),
                )
            })
            .collect();
        if !file.select.is_empty() {
            if let Some((k, _)) = when.iter().find(|(k, _)| !file.select.contains(k)) {
                return Err(invalid(
                    origin,
                    format!("rule {}: `when` key {k} is not in `select`", i + 1),
                ));
            }
            let mut keys = vec![String::new()];
            for (n, sel) in file.select.iter().enumerate() {
                let values = when
                    .iter()
                    .find(|(k, _)| k == sel)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| vec!["*".to_string()]);
                keys = keys
                    .iter()
                    .flat_map(|prefix| {
                        values.iter().map(move |v| {
                            if n == 0 {
                                v.clone()
                            } else {
                                format!("{prefix}{SEP}{v}")
                            }
                        })
                    })
                    .collect();
            }
            for k in keys {
                index.entry(k).or_insert(i);
            }
        }
        let logsources: Vec<LogSource> = r
            .logsource
            .iter()
            .map(|l| LogSource {
                product: l.product.as_deref().map(Arc::from),
                category: l.category.as_deref().map(Arc::from),
                service: l.service.as_deref().map(Arc::from),
            })
            .collect();
        let mut entity = Vec::new();
        for (slot, srcs) in &r.entity {
            let s = EntitySlot::parse(slot).ok_or_else(|| {
                let known: Vec<_> = EntitySlot::ALL.iter().map(|s| s.as_str()).collect();
                invalid(
                    origin,
                    format!(
                        "rule {}: unknown entity slot {slot} (known: {})",
                        i + 1,
                        known.join(", ")
                    ),
                )
            })?;
            entity.push((s, srcs.to_vec()));
        }
        rules.push(Rule {
            when,
            logsources: Arc::from(logsources),
            fields: r
                .fields
                .iter()
                .map(|(k, v)| (Arc::from(k.as_str()), v.to_vec()))
                .collect(),
            entity,
        });
    }
    let mut masks: Vec<u32> = (0..(1u32 << file.select.len().min(16))).collect();
    masks.sort_by_key(|m| (m.count_ones(), std::cmp::Reverse(*m)));
    Ok(Compiled {
        select: file.select.clone(),
        masks,
        index,
        rules,
    })
}

/// Applies the mappings to events; one per worker thread (it keeps scratch space).
pub struct Normalizer {
    mappings: Arc<Mappings>,
    key: String,
    values: Vec<String>,
}

impl Normalizer {
    pub fn new(mappings: Arc<Mappings>) -> Self {
        Normalizer {
            mappings,
            key: String::new(),
            values: Vec::new(),
        }
    }

    /// Gives `ev` its logsources, taxonomy fields and entity. An event no
    /// rule matches keeps its source fields and gets no logsource.
    pub fn normalize(&mut self, ev: &mut Event) {
        // One reference count, not a copy of the list, per event.
        let mappings = self.mappings.clone();
        let Some(files) = mappings.by_source.get(&ev.source) else {
            return;
        };
        for file in files {
            if let Some(i) = self.find_rule(file, ev) {
                apply(&file.rules[i], ev);
                return;
            }
        }
    }

    fn find_rule(&mut self, file: &Compiled, ev: &Event) -> Option<usize> {
        if file.select.is_empty() {
            return file.rules.iter().position(|r| matches_when(r, ev));
        }
        let n = file.select.len();
        self.values.resize(n, String::new());
        for (i, sel) in file.select.iter().enumerate() {
            let v = &mut self.values[i];
            v.clear();
            match ev.get(sel) {
                // Numbers (EventIDs) are written in place: no string per event.
                Some(Value::Int(i)) => {
                    use std::fmt::Write;
                    let _ = write!(v, "{i}");
                }
                Some(val) => {
                    v.push_str(&ev.display(val));
                    v.make_ascii_lowercase();
                }
                None => {}
            }
        }
        for &mask in &file.masks {
            self.key.clear();
            for i in 0..n {
                if i > 0 {
                    self.key.push(SEP);
                }
                if mask & (1 << (n - 1 - i)) != 0 {
                    self.key.push('*');
                } else {
                    self.key.push_str(&self.values[i]);
                }
            }
            if let Some(&r) = file.index.get(&self.key) {
                return Some(r);
            }
        }
        None
    }
}

fn matches_when(rule: &Rule, ev: &Event) -> bool {
    rule.when.iter().all(|(field, wanted)| match ev.get(field) {
        None => false,
        // `*`: the field is present, whatever its value.
        Some(_) if wanted.iter().any(|w| w == "*") => true,
        Some(Value::List(items)) => items
            .iter()
            .any(|v| wanted.iter().any(|w| ev.display(v).eq_ignore_ascii_case(w))),
        Some(v) => {
            let d = ev.display(v);
            wanted.iter().any(|w| d.eq_ignore_ascii_case(w))
        }
    })
}

fn apply(rule: &Rule, ev: &mut Event) {
    ev.logsources = rule.logsources.clone();
    for (target, sources) in &rule.fields {
        if ev.get(target).is_some() {
            continue;
        }
        if let Some(v) = sources.iter().find_map(|s| ev.get(s)).cloned() {
            ev.push(target.clone(), v);
        }
    }
    for (slot, sources) in &rule.entity {
        for s in sources {
            if let Some(v) = ev.get(s).cloned() {
                if set_slot(ev, *slot, &v) {
                    break;
                }
            }
        }
    }
}
