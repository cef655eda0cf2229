//! Detection items (`Field|mods: values` and keywords), compiled and evaluated.

use crate::atoms::{At, Atoms};
use crate::encode;
use crate::index::{FieldNames, View, NONE};
use crate::modifiers::{Anchor, Mods, TimePart, Transform};
use crate::pattern::{SigmaStr, StrMatcher, StrSet};
use crate::placeholders::{placeholder_names, scalar_text, Placeholders};
use crate::report::{Reject, RejectKind};
use crate::timepart;
use crate::value_test::{with_text, Num, ValueTest};
use outflow_event::{Event, Value};
use regex::RegexBuilder;
use std::sync::Arc;
use yaml_serde::Value as Yaml;

/// What compiling needs besides the item itself.
pub struct Ctx<'a> {
    pub placeholders: Option<&'a Placeholders>,
    /// Modifiers the rule uses, for the load report.
    pub used: &'a mut Vec<String>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Exists(bool),
    /// Groups are ANDed, tests inside a group ORed: without `all` there is
    /// one group; with `all`, one group per rule value (holding its
    /// expansions, e.g. the windash or base64offset variants).
    Values {
        groups: Vec<Vec<ValueTest>>,
        neq: bool,
        time: Option<TimePart>,
    },
}

/// One compiled detection item.
#[derive(Clone, Debug)]
pub struct FieldMatcher {
    /// `None` for keywords, which search every string field (and the string
    /// elements of list fields) of the event; numbers and the raw record are
    /// not searched.
    pub field: Option<Arc<str>>,
    /// The field's id in the rule set ([`FieldNames`]), `NONE` until assigned.
    pub fid: u32,
    pub kind: Kind,
    /// Literal needles (lowercase) of positive string tests, for the prefilter.
    pub literals: Option<Vec<String>>,
    /// Literals one of which occurs in the field whenever the item matches
    /// (covers more items than `literals`: regexes, non-ASCII needles).
    pub gate_literals: Option<Vec<crate::gate_literals::GateLit>>,
    /// Per group, the atoms (text, place) of its tests, when every test of
    /// the item is one (see [`crate::pattern::StrMatcher::atom`]).
    atom_texts: Option<Vec<Vec<(String, At)>>>,
    /// The same as atom ids of the rule set, once assigned: with the
    /// prefilter's atoms at hand the item is read from them.
    pub atoms: Option<Vec<Vec<u32>>>,
}

impl FieldMatcher {
    /// Compiles `key: value`; a key that is empty or starts with `|` is a keyword item.
    pub fn compile(key: &str, value: &Yaml, ctx: &mut Ctx) -> Result<FieldMatcher, Reject> {
        let mut parts = key.split('|');
        let name = parts.next().unwrap_or("").trim();
        let mod_names: Vec<&str> = parts.collect();
        let mut mods = Mods::parse(&mod_names)?;
        // Keywords are full-text search terms: match them anywhere in a field.
        if name.is_empty() && mods.anchor.is_none() && !mods.re && !mods.exists {
            mods.anchor = Some(Anchor::Contains);
        }
        for n in &mods.names {
            if !ctx.used.contains(n) {
                ctx.used.push(n.clone());
            }
        }
        let field = (!name.is_empty()).then(|| Arc::<str>::from(name));
        let values: Vec<&Yaml> = match value {
            Yaml::Sequence(items) if items.is_empty() => {
                return Err(Reject::new(
                    RejectKind::Value,
                    format!("'{key}': empty value list"),
                ))
            }
            Yaml::Sequence(items) => items.iter().collect(),
            Yaml::Mapping(_) => {
                return Err(Reject::new(
                    RejectKind::Structure,
                    format!("'{key}': a mapping is not a value"),
                ))
            }
            v => vec![v],
        };
        if mods.exists {
            return exists(key, field, &values);
        }
        if field.is_none()
            && (mods.neq || mods.fieldref || mods.cmp.is_some() || mods.time.is_some())
        {
            return Err(Reject::new(
                RejectKind::Modifier,
                format!("'{key}': keyword with a field-only modifier"),
            ));
        }
        let mut groups = Vec::with_capacity(values.len());
        for v in values {
            groups.push(compile_value(key, v, &mods, ctx.placeholders)?);
        }
        if !mods.all {
            groups = vec![groups.into_iter().flatten().collect()];
        }
        let literals = literals_of(&groups, &mods);
        let gate_literals = crate::gate_literals::of_item(&groups, &mods);
        let atom_texts = atom_texts(field.is_some(), &groups, &mods);
        for g in &mut groups {
            merge_strings(g);
        }
        Ok(FieldMatcher {
            field,
            fid: NONE,
            kind: Kind::Values {
                groups,
                neq: mods.neq,
                time: mods.time,
            },
            literals,
            gate_literals,
            atom_texts,
            atoms: None,
        })
    }

    /// Gives the field its id in `names` and the item's atoms their ids.
    pub fn assign(&mut self, names: &mut FieldNames, atoms: &mut Atoms) {
        let Some(f) = &self.field else {
            return;
        };
        self.fid = names.intern(f);
        self.atoms = self.atom_texts.as_ref().map(|groups| {
            groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|(t, at)| atoms.intern(self.fid, t, *at))
                        .collect()
                })
                .collect()
        });
    }

    pub fn matches(&self, view: &View) -> bool {
        let ev = view.ev;
        let Some(name) = &self.field else {
            return self.keyword_matches(ev);
        };
        if let (Some(seen), Some(groups), Kind::Values { neq, .. }) =
            (view.atoms, &self.atoms, &self.kind)
        {
            let found = |a: &u32| seen.get(*a as usize).copied().unwrap_or(false);
            let r = groups.iter().all(|g| g.iter().any(found));
            return if *neq {
                view.get(self.fid, name).is_some() && !r
            } else {
                r
            };
        }
        let v = view.get(self.fid, name);
        match &self.kind {
            Kind::Exists(want) => v.is_some() == *want,
            Kind::Values { groups, neq, time } => {
                let hit = |t: &ValueTest| match v {
                    None => t.matches_absent(),
                    Some(v) => match time {
                        None => t.matches(ev, v),
                        Some(part) => {
                            time_value(ev, v, *part).is_some_and(|n| t.matches(ev, &Value::Int(n)))
                        }
                    },
                };
                let r = groups.iter().all(|g| g.iter().any(hit));
                // `neq`: the field must be there and differ from every value.
                if *neq {
                    v.is_some() && !r
                } else {
                    r
                }
            }
        }
    }

    fn keyword_matches(&self, ev: &Event) -> bool {
        let Kind::Values { groups, .. } = &self.kind else {
            return false;
        };
        groups.iter().all(|g| {
            g.iter()
                .any(|t| ev.fields.iter().any(|(_, v)| keyword_hit(ev, t, v)))
        })
    }
}

fn keyword_hit(ev: &Event, t: &ValueTest, v: &Value) -> bool {
    match v {
        Value::Str(_) => t.matches(ev, v),
        Value::List(items) => items.iter().any(|i| keyword_hit(ev, t, i)),
        _ => false,
    }
}

fn time_value(ev: &Event, v: &Value, part: TimePart) -> Option<i64> {
    match v {
        Value::List(items) => items.first().and_then(|i| time_value(ev, i, part)),
        v => with_text(ev, v, |s| timepart::extract(s, part)).flatten(),
    }
}

fn exists(key: &str, field: Option<Arc<str>>, values: &[&Yaml]) -> Result<FieldMatcher, Reject> {
    let want = match values {
        [Yaml::Bool(b)] => *b,
        [Yaml::String(s)] if s.eq_ignore_ascii_case("true") => true,
        [Yaml::String(s)] if s.eq_ignore_ascii_case("false") => false,
        _ => {
            return Err(Reject::new(
                RejectKind::Value,
                format!("'{key}': exists needs one boolean"),
            ))
        }
    };
    let Some(field) = field else {
        return Err(Reject::new(
            RejectKind::Modifier,
            format!("'{key}': exists needs a field"),
        ));
    };
    Ok(FieldMatcher {
        field: Some(field),
        fid: NONE,
        kind: Kind::Exists(want),
        literals: None,
        gate_literals: None,
        atom_texts: None,
        atoms: None,
    })
}

/// The tests for one rule value (several when a modifier expands it).
fn compile_value(
    key: &str,
    v: &Yaml,
    m: &Mods,
    ph: Option<&Placeholders>,
) -> Result<Vec<ValueTest>, Reject> {
    let bad = |kind, d: String| Reject::new(kind, format!("'{key}': {d}"));
    let text =
        || scalar_text(v).ok_or_else(|| bad(RejectKind::Value, "value must be a scalar".into()));
    if m.fieldref {
        return Ok(vec![ValueTest::FieldRef {
            other: Arc::from(text()?.trim()),
            anchor: m.anchor,
            cased: m.cased,
        }]);
    }
    if m.re {
        let pat = text()?;
        let re = RegexBuilder::new(&pat)
            .case_insensitive(m.re_i)
            .multi_line(m.re_m)
            .dot_matches_new_line(m.re_s)
            .build()
            .map_err(|e| {
                bad(
                    RejectKind::Regex,
                    format!("regex {pat:?}: {}", first_line(&e.to_string())),
                )
            })?;
        let lits = crate::gate_literals::regex_literals(&pat, m);
        return Ok(vec![ValueTest::Re(re, lits)]);
    }
    if m.cidr {
        let c = crate::cidr::Cidr::parse(&text()?).map_err(|e| bad(RejectKind::Value, e))?;
        return Ok(vec![ValueTest::Cidr(c)]);
    }
    if let Some(op) = m.cmp {
        let n = number(v)
            .ok_or_else(|| bad(RejectKind::Value, "lt/lte/gt/gte need a number".into()))?;
        return Ok(vec![ValueTest::Cmp(op, n)]);
    }
    let string_mods = m.anchor.is_some() || !m.transforms.is_empty();
    match v {
        Yaml::Null if string_mods => {
            Err(bad(RejectKind::Value, "null with a string modifier".into()))
        }
        Yaml::Null => Ok(vec![ValueTest::Null]),
        Yaml::Bool(b) if !string_mods => Ok(vec![ValueTest::Bool(*b)]),
        Yaml::Number(n) if !string_mods => {
            let num =
                Num::of_yaml(n).ok_or_else(|| bad(RejectKind::Value, "unusable number".into()))?;
            Ok(vec![ValueTest::Num(num, n.to_string())])
        }
        _ if m.time.is_some() => Err(bad(
            RejectKind::Value,
            "time modifiers need a number".into(),
        )),
        _ => {
            let cased = m.cased || m.encodes();
            let strs = transform(&text()?, m, ph).map_err(|(k, d)| bad(k, d))?;
            strs.into_iter()
                .map(|mut s| {
                    match m.anchor {
                        Some(Anchor::Contains) => {
                            s.prepend_star();
                            s.append_star();
                        }
                        Some(Anchor::StartsWith) => s.append_star(),
                        Some(Anchor::EndsWith) => s.prepend_star(),
                        None => {}
                    }
                    StrMatcher::new(&s, cased)
                        .map(ValueTest::Str)
                        .map_err(|e| bad(RejectKind::Value, e))
                })
                .collect()
        }
    }
}

fn number(v: &Yaml) -> Option<Num> {
    match v {
        Yaml::Number(n) => Num::of_yaml(n),
        Yaml::String(s) => Num::parse(s),
        _ => None,
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

/// A value on its way through the transforms: Sigma text (wildcards still
/// meaningful) or literal bytes produced by an encoding.
enum Inter {
    Raw(String),
    Bytes(Vec<u8>),
}

type Fail = (RejectKind, String);

fn transform(value: &str, m: &Mods, ph: Option<&Placeholders>) -> Result<Vec<SigmaStr>, Fail> {
    let mut cur = vec![Inter::Raw(value.to_string())];
    for t in &m.transforms {
        let mut next = Vec::with_capacity(cur.len());
        for item in cur {
            match (t, item) {
                (Transform::Expand, Inter::Raw(s)) => {
                    next.extend(expand(&s, ph)?.into_iter().map(Inter::Raw))
                }
                (Transform::Windash, Inter::Raw(s)) => {
                    let v = encode::windash(&s).map_err(|e| (RejectKind::Value, e))?;
                    next.extend(v.into_iter().map(Inter::Raw));
                }
                (Transform::Expand | Transform::Windash, b) => next.push(b),
                (enc, item) => {
                    let bytes = plain_bytes(item, enc)?;
                    match enc {
                        Transform::Base64 => {
                            next.push(Inter::Bytes(encode::base64(&bytes).into_bytes()))
                        }
                        Transform::Base64Offset => next.extend(
                            encode::base64_offsets(&bytes)
                                .into_iter()
                                .map(|s| Inter::Bytes(s.into_bytes())),
                        ),
                        _ => {
                            let text = String::from_utf8(bytes).map_err(|_| {
                                (RejectKind::Value, "utf16 of a non-text value".to_string())
                            })?;
                            next.push(Inter::Bytes(match enc {
                                Transform::Utf16Be => encode::utf16be(&text),
                                Transform::Utf16 => encode::utf16_bom(&text),
                                _ => encode::utf16le(&text),
                            }));
                        }
                    }
                }
            }
        }
        cur = next;
    }
    cur.into_iter()
        .map(|i| match i {
            Inter::Raw(s) => Ok(SigmaStr::parse(&s)),
            Inter::Bytes(b) => String::from_utf8(b)
                .map(|s| SigmaStr::literal(&s))
                .map_err(|_| {
                    (
                        RejectKind::Value,
                        "encoded value is not text (utf16 without base64?)".to_string(),
                    )
                }),
        })
        .collect()
}

/// The bytes an encoding modifier encodes: wildcards cannot be encoded.
fn plain_bytes(item: Inter, enc: &Transform) -> Result<Vec<u8>, Fail> {
    match item {
        Inter::Bytes(b) => Ok(b),
        Inter::Raw(s) => SigmaStr::parse(&s)
            .plain()
            .map(String::into_bytes)
            .ok_or_else(|| {
                (
                    RejectKind::Value,
                    format!("{enc:?} of a value with wildcards ({s:?})"),
                )
            }),
    }
}

/// Replaces every `%name%` with each of its values (all combinations).
fn expand(s: &str, ph: Option<&Placeholders>) -> Result<Vec<String>, Fail> {
    let mut out = vec![s.to_string()];
    for name in placeholder_names(s) {
        let values = ph.and_then(|p| p.get(name)).ok_or_else(|| {
            (
                RejectKind::UnresolvedPlaceholder,
                format!("placeholder %{name}% has no value in the placeholder map"),
            )
        })?;
        if values.is_empty() {
            return Err((
                RejectKind::UnresolvedPlaceholder,
                format!("placeholder %{name}% has an empty value list"),
            ));
        }
        let token = format!("%{name}%");
        out = out
            .iter()
            .flat_map(|o| values.iter().map(|v| o.replacen(token.as_str(), v, 1)))
            .collect();
    }
    Ok(out)
}

/// Value lists with at least this many literal patterns are searched with
/// one automaton.
const SET_MIN: usize = 3;

/// Puts the plain string tests of an OR group into one [`StrSet`] when there
/// are enough of them; the set goes first, other tests keep their order.
fn merge_strings(g: &mut Vec<ValueTest>) {
    if g.iter().filter(|t| matches!(t, ValueTest::Str(_))).count() < SET_MIN {
        return;
    }
    let mut strs = Vec::new();
    let mut rest = Vec::new();
    for t in g.drain(..) {
        match t {
            ValueTest::Str(m) => strs.push(m),
            t => rest.push(t),
        }
    }
    if let Some(set) = StrSet::take(&mut strs, SET_MIN) {
        g.push(ValueTest::Set(Box::new(set)));
    }
    g.extend(strs.into_iter().map(ValueTest::Str));
    g.extend(rest);
}

/// Per group, the atoms of its tests; `None` unless every test is a plain
/// case-insensitive string on a named field (no time part).
fn atom_texts(named: bool, groups: &[Vec<ValueTest>], m: &Mods) -> Option<Vec<Vec<(String, At)>>> {
    if !named || m.time.is_some() {
        return None;
    }
    groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|t| match t {
                    ValueTest::Str(s) => s.atom().map(|(n, at)| (n.to_string(), at)),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// Literals any match of a positive item must contain (one per test), or
/// `None` when some test has no literal (numbers, regexes, negations...).
fn literals_of(groups: &[Vec<ValueTest>], m: &Mods) -> Option<Vec<String>> {
    if m.neq || m.time.is_some() {
        return None;
    }
    // With `all` every group must match: the best group is enough.
    let mut best: Option<Vec<String>> = None;
    for g in groups {
        let mut lits = Vec::with_capacity(g.len());
        for t in g {
            match t {
                ValueTest::Str(s) => lits.push(s.longest_literal()?),
                _ => return None,
            }
        }
        if best.as_ref().is_none_or(|b| score(&lits) > score(b)) {
            best = Some(lits);
        }
    }
    best
}

/// Prefer sets whose shortest literal is longest.
pub fn score(lits: &[String]) -> usize {
    lits.iter().map(String::len).min().unwrap_or(0)
}
