//! Parser hot paths: each bench reads a file from the page cache through the
//! same entry point the pipeline uses (`read_input`), with normalization, and
//! discards the events. Throughput is reported per record.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use outflow_event::Event;
use outflow_normalize::{Mappings, Normalizer};
use outflow_sources::{read_input, DropSink, InputSpec, Limits};
use std::io::Write;
use std::sync::Arc;

const ZEEK_HEADER: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

fn zeek_conn(lines: usize) -> String {
    let mut s = String::from(ZEEK_HEADER);
    for i in 0..lines {
        s += &format!(
            "1795132800.{:06}\tC{i:016x}\t10.20.{}.{}\t{}\t31.216.{}.{}\t443\ttcp\tssl\t12.{:06}\t{}\t{}\tSF\tT\tF\t0\tShADadFf\t40\t{}\t30\t{}\t(empty)\n",
            i % 1_000_000,
            i % 8,
            i % 250 + 2,
            49152 + i % 16000,
            i % 256,
            i % 250 + 1,
            i % 1_000_000,
            i * 37 % 200_000,
            i * 91 % 2_000_000,
            i * 37 % 200_000 + 200,
            i * 91 % 2_000_000 + 200
        );
    }
    s
}

fn sysmon_json(events: usize) -> String {
    let mut s = String::new();
    for i in 0..events {
        s += &format!(
            r##"{{"Event":{{"#attributes":{{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"}},"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"}}}},"EventID":1,"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{{"#attributes":{{"SystemTime":"2026-11-20T10:00:{:02}.1234567Z"}}}},"EventRecordID":{i},"Correlation":null,"Execution":{{"#attributes":{{"ProcessID":3544,"ThreadID":4272}}}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS-{:04}","Security":{{"#attributes":{{"UserID":"S-1-5-18"}}}}}},"EventData":{{"RuleName":"-","UtcTime":"2026-11-20 10:00:00.123","ProcessGuid":"0197231E-005A-6928-A50B-{i:012X}","ProcessId":{},"Image":"C:\\Windows\\System32\\cmd.exe","FileVersion":"10.0.26100.1","Description":"Windows Command Processor","Product":"Microsoft Windows Operating System","Company":"Microsoft Corporation","OriginalFileName":"Cmd.Exe","CommandLine":"cmd.exe /c echo {i}","CurrentDirectory":"C:\\Users\\alice\\","User":"CORP\\alice","LogonGuid":"0197231E-0058-6928-E703-050000000000","LogonId":"0x503e7","TerminalSessionId":1,"IntegrityLevel":"Medium","Hashes":"SHA256=1B48A4F8D20026E6C56E3AB4CC4788FA6425C8A75F8D91C2869FA533DE6B209E","ParentProcessGuid":"0197231E-0058-6928-A50B-000000000C00","ParentProcessId":4100,"ParentImage":"C:\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\Explorer.EXE","ParentUser":"CORP\\alice"}}}}}}"##,
            i % 60,
            i % 500,
            i % 60000
        );
        s.push('\n');
    }
    s
}

fn bench_file(c: &mut Criterion, name: &str, content: &str, records: u64) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content.as_bytes()).unwrap();
    let spec = InputSpec::File(f.path().to_path_buf());
    let limits = Limits::default();
    let mappings = Arc::new(Mappings::builtin().unwrap());
    let mut g = c.benchmark_group("read+normalize");
    g.throughput(Throughput::Elements(records));
    g.sample_size(10);
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut normalizer = Normalizer::new(mappings.clone());
            let mut sink = DropSink::new(|e: &mut Event| normalizer.normalize(e));
            read_input(&spec, None, &limits, &mut sink, None);
            assert_eq!((sink.events, sink.rejects), (records, 0));
        })
    });
    g.finish();
}

fn parsers(c: &mut Criterion) {
    bench_file(c, "zeek_conn_tsv", &zeek_conn(100_000), 100_000);
    bench_file(c, "evtx_dump_json_lines", &sysmon_json(20_000), 20_000);

    let doc = sysmon_json(1);
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("walk_sysmon_event", |b| {
        b.iter(|| {
            outflow_sources::json::walk(std::hint::black_box(&doc), 0, 64, |p, _, l| {
                std::hint::black_box((p.len(), l));
            })
        })
    });
    g.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
