//! Internet destinations: domain, address, the firewall's App-ID and the
//! proxy's category. Known services have fixed addresses; others (buckets,
//! tunnel endpoints, per-tenant hosts) get a stable address from their name.

#[derive(Clone, Debug)]
pub struct Svc {
    pub domain: String,
    pub ip: String,
    pub port: u16,
    /// PAN-OS application.
    pub app: &'static str,
    /// Proxy / firewall URL category.
    pub category: &'static str,
    /// ISO country of the address (firewall).
    pub country: &'static str,
}

type Entry = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// (domain, address, app, category, country)
const KNOWN: &[Entry] = &[
    (
        "www.bbc.co.uk",
        "151.101.0.81",
        "web-browsing",
        "News",
        "US",
    ),
    (
        "www.google.com",
        "142.250.184.196",
        "google-base",
        "Search Engines/Portals",
        "US",
    ),
    (
        "www.wikipedia.org",
        "185.15.59.224",
        "web-browsing",
        "Reference",
        "NL",
    ),
    (
        "www.linkedin.com",
        "13.107.42.14",
        "linkedin-base",
        "Social Networking",
        "US",
    ),
    (
        "www.nytimes.com",
        "151.101.1.164",
        "web-browsing",
        "News",
        "US",
    ),
    (
        "stackoverflow.com",
        "104.18.32.7",
        "web-browsing",
        "Technology/Internet",
        "US",
    ),
    (
        "www.ecb.europa.eu",
        "23.48.191.21",
        "web-browsing",
        "Business/Economy",
        "DE",
    ),
    (
        "outlook.office365.com",
        "52.97.144.162",
        "ms-office365-base",
        "Web Email",
        "US",
    ),
    (
        "teams.microsoft.com",
        "52.113.194.132",
        "ms-teams",
        "Business/Economy",
        "US",
    ),
    (
        "login.microsoftonline.com",
        "20.190.160.20",
        "ms-office365-base",
        "Business/Economy",
        "US",
    ),
    (
        "corpexample.sharepoint.com",
        "52.104.7.12",
        "sharepoint-online",
        "Business/Economy",
        "US",
    ),
    (
        "corpexample-my.sharepoint.com",
        "52.104.7.14",
        "ms-onedrive-business",
        "Business/Economy",
        "US",
    ),
    ("zoom.us", "170.114.52.2", "zoom", "Business/Economy", "US"),
    (
        "github.com",
        "140.82.121.4",
        "github-base",
        "Technology/Internet",
        "US",
    ),
    (
        "api.github.com",
        "140.82.121.6",
        "github-base",
        "Technology/Internet",
        "US",
    ),
    (
        "pypi.org",
        "151.101.64.223",
        "web-browsing",
        "Technology/Internet",
        "US",
    ),
    (
        "deb.debian.org",
        "151.101.2.132",
        "apt-get",
        "Technology/Internet",
        "US",
    ),
    (
        "security.debian.org",
        "151.101.130.132",
        "apt-get",
        "Technology/Internet",
        "US",
    ),
    (
        "drive.google.com",
        "142.250.185.78",
        "google-drive-web",
        "Online Storage",
        "US",
    ),
    (
        "docs.google.com",
        "142.250.185.46",
        "google-docs-base",
        "Business/Economy",
        "US",
    ),
    (
        "s3.us-east-1.amazonaws.com",
        "52.217.171.88",
        "amazon-s3-base",
        "Online Storage",
        "US",
    ),
    (
        "intake.datadoghq.com",
        "3.233.146.12",
        "datadog",
        "Technology/Internet",
        "US",
    ),
    (
        "app.box.com",
        "74.112.186.144",
        "boxnet-base",
        "Online Storage",
        "US",
    ),
    (
        "g.api.mega.co.nz",
        "89.44.169.135",
        "mega",
        "Online Storage",
        "LU",
    ),
    (
        "gfs270n112.userstorage.mega.co.nz",
        "31.216.148.11",
        "mega",
        "Online Storage",
        "LU",
    ),
    (
        "transfer.sh",
        "144.76.136.153",
        "web-browsing",
        "File Sharing",
        "DE",
    ),
    (
        "file.io",
        "104.21.77.42",
        "web-browsing",
        "File Sharing",
        "US",
    ),
    (
        "0x0.st",
        "168.119.145.117",
        "web-browsing",
        "File Sharing",
        "DE",
    ),
    (
        "store1.gofile.io",
        "51.38.101.93",
        "web-browsing",
        "File Sharing",
        "FR",
    ),
    (
        "discord.com",
        "162.159.135.232",
        "discord",
        "Chat/Instant Messaging",
        "US",
    ),
    (
        "webhook.site",
        "178.63.67.106",
        "web-browsing",
        "Technology/Internet",
        "DE",
    ),
    (
        "hooks.slack.com",
        "54.192.51.26",
        "slack-base",
        "Chat/Instant Messaging",
        "US",
    ),
    (
        "pastebin.com",
        "104.20.68.143",
        "pastebin",
        "Personal Sites",
        "US",
    ),
    (
        "storage.googleapis.com",
        "142.250.186.59",
        "google-cloud-storage-base",
        "Online Storage",
        "US",
    ),
    (
        "content.dropboxapi.com",
        "162.125.6.14",
        "dropbox-base",
        "Online Storage",
        "US",
    ),
    (
        "eapi.pcloud.com",
        "74.120.8.13",
        "pcloud",
        "Online Storage",
        "LU",
    ),
    (
        "connect.ngrok-agent.com",
        "3.20.27.198",
        "ngrok",
        "Remote Access",
        "US",
    ),
    (
        "region1.v2.argotunnel.com",
        "198.41.192.7",
        "cloudflare-tunnel",
        "Remote Access",
        "US",
    ),
    (
        "global.rel.tunnels.api.visualstudio.com",
        "20.42.65.92",
        "ms-dev-tunnels",
        "Remote Access",
        "US",
    ),
    (
        "smtp.gmail.com",
        "142.250.102.27",
        "gmail-base",
        "Web Email",
        "US",
    ),
];

pub fn svc(domain: &str) -> Svc {
    if let Some(e) = KNOWN.iter().find(|e| e.0 == domain) {
        return Svc {
            domain: domain.to_string(),
            ip: e.1.to_string(),
            port: 443,
            app: e.2,
            category: e.3,
            country: e.4,
        };
    }
    let (app, category, base) = if domain.ends_with(".amazonaws.com") {
        ("amazon-s3-base", "Online Storage", [52u8, 216])
    } else if domain.ends_with(".blob.core.windows.net") {
        ("ms-azure-storage", "Online Storage", [20, 60])
    } else if domain.ends_with(".webhook.office.com") {
        ("ms-teams", "Business/Economy", [52, 108])
    } else if domain.ends_with(".devtunnels.ms") {
        ("ms-dev-tunnels", "Remote Access", [20, 42])
    } else if domain.ends_with(".ngrok.io") || domain.ends_with(".ngrok-free.app") {
        ("ngrok", "Remote Access", [3, 20])
    } else if domain.ends_with(".trycloudflare.com") {
        ("cloudflare-tunnel", "Remote Access", [104, 16])
    } else {
        ("web-browsing", "Uncategorized", [185, 199])
    };
    let mut h: u32 = 2166136261;
    for b in domain.bytes() {
        h = (h ^ b as u32).wrapping_mul(16777619);
    }
    Svc {
        domain: domain.to_string(),
        ip: format!(
            "{}.{}.{}.{}",
            base[0],
            base[1],
            (h >> 8) & 0xff,
            1 + (h & 0xfd)
        ),
        port: 443,
        app,
        category,
        country: "US",
    }
}

/// Benign browsing destinations.
pub const BROWSING: [&str; 8] = [
    "www.bbc.co.uk",
    "www.google.com",
    "www.wikipedia.org",
    "www.linkedin.com",
    "www.nytimes.com",
    "stackoverflow.com",
    "www.ecb.europa.eu",
    "login.microsoftonline.com",
];
