//! Zeek TSV logs (conn, dns, http, ssl, files) with their full header.

use crate::clock::{self, Micros};
use crate::out::FileId;
use std::fmt::Write;

const CONN: (&str, &str) = (
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
    "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]",
);
const DNS: (&str, &str) = (
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected",
    "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool",
);
const HTTP: (&str, &str) = (
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types",
    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]",
);
const SSL: (&str, &str) = (
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsni_matches_cert\tvalidation_status",
    "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tstring\tstring\tbool\tstring\tvector[string]\tvector[string]\tbool\tstring",
);
const FILES: (&str, &str) = (
    "ts\tfuid\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tsource\tdepth\tanalyzers\tmime_type\tfilename\tduration\tlocal_orig\tis_orig\tseen_bytes\ttotal_bytes\tmissing_bytes\toverflow_bytes\ttimedout\tparent_fuid\tmd5\tsha1\tsha256\textracted\textracted_cutoff\textracted_size",
    "time\tstring\tstring\taddr\tport\taddr\tport\tstring\tcount\tset[string]\tstring\tstring\tinterval\tbool\tbool\tcount\tcount\tcount\tcount\tbool\tstring\tstring\tstring\tstring\tstring\tbool\tcount",
);

pub fn header(id: FileId, t: Micros, b: &mut String) {
    let (path, (fields, types)) = match id {
        FileId::ZeekDns => ("dns", DNS),
        FileId::ZeekHttp => ("http", HTTP),
        FileId::ZeekSsl => ("ssl", SSL),
        FileId::ZeekFiles => ("files", FILES),
        _ => ("conn", CONN),
    };
    let c = clock::civil(t);
    let _ = write!(
        b,
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n#open\t{:04}-{:02}-{:02}-{:02}-{:02}-{:02}\n#fields\t{fields}\n#types\t{types}\n",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    );
}

/// The four-tuple of a connection.
pub struct Tuple<'a> {
    pub uid: &'a str,
    pub orig: (&'a str, u16),
    pub resp: (&'a str, u16),
}

fn lead(b: &mut String, t: Micros, tu: &Tuple) {
    clock::epoch(b, t, 6);
    let _ = write!(
        b,
        "\t{}\t{}\t{}\t{}\t{}",
        tu.uid, tu.orig.0, tu.orig.1, tu.resp.0, tu.resp.1
    );
}

/// Packets for `bytes` of payload.
pub fn packets(bytes: u64) -> u64 {
    bytes / 1448 + 2
}

#[allow(clippy::too_many_arguments)]
pub fn conn(
    b: &mut String,
    t: Micros,
    tu: &Tuple,
    proto: &str,
    service: &str,
    duration: Micros,
    out: u64,
    inb: u64,
    (local_orig, local_resp): (bool, bool),
) {
    lead(b, t, tu);
    let (po, pi) = (packets(out), packets(inb));
    let _ = writeln!(
        b,
        "\t{proto}\t{service}\t{}.{:06}\t{out}\t{inb}\tSF\t{}\t{}\t0\t{}\t{po}\t{}\t{pi}\t{}\t(empty)",
        duration / 1_000_000,
        duration % 1_000_000,
        if local_orig { "T" } else { "F" },
        if local_resp { "T" } else { "F" },
        if proto == "udp" { "Dd" } else { "ShADadFf" },
        out + po * 28,
        inb + pi * 28
    );
}

pub fn dns(b: &mut String, t: Micros, tu: &Tuple, trans_id: u16, query: &str, answer: &str) {
    lead(b, t, tu);
    let _ = writeln!(
        b,
        "\tudp\t{trans_id}\t0.011842\t{query}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t{answer}\t300.000000\tF"
    );
}

#[allow(clippy::too_many_arguments)]
pub fn http(
    b: &mut String,
    t: Micros,
    tu: &Tuple,
    method: &str,
    host: &str,
    uri: &str,
    ua: &str,
    req_len: u64,
    resp_len: u64,
    orig_fuid: Option<(&str, &str, &str)>,
    resp_fuid: &str,
) {
    lead(b, t, tu);
    let (of, on, om) = orig_fuid.unwrap_or(("-", "-", "-"));
    let _ = writeln!(
        b,
        "\t1\t{method}\t{host}\t{uri}\t-\t1.1\t{ua}\t-\t{req_len}\t{resp_len}\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t{of}\t{on}\t{om}\t{resp_fuid}\t-\ttext/plain"
    );
}

pub fn ssl(b: &mut String, t: Micros, tu: &Tuple, server_name: &str, fp: &str) {
    lead(b, t, tu);
    let _ = writeln!(
        b,
        "\tTLSv13\tTLS_AES_128_GCM_SHA256\tx25519\t{server_name}\tF\t-\th2\tT\tCsiI\t{fp}\t(empty)\tT\tok"
    );
}

#[allow(clippy::too_many_arguments)]
pub fn files(
    b: &mut String,
    t: Micros,
    tu: &Tuple,
    fuid: &str,
    mime: &str,
    name: &str,
    duration: Micros,
    is_orig: bool,
    size: u64,
    md5: &str,
) {
    clock::epoch(b, t, 6);
    let _ = writeln!(
        b,
        "\t{fuid}\t{}\t{}\t{}\t{}\t{}\tHTTP\t0\tMD5,SHA1\t{mime}\t{name}\t{}.{:06}\tT\t{}\t{size}\t{size}\t0\t0\tF\t-\t{md5}\t-\t-\t-\t-\t-",
        tu.uid,
        tu.orig.0,
        tu.orig.1,
        tu.resp.0,
        tu.resp.1,
        duration / 1_000_000,
        duration % 1_000_000,
        if is_orig { "T" } else { "F" }
    );
}
