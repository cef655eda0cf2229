//! Errors of loading data, user and policy files: each names the file and,
//! where it can, the key.

/// A data, user or policy file that cannot be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The file parsed but a value is wrong; `key` is a path such as `services[3].category`.
    #[error("{file}: {key}: {message}")]
    Invalid {
        file: String,
        key: String,
        message: String,
    },
    /// The file is not valid YAML for its kind (the message names line and column).
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

impl IntelError {
    pub(crate) fn invalid(file: &str, key: impl Into<String>, message: impl Into<String>) -> Self {
        IntelError::Invalid {
            file: file.to_string(),
            key: key.into(),
            message: message.into(),
        }
    }

    pub(crate) fn parse(file: &str, message: impl ToString) -> Self {
        IntelError::Parse {
            file: file.to_string(),
            message: message.to_string(),
        }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            IntelError::Invalid { file, .. }
            | IntelError::Parse { file, .. }
            | IntelError::Io { file, .. } => file,
        }
    }
}
