//! Generates a large, deterministic benchmark corpus: Zeek conn TSV and
//! evtx_dump-style Windows JSON lines, split over several files.
//!
//! `cargo run --release -p outflow-bench --bin gen_corpus -- OUT_DIR ZEEK_LINES JSON_EVENTS FILES`

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// xorshift64*: a fixed seed gives the same corpus everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ZEEK_HEADER: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-20-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

fn zeek(path: &Path, lines: u64, rng: &mut Rng) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(ZEEK_HEADER.as_bytes())?;
    let mut ts = 1_795_132_800_000_000u64; // 2026-11-20T00:00:00Z in microseconds
    let services = ["ssl", "dns", "http", "-", "ssl", "ssl"];
    let states = ["SF", "S0", "RSTO", "SF", "SF", "REJ"];
    for _ in 0..lines {
        ts += rng.below(20_000);
        let (ob, rb) = (rng.below(200_000), rng.below(2_000_000));
        writeln!(
            w,
            "{}.{:06}\tC{:016x}\t10.20.{}.{}\t{}\t{}.{}.{}.{}\t{}\ttcp\t{}\t{}.{:06}\t{ob}\t{rb}\t{}\tT\tF\t0\tShADadFf\t{}\t{}\t{}\t{}\t(empty)",
            ts / 1_000_000,
            ts % 1_000_000,
            rng.next(),
            rng.below(8),
            rng.below(250) + 2,
            49152 + rng.below(16000),
            rng.below(220) + 1,
            rng.below(256),
            rng.below(256),
            rng.below(254) + 1,
            [443, 80, 53, 8443][rng.below(4) as usize],
            services[rng.below(6) as usize],
            rng.below(300),
            rng.below(1_000_000),
            states[rng.below(6) as usize],
            ob / 1400 + 3,
            ob + 200,
            rb / 1400 + 3,
            rb + 200,
        )?;
    }
    writeln!(w, "#close\t2026-11-21-00-00-00")?;
    w.flush()
}

fn windows_json(path: &Path, events: u64, rng: &mut Rng) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let images = [
        "C:\\\\Windows\\\\System32\\\\cmd.exe",
        "C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe",
        "C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe",
        "C:\\\\Users\\\\Public\\\\svchost32.exe",
    ];
    let mut secs = 1_795_132_800u64;
    for i in 0..events {
        secs += rng.below(3);
        let t = format_time(secs, rng.below(10_000_000));
        let img = images[rng.below(4) as usize];
        let host = format!("WS-{:04}", rng.below(500));
        let record = 1000 + i;
        let line = match rng.below(3) {
            0 => format!(
                r##"{{"Event":{{"#attributes":{{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"}},"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"}}}},"EventID":1,"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{{"#attributes":{{"SystemTime":"{t}"}}}},"EventRecordID":{record},"Correlation":null,"Execution":{{"#attributes":{{"ProcessID":3544,"ThreadID":4272}}}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"{host}","Security":{{"#attributes":{{"UserID":"S-1-5-18"}}}}}},"EventData":{{"RuleName":"-","UtcTime":"{t}","ProcessGuid":"0197231E-005A-6928-A50B-{:012X}","ProcessId":{},"Image":"{img}","FileVersion":"10.0.26100.1","Description":"Windows Command Processor","Product":"Microsoft Windows Operating System","Company":"Microsoft Corporation","OriginalFileName":"Cmd.Exe","CommandLine":"{img} /c echo {}","CurrentDirectory":"C:\\\\Users\\\\alice\\\\","User":"CORP\\\\alice","LogonGuid":"0197231E-0058-6928-E703-050000000000","LogonId":"0x503e7","TerminalSessionId":1,"IntegrityLevel":"Medium","Hashes":"SHA256=1B48A4F8D20026E6C56E3AB4CC4788FA6425C8A75F8D91C2869FA533DE6B209E","ParentProcessGuid":"0197231E-0058-6928-A50B-000000000C00","ParentProcessId":4100,"ParentImage":"C:\\\\Windows\\\\explorer.exe","ParentCommandLine":"C:\\\\Windows\\\\Explorer.EXE","ParentUser":"CORP\\\\alice"}}}}}}"##,
                rng.next() & 0xFFFF_FFFF_FFFF,
                rng.below(60000),
                rng.next()
            ),
            1 => format!(
                r##"{{"Event":{{"#attributes":{{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"}},"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"}}}},"EventID":3,"Version":5,"Level":4,"Task":3,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{{"#attributes":{{"SystemTime":"{t}"}}}},"EventRecordID":{record},"Correlation":null,"Execution":{{"#attributes":{{"ProcessID":3544,"ThreadID":4272}}}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"{host}","Security":{{"#attributes":{{"UserID":"S-1-5-18"}}}}}},"EventData":{{"RuleName":"-","UtcTime":"{t}","ProcessGuid":"0197231E-005A-6928-A50B-{:012X}","ProcessId":{},"Image":"{img}","User":"CORP\\\\alice","Protocol":"tcp","Initiated":true,"SourceIsIpv6":false,"SourceIp":"10.20.30.{}","SourceHostname":"{host}.corp.example","SourcePort":{},"SourcePortName":"-","DestinationIsIpv6":false,"DestinationIp":"31.216.148.{}","DestinationHostname":"gfs270n{}.userstorage.mega.co.nz","DestinationPort":443,"DestinationPortName":"https"}}}}}}"##,
                rng.next() & 0xFFFF_FFFF_FFFF,
                rng.below(60000),
                rng.below(254) + 1,
                49152 + rng.below(16000),
                rng.below(254) + 1,
                rng.below(400)
            ),
            _ => format!(
                r##"{{"Event":{{"#attributes":{{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"}},"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"}}}},"EventID":22,"Version":5,"Level":4,"Task":22,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{{"#attributes":{{"SystemTime":"{t}"}}}},"EventRecordID":{record},"Correlation":null,"Execution":{{"#attributes":{{"ProcessID":3544,"ThreadID":4272}}}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"{host}","Security":{{"#attributes":{{"UserID":"S-1-5-18"}}}}}},"EventData":{{"RuleName":"-","UtcTime":"{t}","ProcessGuid":"0197231E-005A-6928-A50B-{:012X}","ProcessId":{},"QueryName":"g{}.api.mega.co.nz","QueryStatus":"0","QueryResults":"::ffff:31.216.148.{};","Image":"{img}","User":"CORP\\\\alice"}}}}}}"##,
                rng.next() & 0xFFFF_FFFF_FFFF,
                rng.below(60000),
                rng.below(100),
                rng.below(254) + 1
            ),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

fn format_time(secs: u64, frac7: u64) -> String {
    let days = secs / 86_400;
    let sod = secs % 86_400;
    // 2026-11-20 is day 20777; the corpus spans a few days of November 2026.
    let day = 20 + (days - 20_777);
    format!(
        "2026-11-{day:02}T{:02}:{:02}:{:02}.{frac7:07}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: gen_corpus OUT_DIR ZEEK_LINES JSON_EVENTS FILES");
        std::process::exit(2);
    }
    let out = Path::new(&args[1]);
    let parse = |s: &str| {
        s.parse::<u64>()
            .unwrap_or_else(|_| panic!("not a number: {s}"))
    };
    let (zeek_lines, json_events, files) =
        (parse(&args[2]), parse(&args[3]), parse(&args[4]).max(1));
    std::fs::create_dir_all(out)?;
    let mut rng = Rng(0x005E_ED0F_0F10_u64);
    for f in 0..files {
        if zeek_lines > 0 {
            zeek(
                &out.join(format!("conn-{f:02}.log")),
                zeek_lines / files,
                &mut rng,
            )?;
        }
        if json_events > 0 {
            windows_json(
                &out.join(format!("sysmon-{f:02}.jsonl")),
                json_events / files,
                &mut rng,
            )?;
        }
    }
    Ok(())
}
