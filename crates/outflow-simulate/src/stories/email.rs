//! Mail to the user's own freemail address with archives attached (exfiltration
//! over a web mail service; labelled T1048.003 as mail leaves over SMTP).

use super::{meta, pick_host, work_time, Meta, Window, MB};
use crate::activity::Mail;
use crate::clock::MIN;
use crate::scene::Scene;
use crate::world::Os;

pub fn freemail(sc: &mut Scene, win: Window) -> Option<Meta> {
    let h = pick_host(sc, Os::Windows, &[])?;
    let t = work_time(sc, win, crate::clock::HOUR);
    let user = sc.w.hosts[h].user;
    let sam = sc.w.users[user].sam.clone();
    let domain = *sc.rng.pick(&["gmail.com", "proton.me", "outlook.com"]);
    let to = format!("{sam}.private{}@{domain}", sc.rng.range(1, 99));
    let n = sc.rng.range(4, 9);
    for i in 0..n {
        let size = sc.rng.range(8, 24) * MB;
        let (name, mime) = *sc.rng.pick(&[
            ("zip", "application/zip"),
            ("7z", "application/x-7z-compressed"),
            ("rar", "application/vnd.rar"),
        ]);
        let at = t + i as i64 * sc.rng.range(3, 9) as i64 * MIN;
        let subject = (*sc.rng.pick(&["docs", "pics", "misc", "backup", "fyi"])).to_string();
        sc.mail(
            at,
            Mail {
                host: Some(h),
                from: sc.w.users[user].email(),
                to: to.clone(),
                subject,
                size,
                attachment: Some((format!("part{}.{name}", i + 1), mime, true)),
                to_ip: "142.250.102.27".into(),
                from_ip: sc.w.hosts[h].ip.clone(),
            },
        );
    }
    Some(meta(
        sc,
        h,
        format!("{n} mails with archives to a private address at {domain}"),
        "T1048.003",
        "email",
        "email",
        domain,
        "freemail",
    ))
}
