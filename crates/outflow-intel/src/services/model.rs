//! The vocabulary of the web-service catalog.

use serde::{Deserialize, Serialize};

/// What a service is for, as far as data leaving goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    CloudStorage,
    FileSharing,
    Paste,
    CodeRepository,
    Webhook,
    MessagingApi,
    TunnelRelay,
    Collaboration,
    Backup,
    Cdn,
    AiService,
    WebHosting,
    SocialMedia,
    RequestCapture,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::CloudStorage,
        Category::FileSharing,
        Category::Paste,
        Category::CodeRepository,
        Category::Webhook,
        Category::MessagingApi,
        Category::TunnelRelay,
        Category::Collaboration,
        Category::Backup,
        Category::Cdn,
        Category::AiService,
        Category::WebHosting,
        Category::SocialMedia,
        Category::RequestCapture,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Category::CloudStorage => "cloud_storage",
            Category::FileSharing => "file_sharing",
            Category::Paste => "paste",
            Category::CodeRepository => "code_repository",
            Category::Webhook => "webhook",
            Category::MessagingApi => "messaging_api",
            Category::TunnelRelay => "tunnel_relay",
            Category::Collaboration => "collaboration",
            Category::Backup => "backup",
            Category::Cdn => "cdn",
            Category::AiService => "ai_service",
            Category::WebHosting => "web_hosting",
            Category::SocialMedia => "social_media",
            Category::RequestCapture => "request_capture",
        }
    }
}

/// The ATT&CK technique a transfer to the service implies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Technique {
    /// Exfiltration Over Web Service
    #[serde(rename = "T1567")]
    T1567,
    /// Exfiltration to Code Repository
    #[serde(rename = "T1567.001")]
    T1567_001,
    /// Exfiltration to Cloud Storage
    #[serde(rename = "T1567.002")]
    T1567_002,
    /// Exfiltration to Text Storage Sites
    #[serde(rename = "T1567.003")]
    T1567_003,
    /// Exfiltration Over Webhook
    #[serde(rename = "T1567.004")]
    T1567_004,
    /// Web Service (C2 over a legitimate service)
    #[serde(rename = "T1102")]
    T1102,
    /// Protocol Tunneling
    #[serde(rename = "T1572")]
    T1572,
    /// Ingress Tool Transfer (downloads; for tools, not services)
    #[serde(rename = "T1105")]
    T1105,
    /// Proxy (Tor gateways, multi-hop relays)
    #[serde(rename = "T1090")]
    T1090,
    /// Exfiltration Over Alternative Protocol
    #[serde(rename = "T1048")]
    T1048,
}

impl Technique {
    pub const ALL: &'static [Technique] = &[
        Technique::T1567,
        Technique::T1567_001,
        Technique::T1567_002,
        Technique::T1567_003,
        Technique::T1567_004,
        Technique::T1102,
        Technique::T1572,
        Technique::T1105,
        Technique::T1090,
        Technique::T1048,
    ];

    /// The ATT&CK id, e.g. `T1567.002`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Technique::T1567 => "T1567",
            Technique::T1567_001 => "T1567.001",
            Technique::T1567_002 => "T1567.002",
            Technique::T1567_003 => "T1567.003",
            Technique::T1567_004 => "T1567.004",
            Technique::T1102 => "T1102",
            Technique::T1572 => "T1572",
            Technique::T1105 => "T1105",
            Technique::T1090 => "T1090",
            Technique::T1048 => "T1048",
        }
    }
}

/// Where the tenant (account, bucket, organisation) of a service shows in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantFrom {
    /// The label the pattern's leading `*` stands for, next to the fixed part
    /// (`corpexample` in `corpexample.sharepoint.com`).
    Subdomain,
    /// The first path segment (`corpexample` in `github.com/corpexample/repo`).
    Path,
    /// The subdomain when the host has one, else the first path segment
    /// (S3 virtual-hosted and path-style requests).
    SubdomainOrPath,
}

/// One service of the catalog, after loading.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceEntry {
    /// Stable identifier (`dropbox`, `discord_webhook`); user entries replace by it.
    pub id: String,
    /// Display name.
    pub service: String,
    pub provider: String,
    pub category: Category,
    pub technique: Technique,
    /// Host patterns (`example.com`, `*.example.com`, `host/path/prefix`).
    pub domains: Vec<String>,
    /// Patterns of the endpoints that receive uploads, where they differ.
    pub upload_endpoints: Vec<String>,
    pub tenant: Option<TenantFrom>,
    /// Suffixes removed from a tenant (`-my` for OneDrive for Business).
    pub tenant_strip: Vec<String>,
    /// Label globs of the service's own hosts (`app` in `app.box.com`): a
    /// subdomain tenant is the first label left of them, so
    /// `acme.app.box.com` gives `acme` and `app.box.com` none.
    pub tenant_skip: Vec<String>,
    /// Where the entry comes from.
    pub source: String,
    pub note: Option<String>,
}
