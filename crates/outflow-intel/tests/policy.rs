//! The policy file: loading, validation and queries.

use outflow_intel::{AllowQuery, Intel, IntelError, Policy, Sanctioned, POLICY_EXAMPLE};

fn example() -> Policy {
    Policy::from_yaml("policy.example.yml", POLICY_EXAMPLE).expect("example policy loads")
}

#[test]
fn sanctioned_domains_tenants_buckets() {
    let p = example();
    assert!(p.is_sanctioned(Sanctioned::Domain("corpexample.com")));
    assert!(p.is_sanctioned(Sanctioned::Domain("Files.CorpExample.com.")));
    assert!(!p.is_sanctioned(Sanctioned::Domain("corpexample.com.evil.example")));
    assert!(!p.is_sanctioned(Sanctioned::Domain("10.0.0.1")));
    assert!(p.is_sanctioned(Sanctioned::Tenant {
        service: "sharepoint_online",
        tenant: "CorpExample"
    }));
    assert!(!p.is_sanctioned(Sanctioned::Tenant {
        service: "sharepoint_online",
        tenant: "rival"
    }));
    assert!(!p.is_sanctioned(Sanctioned::Tenant {
        service: "box",
        tenant: "corpexample-labs"
    }));
    assert!(p.is_sanctioned(Sanctioned::Bucket("corpexample-backups")));
    assert!(p.is_sanctioned(Sanctioned::Bucket("corpexample-logs-2026")));
    assert!(!p.is_sanctioned(Sanctioned::Bucket("corpexample-backupsx")));
}

#[test]
fn sanctioned_apps_by_service_id_or_name() {
    let p = example();
    let app = |service, app| Sanctioned::App { service, app };
    assert!(p.is_sanctioned(app("slack", "A0F7XDUAZ")));
    assert!(p.is_sanctioned(app("Slack", "pagerduty ")));
    // Another service's app of the same name, and unknown apps, are not.
    assert!(!p.is_sanctioned(app("teams", "PagerDuty")));
    assert!(!p.is_sanctioned(app("slack", "Release Notifier")));
    let err = Policy::from_yaml(
        "p",
        "sanctioned:\n  apps:\n    - {service: slack, apps: [\" \"]}\n",
    )
    .expect_err("an empty app is refused");
    assert!(
        err.to_string().contains("sanctioned.apps[0].apps[0]"),
        "{err}"
    );
}

#[test]
fn sanctioned_catalog_matches() {
    let p = example();
    let intel = Intel::builtin().expect("builtin");
    let check = |host: &str, path: Option<&str>| {
        let m = intel.services.lookup(host, path).expect("catalogued");
        p.is_sanctioned_match(&m, host)
    };
    assert!(check("corpexample-my.sharepoint.com", None));
    assert!(!check("rival-my.sharepoint.com", None));
    assert!(check(
        "corpexample-backups.s3.eu-west-1.amazonaws.com",
        None
    ));
    assert!(check("s3.amazonaws.com", Some("/corpexample-logs-7/x")));
    assert!(!check("exfil-bucket.s3.amazonaws.com", None));
    assert!(check(
        "github.com",
        Some("/corpexample/app.git/git-receive-pack")
    ));
    assert!(!check(
        "github.com",
        Some("/someone/app.git/git-receive-pack")
    ));
    assert!(check("corpexample.github.io", None));
    assert!(check("corpexamplestorage.blob.core.windows.net", None));
}

#[test]
fn internal_networks() {
    let p = example();
    for ip in [
        "10.1.2.3",
        "172.31.255.1",
        "192.168.0.10",
        "fd12::1",
        "100.64.1.1",
    ] {
        assert!(p.is_internal(ip.parse().expect("ip")), "{ip}");
    }
    for ip in ["8.8.8.8", "172.32.0.1", "2001:db8::1"] {
        assert!(!p.is_internal(ip.parse().expect("ip")), "{ip}");
    }
}

#[test]
fn allowlists() {
    let p = example();
    assert!(p.is_allowed(
        "BKP-01",
        r"CORP\svc_backup",
        r"C:\Program Files\rclone\rclone.exe",
        "corpexample-backups.s3.eu-west-1.amazonaws.com:443",
    ));
    assert!(!p.is_allowed(
        "WS-17",
        r"CORP\svc_backup",
        r"C:\Program Files\rclone\rclone.exe",
        "x.s3.eu-west-1.amazonaws.com"
    ));
    assert!(!p.is_allowed(
        "BKP-01",
        r"CORP\svc_backup",
        r"C:\Users\Public\rclone.exe",
        "x.s3.eu-west-1.amazonaws.com"
    ));
    assert!(!p.is_allowed(
        "BKP-01",
        r"CORP\svc_backup",
        r"C:\Program Files\rclone\rclone.exe",
        "mega.nz"
    ));
    // File-name image patterns match any folder.
    assert!(p.is_allowed("build-7", "jenkins", "/usr/bin/git", "github.com"));
    assert!(p.is_allowed(
        "BUILD-7",
        "jenkins",
        r"C:\Program Files\Git\mingw64\libexec\git-core\git-remote-https.exe",
        "api.github.com"
    ));
    // CIDR destinations.
    assert!(p.is_allowed("SOC-SANDBOX-1", "analyst", "python.exe", "203.0.113.9"));
    assert!(!p.is_allowed("SOC-SANDBOX-1", "analyst", "python.exe", "198.51.100.9"));
    // Signer rules need the signer.
    let q = AllowQuery {
        image: Some(r"C:\Users\bob\AppData\Local\Microsoft\OneDrive\OneDrive.exe"),
        signer: Some("Microsoft Corporation"),
        ..AllowQuery::default()
    };
    assert_eq!(
        p.allowed_by(&q).map(|r| r.name.as_str()),
        Some("signed sync clients")
    );
    let unsigned = AllowQuery { signer: None, ..q };
    assert!(p.allowed_by(&unsigned).is_none());
}

#[test]
fn invalid_policies_name_the_key() {
    let cases = [
        ("internal_networks: [10.0.0.0/33]\n", "internal_networks[0]"),
        (
            "sanctioned:\n  domains: [\"*.com\"]\n",
            "sanctioned.domains[0]",
        ),
        ("allow:\n  - name: everything\n", "allow[0]"),
        (
            "allow:\n  - {name: a, hosts: [x]}\n  - {name: a, hosts: [y]}\n",
            "allow[1].name",
        ),
        (
            "allow:\n  - {name: a, destinations: [\"bad host\"]}\n",
            "allow[0].destinations[0]",
        ),
        (
            "sanctioned:\n  tenants:\n    - {service: box, tenants: [\"\"]}\n",
            "sanctioned.tenants[0].tenants[0]",
        ),
        ("sanctoned: {}\n", "unknown field `sanctoned`"),
    ];
    for (text, key) in cases {
        let e = Policy::from_yaml("corp-policy.yml", text).expect_err(text);
        let msg = e.to_string();
        assert!(msg.starts_with("corp-policy.yml: "), "{msg}");
        assert!(msg.contains(key), "expected {key:?} in {msg}");
    }
    assert!(matches!(
        Policy::load(std::path::Path::new("/nonexistent/policy.yml")),
        Err(IntelError::Io { .. })
    ));
    assert!(Policy::from_yaml("empty.yml", "").is_ok());
}

#[test]
fn forbidden_section_matches_services_categories_and_destinations() {
    use outflow_intel::{ForbiddenBy, ForbiddenQuery};
    let p = Policy::from_yaml(
        "p.yml",
        "forbidden:\n  categories: [paste]\n  services: [mega]\n  destinations: [\"*.bad.example\", 203.0.113.0/24]\n",
    )
    .unwrap();
    assert!(p.has_forbidden());
    let q = |host, ip: Option<&str>, service, category| ForbiddenQuery {
        host,
        ip: ip.map(|i| i.parse().unwrap()),
        service,
        category,
    };
    assert_eq!(
        p.forbidden_by(&q(
            Some("mega.nz"),
            None,
            Some("mega"),
            Some("cloud_storage")
        )),
        Some(ForbiddenBy::Service("mega".into()))
    );
    assert_eq!(
        p.forbidden_by(&q(
            Some("pastebin.com"),
            None,
            Some("pastebin"),
            Some("paste")
        )),
        Some(ForbiddenBy::Category("paste".into()))
    );
    assert_eq!(
        p.forbidden_by(&q(Some("x.bad.example"), None, None, None)),
        Some(ForbiddenBy::Destination("*.bad.example".into()))
    );
    assert_eq!(
        p.forbidden_by(&q(None, Some("203.0.113.9"), None, None)),
        Some(ForbiddenBy::Destination("203.0.113.0/24".into()))
    );
    assert_eq!(
        p.forbidden_by(&q(
            Some("github.com"),
            Some("140.82.121.4"),
            Some("github"),
            Some("code_repository")
        )),
        None
    );
    assert!(
        !example().has_forbidden()
            || example()
                .forbidden_by(&q(Some("corpexample.com"), None, None, None))
                .is_none()
    );
}

#[test]
fn forbidden_unknown_category_is_an_error() {
    let e = Policy::from_yaml("p.yml", "forbidden:\n  categories: [pastes]\n")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("forbidden.categories[0]") && e.contains("pastes"),
        "{e}"
    );
}
