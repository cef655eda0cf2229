//! Linux auditd raw log: an execve as SYSCALL + EXECVE + CWD + PATH + PATH +
//! PROCTITLE + EOE, a connect as SYSCALL + SOCKADDR + PROCTITLE + EOE, all
//! sharing `msg=audit(EPOCH:SERIAL)` and prefixed with `node=`.

use crate::activity::Proc;
use crate::clock::{self, Micros};
use std::fmt::Write;

fn prefix(b: &mut String, node: &str, rtype: &str, t: Micros, serial: u64) {
    let _ = write!(b, "node={node} type={rtype} msg=audit(");
    clock::epoch(b, t, 3);
    let _ = write!(b, ":{serial}): ");
}

/// Whether auditd would hex-encode this argument.
fn needs_hex(a: &str) -> bool {
    a.is_empty() || a.bytes().any(|c| c <= b' ' || c == b'"' || c >= 0x7f)
}

fn hex(b: &mut String, bytes: &[u8]) {
    for c in bytes {
        let _ = write!(b, "{c:02X}");
    }
}

fn comm(image: &str) -> &str {
    let name = image.rsplit('/').next().unwrap_or(image);
    let mut end = name.len().min(15);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[allow(clippy::too_many_arguments)]
fn syscall(
    b: &mut String,
    node: &str,
    t: Micros,
    serial: u64,
    p: &Proc,
    uid: u32,
    nr: u32,
    items: u32,
) {
    prefix(b, node, "SYSCALL", t, serial);
    let (success, exit, a0) = if nr == 59 {
        ("yes", "0", "5591c3e0a2b0")
    } else {
        ("no", "-115", "5")
    };
    let _ = writeln!(
        b,
        "arch=c000003e syscall={nr} success={success} exit={exit} a0={a0} a1=7ffc1a2b3c40 a2=10 a3=0 items={items} ppid={} pid={} auid={uid} uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} egid={uid} sgid={uid} fsgid={uid} tty=(none) ses={} comm=\"{}\" exe=\"{}\" subj=unconfined key=\"{}\"",
        p.parent_pid,
        p.pid,
        uid % 97 + 3,
        comm(&p.image),
        p.image,
        if nr == 59 { "exec" } else { "net" }
    );
}

fn proctitle(b: &mut String, node: &str, t: Micros, serial: u64, p: &Proc) {
    prefix(b, node, "PROCTITLE", t, serial);
    b.push_str("proctitle=");
    let joined = p.argv.join("\0");
    let bytes = joined.as_bytes();
    hex(b, &bytes[..bytes.len().min(128)]);
    b.push('\n');
}

fn eoe(b: &mut String, node: &str, t: Micros, serial: u64) {
    prefix(b, node, "EOE", t, serial);
    b.pop();
    b.push('\n');
}

/// An execve group (one outflow event, positioned at its SYSCALL line).
pub fn execve(b: &mut String, node: &str, t: Micros, serial: u64, p: &Proc, uid: u32) {
    syscall(b, node, t, serial, p, uid, 59, 2);
    prefix(b, node, "EXECVE", t, serial);
    let _ = write!(b, "argc={}", p.argv.len());
    for (i, a) in p.argv.iter().enumerate() {
        let _ = write!(b, " a{i}=");
        if needs_hex(a) {
            hex(b, a.as_bytes());
        } else {
            let _ = write!(b, "\"{a}\"");
        }
    }
    b.push('\n');
    prefix(b, node, "CWD", t, serial);
    let _ = writeln!(b, "cwd=\"{}\"", p.cwd);
    prefix(b, node, "PATH", t, serial);
    let _ = writeln!(
        b,
        "item=0 name=\"{}\" inode={} dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
        p.image,
        400_000 + p.image.len() * 131
    );
    prefix(b, node, "PATH", t, serial);
    b.push_str("item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=131090 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n");
    proctitle(b, node, t, serial, p);
    eoe(b, node, t, serial);
}

/// A connect group to an IPv4 address.
#[allow(clippy::too_many_arguments)]
pub fn connect(
    b: &mut String,
    node: &str,
    t: Micros,
    serial: u64,
    p: &Proc,
    uid: u32,
    ip: &str,
    port: u16,
) {
    syscall(b, node, t, serial, p, uid, 42, 0);
    prefix(b, node, "SOCKADDR", t, serial);
    let _ = write!(b, "saddr=0200{port:04X}");
    for part in ip.split('.') {
        let _ = write!(b, "{:02X}", part.parse::<u8>().unwrap_or(0));
    }
    b.push_str("0000000000000000\n");
    proctitle(b, node, t, serial, p);
    eoe(b, node, t, serial);
}
