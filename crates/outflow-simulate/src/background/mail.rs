//! Normal mail: staff writing to colleagues and partners, and mail arriving.

use crate::activity::Mail;
use crate::clock::{self, Micros, HOUR};
use crate::scene::Scene;
use crate::world::DOMAIN;

const PARTNERS: [(&str, &str); 4] = [
    ("partner@auditor.example", "203.0.113.25"),
    ("orders@supplier.example", "198.51.100.23"),
    ("legal@lawfirm.example", "203.0.113.80"),
    ("support@vendor.example", "192.0.2.44"),
];
const SUBJECTS: [&str; 6] = [
    "Re: meeting notes",
    "Invoice for October",
    "Q4 planning",
    "Updated contract",
    "Weekly status",
    "FW: customer question",
];

pub fn send(sc: &mut Scene, h: usize, t: Micros) {
    let from = sc.w.users[sc.w.hosts[h].user].email();
    let internal = sc.rng.chance(0.6) && sc.w.users.len() > 1;
    let (to, to_ip) = if internal {
        let u = sc.rng.below(sc.w.users.len() as u64) as usize;
        (sc.w.users[u].email(), String::new())
    } else {
        let (a, ip) = *sc.rng.pick(&PARTNERS);
        (a.to_string(), ip.to_string())
    };
    let attach = sc.rng.chance(0.3);
    let size = if attach {
        sc.rng.range(60_000, 6 << 20)
    } else {
        sc.rng.range(6000, 60_000)
    };
    let subject = sc.rng.pick(&SUBJECTS).to_string();
    sc.mail(
        t,
        Mail {
            host: Some(h),
            from,
            to,
            subject,
            size,
            attachment: attach.then(|| ("report.pdf".to_string(), "application/pdf", false)),
            to_ip,
            from_ip: sc.w.hosts[h].ip.clone(),
        },
    );
}

/// Mail arriving from outside during working hours.
pub fn inbound(sc: &mut Scene, t0: Micros, hosts: usize) {
    let h = clock::hour_of(t0);
    if !(7..=18).contains(&h) || clock::weekday(t0) >= 5 || sc.w.users.is_empty() {
        return;
    }
    let n = (hosts as u64 / 3).max(1);
    for _ in 0..n {
        let t = t0 + sc.rng.below(HOUR as u64) as i64;
        let (from, ip) = *sc.rng.pick(&PARTNERS);
        let u = sc.rng.below(sc.w.users.len() as u64) as usize;
        let size = sc.rng.range(8000, 900_000);
        let subject = sc.rng.pick(&SUBJECTS).to_string();
        sc.mail(
            t,
            Mail {
                host: None,
                from: from.to_string(),
                to: format!("{}@{DOMAIN}", sc.w.users[u].sam),
                subject,
                size,
                attachment: None,
                to_ip: String::new(),
                from_ip: ip.to_string(),
            },
        );
    }
}
