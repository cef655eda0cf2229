//! Bad input end to end: each kind of damage is counted and reported with
//! its file and position, the run goes on, and nothing panics.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn outflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_outflow"))
}

fn run(args: &[&str], paths: &[&Path]) -> Output {
    let out = outflow().args(args).args(paths).output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(101),
        "panicked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn summary(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_else(|| {
        panic!(
            "no summary; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(last).unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const GOOD: &str =
    "{\"@timestamp\":\"2026-11-20T10:00:00Z\",\"host\":{\"name\":\"ws1\"},\"n\":1}\n";

/// A folder holding one file per kind of damage.
fn damaged_corpus(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut put = |name: &str, data: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, data).unwrap();
        files.push(p);
    };
    // Truncated gzip: the first half of a stream of 2,000 good records.
    let full = gz(GOOD.repeat(2000).as_bytes());
    put("truncated.jsonl.gz", &full[..full.len() / 2]);
    // Invalid UTF-8 on line 2.
    let mut bad_utf8 = GOOD.as_bytes().to_vec();
    bad_utf8.extend_from_slice(b"{\"name\":\"caf\xe9\"}\n");
    bad_utf8.extend_from_slice(GOOD.as_bytes());
    put("invalid-utf8.jsonl", &bad_utf8);
    // Binary garbage.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    put("garbage.bin", &garbage);
    // Empty.
    put("empty.log", b"");
    // A line over the limit (run with --max-line-bytes 4096) between good ones.
    put(
        "long-line.jsonl",
        format!("{GOOD}{{\"x\":\"{}\"}}\n{GOOD}", "a".repeat(10_000)).as_bytes(),
    );
    // JSON nested deeper than the limit.
    put(
        "deep.jsonl",
        format!(
            "{GOOD}{{\"a\":{}1{}}}\n{GOOD}",
            "[".repeat(200),
            "]".repeat(200)
        )
        .as_bytes(),
    );
    // Zeek line whose column count does not match #fields.
    put(
        "conn.log",
        b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n#types\ttime\tstring\taddr\tport\taddr\tport\n1700000000.000000\tC1\t10.0.0.1\t5000\t10.0.0.2\t443\n1700000001.000000\tC2\t10.0.0.1\n1700000002.000000\tC3\t10.0.0.1\t5001\t10.0.0.2\t443\n",
    );
    files
}

fn rejects_file(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_kind_of_damage_is_counted_with_its_position_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    damaged_corpus(&data);
    let rejects = dir.path().join("rejects.jsonl");
    let out = run(
        &[
            "events",
            "--format",
            "none",
            "--summary",
            "json",
            "--max-line-bytes",
            "4096",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
        &[&data],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&out);
    let r = &s["rejects"];
    assert_eq!(r["decompress"], 1, "{s}");
    assert_eq!(r["invalid_utf8"], 1, "{s}");
    assert_eq!(r["unknown_format"], 1, "{s}");
    assert_eq!(r["empty_file"], 1, "{s}");
    assert_eq!(r["line_too_long"], 1, "{s}");
    assert_eq!(r["json_too_deep"], 1, "{s}");
    assert_eq!(r["column_count"], 1, "{s}");
    // The good records around each damaged one were all read.
    let events = |name: &str| {
        s["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(name))
            .unwrap()["events"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(events("invalid-utf8.jsonl"), 2);
    assert_eq!(events("long-line.jsonl"), 2);
    assert_eq!(events("deep.jsonl"), 2);
    assert_eq!(events("conn.log"), 2);
    let truncated = events("truncated.jsonl.gz");
    assert!(
        truncated > 0 && truncated < 2000,
        "records before the cut are read: {truncated}"
    );

    // Every reject names its file and position.
    let listed = rejects_file(&rejects);
    assert_eq!(
        listed.len() as u64,
        s["totals"]["rejects"].as_u64().unwrap()
    );
    let find = |reason: &str| {
        listed
            .iter()
            .find(|r| r["reason"] == reason)
            .unwrap()
            .clone()
    };
    assert!(find("invalid_utf8")["origin"]["file"]
        .as_str()
        .unwrap()
        .ends_with("invalid-utf8.jsonl"));
    assert_eq!(find("invalid_utf8")["origin"]["position"]["line"], 2);
    assert_eq!(find("line_too_long")["origin"]["position"]["line"], 2);
    assert_eq!(find("json_too_deep")["origin"]["position"]["line"], 2);
    assert_eq!(find("column_count")["origin"]["position"]["line"], 9);
    assert!(find("decompress")["origin"]["position"]["offset"]
        .as_u64()
        .is_some());
    assert_eq!(find("empty_file")["origin"]["position"], "file");
    // The first rejects are also shown on stderr.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid-utf8.jsonl:line 2: invalid_utf8"),
        "{stderr}"
    );
}

#[test]
fn strict_stops_at_the_first_reject_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    damaged_corpus(dir.path());
    let out = run(
        &["events", "--format", "none", "--strict", "--threads", "1"],
        &[dir.path()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
}

#[test]
fn unreadable_inputs_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, GOOD).unwrap();
    let secret = dir.path().join("secret.jsonl");
    std::fs::write(&secret, GOOD).unwrap();
    let missing = dir.path().join("missing.jsonl");
    let root = running_as_root();
    let mut cmd = if root {
        // Root reads any file: drop to an unprivileged user for this run.
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_outflow"),
        ]);
        c
    } else {
        outflow()
    };
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = cmd
        .args(["events", "--format", "none", "--summary", "json"])
        .args([&good, &secret, &missing])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary(&out);
    assert_eq!(s["rejects"]["permission_denied"], 1, "{s}");
    assert_eq!(s["rejects"]["unreadable"], 1, "{s}");
    assert_eq!(s["totals"]["events"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("secret.jsonl: permission_denied"),
        "{stderr}"
    );
    assert!(stderr.contains("missing.jsonl: unreadable"), "{stderr}");

    let strict = outflow()
        .args(["events", "--format", "none", "--strict"])
        .args([&good, &missing])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, GOOD).unwrap();
    assert_eq!(
        run(&["events", "--no-such-flag"], &[&good]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["events", "--input-format", "nope"], &[&good])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["events"], &[&dir.path().join("absent")])
            .status
            .code(),
        Some(2)
    );
    let maps = dir.path().join("maps");
    std::fs::create_dir(&maps).unwrap();
    std::fs::write(maps.join("x.yml"), "name: [").unwrap();
    let out = run(&["events", "--mappings", maps.to_str().unwrap()], &[&good]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("x.yml"));
}

#[test]
fn gzip_zstd_and_stdin_are_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let body = GOOD.repeat(3);
    let gzp = dir.path().join("a.log.gz");
    std::fs::write(&gzp, gz(body.as_bytes())).unwrap();
    let zst = dir.path().join("b.dat");
    let compressed = ruzstd::encoding::compress_to_vec(
        body.as_bytes(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    std::fs::write(&zst, compressed).unwrap();
    let out = run(
        &["events", "--format", "none", "--summary", "json"],
        &[&gzp, &zst],
    );
    let s = summary(&out);
    assert_eq!(s["totals"]["events"], 6, "{s}");
    assert_eq!(s["files"][0]["compression"], "gzip");
    assert_eq!(s["files"][1]["compression"], "zstd");

    let mut child = outflow()
        .args(["events", "--format", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&gz(body.as_bytes()))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["origin"]["file"], "<stdin>");
    assert_eq!(lines[0]["entity"]["host"], "ws1");
}
