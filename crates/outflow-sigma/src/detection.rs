//! A rule's `detection:` section compiled: named selections and the
//! condition over them. Maps are AND, lists are OR.

use crate::atoms::{At, Atoms};
use crate::condition::{self, CondExpr, Quant};
use crate::field::{Ctx, FieldMatcher};
use crate::gate_literals::GateLit;
use crate::index::{FieldNames, View};
use crate::report::{Reject, RejectKind};
use rustc_hash::FxHashSet;
use std::sync::Arc;
use yaml_serde::Value as Yaml;

/// A named selection: OR of branches, each an AND of items.
#[derive(Clone, Debug)]
pub struct Selection {
    pub name: String,
    branches: Vec<Vec<FieldMatcher>>,
}

/// The condition with selection names resolved to indices.
#[derive(Clone, Debug)]
pub enum Cond {
    Sel(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    AtLeast(usize, Vec<usize>),
}

#[derive(Clone, Debug)]
pub struct Detection {
    selections: Vec<Selection>,
    cond: Cond,
}

impl Detection {
    pub fn compile(det: &Yaml, ctx: &mut Ctx) -> Result<Detection, Reject> {
        let Yaml::Mapping(map) = det else {
            return Err(Reject::new(
                RejectKind::Structure,
                "detection is not a mapping",
            ));
        };
        let mut selections = Vec::new();
        let mut conditions = Vec::new();
        for (k, v) in map {
            let Some(name) = k.as_str() else {
                return Err(Reject::new(
                    RejectKind::Structure,
                    "detection key is not a string",
                ));
            };
            match name {
                "condition" => conditions = condition_strings(v)?,
                // Only meaningful with legacy aggregations, which are rejected.
                "timeframe" => {}
                _ => selections.push(compile_selection(name, v, ctx)?),
            }
        }
        if conditions.is_empty() {
            return Err(Reject::new(
                RejectKind::Structure,
                "detection has no condition",
            ));
        }
        let mut alts = Vec::with_capacity(conditions.len());
        for c in &conditions {
            alts.push(resolve(&condition::parse(c)?, &selections)?);
        }
        let cond = if alts.len() == 1 {
            alts.remove(0)
        } else {
            Cond::Or(alts)
        };
        Ok(Detection { selections, cond })
    }

    pub fn matches(&self, ev: &View) -> bool {
        self.eval(&self.cond, ev)
    }

    /// Gives every field the detection names its id in `names`, and its
    /// atom items their atom ids in `atoms`.
    pub fn assign(&mut self, names: &mut FieldNames, atoms: &mut Atoms) {
        for s in &mut self.selections {
            for b in &mut s.branches {
                for f in b {
                    f.assign(names, atoms);
                }
            }
        }
    }

    /// The atoms the detection's items read, each once.
    pub fn atom_ids(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .selections
            .iter()
            .flat_map(|s| s.branches.iter().flatten())
            .flat_map(|f| f.atoms.iter().flatten().flatten().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The field names the detection refers to (keywords excluded), in
    /// order of first use.
    pub fn fields(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.selections {
            for f in s.branches.iter().flatten() {
                if let Some(name) = &f.field {
                    if !out.iter().any(|o| **o == **name) {
                        out.push(name.to_string());
                    }
                }
            }
        }
        out
    }

    fn sel(&self, i: usize, ev: &View) -> bool {
        self.selections[i]
            .branches
            .iter()
            .any(|b| b.iter().all(|f| f.matches(ev)))
    }

    fn eval(&self, c: &Cond, ev: &View) -> bool {
        match c {
            Cond::Sel(i) => self.sel(*i, ev),
            Cond::Not(x) => !self.eval(x, ev),
            Cond::And(xs) => xs.iter().all(|x| self.eval(x, ev)),
            Cond::Or(xs) => xs.iter().any(|x| self.eval(x, ev)),
            Cond::AtLeast(n, sels) => {
                let mut hits = 0;
                sels.iter().any(|&i| {
                    hits += usize::from(self.sel(i, ev));
                    hits >= *n
                })
            }
        }
    }

    /// Literals of which every match contains at least one (ASCII-case-
    /// insensitively), each with the field it must occur in (`None`: any
    /// string field, for keywords); `None` when no such set is known.
    pub fn gate(&self) -> Option<Vec<Lit>> {
        self.cond_literals(&self.cond)
    }

    fn cond_literals(&self, c: &Cond) -> Option<Vec<Lit>> {
        match c {
            Cond::Sel(i) => self.sel_literals(*i),
            Cond::Not(_) => None,
            Cond::And(xs) => best(xs.iter().map(|x| self.cond_literals(x))),
            Cond::Or(xs) => union(xs.iter().map(|x| self.cond_literals(x))),
            Cond::AtLeast(n, sels) if *n >= sels.len() => {
                best(sels.iter().map(|&i| self.sel_literals(i)))
            }
            Cond::AtLeast(_, sels) => union(sels.iter().map(|&i| self.sel_literals(i))),
        }
    }

    /// Clauses, each a set of literals (with fields as for [`Self::gate`])
    /// of which any match contains one, that every match satisfies all
    /// of; empty when none is known. At most [`MAX_CLAUSES`], the most
    /// selective first.
    pub fn clauses(&self) -> Vec<Vec<Lit>> {
        let mut cs = self.cond_clauses(&self.cond);
        cs.sort_by_key(|c| std::cmp::Reverse(lit_score(c)));
        let mut seen: FxHashSet<Vec<Lit>> = FxHashSet::default();
        cs.retain(|c| seen.insert(c.clone()));
        cs.truncate(MAX_CLAUSES);
        cs
    }

    fn cond_clauses(&self, c: &Cond) -> Vec<Vec<Lit>> {
        match c {
            Cond::Sel(i) => self.sel_clauses(*i),
            Cond::Not(_) => Vec::new(),
            Cond::And(xs) => xs.iter().flat_map(|x| self.cond_clauses(x)).collect(),
            Cond::Or(xs) => one_of(xs.iter().map(|x| self.cond_clauses(x))),
            Cond::AtLeast(n, sels) if *n >= sels.len() => {
                sels.iter().flat_map(|&i| self.sel_clauses(i)).collect()
            }
            Cond::AtLeast(_, sels) => one_of(sels.iter().map(|&i| self.sel_clauses(i))),
        }
    }

    fn sel_clauses(&self, i: usize) -> Vec<Vec<Lit>> {
        let branch = |b: &Vec<FieldMatcher>| -> Vec<Vec<Lit>> {
            b.iter().filter_map(item_literals).collect()
        };
        match self.selections[i].branches.as_slice() {
            [b] => branch(b),
            bs => one_of(bs.iter().map(branch)),
        }
    }

    fn sel_literals(&self, i: usize) -> Option<Vec<Lit>> {
        union(self.selections[i].branches.iter().map(|b| {
            best(b.iter().map(|f| {
                f.literals.as_ref().map(|ls| {
                    ls.iter()
                        .map(|l| Lit {
                            field: f.field.clone(),
                            text: l.clone(),
                            kind: LitKind::Text(At::Contains),
                        })
                        .collect()
                })
            }))
        }))
    }
}

/// Most clauses a rule's gate keeps (one bit each in the prefilter).
pub const MAX_CLAUSES: usize = 64;

fn item_literals(f: &FieldMatcher) -> Option<Vec<Lit>> {
    let ls = f.gate_literals.as_ref()?;
    ls.iter()
        .map(|l| match l {
            GateLit::Text(t, at) => Some(Lit {
                field: f.field.clone(),
                text: t.clone(),
                kind: LitKind::Text(*at),
            }),
            // Keywords hold no numbers.
            GateLit::NonAscii => Some(Lit {
                field: f.field.clone(),
                text: String::new(),
                kind: LitKind::NonAscii,
            }),
            GateLit::Num(k, t) => f.field.as_ref().map(|field| Lit {
                field: Some(field.clone()),
                text: t.clone(),
                kind: LitKind::Num(*k),
            }),
        })
        .collect()
}

/// One clause any match of one of `alts` (each a clause list, all of
/// which hold) satisfies: the union of each one's most selective clause;
/// none when some alternative has none.
fn one_of(alts: impl Iterator<Item = Vec<Vec<Lit>>>) -> Vec<Vec<Lit>> {
    union(alts.map(|cs| cs.into_iter().max_by_key(|c| lit_score(c))))
        .into_iter()
        .collect()
}

/// A required literal and the field it must occur in (`None`: any).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lit {
    pub field: Option<Arc<str>>,
    pub text: String,
    pub kind: LitKind,
}

/// What a [`Lit`] asks of the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LitKind {
    /// `text` occurs in it, there.
    Text(At),
    /// Its value equals the number with this `Num::key`; `text` is only
    /// its decimal form, for scoring.
    Num(u64),
    /// Its text holds a non-ASCII character (`text` is empty).
    NonAscii,
}

/// The texts of `lits`, each once, in order.
pub fn texts(lits: &[Lit]) -> Vec<String> {
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    lits.iter()
        .filter(|l| seen.insert(l.text.as_str()))
        .map(|l| l.text.clone())
        .collect()
}

fn lit_score(s: &[Lit]) -> usize {
    s.iter().map(|l| l.text.len()).min().unwrap_or(0)
}

fn best(sets: impl Iterator<Item = Option<Vec<Lit>>>) -> Option<Vec<Lit>> {
    sets.flatten().max_by_key(|s| lit_score(s))
}

fn union(sets: impl Iterator<Item = Option<Vec<Lit>>>) -> Option<Vec<Lit>> {
    let mut out: Vec<Lit> = Vec::new();
    let mut seen: FxHashSet<Lit> = FxHashSet::default();
    for s in sets {
        for l in s? {
            if !seen.contains(&l) {
                seen.insert(l.clone());
                out.push(l);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn condition_strings(v: &Yaml) -> Result<Vec<String>, Reject> {
    let one = |v: &Yaml| {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| Reject::new(RejectKind::Structure, "condition is not a string"))
    };
    match v {
        // A list of conditions (older rules) means any of them.
        Yaml::Sequence(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

fn compile_selection(name: &str, v: &Yaml, ctx: &mut Ctx) -> Result<Selection, Reject> {
    let empty = || {
        Reject::new(
            RejectKind::Structure,
            format!("selection '{name}' is empty"),
        )
    };
    let mut branches = Vec::new();
    match v {
        Yaml::Mapping(m) => branches.push(compile_map(name, m, ctx)?),
        Yaml::Sequence(items) => {
            let mut keywords = Vec::new();
            for item in items {
                match item {
                    Yaml::Mapping(m) => branches.push(compile_map(name, m, ctx)?),
                    Yaml::Sequence(_) => {
                        return Err(Reject::new(
                            RejectKind::Structure,
                            format!("selection '{name}': nested list"),
                        ))
                    }
                    scalar => keywords.push(scalar.clone()),
                }
            }
            if !keywords.is_empty() {
                let kw = FieldMatcher::compile("", &Yaml::Sequence(keywords), ctx)
                    .map_err(|r| in_sel(name, r))?;
                branches.push(vec![kw]);
            }
        }
        Yaml::Null => return Err(empty()),
        scalar => branches.push(vec![
            FieldMatcher::compile("", scalar, ctx).map_err(|r| in_sel(name, r))?
        ]),
    }
    if branches.is_empty() {
        return Err(empty());
    }
    Ok(Selection {
        name: name.to_string(),
        branches,
    })
}

fn compile_map(
    name: &str,
    m: &yaml_serde::Mapping,
    ctx: &mut Ctx,
) -> Result<Vec<FieldMatcher>, Reject> {
    if m.is_empty() {
        return Err(Reject::new(
            RejectKind::Structure,
            format!("selection '{name}' has an empty map"),
        ));
    }
    let mut items = Vec::with_capacity(m.len());
    for (k, v) in m {
        let key = match k {
            Yaml::String(s) => s.clone(),
            Yaml::Number(n) => n.to_string(),
            _ => {
                return Err(Reject::new(
                    RejectKind::Structure,
                    format!("selection '{name}': bad field name"),
                ))
            }
        };
        items.push(FieldMatcher::compile(&key, v, ctx).map_err(|r| in_sel(name, r))?);
    }
    Ok(items)
}

fn in_sel(name: &str, r: Reject) -> Reject {
    Reject::new(r.kind, format!("selection '{name}': {}", r.detail))
}

fn resolve(e: &CondExpr, sels: &[Selection]) -> Result<Cond, Reject> {
    Ok(match e {
        CondExpr::Sel(n) => Cond::Sel(sels.iter().position(|s| s.name == *n).ok_or_else(|| {
            Reject::new(
                RejectKind::Condition,
                format!("condition names unknown selection '{n}'"),
            )
        })?),
        CondExpr::Not(x) => Cond::Not(Box::new(resolve(x, sels)?)),
        CondExpr::And(xs) => Cond::And(
            xs.iter()
                .map(|x| resolve(x, sels))
                .collect::<Result<_, _>>()?,
        ),
        CondExpr::Or(xs) => Cond::Or(
            xs.iter()
                .map(|x| resolve(x, sels))
                .collect::<Result<_, _>>()?,
        ),
        CondExpr::Of(q, pat) => {
            let idx: Vec<usize> = (0..sels.len())
                .filter(|&i| condition::name_matches(pat, &sels[i].name))
                .collect();
            if idx.is_empty() {
                return Err(Reject::new(
                    RejectKind::Condition,
                    format!("'of {pat}' matches no selection"),
                ));
            }
            match q {
                Quant::All => Cond::And(idx.into_iter().map(Cond::Sel).collect()),
                Quant::AtLeast(1) => Cond::Or(idx.into_iter().map(Cond::Sel).collect()),
                Quant::AtLeast(n) => Cond::AtLeast(*n, idx),
            }
        }
    })
}
