//! Building blocks background and stories share: start a process, resolve
//! a name, open a connection, write a file, log a SaaS action. Each pushes
//! activities (tagged with the story, if any) onto the queue.

use crate::activity::{
    Account, Dns, Flow, Gh, Gws, Http, Inbound, Kind, Mail, Proc, Queue, Slack, Trail, M365,
};
use crate::clock::{Micros, SEC};
use crate::rng::Rng;
use crate::services::{svc, Svc};
use crate::world::{Os, World};
use std::rc::Rc;

pub struct Scene<'a> {
    pub w: &'a World,
    pub q: &'a mut Queue,
    pub rng: &'a mut Rng,
    pub story: Option<u32>,
    /// Bytes the story sends out (ground truth), summed over its uploads.
    pub bytes_out: u64,
    pub first: Option<Micros>,
    pub last: Option<Micros>,
}

/// Splits a command line into arguments, honouring double quotes.
pub fn split_args(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in cmd.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

impl<'a> Scene<'a> {
    pub fn new(w: &'a World, q: &'a mut Queue, rng: &'a mut Rng, story: Option<u32>) -> Self {
        Scene {
            w,
            q,
            rng,
            story,
            bytes_out: 0,
            first: None,
            last: None,
        }
    }

    fn push(&mut self, t: Micros, kind: Kind) {
        if self.story.is_some() {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.q.push(t, self.story, kind);
    }

    pub fn guid(&mut self) -> String {
        format!(
            "{{4c2e9a10-{}-6922-{}-{}}}",
            self.rng.hex(4),
            self.rng.hex(4),
            self.rng.hex(12)
        )
    }

    fn pid(&mut self, os: Os) -> u32 {
        match os {
            Os::Windows => self.rng.range(250, 4000) as u32 * 4,
            Os::Linux => self.rng.range(2000, 65000) as u32,
        }
    }

    /// Starts `cmd` (Windows: the command line; Linux: `argv` joined) as
    /// `image`. `parent` defaults to the user's shell (explorer.exe, bash).
    #[allow(clippy::too_many_arguments)]
    pub fn spawn(
        &mut self,
        t: Micros,
        host: usize,
        account: Account,
        image: &str,
        cmd: &str,
        original_file_name: Option<&str>,
        parent: Option<&Proc>,
    ) -> Rc<Proc> {
        let os = self.w.hosts[host].os;
        let argv = split_args(cmd);
        let file = image.rsplit(['\\', '/']).next().unwrap_or(image);
        let ofn = original_file_name.unwrap_or(file).to_string();
        let (ppid, pguid, pimage, pcmd) = match parent {
            Some(p) => (p.pid, p.guid.clone(), p.image.clone(), p.cmd.clone()),
            None => match (os, account) {
                (Os::Windows, Account::User(_)) => (
                    4312,
                    "{4c2e9a10-5a61-6922-4d01-000000000e00}".to_string(),
                    "C:\\Windows\\explorer.exe".to_string(),
                    "C:\\Windows\\explorer.exe".to_string(),
                ),
                (Os::Windows, Account::System) => (
                    712,
                    "{4c2e9a10-0001-6922-0b00-000000000e00}".to_string(),
                    "C:\\Windows\\System32\\services.exe".to_string(),
                    "C:\\Windows\\system32\\services.exe".to_string(),
                ),
                (Os::Linux, Account::User(_)) => (
                    51100,
                    String::new(),
                    "/usr/bin/bash".to_string(),
                    "-bash".to_string(),
                ),
                (Os::Linux, Account::System) => (
                    1210,
                    String::new(),
                    "/usr/sbin/cron".to_string(),
                    "/usr/sbin/cron -f".to_string(),
                ),
            },
        };
        let cwd = match (os, account) {
            (Os::Windows, Account::User(u)) => format!("C:\\Users\\{}\\", self.w.users[u].sam),
            (Os::Windows, Account::System) => "C:\\Windows\\system32\\".to_string(),
            (Os::Linux, Account::User(u)) => format!("/home/{}", self.w.users[u].sam),
            (Os::Linux, Account::System) => "/".to_string(),
        };
        let pid = self.pid(os);
        let guid = self.guid();
        let p = Rc::new(Proc {
            host,
            account,
            pid,
            guid,
            image: image.to_string(),
            argv,
            cmd: cmd.to_string(),
            original_file_name: ofn,
            cwd,
            parent_pid: ppid,
            parent_guid: pguid,
            parent_image: pimage,
            parent_cmd: pcmd,
        });
        self.push(t, Kind::ProcStart(p.clone()));
        p
    }

    /// A process assumed already running (no creation event).
    pub fn running(&mut self, host: usize, account: Account, image: &str, cmd: &str) -> Rc<Proc> {
        let os = self.w.hosts[host].os;
        let pid = self.pid(os);
        let guid = self.guid();
        Rc::new(Proc {
            host,
            account,
            pid,
            guid,
            image: image.to_string(),
            argv: split_args(cmd),
            cmd: cmd.to_string(),
            original_file_name: image
                .rsplit(['\\', '/'])
                .next()
                .unwrap_or(image)
                .to_string(),
            cwd: String::new(),
            parent_pid: 4312,
            parent_guid: String::new(),
            parent_image: String::new(),
            parent_cmd: String::new(),
        })
    }

    /// Resolves `domain` from `host` (Sysmon 22 and Zeek DNS) and returns the service.
    pub fn resolve(
        &mut self,
        t: Micros,
        host: usize,
        proc: Option<&Rc<Proc>>,
        domain: &str,
    ) -> Svc {
        let s = svc(domain);
        let uid = format!("C{}", self.rng.base62(17));
        let src_port = self.rng.range(49152, 65000) as u16;
        let trans_id = self.rng.below(65536) as u16;
        self.push(
            t,
            Kind::Dns(Box::new(Dns {
                host,
                proc: proc.cloned(),
                query: domain.to_string(),
                answer: s.ip.clone(),
                uid,
                src_port,
                trans_id,
            })),
        );
        s
    }

    /// A TCP connection from `host` to `svc`; `out` counts toward the story's bytes.
    #[allow(clippy::too_many_arguments)]
    pub fn connect(
        &mut self,
        t: Micros,
        host: usize,
        proc: Option<&Rc<Proc>>,
        svc: &Svc,
        out: u64,
        inb: u64,
        duration: Micros,
        http: Option<Http>,
    ) {
        let uid = format!("C{}", self.rng.base62(17));
        let src_port = self.rng.range(49152, 65000) as u16;
        let proxied = self.w.hosts[host].os == Os::Windows && matches!(svc.port, 80 | 443);
        let flow = Flow {
            host,
            proc: proc.cloned(),
            svc: svc.clone(),
            src_port,
            bytes_out: out,
            bytes_in: inb,
            duration: duration.max(SEC / 10),
            uid,
            http,
            proxied,
        };
        if self.story.is_some() {
            self.bytes_out += out;
            let end = t + flow.duration;
            self.last = Some(self.last.map_or(end, |l| l.max(end)));
        }
        self.push(t, Kind::Connect(Rc::new(flow)));
    }

    /// A session from `remote` (outside) to `host`'s `port`, let in through the
    /// firewall's public address on `public_port`; `to` (the host's answers)
    /// counts toward the story's bytes.
    #[allow(clippy::too_many_arguments)]
    pub fn inbound(
        &mut self,
        t: Micros,
        host: usize,
        remote: &str,
        (public_port, port): (u16, u16),
        app: &'static str,
        country: &'static str,
        (from, to): (u64, u64),
        duration: Micros,
    ) {
        let s = Inbound {
            host,
            remote: remote.to_string(),
            remote_port: self.rng.range(32768, 61000) as u16,
            public_port,
            port,
            app,
            country,
            bytes_from: from,
            bytes_to: to,
            duration: duration.max(SEC / 10),
            uid: format!("C{}", self.rng.base62(17)),
        };
        if self.story.is_some() {
            self.bytes_out += to;
            let end = t + s.duration;
            self.last = Some(self.last.map_or(end, |l| l.max(end)));
        }
        self.push(t, Kind::Inbound(Rc::new(s)));
    }

    /// Resolves then uploads `bytes` in `parts` connections spaced `gap` apart,
    /// to `port` (80: in clear, so Zeek logs the HTTP request and file).
    #[allow(clippy::too_many_arguments)]
    pub fn upload(
        &mut self,
        t: Micros,
        host: usize,
        proc: &Rc<Proc>,
        domain: &str,
        bytes: u64,
        parts: u64,
        gap: Micros,
        http: Option<Http>,
        port: u16,
    ) -> Micros {
        let mut s = self.resolve(t, host, Some(proc), domain);
        s.port = port;
        let parts = parts.max(1);
        let mut at = t + 300_000;
        let mut left = bytes;
        for i in 0..parts {
            let chunk = if i + 1 == parts { left } else { bytes / parts };
            left -= chunk.min(left);
            // ~5 MB/s upstream, plus setup.
            let dur = (chunk as i64 / 5) + 400_000;
            let inb = self.rng.range(800, 60_000);
            self.connect(at, host, Some(proc), &s, chunk, inb, dur, http.clone());
            at += dur + gap;
        }
        at
    }

    pub fn file(&mut self, t: Micros, proc: &Rc<Proc>, path: &str) {
        self.push(t, Kind::FileCreate(proc.clone(), path.to_string()));
    }

    pub fn script(&mut self, t: Micros, proc: &Rc<Proc>, text: &str) {
        self.push(t, Kind::Script(proc.clone(), text.to_string()));
    }

    pub fn m365(&mut self, t: Micros, r: M365) {
        if self.story.is_some() && r.operation == "FileUploaded" {
            self.bytes_out += r.size.unwrap_or(0);
        }
        self.push(t, Kind::M365(Box::new(r)));
    }

    pub fn gws(&mut self, t: Micros, r: Gws) {
        self.push(t, Kind::Gws(Box::new(r)));
    }

    pub fn trail(&mut self, t: Micros, r: Trail) {
        self.push(t, Kind::Trail(Box::new(r)));
    }

    pub fn gh(&mut self, t: Micros, r: Gh) {
        self.push(t, Kind::Gh(Box::new(r)));
    }

    pub fn slack(&mut self, t: Micros, r: Slack) {
        self.push(t, Kind::Slack(Box::new(r)));
    }

    pub fn mail(&mut self, t: Micros, m: Mail) {
        if self.story.is_some() {
            self.bytes_out += m.size;
        }
        self.push(t, Kind::Mail(Box::new(m)));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn splits_quoted() {
        assert_eq!(
            super::split_args(r#"curl -H "X-A: b c" -T /tmp/x https://h/"#),
            vec!["curl", "-H", "X-A: b c", "-T", "/tmp/x", "https://h/"]
        );
    }
}
