//! Exchange Online message trace export (`Get-MessageTrace | Export-Csv`).

use crate::activity::Mail;
use crate::clock::{self, Micros, DAY};
use std::fmt::Write;

pub fn header(b: &mut String) {
    b.push_str("\"Organization\",\"MessageId\",\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageTraceId\",\"StartDate\",\"EndDate\",\"Index\"\n");
}

fn cell(b: &mut String, v: &str) {
    b.push('"');
    b.push_str(&v.replace('"', "\"\""));
    b.push_str("\",");
}

pub fn row(b: &mut String, t: Micros, msgid: &str, trace_id: &str, m: &Mail, index: u64) {
    cell(b, "corpexample.onmicrosoft.com");
    cell(b, &format!("<{msgid}>"));
    b.push('"');
    clock::us(b, t);
    b.push_str("\",");
    cell(b, &m.from);
    cell(b, &m.to);
    cell(b, &m.subject);
    cell(b, "Delivered");
    cell(b, &m.to_ip);
    cell(b, &m.from_ip);
    cell(b, &m.size.to_string());
    cell(b, trace_id);
    let day = t - t.rem_euclid(DAY);
    b.push('"');
    clock::us(b, day);
    b.push_str("\",\"");
    clock::us(b, day + DAY);
    let _ = writeln!(b, "\",\"{index}\"");
}
