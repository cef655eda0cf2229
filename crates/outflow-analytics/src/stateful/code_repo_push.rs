//! `code-repo-push` (T1567.001): `git push` to a repository outside the
//! organisation. Git names its remotes, so the analytic follows each host's
//! `git remote add NAME URL` and `git clone URL` to resolve what a later
//! `git push NAME` sends to. A push goes outside when its repository's
//! owner is neither a tenant the policy sanctions for the service nor an
//! owner this host cloned or fetched from (a mirror of the company's code
//! pushed to a personal account is the classic case).

use crate::cmdline::{may_hold, split_posix, split_windows};
use crate::config::AnalyticMeta;
use crate::engine::StatefulAnalytic;
use crate::report;
use crate::stateful::common::{known_version, restore_state};
use crate::view::{Kind, View};
use crate::{ConfigError, Ctx};
use outflow_detect::{Destination, Finding};
use outflow_intel::Sanctioned;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const NAME: &str = "code-repo-push";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default)]
    #[allow(dead_code)]
    risk: u8,
    /// Risk of a `--mirror` or `--all` push (every branch and tag).
    mirror_risk: u8,
    /// Remotes and owners remembered per host, at most.
    max_per_host: usize,
    /// Hosts remembered, at most.
    max_hosts: usize,
}

/// What one host's git has told us.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct HostGit {
    /// Remote name (per repository path, `dir|name`) → URL.
    remotes: FxHashMap<String, String>,
    /// Owners (`github.com/corp-example`) the host cloned or fetched from.
    owners: Vec<String>,
}

pub struct CodeRepoPush {
    ctx: Arc<Ctx>,
    meta: AnalyticMeta,
    s: Settings,
    hosts: FxHashMap<Arc<str>, HostGit>,
}

pub fn build(ctx: &Arc<Ctx>) -> Result<Box<dyn StatefulAnalytic>, ConfigError> {
    Ok(Box::new(CodeRepoPush {
        ctx: ctx.clone(),
        meta: ctx.config.meta(NAME)?,
        s: ctx.config.section(NAME)?,
        hosts: FxHashMap::default(),
    }))
}

/// A git invocation: its repository directory (`-C`), subcommand and arguments.
struct GitCall {
    dir: String,
    verb: String,
    args: Vec<String>,
}

fn is_git(argv0: &str) -> bool {
    let base = argv0.rsplit(['\\', '/']).next().unwrap_or(argv0);
    base.eq_ignore_ascii_case("git") || base.eq_ignore_ascii_case("git.exe")
}

/// Parses git's global options (`-C dir`, `-c k=v`, `--git-dir=`) and the verb.
fn git_call(argv: &[String]) -> Option<GitCall> {
    if !is_git(argv.first()?) {
        return None;
    }
    let mut dir = String::new();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        match a {
            "-C" => {
                dir = argv.get(i + 1)?.clone();
                i += 2;
            }
            "-c" | "--git-dir" | "--work-tree" | "--namespace" => i += 2,
            _ if a.starts_with("--git-dir=") => {
                dir = a["--git-dir=".len()..].to_string();
                i += 1;
            }
            _ if a.starts_with('-') => i += 1,
            _ => {
                return Some(GitCall {
                    dir,
                    verb: a.to_ascii_lowercase(),
                    args: argv[i + 1..].to_vec(),
                })
            }
        }
    }
    None
}

/// Host and path of a git URL (`https://h/o/r.git`, `git@h:o/r.git`, `ssh://git@h/o/r`).
fn url_parts(url: &str) -> Option<(String, String)> {
    if let Some((_, rest)) = url.split_once("://") {
        let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(rest);
        let (host, path) = rest.split_once('/')?;
        let host = host.split(':').next().unwrap_or(host);
        return Some((host.to_ascii_lowercase(), format!("/{path}")));
    }
    let (user_host, path) = url.split_once(':')?;
    let host = user_host
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(user_host);
    // `C:\repos\x` is a Windows path, not `host:path`.
    let drive = host.len() == 1 || path.starts_with('\\');
    (!host.is_empty() && !path.is_empty() && !drive && !host.contains(['\\', '/']))
        .then(|| (host.to_ascii_lowercase(), format!("/{path}")))
}

/// `github.com/owner` of a URL.
fn owner_of(url: &str) -> Option<String> {
    let (host, path) = url_parts(url)?;
    let owner = path.trim_start_matches('/').split('/').next()?;
    (!owner.is_empty()).then(|| format!("{host}/{}", owner.to_ascii_lowercase()))
}

fn looks_like_url(s: &str) -> bool {
    s.contains("://") || (s.contains('@') && s.contains(':'))
}

impl CodeRepoPush {
    fn argv(view: &View<'_>) -> Vec<String> {
        let Some(cmd) = view.get("CommandLine") else {
            return Vec::new();
        };
        // Most processes are not git: skip splitting their command lines.
        if !may_hold(cmd, b"git") {
            return Vec::new();
        }
        if view.has_logsource(Some("windows"), None) {
            split_windows(cmd)
        } else {
            split_posix(cmd)
        }
    }

    fn host_state(&mut self, host: &Arc<str>) -> Option<&mut HostGit> {
        if !self.hosts.contains_key(host) && self.hosts.len() >= self.s.max_hosts {
            return None;
        }
        Some(self.hosts.entry(host.clone()).or_default())
    }

    fn remember_owner(&mut self, host: &Arc<str>, url: &str) {
        let cap = self.s.max_per_host;
        let Some(owner) = owner_of(url) else { return };
        if let Some(h) = self.host_state(host) {
            if !h.owners.contains(&owner) && h.owners.len() < cap {
                h.owners.push(owner);
            }
        }
    }

    fn push(&mut self, view: &View<'_>, host: &Arc<str>, call: &GitCall, out: &mut Vec<Finding>) {
        let mirror = call
            .args
            .iter()
            .any(|a| a == "--mirror" || a == "--all" || a == "--tags");
        let target = call.args.iter().find(|a| !a.starts_with('-'));
        let url = match target {
            Some(t) if looks_like_url(t) => t.clone(),
            Some(name) => {
                let key = format!("{}|{name}", call.dir);
                match self.hosts.get(host).and_then(|h| h.remotes.get(&key)) {
                    Some(u) => u.clone(),
                    // `origin` or a remote set up before the data began: unknown.
                    None => return,
                }
            }
            None => return,
        };
        let Some((domain, path)) = url_parts(&url) else {
            return;
        };
        let service = self.ctx.service_ref(&domain, Some(&path));
        let owner = owner_of(&url).unwrap_or_default();
        let tenant = owner.split('/').nth(1).unwrap_or_default().to_string();
        let sanctioned = service.as_ref().is_some_and(|s| {
            s.sanctioned
                || self.ctx.policy.is_sanctioned(Sanctioned::Tenant {
                    service: &s.id,
                    tenant: &tenant,
                })
        }) || self.ctx.policy.is_sanctioned(Sanctioned::Domain(&domain));
        if sanctioned {
            return;
        }
        let known = self
            .hosts
            .get(host)
            .is_some_and(|h| h.owners.contains(&owner));
        if known {
            return;
        }
        let mut f = report::finding(
            NAME,
            &self.meta,
            view,
            format!(
                "git push{} to {url}, a repository of {owner} that this host never cloned from",
                if mirror { " --mirror" } else { "" }
            ),
        );
        f.attack = vec!["T1567.001".to_string()];
        f.destination = Some(Destination {
            domain: Some(domain),
            service: service.as_ref().map(|s| s.name.to_string()),
            category: service.as_ref().map(|s| s.category.to_string()),
            target: Some(url.clone()),
            ..Destination::default()
        });
        f.fields.insert("repository".into(), url);
        f.fields.insert("owner".into(), owner);
        if let Some(h) = self.hosts.get(host) {
            f.fields.insert("owners_cloned".into(), h.owners.join(" "));
        }
        if let Some(c) = view.get("CommandLine") {
            f.fields.insert("CommandLine".into(), c.to_string());
        }
        report::set_risk(
            &mut f,
            if mirror {
                self.s.mirror_risk
            } else {
                self.meta.risk
            },
        );
        out.push(f);
    }
}

impl StatefulAnalytic for CodeRepoPush {
    fn name(&self) -> &str {
        NAME
    }

    fn on_event(&mut self, view: &View<'_>, out: &mut Vec<Finding>) {
        if view.kind != Kind::ProcessStart {
            return;
        }
        let argv = Self::argv(view);
        let Some(call) = git_call(&argv) else { return };
        let Some(host) = view.host.clone() else {
            return;
        };
        match call.verb.as_str() {
            "clone" | "fetch" | "pull" => {
                if let Some(url) = call.args.iter().find(|a| looks_like_url(a)) {
                    let url = url.clone();
                    self.remember_owner(&host, &url);
                }
            }
            "remote" => {
                // remote add [-f] [--mirror=push] NAME URL
                let rest: Vec<&String> = call.args.iter().filter(|a| !a.starts_with('-')).collect();
                if rest.first().map(|s| s.as_str()) == Some("add") && rest.len() >= 3 {
                    let key = format!("{}|{}", call.dir, rest[1]);
                    let url = rest[2].clone();
                    let cap = self.s.max_per_host;
                    if let Some(h) = self.host_state(&host) {
                        if h.remotes.len() < cap || h.remotes.contains_key(&key) {
                            h.remotes.insert(key, url);
                        }
                    }
                }
            }
            "push" => self.push(view, &host, &call, out),
            _ => {}
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({ "version": 1, "hosts": &self.hosts })
    }

    fn restore(&mut self, state: serde_json::Value) -> Result<(), String> {
        #[derive(Deserialize)]
        struct Snap {
            version: u32,
            hosts: FxHashMap<Arc<str>, HostGit>,
        }
        let Some(snap) = restore_state::<Snap>(NAME, state)? else {
            return Ok(());
        };
        known_version(NAME, snap.version)?;
        self.hosts.extend(snap.hosts);
        Ok(())
    }

    fn state_len(&self) -> usize {
        self.hosts
            .values()
            .map(|h| h.remotes.len() + h.owners.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        split_windows(s)
    }

    #[test]
    fn global_options_come_before_the_verb() {
        let c = git_call(&argv(
            r"git -C C:\tmp\repo.git -c core.x=1 push --mirror bk",
        ))
        .unwrap();
        assert_eq!(c.dir, r"C:\tmp\repo.git");
        assert_eq!(c.verb, "push");
        assert_eq!(c.args, ["--mirror", "bk"]);
        assert!(git_call(&argv("notgit push x")).is_none());
    }

    #[test]
    fn owners_of_https_and_ssh_urls() {
        assert_eq!(
            owner_of("https://github.com/Dev-X/repo-bak.git").as_deref(),
            Some("github.com/dev-x")
        );
        assert_eq!(
            owner_of("git@github.com:corp-example/api.git").as_deref(),
            Some("github.com/corp-example")
        );
        assert_eq!(
            owner_of("ssh://git@gitlab.com:22/team/x").as_deref(),
            Some("gitlab.com/team")
        );
        assert_eq!(owner_of(r"C:\repos\x"), None);
    }
}
