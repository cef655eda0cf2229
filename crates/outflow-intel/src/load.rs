//! Reading the built-in data files and a folder of user files: a user file with
//! the same `name:` as a built-in one replaces it; others add to it.

use crate::{IntelError, BUILTIN};
use serde::Deserialize;
use std::path::Path;

/// One data file's text, where it came from and whether the user gave it.
pub(crate) struct DataFile {
    pub origin: String,
    pub name: String,
    pub kind: Kind,
    pub text: String,
    pub user: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    WebServices,
    Tools,
    Lolbins,
}

#[derive(Deserialize)]
struct Header {
    name: String,
    kind: Kind,
}

/// Built-in files, with the `*.yml`/`*.yaml` files of `user_dir` (sorted by
/// name) after them; a built-in file is dropped when a user file has its name.
pub(crate) fn data_files(user_dir: Option<&Path>) -> Result<Vec<DataFile>, IntelError> {
    let mut user = Vec::new();
    if let Some(dir) = user_dir {
        for path in yaml_files(dir)? {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|source| IntelError::Io {
                file: origin.clone(),
                source,
            })?;
            user.push(data_file(origin, text, true)?);
        }
    }
    let mut files = Vec::new();
    for (name, text) in BUILTIN {
        let file = data_file(format!("built-in {name}"), text.to_string(), false)?;
        if !user.iter().any(|u: &DataFile| u.name == file.name) {
            files.push(file);
        }
    }
    files.extend(user);
    Ok(files)
}

fn data_file(origin: String, text: String, user: bool) -> Result<DataFile, IntelError> {
    let header: Header = yaml_serde::from_str(&text).map_err(|e| IntelError::parse(&origin, e))?;
    Ok(DataFile {
        origin,
        name: header.name,
        kind: header.kind,
        text,
        user,
    })
}

fn yaml_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, IntelError> {
    let io = |source| IntelError::Io {
        file: dir.display().to_string(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Keeps entries by id: a user entry replaces a built-in one with its id;
/// two entries with one id in the same layer are an error.
pub(crate) struct ById<T> {
    entries: Vec<(T, bool, String)>,
    index: rustc_hash::FxHashMap<String, usize>,
}

impl<T> ById<T> {
    pub fn new() -> Self {
        ById {
            entries: Vec::new(),
            index: Default::default(),
        }
    }

    /// Adds `entry` (`origin` and `key` name it in errors).
    pub fn add(
        &mut self,
        id: &str,
        entry: T,
        user: bool,
        origin: &str,
        key: &str,
    ) -> Result<(), IntelError> {
        let id = id.to_ascii_lowercase();
        match self.index.get(&id) {
            Some(&at) if self.entries[at].1 == user => Err(IntelError::invalid(
                origin,
                key,
                format!("duplicate id `{id}` (first in {})", self.entries[at].2),
            )),
            Some(&at) => {
                self.entries[at] = (entry, user, origin.to_string());
                Ok(())
            }
            None => {
                self.index.insert(id, self.entries.len());
                self.entries.push((entry, user, origin.to_string()));
                Ok(())
            }
        }
    }

    pub fn into_vec(self) -> Vec<T> {
        self.entries.into_iter().map(|(e, _, _)| e).collect()
    }
}
