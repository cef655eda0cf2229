//! Writes each activity into every log that would see it.

use crate::activity::{Account, Activity, Flow, Inbound, Kind, Mail, Queue};
use crate::clock::{Micros, SEC};
use crate::formats::{self, winevt::Who, zeek_tsv::Tuple};
use crate::out::{FileId, Out};
use crate::rng::Rng;
use crate::world::{Os, Site, World, DOMAIN, NAT_IP, NETBIOS};
use std::io;
use std::rc::Rc;

pub struct Renderer {
    buf: String,
    rng: Rng,
    /// Slack entries draw from their own stream, so that adding them leaves
    /// every other file's bytes as they were.
    slack_rng: Rng,
    sysmon_rec: u64,
    security_rec: u64,
    ps_rec: u64,
    audit_serial: u64,
    session: u64,
    mail_index: u64,
}

struct Names {
    qualified: String,
    name: String,
    domain: &'static str,
    sid: String,
    logon: String,
    uid: u32,
}

fn names(w: &World, a: Account) -> Names {
    match a {
        Account::User(u) => {
            let user = &w.users[u];
            Names {
                qualified: format!("{NETBIOS}\\{}", user.sam),
                name: user.sam.clone(),
                domain: NETBIOS,
                sid: user.sid(),
                logon: format!("0x3{:05x}", user.rid * 13),
                uid: user.uid,
            }
        }
        Account::System => Names {
            qualified: "NT AUTHORITY\\SYSTEM".into(),
            name: "SYSTEM".into(),
            domain: "NT AUTHORITY",
            sid: "S-1-5-18".into(),
            logon: "0x3e7".into(),
            uid: 0,
        },
    }
}

fn who(n: &Names) -> Who<'_> {
    Who {
        qualified: &n.qualified,
        name: &n.name,
        domain: n.domain,
        sid: &n.sid,
        logon_id: &n.logon,
    }
}

fn sha256ish(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::with_capacity(64);
    for round in 0..4u64 {
        for b in text.bytes() {
            h = (h ^ b as u64 ^ round).wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016X}"));
    }
    out
}

impl Renderer {
    pub fn new(seed: u64) -> Renderer {
        Renderer {
            buf: String::with_capacity(8192),
            rng: Rng::derive(seed, "render"),
            slack_rng: Rng::derive(seed, "render-slack"),
            sysmon_rec: 210_000,
            security_rec: 5_520_000,
            ps_rec: 20_000,
            audit_serial: 88_000,
            session: 200_000,
            mail_index: 0,
        }
    }

    fn put(
        &mut self,
        out: &mut Out,
        id: FileId,
        t: Micros,
        story: Option<u32>,
        what: &'static str,
    ) -> io::Result<()> {
        let r = out.emit(id, t, &self.buf, story, what);
        self.buf.clear();
        r
    }

    pub fn render(
        &mut self,
        a: Activity,
        w: &World,
        out: &mut Out,
        q: &mut Queue,
    ) -> io::Result<()> {
        let (t, st) = (a.ts, a.story);
        self.buf.clear();
        match a.kind {
            Kind::ProcStart(p) => {
                let host = &w.hosts[p.host];
                let n = names(w, p.account);
                match host.os {
                    Os::Windows => {
                        let fqdn = host.fqdn();
                        self.sysmon_rec += 1;
                        let hash = sha256ish(&p.original_file_name);
                        formats::winevt::process_create(
                            &mut self.buf,
                            t,
                            self.sysmon_rec,
                            &fqdn,
                            &p,
                            &who(&n),
                            &hash,
                        );
                        self.put(out, FileId::Sysmon, t, st, "sysmon-1")?;
                        self.security_rec += 1;
                        formats::winevt::security_4688(
                            &mut self.buf,
                            t + 2_000,
                            self.security_rec,
                            &fqdn,
                            &p,
                            &who(&n),
                        );
                        self.put(out, FileId::Security, t, st, "security-4688")?;
                    }
                    Os::Linux => {
                        self.audit_serial += 1;
                        formats::auditd::execve(
                            &mut self.buf,
                            &host.name,
                            t,
                            self.audit_serial,
                            &p,
                            n.uid,
                        );
                        self.put(out, FileId::Auditd, t, st, "auditd-execve")?;
                    }
                }
            }
            Kind::FileCreate(p, path) => {
                let host = &w.hosts[p.host];
                if host.os == Os::Windows {
                    let n = names(w, p.account);
                    self.sysmon_rec += 1;
                    formats::winevt::file_create(
                        &mut self.buf,
                        t,
                        self.sysmon_rec,
                        &host.fqdn(),
                        &p,
                        &who(&n),
                        &path,
                    );
                    self.put(out, FileId::Sysmon, t, st, "sysmon-11")?;
                }
            }
            Kind::Script(p, text) => {
                let host = &w.hosts[p.host];
                let n = names(w, p.account);
                self.ps_rec += 1;
                let id = format!("{{{}}}", self.rng.uuid());
                formats::winevt::script_block(
                    &mut self.buf,
                    t,
                    self.ps_rec,
                    &host.fqdn(),
                    &p,
                    &who(&n),
                    &text,
                    &id,
                );
                self.put(out, FileId::PowerShell, t, st, "powershell-4104")?;
            }
            Kind::Dns(d) => {
                let host = &w.hosts[d.host];
                if let (Os::Windows, Some(p)) = (host.os, &d.proc) {
                    let n = names(w, p.account);
                    self.sysmon_rec += 1;
                    formats::winevt::dns_query(
                        &mut self.buf,
                        t,
                        self.sysmon_rec,
                        &host.fqdn(),
                        p,
                        &who(&n),
                        &d.query,
                        &d.answer,
                    );
                    self.put(out, FileId::Sysmon, t, st, "sysmon-22")?;
                }
                let tu = Tuple {
                    uid: &d.uid,
                    orig: (&host.ip, d.src_port),
                    resp: (host.resolver(), 53),
                };
                let (qlen, alen) = (d.query.len() as u64 + 17, d.query.len() as u64 + 49);
                match host.site {
                    Site::Hq => {
                        formats::zeek_tsv::dns(
                            &mut self.buf,
                            t,
                            &tu,
                            d.trans_id,
                            &d.query,
                            &d.answer,
                        );
                        self.put(out, FileId::ZeekDns, t, st, "zeek-dns")?;
                        formats::zeek_tsv::conn(
                            &mut self.buf,
                            t,
                            &tu,
                            "udp",
                            "dns",
                            12_000,
                            qlen,
                            alen,
                            (true, true),
                        );
                        self.put(out, FileId::ZeekConn, t, st, "zeek-conn")?;
                    }
                    Site::Branch => {
                        formats::zeek_json::conn(
                            &mut self.buf,
                            t,
                            &tu,
                            "udp",
                            "dns",
                            12_000,
                            qlen,
                            alen,
                            (true, true),
                        );
                        self.put(out, FileId::ZeekJsonConn, t, st, "zeek-json-conn")?;
                    }
                }
            }
            Kind::Connect(f) => {
                self.connect(t, st, &f, w, out)?;
                q.push(t + f.duration.max(SEC), st, Kind::FirewallEnd(f));
            }
            Kind::FirewallEnd(f) => {
                let host = &w.hosts[f.host];
                self.session += 1;
                let user = f.proc.as_ref().and_then(|p| match p.account {
                    Account::User(u) => Some(w.users[u].sam.as_str()),
                    Account::System => None,
                });
                let s = formats::panos::Session {
                    start: t - f.duration.max(SEC),
                    end: t,
                    src: (&host.ip, f.src_port),
                    dst: (&f.svc.ip, f.svc.port),
                    user,
                    app: f.svc.app,
                    category: f.svc.category,
                    country: f.svc.country,
                    proto: "tcp",
                    sent: f.bytes_out + f.bytes_out / 30 + 800,
                    received: f.bytes_in + f.bytes_in / 30 + 600,
                    session_id: self.session,
                    inbound: None,
                };
                formats::panos::line(&mut self.buf, &s);
                self.put(out, FileId::PanOs, t, st, "panos-traffic")?;
            }
            Kind::Inbound(s) => {
                self.inbound(t, st, &s, w, out)?;
                q.push(t + s.duration, st, Kind::InboundEnd(s));
            }
            Kind::InboundEnd(s) => {
                let host = &w.hosts[s.host];
                self.session += 1;
                let p = formats::panos::Session {
                    start: t - s.duration,
                    end: t,
                    src: (&s.remote, s.remote_port),
                    dst: (NAT_IP, s.public_port),
                    user: None,
                    app: s.app,
                    category: "any",
                    country: s.country,
                    proto: "tcp",
                    sent: s.bytes_from + s.bytes_from / 30 + 800,
                    received: s.bytes_to + s.bytes_to / 30 + 600,
                    session_id: self.session,
                    inbound: Some((&host.ip, s.port)),
                };
                formats::panos::line(&mut self.buf, &p);
                self.put(out, FileId::PanOs, t, st, "panos-traffic")?;
            }
            Kind::M365(r) => {
                let id = self.rng.uuid();
                let user = if r.anonymous {
                    "anonymous".to_string()
                } else {
                    w.users[r.user].email()
                };
                formats::m365::record(&mut self.buf, t, &id, &r, &user);
                self.put(out, FileId::M365, t, st, "m365")?;
            }
            Kind::Gws(r) => {
                let q = self.rng.next_u64() >> 2;
                let etag = format!("{}-{}", self.rng.hex(8), self.rng.hex(3));
                let u = &w.users[r.user];
                let profile = format!("1109876543210987{:05}", u.rid);
                formats::gworkspace::activity(&mut self.buf, t, q, &etag, &r, &u.email(), &profile);
                self.put(out, FileId::GWorkspace, t, st, "gworkspace")?;
            }
            Kind::Trail(r) => {
                let req = self.rng.hex(16).to_ascii_uppercase();
                let id = self.rng.uuid();
                formats::cloudtrail::element(&mut self.buf, t, &req, &id, &r);
                self.put(out, FileId::CloudTrail, t, st, "cloudtrail")?;
            }
            Kind::Gh(r) => {
                let doc = self.rng.hex(22);
                let u = &w.users[r.user];
                formats::github::entry(
                    &mut self.buf,
                    t,
                    &doc,
                    &r,
                    &u.github(),
                    90_812_700 + u.rid as u64,
                );
                self.put(out, FileId::GitHub, t, st, "github")?;
            }
            Kind::Slack(r) => {
                let id = self.slack_rng.uuid();
                let session = 8_412_000_000_000 + self.slack_rng.below(1_000_000_000);
                formats::slack::entry(&mut self.buf, t, &id, &r, &w.users[r.user], session);
                self.put(out, FileId::Slack, t, st, "slack")?;
            }
            Kind::Mail(m) => self.mail(t, st, &m, w, out)?,
        }
        Ok(())
    }

    /// The sensor's view of a session from outside to a host.
    fn inbound(
        &mut self,
        t: Micros,
        st: Option<u32>,
        s: &Inbound,
        w: &World,
        out: &mut Out,
    ) -> io::Result<()> {
        let host = &w.hosts[s.host];
        let tu = Tuple {
            uid: &s.uid,
            orig: (&s.remote, s.remote_port),
            resp: (&host.ip, s.port),
        };
        let ts = t + 20_000;
        let (d, from, to) = (s.duration, s.bytes_from, s.bytes_to);
        // The originator is outside, the responder inside.
        let local = (false, true);
        match host.site {
            Site::Hq => {
                formats::zeek_tsv::conn(&mut self.buf, ts, &tu, "tcp", s.app, d, from, to, local);
                self.put(out, FileId::ZeekConn, ts, st, "zeek-conn")
            }
            Site::Branch => {
                formats::zeek_json::conn(&mut self.buf, ts, &tu, "tcp", s.app, d, from, to, local);
                self.put(out, FileId::ZeekJsonConn, ts, st, "zeek-json-conn")
            }
        }
    }

    fn connect(
        &mut self,
        t: Micros,
        st: Option<u32>,
        f: &Rc<Flow>,
        w: &World,
        out: &mut Out,
    ) -> io::Result<()> {
        let host = &w.hosts[f.host];
        if let Some(p) = &f.proc {
            let n = names(w, p.account);
            match host.os {
                Os::Windows => {
                    self.sysmon_rec += 1;
                    formats::winevt::network(
                        &mut self.buf,
                        t,
                        self.sysmon_rec,
                        &host.fqdn(),
                        p,
                        &who(&n),
                        (&host.ip, f.src_port),
                        (&f.svc.ip, f.svc.port),
                        &f.svc.domain,
                    );
                    self.put(out, FileId::Sysmon, t, st, "sysmon-3")?;
                }
                Os::Linux => {
                    self.audit_serial += 1;
                    formats::auditd::connect(
                        &mut self.buf,
                        &host.name,
                        t,
                        self.audit_serial,
                        p,
                        n.uid,
                        &f.svc.ip,
                        f.svc.port,
                    );
                    self.put(out, FileId::Auditd, t, st, "auditd-connect")?;
                }
            }
        }
        let tu = Tuple {
            uid: &f.uid,
            orig: (&host.ip, f.src_port),
            resp: (&f.svc.ip, f.svc.port),
        };
        let service = if f.svc.port == 80 { "http" } else { "ssl" };
        let ts = t + 20_000;
        match host.site {
            Site::Hq => {
                formats::zeek_tsv::conn(
                    &mut self.buf,
                    ts,
                    &tu,
                    "tcp",
                    service,
                    f.duration,
                    f.bytes_out,
                    f.bytes_in,
                    (true, false),
                );
                self.put(out, FileId::ZeekConn, ts, st, "zeek-conn")?;
                if f.svc.port == 443 {
                    let fp = sha256ish(&f.svc.domain).to_ascii_lowercase();
                    formats::zeek_tsv::ssl(&mut self.buf, ts + 50_000, &tu, &f.svc.domain, &fp);
                    self.put(out, FileId::ZeekSsl, ts, st, "zeek-ssl")?;
                } else if let Some(h) = &f.http {
                    let fuid = format!("F{}", self.rng.base62(17));
                    let rfuid = format!("F{}", self.rng.base62(17));
                    let upload = h
                        .upload_name
                        .as_deref()
                        .map(|n| (fuid.as_str(), n, h.content_type));
                    formats::zeek_tsv::http(
                        &mut self.buf,
                        ts + 30_000,
                        &tu,
                        h.method,
                        &f.svc.domain,
                        &h.path,
                        &h.user_agent,
                        f.bytes_out,
                        f.bytes_in,
                        upload,
                        &rfuid,
                    );
                    self.put(out, FileId::ZeekHttp, ts, st, "zeek-http")?;
                    let md5 = self.rng.hex(32);
                    if h.upload_name.is_none() {
                        // The response body Zeek extracted (a download).
                        formats::zeek_tsv::files(
                            &mut self.buf,
                            ts + 40_000,
                            &tu,
                            &rfuid,
                            h.content_type,
                            "-",
                            f.duration,
                            false,
                            f.bytes_in,
                            &md5,
                        );
                        self.put(out, FileId::ZeekFiles, ts, st, "zeek-files")?;
                    }
                    if let Some(name) = &h.upload_name {
                        formats::zeek_tsv::files(
                            &mut self.buf,
                            ts + 40_000,
                            &tu,
                            &fuid,
                            h.content_type,
                            name,
                            f.duration,
                            true,
                            f.bytes_out,
                            &md5,
                        );
                        self.put(out, FileId::ZeekFiles, ts, st, "zeek-files")?;
                    }
                }
            }
            Site::Branch => {
                formats::zeek_json::conn(
                    &mut self.buf,
                    ts,
                    &tu,
                    "tcp",
                    service,
                    f.duration,
                    f.bytes_out,
                    f.bytes_in,
                    (true, false),
                );
                self.put(out, FileId::ZeekJsonConn, ts, st, "zeek-json-conn")?;
            }
        }
        if f.proxied {
            let user = f.proc.as_ref().and_then(|p| match p.account {
                Account::User(u) => Some(w.users[u].sam.as_str()),
                Account::System => None,
            });
            let (method, path, ua, ctype) = match &f.http {
                Some(h) => (
                    h.method,
                    h.path.as_str(),
                    h.user_agent.as_str(),
                    h.content_type,
                ),
                None => ("CONNECT", "/", "-", "-"),
            };
            let millis = (f.duration / 1000).max(1) as u64;
            let te = t + f.duration;
            match host.site {
                Site::Hq => {
                    let r = formats::w3c::Request {
                        client: &host.ip,
                        user,
                        category: f.svc.category,
                        method,
                        content_type: ctype,
                        host: &f.svc.domain,
                        port: f.svc.port,
                        path,
                        user_agent: ua,
                        sc_bytes: f.bytes_in,
                        cs_bytes: f.bytes_out,
                        millis,
                    };
                    formats::w3c::line(&mut self.buf, t, &r);
                    self.put(out, FileId::ProxySg, te, st, "proxysg")?;
                }
                Site::Branch => {
                    let bytes = if method == "CONNECT" {
                        f.bytes_in + f.bytes_out
                    } else {
                        f.bytes_in
                    };
                    formats::squid::line(
                        &mut self.buf,
                        t,
                        millis,
                        &host.ip,
                        method,
                        &f.svc.domain,
                        path,
                        user,
                        &f.svc.ip,
                        bytes,
                        ctype,
                    );
                    self.put(out, FileId::Squid, te, st, "squid")?;
                }
            }
        }
        Ok(())
    }

    fn mail(
        &mut self,
        t: Micros,
        st: Option<u32>,
        m: &Mail,
        w: &World,
        out: &mut Out,
    ) -> io::Result<()> {
        let internal_from = m.from.ends_with(DOMAIN);
        let internal_to = m.to.ends_with(DOMAIN);
        let direction = match (internal_from, internal_to) {
            (true, false) => "outbound",
            (false, _) => "inbound",
            (true, true) => "internal",
        };
        let helo = match m.host {
            Some(h) => w.hosts[h].fqdn(),
            None => format!(
                "mx1.{}",
                m.from.rsplit('@').next().unwrap_or("mail.example")
            ),
        };
        let sid = self.rng.base62(10);
        let qid = self.rng.base62(14);
        let guid = self.rng.base62(32);
        let msgid = format!("{}@{DOMAIN}", self.rng.base62(20));
        formats::proofpoint::message(
            &mut self.buf,
            t,
            (&sid, &qid, &guid, &msgid),
            m,
            &helo,
            direction,
        );
        self.put(out, FileId::Proofpoint, t, st, "proofpoint")?;
        let trace = self.rng.uuid();
        formats::message_trace::row(&mut self.buf, t + SEC, &msgid, &trace, m, self.mail_index);
        self.mail_index += 1;
        self.put(out, FileId::MessageTrace, t, st, "message-trace")
    }
}
