//! What happens, before it is written: timestamped activities that each
//! render into one or more log formats (a connection shows in Sysmon or
//! auditd, in Zeek, in the proxy and, when it ends, in the firewall).

use crate::clock::Micros;
use crate::services::Svc;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;

/// Who runs a process: a user of the world, or the system account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account {
    User(usize),
    System,
}

/// A process on a host (Windows or Linux).
#[derive(Debug)]
pub struct Proc {
    pub host: usize,
    pub account: Account,
    pub pid: u32,
    pub guid: String,
    pub image: String,
    pub argv: Vec<String>,
    /// The command line as Windows shows it (Linux: argv joined).
    pub cmd: String,
    pub original_file_name: String,
    pub cwd: String,
    pub parent_pid: u32,
    pub parent_guid: String,
    pub parent_image: String,
    pub parent_cmd: String,
}

/// HTTP details of a flow the sensors can see in clear (port 80) or the
/// proxy sees through TLS interception.
#[derive(Clone, Debug)]
pub struct Http {
    pub method: &'static str,
    pub path: String,
    pub user_agent: String,
    pub content_type: &'static str,
    /// Name of an uploaded file (Zeek files.log), if any.
    pub upload_name: Option<String>,
}

/// One TCP connection.
#[derive(Debug)]
pub struct Flow {
    pub host: usize,
    pub proc: Option<Rc<Proc>>,
    pub svc: Svc,
    pub src_port: u16,
    pub bytes_out: u64,
    pub bytes_in: u64,
    pub duration: Micros,
    pub uid: String,
    pub http: Option<Http>,
    /// Whether the web proxy logs it (workstation web traffic).
    pub proxied: bool,
}

/// A TCP session opened from outside to a host, through the firewall's
/// destination NAT (the public address and `public_port` to the host's `port`).
#[derive(Debug)]
pub struct Inbound {
    pub host: usize,
    pub remote: String,
    pub remote_port: u16,
    pub public_port: u16,
    pub port: u16,
    pub app: &'static str,
    pub country: &'static str,
    /// Bytes the outside sent, and the host sent back.
    pub bytes_from: u64,
    pub bytes_to: u64,
    pub duration: Micros,
    pub uid: String,
}

#[derive(Debug)]
pub struct Dns {
    pub host: usize,
    pub proc: Option<Rc<Proc>>,
    pub query: String,
    pub answer: String,
    pub uid: String,
    pub src_port: u16,
    pub trans_id: u16,
}

/// A Microsoft 365 Unified Audit Log record.
#[derive(Debug)]
pub struct M365 {
    pub user: usize,
    pub client_ip: String,
    pub operation: &'static str,
    pub workload: &'static str,
    pub record_type: u32,
    pub object_url: String,
    pub file_name: String,
    pub size: Option<u64>,
    pub user_agent: &'static str,
    /// Anonymous access (AnonymousLinkUsed): no user.
    pub anonymous: bool,
}

/// A Google Workspace Reports API activity (one event).
#[derive(Debug)]
pub struct Gws {
    pub user: usize,
    pub ip: String,
    pub app: &'static str,
    pub etype: &'static str,
    pub name: &'static str,
    pub doc_id: String,
    pub doc_title: String,
    pub doc_type: &'static str,
    pub visibility: &'static str,
    pub old_visibility: Option<&'static str>,
}

/// An AWS CloudTrail S3 event.
#[derive(Debug)]
pub struct Trail {
    pub user: String,
    pub source_ip: String,
    pub event_name: &'static str,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub user_agent: &'static str,
    /// Account owning the bucket (the org's own, or a stranger's).
    pub bucket_account: String,
}

/// A GitHub audit log entry.
#[derive(Debug)]
pub struct Gh {
    pub user: usize,
    pub ip: String,
    pub action: &'static str,
    pub repo: String,
    pub hook_url: Option<String>,
    pub visibility: Option<&'static str>,
}

/// A Slack Enterprise Grid audit log entry.
#[derive(Debug)]
pub struct Slack {
    pub user: usize,
    pub ip: String,
    pub user_agent: &'static str,
    pub action: &'static str,
    pub entity: SlackEntity,
}

/// What a Slack audit entry acted on.
#[derive(Debug)]
pub enum SlackEntity {
    /// The actor themself (sign-ins).
    User,
    /// An app, with the scopes it asks for and the channel its webhook posts to.
    App {
        id: String,
        name: &'static str,
        scopes: &'static [&'static str],
        directory_approved: bool,
        channel: Option<String>,
    },
    File {
        id: String,
        name: String,
    },
}

/// One message through the mail gateway (Proofpoint and message trace).
#[derive(Debug)]
pub struct Mail {
    pub host: Option<usize>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub size: u64,
    pub attachment: Option<(String, &'static str, bool)>,
    pub to_ip: String,
    pub from_ip: String,
}

#[derive(Debug)]
pub enum Kind {
    ProcStart(Rc<Proc>),
    Dns(Box<Dns>),
    Connect(Rc<Flow>),
    /// The firewall's end-of-session record of a flow.
    FirewallEnd(Rc<Flow>),
    Inbound(Rc<Inbound>),
    /// The firewall's end-of-session record of an inbound session.
    InboundEnd(Rc<Inbound>),
    FileCreate(Rc<Proc>, String),
    Script(Rc<Proc>, String),
    M365(Box<M365>),
    Gws(Box<Gws>),
    Trail(Box<Trail>),
    Gh(Box<Gh>),
    Slack(Box<Slack>),
    Mail(Box<Mail>),
}

#[derive(Debug)]
pub struct Activity {
    pub ts: Micros,
    pub seq: u64,
    /// Index of the story this belongs to (ground truth), if any.
    pub story: Option<u32>,
    pub kind: Kind,
}

impl PartialEq for Activity {
    fn eq(&self, o: &Self) -> bool {
        self.ts == o.ts && self.seq == o.seq
    }
}
impl Eq for Activity {}
impl PartialOrd for Activity {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Activity {
    /// Reversed: the heap pops the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.ts, o.seq).cmp(&(self.ts, self.seq))
    }
}

/// Activities waiting to be written, earliest first.
#[derive(Default)]
pub struct Queue {
    heap: BinaryHeap<Activity>,
    seq: u64,
}

impl Queue {
    pub fn push(&mut self, ts: Micros, story: Option<u32>, kind: Kind) {
        self.seq += 1;
        self.heap.push(Activity {
            ts,
            seq: self.seq,
            story,
            kind,
        });
    }

    /// The next activity before `until`, if any.
    pub fn pop_before(&mut self, until: Micros) -> Option<Activity> {
        if self.heap.peek().is_some_and(|a| a.ts < until) {
            self.heap.pop()
        } else {
            None
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
