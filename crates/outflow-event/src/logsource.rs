use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A Sigma logsource: product / category / service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Arc<str>>,
}

impl fmt::Display for LogSource {
    /// `product/category/service`, with `-` for a missing part.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |p: &Option<Arc<str>>| p.as_deref().unwrap_or("-").to_string();
        write!(
            f,
            "{}/{}/{}",
            part(&self.product),
            part(&self.category),
            part(&self.service)
        )
    }
}

macro_rules! source_kinds {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// The input format a record was read from.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum SourceKind {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl SourceKind {
            pub const ALL: &'static [SourceKind] = &[$(SourceKind::$variant,)*];

            pub fn as_str(&self) -> &'static str {
                match self { $(SourceKind::$variant => $name,)* }
            }

            pub fn describe(&self) -> &'static str {
                match self { $(SourceKind::$variant => $doc,)* }
            }
        }

        impl FromStr for SourceKind {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok(SourceKind::$variant),)*
                    _ => Err(format!(
                        "unknown input format '{s}' (known: {})",
                        [$($name),*].join(", ")
                    )),
                }
            }
        }
    };
}

source_kinds! {
    Evtx => "evtx", "Windows EVTX event log file";
    WinJson => "win-json", "Windows events as JSON (evtx_dump, Winlogbeat/ECS, flat NXLog-style)";
    Auditd => "auditd", "Linux auditd raw log";
    ZeekTsv => "zeek-tsv", "Zeek/Bro TSV log with #fields header";
    ZeekJson => "zeek-json", "Zeek JSON log (one object per line)";
    W3c => "w3c", "W3C Extended Log Format proxy/web log (ProxySG, IIS)";
    Squid => "squid", "Squid native access.log";
    PanOs => "panos", "Palo Alto PAN-OS TRAFFIC log (CSV or syslog)";
    M365 => "m365", "Microsoft 365 Unified Audit Log (JSON)";
    M365Csv => "m365-csv", "Microsoft 365 audit search export (CSV with an AuditData column)";
    GWorkspace => "gworkspace", "Google Workspace Reports API activities (JSON)";
    CloudTrail => "cloudtrail", "AWS CloudTrail (Records file or JSON lines)";
    GitHub => "github", "GitHub audit log (JSON lines)";
    Slack => "slack", "Slack Enterprise Grid audit logs (API response pages or JSON lines)";
    Proofpoint => "proofpoint", "Proofpoint on Demand message log (JSON)";
    MessageTrace => "message-trace", "Microsoft 365 / Exchange message trace export (CSV)";
    Json => "json", "JSON objects of no recognised product (fields kept as read)";
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
