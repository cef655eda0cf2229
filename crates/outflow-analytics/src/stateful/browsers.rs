//! Telling browsers from other clients: by process image (Sysmon, auditd)
//! and by HTTP user agent (proxy, Zeek http). Lists come from the analytic's
//! settings, so an organisation can add its own browsers.

use serde::Deserialize;

/// Browser images and user-agent tokens, as configured.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserList {
    /// Executable names of browsers (`chrome.exe`, `firefox`), any case.
    #[serde(default)]
    pub images: Vec<String>,
    /// User-agent substrings that mark a browser (`Chrome/`, `Firefox/`).
    #[serde(default)]
    pub user_agents: Vec<String>,
    /// User-agent substrings that mark a script or tool even when the string
    /// also looks like a browser's (PowerShell sends `Mozilla/5.0 ...
    /// PowerShell/5.1`). They win over `user_agents`.
    #[serde(default)]
    pub non_browser_user_agents: Vec<String>,
}

impl BrowserList {
    /// Lower-cases the lists once.
    pub fn normalized(mut self) -> BrowserList {
        for list in [
            &mut self.images,
            &mut self.user_agents,
            &mut self.non_browser_user_agents,
        ] {
            for s in list.iter_mut() {
                *s = s.trim().to_ascii_lowercase();
            }
            list.retain(|s| !s.is_empty());
        }
        self
    }

    /// Whether the process image (full path or name) is a browser.
    pub fn is_browser_image(&self, image: &str) -> bool {
        let name = file_name(image).to_ascii_lowercase();
        let stem = name.strip_suffix(".exe").unwrap_or(&name);
        self.images
            .iter()
            .any(|b| b == &name || b.strip_suffix(".exe").unwrap_or(b) == stem)
    }

    /// Whether the user agent is a browser's: `None` when there is none.
    pub fn is_browser_agent(&self, ua: Option<&str>) -> Option<bool> {
        let ua = ua.map(str::trim).filter(|u| !u.is_empty() && *u != "-")?;
        let ua = ua.to_ascii_lowercase();
        if self.non_browser_user_agents.iter().any(|t| ua.contains(t)) {
            return Some(false);
        }
        Some(self.user_agents.iter().any(|t| ua.contains(t)))
    }
}

/// The last component of a Windows or POSIX path.
pub fn file_name(path: &str) -> &str {
    let p = path.trim_matches(|c: char| c == '"' || c.is_whitespace());
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

/// The user agent of a web request, whatever the source calls it.
pub fn user_agent<'e>(view: &crate::View<'e>) -> Option<&'e str> {
    [
        "c-useragent",
        "cs(User-Agent)",
        "user_agent",
        "UserAgent",
        "userAgent",
    ]
    .iter()
    .find_map(|f| view.get(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> BrowserList {
        BrowserList {
            images: vec!["chrome.exe".into(), "firefox".into(), "msedge.exe".into()],
            user_agents: vec!["Chrome/".into(), "Firefox/".into()],
            non_browser_user_agents: vec!["PowerShell/".into(), "curl/".into()],
        }
        .normalized()
    }

    #[test]
    fn images_match_with_or_without_exe_and_path() {
        let l = list();
        assert!(l.is_browser_image(r"C:\Program Files\Google\Chrome\Application\chrome.exe"));
        assert!(l.is_browser_image("/usr/lib/firefox/firefox"));
        assert!(l.is_browser_image(r"C:\x\FIREFOX.EXE"));
        assert!(!l.is_browser_image(r"C:\Windows\System32\curl.exe"));
    }

    #[test]
    fn powershell_user_agent_is_not_a_browser() {
        let l = list();
        let ps =
            "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/5.1";
        assert_eq!(l.is_browser_agent(Some(ps)), Some(false));
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(l.is_browser_agent(Some(chrome)), Some(true));
        assert_eq!(l.is_browser_agent(Some("-")), None);
        assert_eq!(l.is_browser_agent(None), None);
    }
}
