//! The D3FEND network countermeasures on records the simulated corpus has
//! no story for (rare JA3, SNI against the certificate, oversized requests
//! to a destination with a baseline, interactive sessions), written as the
//! sensors write them and read through outflow's readers and normalizer.

mod support;

use outflow_analytics::stateful::{payload_profile, protocol_anomaly, tunnel_relay};
use outflow_analytics::{AnalyticsConfig, Ctx};
use std::sync::Arc;
use support::{ctx, of, read_bytes, read_file, read_inputs, run, DAY0, PROXYSG_HEADER};

const CONN_HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-16-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

/// Zeek 6 ssl.log: `sni_matches_cert`, no certificate names.
const SSL_HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n#open\t2026-11-16-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsni_matches_cert\tvalidation_status\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\tvector[string]\tvector[string]\tbool\tstring\n";

/// Zeek 4 ssl.log with the certificate subject and the ja3 package.
const SSL_JA3_HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n#open\t2026-11-16-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tcert_chain_fuids\tclient_cert_chain_fuids\tsubject\tissuer\tclient_subject\tclient_issuer\tvalidation_status\tja3\tja3s\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tvector[string]\tvector[string]\tstring\tstring\tstring\tstring\tstring\tstring\tstring\n";

/// One conn.log row (its columns, in order).
#[allow(clippy::too_many_arguments)]
fn conn(
    ts: f64,
    uid: &str,
    src: &str,
    dst: &str,
    dur: f64,
    out: u64,
    inb: u64,
    pkts: (u64, u64),
) -> String {
    format!(
        "{ts:.6}\t{uid}\t{src}\t50000\t{dst}\t443\ttcp\tssl\t{dur:.3}\t{out}\t{inb}\tSF\tT\tF\t0\tShADadFf\t{}\t{}\t{}\t{}\t(empty)\n",
        pkts.0,
        out + 40 * pkts.0,
        pkts.1,
        inb + 40 * pkts.1
    )
}

fn zeek(head: &str, rows: &[String]) -> String {
    let mut s = head.to_string();
    for r in rows {
        s.push_str(r);
    }
    s
}

#[test]
fn sni_not_matching_the_certificate_with_an_upload() {
    let ssl = |ts: f64, uid: &str, sni: &str, matches: &str| {
        format!("{ts:.6}\t{uid}\t10.1.2.3\t50000\t198.51.100.20\t443\tTLSv13\tTLS_AES_128_GCM_SHA256\tx25519\t{sni}\tF\t-\th2\tT\tCsiI\tabc\t(empty)\t{matches}\tok\n")
    };
    let found = run(
        &ctx(None, None),
        vec![protocol_anomaly::build(&ctx(None, None)).unwrap()],
        &read_inputs(&[
            (
                "conn.log",
                zeek(
                    CONN_HEAD,
                    &[
                        conn(
                            DAY0,
                            "Cmis",
                            "10.1.2.3",
                            "198.51.100.20",
                            60.0,
                            80_000_000,
                            20_000,
                            (60_000, 2_000),
                        ),
                        conn(
                            DAY0 + 100.0,
                            "Cnosni",
                            "10.1.2.3",
                            "198.51.100.20",
                            60.0,
                            50_000_000,
                            20_000,
                            (40_000, 2_000),
                        ),
                        conn(
                            DAY0 + 200.0,
                            "Cok",
                            "10.1.2.3",
                            "198.51.100.20",
                            60.0,
                            90_000_000,
                            20_000,
                            (60_000, 2_000),
                        ),
                        conn(
                            DAY0 + 300.0,
                            "Csmall",
                            "10.1.2.4",
                            "198.51.100.21",
                            1.0,
                            900,
                            4_000,
                            (4, 4),
                        ),
                    ],
                ),
            ),
            (
                "ssl.log",
                zeek(
                    SSL_HEAD,
                    &[
                        ssl(DAY0 + 0.05, "Cmis", "www.microsoft.com", "F"),
                        ssl(DAY0 + 100.05, "Cnosni", "-", "-"),
                        ssl(DAY0 + 200.05, "Cok", "files.example.org", "T"),
                        ssl(DAY0 + 300.05, "Csmall", "-", "-"),
                    ],
                ),
            ),
        ]),
    );
    let f = of(&found, protocol_anomaly::ID);
    let checks: Vec<&str> = f.iter().map(|f| f.fields["check"].as_str()).collect();
    assert_eq!(checks, ["sni_mismatch", "sni_absent"], "{f:#?}");
    assert_eq!(f[0].bytes_out, Some(80_000_000));
    assert!(f[0].evidence[0]
        .summary
        .contains("www.microsoft.com does not match"));
    assert_eq!(f[1].bytes_out, Some(50_000_000));
    assert!(f.iter().all(|f| f.d3fend == ["D3-PMAD"]));
}

#[test]
fn rare_ja3_uploading_to_a_web_service_against_a_common_one() {
    let common_ja3 = "456523fc94726331a4d5a2e1d40b2cd7";
    let rare_ja3 = "e7d705a3286e19ea42f587b344ee6865";
    let ssl = |ts: f64, uid: &str, src: &str, sni: &str, cn: &str, ja3: &str| {
        format!("{ts:.6}\t{uid}\t{src}\t50000\t203.0.113.9\t443\tTLSv13\tTLS_AES_256_GCM_SHA384\tx25519\t{sni}\tF\t-\th2\tT\tFa,Fb\t(empty)\tCN={cn},O=Example\tCN=R3,O=Let's Encrypt\t-\t-\tok\t{ja3}\t907bf3ecef1c987c889946b737b43de8\n")
    };
    let mut conns = Vec::new();
    let mut ssls = Vec::new();
    // A day and more of browsers on ten hosts sharing one fingerprint.
    for i in 0..40u32 {
        let ts = DAY0 + f64::from(i) * 3600.0;
        let src = format!("10.1.2.{}", 10 + i % 10);
        let uid = format!("Cb{i}");
        conns.push(conn(
            ts,
            &uid,
            &src,
            "203.0.113.9",
            5.0,
            3_000,
            400_000,
            (10, 300),
        ));
        ssls.push(ssl(
            ts + 0.05,
            &uid,
            &src,
            "www.dropbox.com",
            "*.dropbox.com",
            common_ja3,
        ));
    }
    // Then one host with a fingerprint no other has, uploading to Dropbox ...
    let t = DAY0 + 41.0 * 3600.0;
    conns.push(conn(
        t,
        "Crare",
        "10.1.2.99",
        "203.0.113.9",
        300.0,
        700_000_000,
        90_000,
        (480_000, 9_000),
    ));
    ssls.push(ssl(
        t + 0.05,
        "Crare",
        "10.1.2.99",
        "content.dropboxapi.com",
        "*.dropboxapi.com",
        rare_ja3,
    ));
    // ... and the common fingerprint uploading the same amount: no alert.
    conns.push(conn(
        t + 60.0,
        "Ccommon",
        "10.1.2.11",
        "203.0.113.9",
        300.0,
        700_000_000,
        90_000,
        (480_000, 9_000),
    ));
    ssls.push(ssl(
        t + 60.05,
        "Ccommon",
        "10.1.2.11",
        "content.dropboxapi.com",
        "*.dropboxapi.com",
        common_ja3,
    ));
    let found = run(
        &ctx(None, None),
        vec![protocol_anomaly::build(&ctx(None, None)).unwrap()],
        &read_inputs(&[
            ("conn.log", zeek(CONN_HEAD, &conns)),
            ("ssl.log", zeek(SSL_JA3_HEAD, &ssls)),
        ]),
    );
    let f = of(&found, protocol_anomaly::ID);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].fields["check"], "rare_ja3");
    assert_eq!(f[0].entity.host.as_deref(), Some("10.1.2.99"));
    assert_eq!(f[0].bytes_out, Some(700_000_000));
    assert_eq!(
        f[0].destination.as_ref().and_then(|d| d.service.as_deref()),
        Some("Dropbox")
    );
    assert!(f[0].evidence[0].summary.contains(rare_ja3));
}

#[test]
fn certificate_subject_of_older_logs_is_compared_with_the_sni_when_enabled() {
    let ssl = |ts: f64, uid: &str, sni: &str, cn: &str| {
        format!("{ts:.6}\t{uid}\t10.1.2.3\t50000\t203.0.113.9\t443\tTLSv12\tTLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\tsecp256r1\t{sni}\tF\t-\th2\tT\tFa\t(empty)\tCN={cn},O=Example\tCN=CA\t-\t-\tok\t-\t-\n")
    };
    let records = || {
        read_inputs(&[(
            "ssl.log",
            zeek(
                SSL_JA3_HEAD,
                &[
                    ssl(DAY0, "C1", "lptag.liveperson.net", "*.liveperson.net"),
                    ssl(
                        DAY0 + 10.0,
                        "C2",
                        "update.example.com",
                        "attacker.example.net",
                    ),
                ],
            ),
        )])
    };
    // By default the CN is not trusted (the SAN, absent from ssl.log, names
    // most hosts).
    let c = ctx(None, None);
    let found = run(&c, vec![protocol_anomaly::build(&c).unwrap()], &records());
    assert!(of(&found, protocol_anomaly::ID).is_empty(), "{found:#?}");
    // Enabled, the CN that names another host is reported.
    let mut config = AnalyticsConfig::builtin().unwrap();
    config
        .merge(
            "test.yml",
            "analytics:\n  protocol-anomaly:\n    subject_cn_fallback: true\n",
        )
        .unwrap();
    let c = Arc::new(Ctx::new(
        c.intel.clone(),
        c.policy.clone(),
        Arc::new(config),
    ));
    let found = run(&c, vec![protocol_anomaly::build(&c).unwrap()], &records());
    let f = of(&found, protocol_anomaly::ID);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].evidence[0]
        .summary
        .contains("certificate CN attacker.example.net"));
}

fn proxy_line(
    time: &str,
    ip: &str,
    method: &str,
    host: &str,
    path: &str,
    ua: &str,
    cs_bytes: u64,
) -> String {
    format!("2026-11-16 {time} 120 {ip} CORP\\u{ip_tail} \"CORP\\Domain Users\" - OBSERVED \"Business\" - 200 TCP_NC_MISS {method} application/json https {host} 443 {path} - - \"{ua}\" 10.20.0.5 900 {cs_bytes} -\n", ip_tail = ip.rsplit('.').next().unwrap_or(""))
}

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[test]
fn a_request_far_above_the_destinations_profile() {
    let mut log = PROXYSG_HEADER.to_string();
    // 150 small form posts from six hosts make the baseline.
    for i in 0..150u32 {
        let time = format!("{:02}:{:02}:{:02}", 8 + i / 60, i % 60, i % 60);
        let ip = format!("10.20.1.{}", 10 + i % 6);
        log.push_str(&proxy_line(
            &time,
            &ip,
            "POST",
            "forms.example-crm.com",
            "/api/v2/submit",
            BROWSER,
            1_800 + u64::from(i % 7) * 60,
        ));
    }
    // A 40 KB post is unusual but small; a 200 MB one is not.
    log.push_str(&proxy_line(
        "11:00:00",
        "10.20.1.11",
        "POST",
        "forms.example-crm.com",
        "/api/v2/submit",
        BROWSER,
        40_000,
    ));
    log.push_str(&proxy_line(
        "11:05:00",
        "10.20.1.12",
        "POST",
        "forms.example-crm.com",
        "/api/v2/submit",
        BROWSER,
        200_000_000,
    ));
    // A destination without a baseline says nothing.
    log.push_str(&proxy_line(
        "11:06:00",
        "10.20.1.12",
        "POST",
        "new.example-upload.net",
        "/",
        BROWSER,
        300_000_000,
    ));
    let found = run(
        &ctx(None, None),
        vec![payload_profile::build(&ctx(None, None)).unwrap()],
        &read_bytes("proxysg.log", &log),
    );
    let f = of(&found, payload_profile::ID);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].bytes_out, Some(200_000_000));
    assert_eq!(f[0].entity.host.as_deref(), Some("10.20.1.12"));
    assert_eq!(f[0].fields["method"], "POST");
    assert_eq!(f[0].fields["baseline_hosts"], "6");
    assert!(
        f[0].fields["baseline_quantile_bytes"]
            .parse::<u64>()
            .unwrap()
            < 3_000
    );
    assert_eq!(f[0].d3fend, ["D3-CSPP"]);
}

#[test]
fn scripted_agents_posting_and_browsers_not() {
    let mut log = PROXYSG_HEADER.to_string();
    log.push_str(&proxy_line(
        "09:00:00",
        "10.20.1.30",
        "POST",
        "api.anonfiles.example",
        "/upload",
        "python-requests/2.32.3",
        30_000_000,
    ));
    log.push_str(&proxy_line(
        "09:01:00",
        "10.20.1.30",
        "POST",
        "store1.gofile.io",
        "/uploadFile",
        "python-requests/2.32.3",
        60_000_000,
    ));
    log.push_str(&proxy_line(
        "09:02:00",
        "10.20.1.30",
        "POST",
        "store1.gofile.io",
        "/uploadFile",
        "python-requests/2.32.3",
        60_000_000,
    ));
    log.push_str(&proxy_line(
        "09:03:00",
        "10.20.1.31",
        "POST",
        "store1.gofile.io",
        "/uploadFile",
        BROWSER,
        60_000_000,
    ));
    log.push_str(&proxy_line(
        "09:04:00",
        "10.20.1.31",
        "GET",
        "store1.gofile.io",
        "/download",
        "curl/8.9.1",
        300,
    ));
    log.push_str(&proxy_line(
        "09:05:00",
        "10.20.1.32",
        "POST",
        "telemetry.example.org",
        "/v1",
        "Go-http-client/2.0",
        2_000,
    ));
    let found = run(
        &ctx(None, None),
        vec![protocol_anomaly::build(&ctx(None, None)).unwrap()],
        &read_bytes("proxysg.log", &log),
    );
    let f = of(&found, protocol_anomaly::ID);
    let got: Vec<(String, String, u64)> = f
        .iter()
        .map(|f| {
            (
                f.fields["requests"].clone(),
                f.destination
                    .as_ref()
                    .and_then(|d| d.domain.clone())
                    .unwrap_or_default(),
                f.bytes_out.unwrap_or(0),
            )
        })
        .collect();
    // Uncatalogued destinations need volume: 30 MB yes, 2 KB of telemetry no.
    assert_eq!(
        got,
        [
            (
                "1".to_string(),
                "api.anonfiles.example".to_string(),
                30_000_000
            ),
            ("2".to_string(), "store1.gofile.io".to_string(), 120_000_000),
        ],
        "{f:#?}"
    );
}

#[test]
fn interactive_session_relayed_over_the_web_but_not_a_video_call() {
    let rows = [
        // Eight hours of keystrokes and screen updates: small packets both ways.
        conn(
            DAY0,
            "Cssh",
            "10.1.2.3",
            "198.51.100.77",
            8.0 * 3600.0,
            9_000_000,
            30_000_000,
            (120_000, 200_000),
        ),
        // A two-hour Teams call: large packets both ways.
        conn(
            DAY0 + 10.0,
            "Cteams",
            "10.1.2.4",
            "52.113.194.132",
            7200.0,
            700_000_000,
            690_000_000,
            (480_000, 470_000),
        ),
        // A long bulk download: not interactive.
        conn(
            DAY0 + 20.0,
            "Cbulk",
            "10.1.2.5",
            "198.51.100.78",
            5000.0,
            2_000_000,
            4_000_000_000,
            (30_000, 2_800_000),
        ),
    ];
    let ssl = format!(
        "{:.6}\tCteams\t10.1.2.4\t50000\t52.113.194.132\t443\tTLSv13\tTLS_AES_128_GCM_SHA256\tx25519\tteams.microsoft.com\tF\t-\th2\tT\tCsiI\tabc\t(empty)\tT\tok\n",
        DAY0 + 10.05
    );
    let found = run(
        &ctx(None, None),
        vec![tunnel_relay::build(&ctx(None, None)).unwrap()],
        &read_inputs(&[
            ("conn.log", zeek(CONN_HEAD, &rows)),
            ("ssl.log", zeek(SSL_HEAD, &[ssl])),
        ]),
    );
    let f = of(&found, tunnel_relay::ID);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].fields["pattern"], "interactive_session");
    assert_eq!(f[0].entity.host.as_deref(), Some("10.1.2.3"));
    assert_eq!(f[0].d3fend, ["D3-RPA", "D3-RTSD"]);
}

/// The shared corpus of real Zeek logs, from the repository's or a
/// worktree's location.
fn real_zeek() -> Option<std::path::PathBuf> {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        "../../../shared/corpus/zeek",
        "../../../../shared/corpus/zeek",
    ]
    .iter()
    .map(|p| here.join(p))
    .find(|p| p.is_dir())
}

#[test]
fn real_zeek_logs_raise_no_protocol_anomaly() {
    let Some(dir) = real_zeek() else {
        eprintln!("SKIP: no shared corpus of Zeek logs next to the repository");
        return;
    };
    let mut evs = Vec::new();
    let mut tls = 0;
    for sub in [
        "zat-json",
        "rita-json",
        "rita-proxy-tsv",
        "rita-open-conns-tsv",
    ] {
        for file in ["conn.log", "ssl.log"] {
            let read = read_file(&dir.join(sub).join(file));
            if file == "ssl.log" {
                tls += read.len();
            }
            evs.extend(read);
        }
    }
    assert!(tls > 100, "only {tls} TLS records read");
    let c = ctx(None, None);
    let found = run(&c, vec![protocol_anomaly::build(&c).unwrap()], &evs);
    // Browsing with certificates named in the SAN, no SNI-less uploads.
    assert!(of(&found, protocol_anomaly::ID).is_empty(), "{found:#?}");
}

/// Zeek 5 ssl.log: certificate fingerprints, no `sni_matches_cert`.
const SSL5_HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n#open\t2026-11-16-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tvalidation_status\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\tvector[string]\tvector[string]\tstring\n";

const X509_HEAD: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tx509\n#open\t2026-11-16-00-00-00\n#fields\tts\tfingerprint\tcertificate.version\tcertificate.serial\tcertificate.subject\tcertificate.issuer\tcertificate.not_valid_before\tcertificate.not_valid_after\tcertificate.key_alg\tcertificate.sig_alg\tcertificate.key_type\tcertificate.key_length\tcertificate.exponent\tcertificate.curve\tsan.dns\tsan.uri\tsan.email\tsan.ip\tbasic_constraints.ca\tbasic_constraints.path_len\thost_cert\tclient_cert\n#types\ttime\tstring\tcount\tstring\tstring\tstring\ttime\ttime\tstring\tstring\tstring\tcount\tstring\tstring\tvector[string]\tvector[string]\tvector[string]\tvector[addr]\tbool\tcount\tbool\tbool\n";

#[test]
fn sni_against_the_certificate_names_of_x509_log() {
    let ssl = |ts: f64, uid: &str, sni: &str, fp: &str| {
        format!("{ts:.6}\t{uid}\t10.1.2.3\t50000\t203.0.113.9\t443\tTLSv13\tTLS_AES_128_GCM_SHA256\tx25519\t{sni}\tF\t-\th2\tT\tCsiI\t{fp},fpCA\t(empty)\tok\n")
    };
    let x509 = |ts: f64, fp: &str, cn: &str, san: &str| {
        format!("{ts:.6}\t{fp}\t3\t0A\tCN={cn},O=Example\tCN=CA\t1700000000.000000\t1900000000.000000\trsaEncryption\tsha256WithRSAEncryption\trsa\t2048\t65537\t-\t{san}\t-\t-\t-\tF\t-\tT\tF\n")
    };
    let found = run(
        &ctx(None, None),
        vec![protocol_anomaly::build(&ctx(None, None)).unwrap()],
        &read_inputs(&[
            (
                "conn.log",
                zeek(
                    CONN_HEAD,
                    &[conn(
                        DAY0 + 10.0,
                        "C2",
                        "10.1.2.3",
                        "203.0.113.9",
                        90.0,
                        50_000_000,
                        30_000,
                        (35_000, 900),
                    )],
                ),
            ),
            (
                "ssl.log",
                zeek(
                    SSL5_HEAD,
                    &[
                        // The name is in the SAN, not the CN: no alert.
                        ssl(DAY0, "C1", "s.yimg.com", "fpY"),
                        // A Microsoft name on a certificate for another domain.
                        ssl(DAY0 + 10.05, "C2", "update.microsoft.com", "fpZ"),
                        // The certificate is known by now.
                        ssl(DAY0 + 20.0, "C3", "www.yahoo.com", "fpY"),
                    ],
                ),
            ),
            (
                "x509.log",
                zeek(
                    X509_HEAD,
                    &[
                        x509(
                            DAY0 + 0.1,
                            "fpY",
                            "*.yahoo.com",
                            "*.yahoo.com,s.yimg.com,*.yimg.com",
                        ),
                        x509(
                            DAY0 + 10.1,
                            "fpZ",
                            "relay.example.net",
                            "relay.example.net,*.relay.example.net",
                        ),
                    ],
                ),
            ),
        ]),
    );
    let f = of(&found, protocol_anomaly::ID);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].fields["check"], "sni_mismatch");
    assert_eq!(f[0].bytes_out, Some(50_000_000));
    assert!(
        f[0].evidence[0]
            .summary
            .contains("update.microsoft.com is none of the certificate's names (relay.example.net"),
        "{}",
        f[0].evidence[0].summary
    );
}
