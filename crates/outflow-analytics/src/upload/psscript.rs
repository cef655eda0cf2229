//! PowerShell command text: Invoke-WebRequest / Invoke-RestMethod uploads and
//! WebClient.Upload* calls. A small tokenizer, not a PowerShell parser.

use super::args::{is_url, norm_dash};
use super::{UploadInvocation, UploadTool};

/// Most tokens looked at.
const MAX_TOKENS: usize = 4096;

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    /// `;`, `|`, newline, `{`, `}`: ends a command.
    End,
    /// `(` or `)`.
    Paren,
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<Tok>| {
        if !cur.is_empty() {
            out.push(Tok::Word(std::mem::take(cur)));
        }
    };
    while let Some(c) = chars.next() {
        if out.len() >= MAX_TOKENS {
            break;
        }
        match c {
            '\'' | '"' => {
                while let Some(q) = chars.next() {
                    if q == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            cur.push(c);
                            continue;
                        }
                        break;
                    }
                    if q == '`' && c == '"' {
                        if let Some(e) = chars.next() {
                            cur.push(e);
                        }
                        continue;
                    }
                    cur.push(q);
                }
                // Quotes always make a word, even an empty one.
                if cur.is_empty() {
                    out.push(Tok::Word(String::new()));
                }
            }
            '`' => {
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            ';' | '|' | '\n' | '{' | '}' => {
                flush(&mut cur, &mut out);
                out.push(Tok::End);
            }
            '(' | ')' | ',' => {
                flush(&mut cur, &mut out);
                out.push(Tok::Paren);
            }
            c if c.is_whitespace() => flush(&mut cur, &mut out),
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut out);
    out
}

fn is_web_cmdlet(word: &str) -> bool {
    let w = word
        .rsplit('\\')
        .next()
        .unwrap_or(word)
        .to_ascii_lowercase();
    matches!(
        w.as_str(),
        "invoke-webrequest" | "invoke-restmethod" | "iwr" | "irm"
    )
}

/// Switch parameters of Invoke-WebRequest / Invoke-RestMethod (by prefix).
fn is_switch(name: &str) -> bool {
    const SWITCHES: &[&str] = &[
        "usebasicparsing",
        "usedefaultcredentials",
        "disablekeepalive",
        "passthru",
        "skipcertificatecheck",
        "skipheadervalidation",
        "skiphttperrorcheck",
        "resume",
        "noproxy",
        "allowunencryptedauthentication",
        "allowinsecureredirect",
        "preserveauthorizationonredirect",
        "proxyusedefaultcredentials",
        "followrellink",
    ];
    name.len() >= 2 && SWITCHES.iter().any(|s| s.starts_with(name))
}

/// `-Name` (or `-Name:value`) as lower-case `name[:value]`.
fn ps_param(word: &str) -> Option<String> {
    let w = norm_dash(word);
    let rest = w.strip_prefix('-')?;
    rest.starts_with(|c: char| c.is_ascii_alphabetic())
        .then(|| rest.to_ascii_lowercase())
}

fn matches_param(name: &str, full: &str, min: usize) -> bool {
    name.len() >= min && full.starts_with(name)
}

/// One Invoke-WebRequest call starting after the cmdlet token.
fn web_cmdlet(toks: &[Tok]) -> Option<UploadInvocation> {
    let (mut method, mut uri, mut infile, mut body, mut form) = (None, None, None, false, false);
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        i += 1;
        let w = match t {
            Tok::End => break,
            Tok::Paren => continue,
            Tok::Word(w) => w,
        };
        let Some(raw) = ps_param(w) else {
            if uri.is_none() {
                uri = Some(w.clone());
            }
            continue;
        };
        let (name, inline) = match raw.split_once(':') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (raw, None),
        };
        if is_switch(&name) {
            continue;
        }
        let value = inline.or_else(|| match toks.get(i) {
            Some(Tok::Word(v)) => {
                i += 1;
                Some(v.clone())
            }
            _ => None,
        });
        if matches_param(&name, "method", 2) {
            method = value.map(|v| v.to_ascii_lowercase());
        } else if matches_param(&name, "infile", 2) {
            infile = value;
        } else if matches_param(&name, "body", 1) {
            body = true;
        } else if matches_param(&name, "form", 2) {
            form = true;
        } else if matches_param(&name, "uri", 2) {
            uri = value;
        }
    }
    let sends_body = matches!(method.as_deref(), Some("post" | "put" | "patch"));
    if infile.is_none() && !form && !(body && sends_body) {
        return None;
    }
    let action = method.unwrap_or_else(|| if infile.is_some() { "upload" } else { "post" }.into());
    Some(UploadInvocation::new(
        UploadTool::PowerShell,
        &action,
        infile.into_iter().collect(),
        uri,
    ))
}

/// `.UploadFile(`, `.UploadData(`, `.UploadString(`, `.UploadValues(`
/// (and their `Async`/`TaskAsync` forms) on a WebClient.
fn webclient(text: &str) -> Option<UploadInvocation> {
    let lower = text.to_ascii_lowercase();
    let (at, kind) = ["uploadfile", "uploaddata", "uploadstring", "uploadvalues"]
        .iter()
        .filter_map(|k| lower.find(&format!(".{k}")).map(|at| (at, *k)))
        .min()?;
    let after = text.get(at..)?;
    let open = after.find('(')?;
    let toks = tokenize(after.get(open + 1..)?);
    let words: Vec<&str> = toks
        .iter()
        .take_while(|t| **t != Tok::End)
        .filter_map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    let dest = words.iter().find(|w| is_url(w)).map(|w| w.to_string());
    let sources = if kind == "uploadfile" {
        words
            .iter()
            .rev()
            .find(|w| !is_url(w) && !matches!(w.to_ascii_lowercase().as_str(), "post" | "put"))
            .map(|w| vec![w.to_string()])
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let action = kind.strip_prefix("upload").map(|k| format!("upload-{k}"))?;
    Some(UploadInvocation::new(
        UploadTool::PowerShell,
        &action,
        sources,
        dest,
    ))
}

pub(crate) fn classify(text: &str) -> Option<UploadInvocation> {
    let toks = tokenize(text);
    for (i, t) in toks.iter().enumerate() {
        if let Tok::Word(w) = t {
            if is_web_cmdlet(w) {
                if let Some(inv) = web_cmdlet(toks.get(i + 1..).unwrap_or(&[])) {
                    return Some(inv);
                }
            }
        }
    }
    webclient(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(
            tokenize(r#"iwr 'a b' -Body "x`"y";(z)"#),
            [
                Tok::Word("iwr".into()),
                Tok::Word("a b".into()),
                Tok::Word("-Body".into()),
                Tok::Word("x\"y".into()),
                Tok::End,
                Tok::Paren,
                Tok::Word("z".into()),
                Tok::Paren,
            ]
        );
    }

    #[test]
    fn scripts() {
        let i =
            classify("Invoke-RestMethod -Uri https://h/u -Method:Post -InFile c:\\a.zip").unwrap();
        assert_eq!(
            (i.action.as_str(), i.sources[0].as_str()),
            ("post", "c:\\a.zip")
        );
        assert!(classify("iwr https://h/x -OutFile a.exe").is_none());
        assert!(classify("irm https://h/x -Method Post").is_none());
        let w = classify("(New-Object Net.WebClient).UploadFile('http://h/u','POST','C:\\x.7z')")
            .unwrap();
        assert_eq!(w.destination.as_deref(), Some("http://h/u"));
        assert_eq!(w.sources, ["C:\\x.7z"]);
    }
}
