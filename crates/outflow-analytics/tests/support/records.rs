//! Builders of real-shaped records: one connection as every sensor that can
//! see it logs it (Sysmon 3, Zeek JSON conn/ssl/dns, PAN-OS TRAFFIC,
//! ProxySG W3C), Windows event log records as `evtx` renders them to JSON,
//! ProxySG access logs, and the timestamps they carry.

use outflow_event::time::civil_from_days;

/// 2026-11-16T00:00:00Z in seconds.
pub const DAY0: f64 = 1_794_787_200.0;
/// A megabyte (10^6 bytes).
pub const MB: u64 = 1_000_000;

/// Seconds since the epoch as RFC 3339 with 7 fraction digits (Sysmon).
pub fn iso(secs: f64) -> String {
    let whole = secs.floor() as i64;
    let frac = ((secs - whole as f64) * 1e7).round() as i64;
    let day = whole.div_euclid(86_400);
    let s = whole.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(day);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `2026/11/16 15:12:07` (PAN-OS).
pub fn panos_time(secs: f64) -> String {
    let whole = secs.floor() as i64;
    let (y, m, d) = civil_from_days(whole.div_euclid(86_400));
    let s = whole.rem_euclid(86_400);
    format!(
        "{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// One connection seen by every sensor that can see it.
#[derive(Clone)]
pub struct Upload {
    pub ts: f64,
    pub uid: &'static str,
    pub host: &'static str,
    pub image: &'static str,
    pub src: &'static str,
    pub sport: u16,
    pub dst: &'static str,
    pub domain: &'static str,
    pub out: u64,
    pub inn: u64,
}

impl Upload {
    /// The full Sysmon 3 record of the connection (the free [`sysmon3`] is a
    /// minimal one built field by field).
    pub fn sysmon3(&self) -> String {
        format!(
            r##"{{"Event":{{"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon","Guid":"{{5770385f-c22a-43e0-bf4c-06f5698ffbd9}}"}}}},"EventID":3,"Version":5,"Level":4,"Task":3,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{{"#attributes":{{"SystemTime":"{t}"}}}},"EventRecordID":1,"Correlation":null,"Execution":{{"#attributes":{{"ProcessID":3348,"ThreadID":4120}}}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"{host}","Security":{{"#attributes":{{"UserID":"S-1-5-18"}}}}}},"EventData":{{"RuleName":"-","UtcTime":"{t}","ProcessGuid":"{{4c2e9a10-daf6-6922-0ab1-4c8110af9be0}}","ProcessId":7548,"Image":"{image}","User":"CORP\\alice","Protocol":"tcp","Initiated":true,"SourceIsIpv6":false,"SourceIp":"{src}","SourceHostname":"{host}","SourcePort":{sport},"SourcePortName":"-","DestinationIsIpv6":false,"DestinationIp":"{dst}","DestinationHostname":"-","DestinationPort":443,"DestinationPortName":"https"}}}}}}"##,
            t = iso(self.ts - 0.02),
            host = self.host,
            image = self.image.replace('\\', "\\\\"),
            src = self.src,
            sport = self.sport,
            dst = self.dst,
        )
    }

    pub fn conn(&self) -> String {
        format!(
            r#"{{"_path":"conn","ts":{ts:.6},"uid":"{uid}","id.orig_h":"{src}","id.orig_p":{sport},"id.resp_h":"{dst}","id.resp_p":443,"proto":"tcp","service":"ssl","duration":30.0,"orig_bytes":{out},"resp_bytes":{inn},"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":10,"orig_ip_bytes":{out},"resp_pkts":10,"resp_ip_bytes":{inn},"tunnel_parents":[]}}"#,
            ts = self.ts,
            uid = self.uid,
            src = self.src,
            sport = self.sport,
            dst = self.dst,
            out = self.out,
            inn = self.inn,
        )
    }

    /// Zeek writes ssl a moment after the conn's start time.
    pub fn ssl(&self) -> String {
        format!(
            r#"{{"_path":"ssl","ts":{ts:.6},"uid":"{uid}","id.orig_h":"{src}","id.orig_p":{sport},"id.resp_h":"{dst}","id.resp_p":443,"version":"TLSv13","cipher":"TLS_AES_128_GCM_SHA256","server_name":"{domain}","resumed":false,"established":true}}"#,
            ts = self.ts + 0.05,
            uid = self.uid,
            src = self.src,
            sport = self.sport,
            dst = self.dst,
            domain = self.domain,
        )
    }

    pub fn dns(&self) -> String {
        format!(
            r#"{{"_path":"dns","ts":{ts:.6},"uid":"D{uid}","id.orig_h":"{src}","id.orig_p":53001,"id.resp_h":"10.20.0.2","id.resp_p":53,"proto":"udp","trans_id":1,"query":"{domain}","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["{dst}"],"TTLs":[300.0],"rejected":false}}"#,
            ts = self.ts - 0.3,
            uid = self.uid,
            src = self.src,
            dst = self.dst,
            domain = self.domain,
        )
    }

    /// The firewall logs the session at its end (30 s later).
    pub fn panos(&self) -> String {
        let end = panos_time(self.ts + 30.0);
        let start = panos_time(self.ts);
        format!(
            "<14>Nov 16 00:00:00 pa-fw01 1,{end},013201001234,TRAFFIC,end,2561,{end},{src},{dst},198.51.100.7,{dst},allow-outbound,corp\\alice,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,Log-Forwarding,,200001,1,{sport},443,20001,443,0x40001c,tcp,allow,{total},{out},{inn},1154,{start},30,\"online-storage,low-risk\",0,7301200001,0x0,10.0.0.0-10.255.255.255,US,0,4,1150,tcp-fin,0,0,0,0,,pa-fw01,from-policy,,,,,,,,,,,,9f6a0a3e-1a7b-4c6e-8d8d-2f0e1c9b7a11,,,,,,,,,,,,,,,,,,,,,,,,,,",
            src = self.src,
            dst = self.dst,
            sport = self.sport,
            total = self.out + self.inn,
            out = self.out,
            inn = self.inn,
        )
    }

    pub fn proxysg(&self) -> String {
        let t = iso(self.ts);
        format!(
            "{} {} 30000 {} CORP\\alice \"CORP\\Domain Users\" - OBSERVED \"Online Storage\" - 200 TCP_NC_MISS POST application/octet-stream https {} 443 /upload - - \"curl/8.4.0\" 10.20.0.5 {} {} -",
            &t[..10],
            &t[11..19],
            self.src,
            self.domain,
            self.inn,
            self.out,
        )
    }
}

/// The header of a Blue Coat ProxySG access log (W3C fields).
pub const PROXYSG_HEADER: &str = "#Software: SGOS 7.3.14.1\n#Version: 1.0\n#Date: 2026-11-16 00:00:00\n#Fields: date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id\n";

/// One Sysmon (or Security) record as `evtx` renders it to JSON.
pub fn winlog(
    channel: &str,
    provider: &str,
    id: u32,
    time: &str,
    computer: &str,
    data: &[(&str, &str)],
) -> String {
    let data: serde_json::Map<String, serde_json::Value> = data
        .iter()
        .map(|(k, v)| {
            let val = match v.parse::<u64>() {
                Ok(n) if *k == "ProcessId" || *k == "DestinationPort" || *k == "SourcePort" => {
                    serde_json::Value::from(n)
                }
                _ => serde_json::Value::from(*v),
            };
            (k.to_string(), val)
        })
        .collect();
    serde_json::json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": provider}},
            "EventID": id,
            "TimeCreated": {"#attributes": {"SystemTime": time}},
            "Channel": channel,
            "Computer": computer,
        },
        "EventData": data,
    }})
    .to_string()
}

pub fn sysmon(id: u32, time: &str, computer: &str, data: &[(&str, &str)]) -> String {
    winlog(
        "Microsoft-Windows-Sysmon/Operational",
        "Microsoft-Windows-Sysmon",
        id,
        time,
        computer,
        data,
    )
}

/// A Sysmon 3 connection of `image` (pid) from `src` to `dst` (name, address).
pub fn sysmon3(
    time: &str,
    computer: &str,
    image: &str,
    pid: &str,
    src: &str,
    dst_name: &str,
    dst_ip: &str,
) -> String {
    sysmon(
        3,
        time,
        computer,
        &[
            ("ProcessId", pid),
            ("Image", image),
            ("User", "CORP\\user"),
            ("Protocol", "tcp"),
            ("Initiated", "true"),
            ("SourceIp", src),
            ("SourceHostname", computer),
            ("SourcePort", "50000"),
            ("DestinationIp", dst_ip),
            ("DestinationHostname", dst_name),
            ("DestinationPort", "443"),
        ],
    )
}

/// A Blue Coat ProxySG access log with its header.
pub fn proxysg(lines: &[String]) -> String {
    let mut s = String::from(PROXYSG_HEADER);
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// One ProxySG line: a request of `method` to `host` + `path` with `ua`
/// (one argument per column that matters).
#[allow(clippy::too_many_arguments)]
pub fn proxysg_line(
    date_time: &str,
    client: &str,
    user: &str,
    method: &str,
    host: &str,
    path: &str,
    ua: &str,
    bytes_out: u64,
) -> String {
    format!(
        "{date_time} 500 {client} {user} \"CORP\\Domain Users\" - OBSERVED \"Technology/Internet\" - 200 TCP_NC_MISS {method} application/json https {host} 443 {path} - - \"{ua}\" 10.20.0.5 4835 {bytes_out} -"
    )
}
