//! Lookups in the built-in web-service catalog.

use outflow_intel::{Category, Intel, Technique, WebServiceCatalog};
use std::sync::OnceLock;

fn catalog() -> &'static WebServiceCatalog {
    static CAT: OnceLock<WebServiceCatalog> = OnceLock::new();
    CAT.get_or_init(|| Intel::builtin().expect("built-in data loads").services)
}

/// (host, path, expected id, category, technique, upload)
#[allow(clippy::type_complexity)]
const SAMPLE: &[(&str, Option<&str>, &str, Category, Technique, bool)] = &[
    (
        "www.dropbox.com",
        None,
        "dropbox",
        Category::CloudStorage,
        Technique::T1567_002,
        false,
    ),
    (
        "content.dropboxapi.com",
        None,
        "dropbox",
        Category::CloudStorage,
        Technique::T1567_002,
        true,
    ),
    (
        "dl.dropboxusercontent.com",
        None,
        "dropbox",
        Category::CloudStorage,
        Technique::T1567_002,
        false,
    ),
    (
        "mega.nz",
        None,
        "mega",
        Category::CloudStorage,
        Technique::T1567_002,
        false,
    ),
    (
        "gfs270n162.userstorage.mega.co.nz",
        None,
        "mega",
        Category::CloudStorage,
        Technique::T1567_002,
        true,
    ),
    (
        "drive.google.com",
        None,
        "google_drive",
        Category::CloudStorage,
        Technique::T1567_002,
        false,
    ),
    (
        "www.googleapis.com",
        Some("/upload/drive/v3/files?uploadType=multipart"),
        "google_drive",
        Category::CloudStorage,
        Technique::T1567_002,
        true,
    ),
    (
        "corpbackup.s3.eu-west-1.amazonaws.com",
        None,
        "aws_s3",
        Category::CloudStorage,
        Technique::T1567_002,
        true,
    ),
    (
        "ec2-1-2-3-4.compute-1.amazonaws.com",
        None,
        "aws_other",
        Category::WebHosting,
        Technique::T1567,
        false,
    ),
    (
        "acct.blob.core.windows.net",
        None,
        "azure_blob",
        Category::CloudStorage,
        Technique::T1567_002,
        true,
    ),
    (
        "transfer.sh",
        None,
        "transfer_sh",
        Category::FileSharing,
        Technique::T1567_002,
        true,
    ),
    (
        "file.io",
        None,
        "file_io",
        Category::FileSharing,
        Technique::T1567_002,
        true,
    ),
    (
        "0x0.st",
        None,
        "zerox0_st",
        Category::FileSharing,
        Technique::T1567_002,
        true,
    ),
    (
        "www.wetransfer.com",
        None,
        "wetransfer",
        Category::FileSharing,
        Technique::T1567_002,
        false,
    ),
    (
        "gofile.io",
        None,
        "gofile",
        Category::FileSharing,
        Technique::T1567_002,
        false,
    ),
    (
        "store1.gofile.io",
        None,
        "gofile",
        Category::FileSharing,
        Technique::T1567_002,
        true,
    ),
    (
        "pastebin.com",
        Some("/api/api_post.php"),
        "pastebin",
        Category::Paste,
        Technique::T1567_003,
        true,
    ),
    (
        "pastebin.com",
        Some("/raw/abc"),
        "pastebin",
        Category::Paste,
        Technique::T1567_003,
        false,
    ),
    (
        "paste.ee",
        None,
        "paste_ee",
        Category::Paste,
        Technique::T1567_003,
        false,
    ),
    (
        "gist.github.com",
        None,
        "github_gist",
        Category::Paste,
        Technique::T1567_003,
        false,
    ),
    (
        "github.com",
        Some("/corpexample/app"),
        "github",
        Category::CodeRepository,
        Technique::T1567_001,
        false,
    ),
    (
        "uploads.github.com",
        None,
        "github_api",
        Category::CodeRepository,
        Technique::T1567_001,
        true,
    ),
    (
        "gitlab.com",
        None,
        "gitlab",
        Category::CodeRepository,
        Technique::T1567_001,
        false,
    ),
    (
        "discord.com",
        Some("/api/webhooks/123/abc"),
        "discord_webhook",
        Category::Webhook,
        Technique::T1567_004,
        true,
    ),
    (
        "discord.com",
        Some("/channels/@me"),
        "discord",
        Category::MessagingApi,
        Technique::T1567,
        false,
    ),
    (
        "discord.com",
        None,
        "discord",
        Category::MessagingApi,
        Technique::T1567,
        false,
    ),
    (
        "hooks.slack.com",
        Some("/services/T000/B000/XXXX"),
        "slack_webhook",
        Category::Webhook,
        Technique::T1567_004,
        true,
    ),
    (
        "corpexample.webhook.office.com",
        Some("/webhookb2/x"),
        "teams_webhook",
        Category::Webhook,
        Technique::T1567_004,
        true,
    ),
    (
        "webhook.site",
        Some("/bb8ca5f6"),
        "webhook_site",
        Category::Webhook,
        Technique::T1567_004,
        true,
    ),
    (
        "api.telegram.org",
        Some("/bot123:AAH/sendDocument"),
        "telegram_bot_api",
        Category::MessagingApi,
        Technique::T1567,
        true,
    ),
    (
        "api.telegram.org",
        Some("/bot123:AAH/getMe"),
        "telegram_bot_api",
        Category::MessagingApi,
        Technique::T1567,
        false,
    ),
    (
        "abc-12-34.ngrok-free.app",
        None,
        "ngrok",
        Category::TunnelRelay,
        Technique::T1572,
        false,
    ),
    (
        "x.ngrok.io",
        None,
        "ngrok",
        Category::TunnelRelay,
        Technique::T1572,
        false,
    ),
    (
        "tunnel.us.ngrok.com",
        None,
        "ngrok",
        Category::TunnelRelay,
        Technique::T1572,
        true,
    ),
    (
        "random-words.trycloudflare.com",
        None,
        "cloudflare_tunnel",
        Category::TunnelRelay,
        Technique::T1572,
        true,
    ),
    (
        "abcd-8080.euw.devtunnels.ms",
        None,
        "dev_tunnels",
        Category::TunnelRelay,
        Technique::T1572,
        false,
    ),
    (
        "corpexample.sharepoint.com",
        None,
        "sharepoint_online",
        Category::Collaboration,
        Technique::T1567_002,
        false,
    ),
    (
        "api.notion.com",
        Some("/v1/pages"),
        "notion",
        Category::Collaboration,
        Technique::T1567,
        true,
    ),
    (
        "www.carbonite.com",
        None,
        "carbonite",
        Category::Backup,
        Technique::T1567_002,
        false,
    ),
    (
        "cdn.jsdelivr.net",
        None,
        "jsdelivr",
        Category::Cdn,
        Technique::T1102,
        false,
    ),
    (
        "chatgpt.com",
        None,
        "openai",
        Category::AiService,
        Technique::T1567,
        false,
    ),
    (
        "api.openai.com",
        Some("/v1/files"),
        "openai",
        Category::AiService,
        Technique::T1567,
        true,
    ),
    (
        "evil.workers.dev",
        None,
        "cloudflare_workers",
        Category::WebHosting,
        Technique::T1567,
        false,
    ),
    (
        "twitter.com",
        None,
        "twitter",
        Category::SocialMedia,
        Technique::T1102,
        false,
    ),
    (
        "abc.oast.fun",
        None,
        "interactsh",
        Category::RequestCapture,
        Technique::T1567,
        false,
    ),
];

#[test]
fn sample_of_every_category() {
    let cat = catalog();
    for &(host, path, id, category, technique, upload) in SAMPLE {
        let m = cat
            .lookup(host, path)
            .unwrap_or_else(|| panic!("{host} {path:?}: no match"));
        assert_eq!(m.id(), id, "{host} {path:?} (pattern {})", m.pattern);
        assert_eq!(m.category(), category, "{host} {path:?}");
        assert_eq!(m.technique(), technique, "{host} {path:?}");
        assert_eq!(
            m.upload, upload,
            "{host} {path:?} upload (pattern {})",
            m.pattern
        );
    }
    let seen: std::collections::HashSet<_> = SAMPLE.iter().map(|s| s.3).collect();
    for c in Category::ALL {
        assert!(seen.contains(c), "no sample for {}", c.as_str());
    }
}

#[test]
fn host_forms() {
    let cat = catalog();
    for host in [
        "WWW.DropBox.COM",
        "www.dropbox.com.",
        "www.dropbox.com:443",
        "https://www.dropbox.com/s/x",
        " www.dropbox.com ",
    ] {
        assert_eq!(
            cat.lookup(host, None).map(|m| m.entry.id.as_str()),
            Some("dropbox"),
            "{host:?}"
        );
    }
}

#[test]
fn ip_literals_and_junk() {
    let cat = catalog();
    for host in [
        "1.2.3.4",
        "1.2.3.4:443",
        "[2001:db8::1]:443",
        "2001:db8::1",
        "",
        ".",
        "::",
        "com",
        "dropbox",
    ] {
        assert!(cat.lookup(host, None).is_none(), "{host:?}");
    }
}

#[test]
fn label_boundaries() {
    let cat = catalog();
    assert!(cat.lookup("notdropbox.com", None).is_none());
    assert!(cat.lookup("dropbox.com.evil.example", None).is_none());
    assert!(cat.lookup("mytransfer.sh", None).is_none());
    assert!(
        cat.lookup("ngrok-free.app", None).is_none(),
        "the apex is not a tunnel host"
    );
}

#[test]
fn public_suffix_edge_cases() {
    let cat = catalog();
    // github.io is a public suffix: every user page is its own registered domain.
    let m = cat
        .lookup("corpexample.github.io", None)
        .expect("github pages");
    assert_eq!(m.id(), "github_pages");
    assert_eq!(m.tenant.as_deref(), Some("corpexample"));
    assert_eq!(
        outflow_intel::registered_domain("www.corpexample.github.io").as_deref(),
        Some("corpexample.github.io")
    );
    assert_eq!(outflow_intel::registered_domain("github.io"), None);
    assert_eq!(
        outflow_intel::registered_domain("a.b.example.co.uk.").as_deref(),
        Some("example.co.uk")
    );
    assert_eq!(outflow_intel::registered_domain("10.0.0.1"), None);
    // A .co.uk site is not confused with a catalog entry by its suffix.
    assert!(cat.lookup("dropbox.co.uk", None).is_none());
    // yandex.ru vs yandex.com entries are separate hosts.
    assert_eq!(
        cat.lookup("disk.yandex.ru", None)
            .map(|m| m.entry.id.clone())
            .as_deref(),
        Some("yandex_disk")
    );
}

#[test]
fn tenants() {
    let cat = catalog();
    let t = |h: &str, p: Option<&str>| cat.lookup(h, p).and_then(|m| m.tenant);
    assert_eq!(
        t("corpexample-my.sharepoint.com", None).as_deref(),
        Some("corpexample")
    );
    assert_eq!(
        t("CorpExample.sharepoint.com", None).as_deref(),
        Some("corpexample")
    );
    assert_eq!(
        t("corp-backups.s3.amazonaws.com", None).as_deref(),
        Some("corp-backups")
    );
    assert_eq!(
        t("s3.eu-west-1.amazonaws.com", Some("/corp-backups/x.zip")).as_deref(),
        Some("corp-backups")
    );
    assert_eq!(
        t("github.com", Some("/CorpExample/repo.git/info/refs")).as_deref(),
        Some("corpexample")
    );
    assert_eq!(
        t("storageacct.blob.core.windows.net", None).as_deref(),
        Some("storageacct")
    );
}

#[test]
fn a_service_s_own_hosts_are_not_tenants() {
    let cat = catalog();
    let t = |h: &str| cat.lookup(h, None).map(|m| (m.entry.id.clone(), m.tenant));
    let id_and = |id: &str, tenant: Option<&str>| Some((id.to_string(), tenant.map(String::from)));
    // Labels of the file's list and of an entry's own list are passed over.
    assert_eq!(t("app.box.com"), id_and("box", None));
    assert_eq!(t("acme.app.box.com"), id_and("box", Some("acme")));
    assert_eq!(t("acme.box.com"), id_and("box", Some("acme")));
    assert_eq!(t("dl2.boxcloud.com"), id_and("box", None));
    assert_eq!(t("hooks.slack.com"), id_and("slack_api", None));
    assert_eq!(t("wss-primary.slack.com"), id_and("slack_api", None));
    assert_eq!(
        t("corpexample.slack.com"),
        id_and("slack_api", Some("corpexample"))
    );
    assert_eq!(t("www.github.io"), id_and("github_pages", None));
    // A bucket or account name that merely contains a skipped word stays.
    assert_eq!(
        t("api-exports.s3.amazonaws.com"),
        id_and("aws_s3", Some("api-exports"))
    );
    // Dev Tunnels hosts carry a region cluster or a control-plane name there.
    assert_eq!(
        t("global.rel.tunnels.api.visualstudio.com"),
        id_and("dev_tunnels", None)
    );
    assert_eq!(
        t("x1b2c3-8080.usw2.devtunnels.ms"),
        id_and("dev_tunnels", None)
    );
}

#[test]
fn tenant_skip_is_read_from_a_user_file() {
    let text = r#"
name: mine
kind: web_services
tenant_skip: [portal]
groups:
  - group: test
    category: cloud_storage
    technique: T1567.002
    source: test
    services:
      - {id: acme_store, service: Acme Store, provider: Acme, domains: ["*.acmestore.example"], tenant: subdomain, tenant_skip: ["edge-*"]}
"#;
    let cat = WebServiceCatalog::from_yaml("mine.yml", text).expect("loads");
    let t = |h: &str| cat.lookup(h, None).and_then(|m| m.tenant);
    assert_eq!(t("portal.acmestore.example"), None);
    assert_eq!(t("edge-eu1.acmestore.example"), None);
    assert_eq!(
        t("corp.edge-eu1.acmestore.example").as_deref(),
        Some("corp")
    );
    assert_eq!(t("corp.acmestore.example").as_deref(), Some("corp"));
}

#[test]
fn upload_endpoint_vs_plain_domain() {
    let cat = catalog();
    let up = |h: &str, p: Option<&str>| cat.lookup(h, p).map(|m| m.upload);
    assert_eq!(up("www.dropbox.com", None), Some(false));
    assert_eq!(up("content.dropboxapi.com", None), Some(true));
    assert_eq!(up("api.dropboxapi.com", None), Some(false));
    assert_eq!(up("mega.nz", None), Some(false));
    assert_eq!(up("userstorage.mega.co.nz", None), Some(true));
    // Without the webhook path, hooks.slack.com is plain Slack.
    assert_eq!(
        cat.lookup("hooks.slack.com", None)
            .map(|m| m.entry.id.clone())
            .as_deref(),
        Some("slack_api")
    );
    assert_eq!(up("hooks.slack.com", None), Some(false));
    assert_eq!(up("f001.backblaze.com", None), Some(false));
    assert_eq!(up("pod-000-1118-16.backblaze.com", None), Some(true));
    assert_eq!(up("hooks.slack.com", Some("/services/T/B/X")), Some(true));
    assert_eq!(up("slack.com", Some("/api/chat.postMessage")), Some(true));
    assert_eq!(up("slack.com", Some("/intl/en-gb/")), Some(false));
}

#[test]
fn path_matters_only_where_a_path_can_change_the_answer() {
    let cat = catalog();
    for h in [
        "hooks.slack.com",
        "slack.com",
        "s3.amazonaws.com",
        "discord.com",
    ] {
        assert!(cat.path_matters(h), "{h}");
    }
    for h in [
        "mega.nz",
        "userstorage.mega.co.nz",
        "example.org",
        "10.1.2.3",
    ] {
        assert!(!cat.path_matters(h), "{h}");
    }
    // Where it says a path cannot matter, no path changes the lookup: every
    // host pattern of the catalog, its wildcards filled in, under several paths.
    let paths = [
        "/",
        "/api/webhooks/1/x",
        "/services/T/B/X",
        "/bucket-name/key",
        "/upload?x=1",
    ];
    let mut checked = 0;
    for e in cat.entries() {
        for pattern in e.domains.iter().chain(&e.upload_endpoints) {
            let host = pattern
                .split('/')
                .next()
                .unwrap_or_default()
                .replace('*', "x1");
            if cat.path_matters(&host) {
                continue;
            }
            let plain = cat.lookup(&host, None);
            for p in paths {
                assert_eq!(cat.lookup(&host, Some(p)), plain, "{host} {p}");
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} hosts checked");
}
