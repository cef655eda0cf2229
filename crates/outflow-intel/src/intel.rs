//! Everything outflow-intel knows, loaded once.

use crate::load::data_files;
use crate::{IntelError, ToolCatalog, WebServiceCatalog};
use std::path::Path;

/// The web-service and tool catalogs.
#[derive(Debug)]
pub struct Intel {
    pub services: WebServiceCatalog,
    pub tools: ToolCatalog,
    /// (name, origin) of every data file used, built-in ones first.
    pub loaded: Vec<(String, String)>,
}

impl Intel {
    /// The built-in data only.
    pub fn builtin() -> Result<Intel, IntelError> {
        Intel::load(None)
    }

    /// Built-in data with the `*.yml`/`*.yaml` files of `user_dir`: a user file
    /// with a built-in file's `name:` replaces it, other files add entries, and a
    /// user entry with a built-in entry's `id` replaces that entry
    /// (`disabled: true` removes it).
    pub fn load(user_dir: Option<&Path>) -> Result<Intel, IntelError> {
        let files = data_files(user_dir)?;
        Ok(Intel {
            services: WebServiceCatalog::from_files(&files)?,
            tools: ToolCatalog::from_files(&files)?,
            loaded: files
                .iter()
                .map(|f| (f.name.clone(), f.origin.clone()))
                .collect(),
        })
    }
}
