//! Which upload tool an argv runs.

/// The upload tools [`super::classify`] parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploadTool {
    Rclone,
    AwsCli,
    Gsutil,
    Azcopy,
    S3cmd,
    Curl,
    Wget,
    PowerShell,
    Bitsadmin,
    Certreq,
}

impl UploadTool {
    /// The tool catalog's id (`crates/outflow-intel/data/tools.yml`).
    pub fn catalog_id(self) -> &'static str {
        match self {
            UploadTool::Rclone => "rclone",
            UploadTool::AwsCli => "aws_cli",
            UploadTool::Gsutil => "gsutil",
            UploadTool::Azcopy => "azcopy",
            UploadTool::S3cmd => "s3cmd",
            UploadTool::Curl => "curl",
            UploadTool::Wget => "wget",
            UploadTool::PowerShell => "powershell",
            UploadTool::Bitsadmin => "bitsadmin",
            UploadTool::Certreq => "certreq",
        }
    }

    /// Risk score of an upload by this tool (file-backed; see the README).
    pub fn risk(self) -> u8 {
        match self {
            UploadTool::Rclone
            | UploadTool::AwsCli
            | UploadTool::Gsutil
            | UploadTool::Azcopy
            | UploadTool::S3cmd => 9,
            UploadTool::Curl
            | UploadTool::Wget
            | UploadTool::PowerShell
            | UploadTool::Bitsadmin
            | UploadTool::Certreq => 8,
        }
    }

    /// From a catalog id or an executable base name (lower case, no `.exe`).
    pub fn from_name(name: &str) -> Option<UploadTool> {
        Some(match name {
            "rclone" => UploadTool::Rclone,
            "aws" | "aws_cli" => UploadTool::AwsCli,
            "gsutil" => UploadTool::Gsutil,
            "azcopy" => UploadTool::Azcopy,
            "s3cmd" => UploadTool::S3cmd,
            "curl" => UploadTool::Curl,
            "wget" | "wget2" => UploadTool::Wget,
            "powershell" | "pwsh" | "powershell_ise" => UploadTool::PowerShell,
            "bitsadmin" => UploadTool::Bitsadmin,
            "certreq" => UploadTool::Certreq,
            _ => return None,
        })
    }
}

/// Lower-case file name of a Windows or POSIX path, without `.exe` (or `.py`).
pub fn basename(path: &str) -> String {
    let name = path
        .trim_matches(|c: char| c == '"' || c.is_whitespace())
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    for ext in [".exe", ".py"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    name
}

fn is_python(name: &str) -> bool {
    name.strip_prefix("python").is_some_and(|v| {
        v.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == 'w')
    })
}

/// The tool and its arguments (argv without the program). Python launchers
/// (`python3 /usr/bin/aws s3 cp ...`) are looked through.
pub(crate) fn identify<'a>(
    argv: &'a [String],
    image: Option<&str>,
    hint: Option<&str>,
) -> Option<(UploadTool, &'a [String])> {
    let rest = argv.get(1..).unwrap_or(&[]);
    if let Some(t) = hint.and_then(|h| UploadTool::from_name(&h.trim().to_ascii_lowercase())) {
        return Some((t, rest));
    }
    let img = image.map(basename);
    if let Some(t) = img.as_deref().and_then(UploadTool::from_name) {
        return Some((t, rest));
    }
    let arg0 = basename(argv.first()?);
    if let Some(t) = UploadTool::from_name(&arg0) {
        return Some((t, rest));
    }
    if is_python(&arg0) || img.as_deref().is_some_and(is_python) {
        let script = rest.first()?;
        let t = UploadTool::from_name(&basename(script))?;
        return Some((t, rest.get(1..).unwrap_or(&[])));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basenames() {
        assert_eq!(basename(r"C:\Program Files\RClone\RCLONE.EXE"), "rclone");
        assert_eq!(basename("/usr/bin/curl"), "curl");
        assert_eq!(basename(""), "");
        assert!(is_python("python3.11"));
        assert!(!is_python("pythonista"));
    }
}
