//! Recognising a process as a catalog tool: by `OriginalFileName` (survives
//! renaming), by executable name, by PE description or product.

use super::file::{parse_lolbins, parse_tools, LolbinEntry, ToolEntry};
use crate::load::{ById, DataFile, Kind};
use crate::IntelError;
use rustc_hash::FxHashMap;

/// Programs that can move data out, and LOLBins that should stay offline.
#[derive(Debug, Default)]
pub struct ToolCatalog {
    tools: Vec<ToolEntry>,
    by_name: FxHashMap<String, usize>,
    by_ofn: FxHashMap<String, usize>,
    by_description: FxHashMap<String, usize>,
    /// Known builds' hashes (lower-case hex, any algorithm) → tool.
    by_hash: FxHashMap<String, usize>,
    lolbins: Vec<LolbinEntry>,
    lolbin_names: FxHashMap<String, usize>,
}

/// How a process was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchReason {
    /// Its image file name is one of the tool's executables.
    ByName,
    /// Its PE `OriginalFileName` is the tool's (whatever the file is called now).
    ByOriginalFileName,
    /// Its PE description or product name is the tool's.
    ByDescription,
    /// A hash of its image (Sysmon `Hashes`) is one of the tool's known builds.
    ByHash,
}

impl MatchReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            MatchReason::ByName => "name",
            MatchReason::ByHash => "hash",
            MatchReason::ByOriginalFileName => "original_file_name",
            MatchReason::ByDescription => "description",
        }
    }
}

/// A process recognised as a catalog tool.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolMatch<'a> {
    pub tool: &'a ToolEntry,
    pub reason: MatchReason,
    /// The image is known but its file name is none of the tool's executables:
    /// the binary was renamed (or copied under another name).
    pub renamed: bool,
}

/// The file name of a Windows or POSIX path, lower case, without `.exe`.
pub(crate) fn exe_key(path_or_name: &str) -> String {
    let base = path_or_name
        .trim()
        .trim_matches('"')
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match base.strip_suffix(".exe") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => base,
    }
}

fn text_key(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

impl ToolCatalog {
    /// The built-in catalog only.
    pub fn builtin() -> Result<ToolCatalog, IntelError> {
        Ok(crate::Intel::builtin()?.tools)
    }

    pub(crate) fn from_files(files: &[DataFile]) -> Result<ToolCatalog, IntelError> {
        let mut tools = ById::new();
        let mut lolbins = ById::new();
        for f in files {
            match f.kind {
                Kind::Tools => {
                    for (key, t) in parse_tools(&f.origin, &f.text)? {
                        tools.add(&t.id.clone(), t, f.user, &f.origin, &key)?;
                    }
                }
                Kind::Lolbins => {
                    for (key, l) in parse_lolbins(&f.origin, &f.text)? {
                        lolbins.add(&exe_key(&l.name), l, f.user, &f.origin, &key)?;
                    }
                }
                Kind::WebServices => {}
            }
        }
        let tools: Vec<ToolEntry> = tools
            .into_vec()
            .into_iter()
            .filter(|t| !t.disabled)
            .collect();
        let lolbins: Vec<LolbinEntry> = lolbins
            .into_vec()
            .into_iter()
            .filter(|l| !l.disabled)
            .collect();
        let mut cat = ToolCatalog::default();
        for (i, t) in tools.iter().enumerate() {
            for n in &t.executables {
                cat.by_name.entry(exe_key(n)).or_insert(i);
            }
            for n in &t.original_file_names {
                cat.by_ofn.entry(exe_key(n)).or_insert(i);
            }
            for d in t.descriptions.iter().chain(&t.products) {
                cat.by_description.entry(text_key(d)).or_insert(i);
            }
            for h in &t.hashes {
                cat.by_hash.entry(text_key(h)).or_insert(i);
            }
        }
        for (i, l) in lolbins.iter().enumerate() {
            cat.lolbin_names.insert(exe_key(&l.name), i);
        }
        cat.tools = tools;
        cat.lolbins = lolbins;
        Ok(cat)
    }

    /// Every tool, in file order.
    pub fn tools(&self) -> &[ToolEntry] {
        &self.tools
    }

    /// Every LOLBin that should not make network connections.
    pub fn lolbins(&self) -> &[LolbinEntry] {
        &self.lolbins
    }

    /// The tool with this id.
    pub fn get(&self, id: &str) -> Option<&ToolEntry> {
        self.tools.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// Recognises a process from its image path (or file name), its PE
    /// `OriginalFileName`, and its PE description or product name (any may be
    /// missing). `OriginalFileName` is tried first since it survives renaming,
    /// then the image name, then the description/product.
    pub fn identify(
        &self,
        image: Option<&str>,
        original_file_name: Option<&str>,
        description: Option<&str>,
    ) -> Option<ToolMatch<'_>> {
        let image_key = image.map(exe_key).filter(|k| !k.is_empty());
        let found = original_file_name
            .map(exe_key)
            .and_then(|k| self.by_ofn.get(&k))
            .map(|&i| (i, MatchReason::ByOriginalFileName))
            .or_else(|| {
                let i = self.by_name.get(image_key.as_deref()?)?;
                Some((*i, MatchReason::ByName))
            })
            .or_else(|| {
                let i = self.by_description.get(&text_key(description?))?;
                Some((*i, MatchReason::ByDescription))
            })?;
        let tool = &self.tools[found.0];
        let renamed = match (&image_key, found.1) {
            (Some(k), MatchReason::ByOriginalFileName | MatchReason::ByDescription) => !tool
                .executables
                .iter()
                .chain(&tool.original_file_names)
                .any(|n| exe_key(n) == *k),
            _ => false,
        };
        Some(ToolMatch {
            tool,
            reason: found.1,
            renamed,
        })
    }

    /// The tool whose known build has one of the hashes in a Sysmon `Hashes`
    /// value (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`) or a bare hash; `renamed`
    /// when `image` is none of its names.
    pub fn identify_by_hash(&self, hashes: &str, image: Option<&str>) -> Option<ToolMatch<'_>> {
        let i = hashes
            .split([',', ';', ' '])
            .map(|h| h.rsplit('=').next().unwrap_or(h))
            .find_map(|h| self.by_hash.get(&text_key(h)))?;
        let tool = &self.tools[*i];
        let renamed = image
            .map(exe_key)
            .filter(|k| !k.is_empty())
            .is_some_and(|k| {
                !tool
                    .executables
                    .iter()
                    .chain(&tool.original_file_names)
                    .any(|n| exe_key(n) == k)
            });
        Some(ToolMatch {
            tool,
            reason: MatchReason::ByHash,
            renamed,
        })
    }

    /// Whether `image` (a path or file name) is a LOLBAS binary that should
    /// never make network connections.
    pub fn lolbin_no_network(&self, image: &str) -> bool {
        self.lolbin(image).is_some()
    }

    /// The LOLBin entry for `image`, when it is one that should stay offline.
    pub fn lolbin(&self, image: &str) -> Option<&LolbinEntry> {
        self.lolbin_names
            .get(&exe_key(image))
            .map(|&i| &self.lolbins[i])
    }
}
