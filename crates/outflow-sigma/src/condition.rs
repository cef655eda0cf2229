//! The condition grammar: `and`, `or`, `not`, parentheses, `1 of X`,
//! `all of X` (`any of X` as `1 of X`), `them`, wildcard name patterns.
//! Precedence: not > and > or. Legacy aggregations (`| count() ...`) and
//! `near` are rejected.

use crate::report::{Reject, RejectKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quant {
    All,
    AtLeast(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CondExpr {
    And(Vec<CondExpr>),
    Or(Vec<CondExpr>),
    Not(Box<CondExpr>),
    Sel(String),
    /// `N of pattern`; the pattern `them` means every selection.
    Of(Quant, String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Word(String),
}

fn bad(d: String) -> Reject {
    Reject::new(RejectKind::Condition, d)
}

fn tokenize(s: &str) -> Result<Vec<Tok>, Reject> {
    if s.contains('|') || s.to_ascii_lowercase().contains("count(") {
        return Err(Reject::new(
            RejectKind::LegacyAggregation,
            format!("legacy aggregation condition '{}'", s.trim()),
        ));
    }
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if !word.is_empty() {
                out.push(Tok::Word(std::mem::take(&mut word)));
            }
            match c {
                '(' => out.push(Tok::Open),
                ')' => out.push(Tok::Close),
                _ => {}
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(Tok::Word(word));
    }
    if out
        .iter()
        .any(|t| matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("near")))
    {
        return Err(Reject::new(
            RejectKind::LegacyAggregation,
            format!("legacy 'near' condition '{}'", s.trim()),
        ));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<CondExpr, Reject> {
        let mut items = vec![self.and()?];
        while is_kw(self.peek(), "or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            CondExpr::Or(items)
        })
    }

    fn and(&mut self) -> Result<CondExpr, Reject> {
        let mut items = vec![self.not()?];
        while is_kw(self.peek(), "and") {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            CondExpr::And(items)
        })
    }

    fn not(&mut self) -> Result<CondExpr, Reject> {
        if is_kw(self.peek(), "not") {
            self.pos += 1;
            return Ok(CondExpr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<CondExpr, Reject> {
        let tok = self.peek().cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Open) => {
                self.depth += 1;
                if self.depth > 64 {
                    return Err(bad("parentheses nested too deeply".into()));
                }
                let e = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(bad("missing ')'".into()));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(e)
            }
            Some(Tok::Close) => Err(bad("unexpected ')'".into())),
            None => Err(bad("unexpected end of condition".into())),
            Some(Tok::Word(w)) => {
                if is_kw(self.peek(), "of") {
                    self.pos += 1;
                    let quant = match w.to_ascii_lowercase().as_str() {
                        "all" => Quant::All,
                        "any" => Quant::AtLeast(1),
                        n => match n.parse::<usize>() {
                            Ok(n) if n > 0 => Quant::AtLeast(n),
                            _ => return Err(bad(format!("'{w} of': expected 1, all or a count"))),
                        },
                    };
                    return match self.peek().cloned() {
                        Some(Tok::Word(p))
                            if !["and", "or", "not", "of"]
                                .contains(&p.to_ascii_lowercase().as_str()) =>
                        {
                            self.pos += 1;
                            Ok(CondExpr::Of(quant, p))
                        }
                        _ => Err(bad(format!("'{w} of' needs a name pattern or 'them'"))),
                    };
                }
                let lw = w.to_ascii_lowercase();
                if ["and", "or", "not", "of", "them"].contains(&lw.as_str()) {
                    return Err(bad(format!("unexpected '{w}'")));
                }
                Ok(CondExpr::Sel(w))
            }
        }
    }
}

/// Parses one condition string.
pub fn parse(s: &str) -> Result<CondExpr, Reject> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err(bad("empty condition".into()));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(bad(format!(
            "unexpected token at word {} of '{}'",
            p.pos + 1,
            s.trim()
        )));
    }
    Ok(e)
}

/// Whether a selection name matches an `of` pattern (`*` wildcards only).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    if pattern.eq_ignore_ascii_case("them") {
        return !name.starts_with('_');
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use CondExpr::*;

    fn sel(s: &str) -> CondExpr {
        Sel(s.into())
    }

    #[test]
    fn precedence() {
        assert_eq!(
            parse("a or b and not c").unwrap(),
            Or(vec![sel("a"), And(vec![sel("b"), Not(Box::new(sel("c")))])])
        );
        assert_eq!(
            parse("(a or b) and c").unwrap(),
            And(vec![Or(vec![sel("a"), sel("b")]), sel("c")])
        );
        assert_eq!(
            parse("not not a").unwrap(),
            Not(Box::new(Not(Box::new(sel("a")))))
        );
    }

    #[test]
    fn quantifiers() {
        assert_eq!(
            parse("1 of selection_* and not all of filter*").unwrap(),
            And(vec![
                Of(Quant::AtLeast(1), "selection_*".into()),
                Not(Box::new(Of(Quant::All, "filter*".into())))
            ])
        );
        assert_eq!(parse("all of them").unwrap(), Of(Quant::All, "them".into()));
        assert_eq!(
            parse("any of x*").unwrap(),
            Of(Quant::AtLeast(1), "x*".into())
        );
    }

    #[test]
    fn rejects() {
        assert_eq!(
            parse("sel | count() by x > 5").unwrap_err().kind,
            RejectKind::LegacyAggregation
        );
        assert_eq!(
            parse("a near b").unwrap_err().kind,
            RejectKind::LegacyAggregation
        );
        for bad in ["", "a and", "(a", "a)", "a b", "1 of", "and a", "0 of x"] {
            assert_eq!(parse(bad).unwrap_err().kind, RejectKind::Condition, "{bad}");
        }
    }

    #[test]
    fn patterns() {
        assert!(name_matches("selection_*", "selection_img"));
        assert!(!name_matches("selection_*", "filter"));
        assert!(name_matches("*_main_*", "filter_main_x"));
        assert!(name_matches("them", "sel"));
        assert!(!name_matches("them", "_hidden"));
        assert!(name_matches("sel", "sel"));
    }
}
