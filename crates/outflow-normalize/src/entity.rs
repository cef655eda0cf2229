//! Converting source values into entity slot values.

use outflow_event::{EntitySlot, Event, Value};
use std::net::IpAddr;

/// Sets `slot` from `value`; returns false when the value does not convert
/// (so the next candidate field can be tried).
pub fn set_slot(ev: &mut Event, slot: EntitySlot, value: &Value) -> bool {
    let value = match value {
        Value::List(items) => match items.first() {
            Some(v) => v,
            None => return false,
        },
        Value::Null => return false,
        v => v,
    };
    // Numbers and addresses are read without building a string for them.
    let uint = || match value {
        Value::Int(_) | Value::Float(_) => parse_uint(value, ""),
        _ => parse_uint(value, ev.display(value).trim()),
    };
    let ip = || parse_ip(ev.display(value).trim());
    match slot {
        EntitySlot::Host => ev.entity.host = non_empty(ev, value),
        EntitySlot::User => ev.entity.user = non_empty(ev, value),
        EntitySlot::Image => ev.entity.image = non_empty(ev, value),
        EntitySlot::ProcessGuid => ev.entity.process_guid = non_empty(ev, value),
        EntitySlot::OriginalFileName => ev.entity.original_file_name = non_empty(ev, value),
        EntitySlot::DstDomain => ev.entity.dst_domain = non_empty(ev, value),
        EntitySlot::Pid => ev.entity.pid = uint(),
        EntitySlot::SrcIp => ev.entity.src_ip = ip(),
        EntitySlot::DstIp => ev.entity.dst_ip = ip(),
        EntitySlot::SrcPort => ev.entity.src_port = uint().and_then(|p| u16::try_from(p).ok()),
        EntitySlot::DstPort => ev.entity.dst_port = uint().and_then(|p| u16::try_from(p).ok()),
        EntitySlot::BytesOut => ev.entity.bytes_out = uint(),
        EntitySlot::BytesIn => ev.entity.bytes_in = uint(),
    }
    slot_is_set(ev, slot)
}

fn non_empty(ev: &Event, value: &Value) -> Option<Value> {
    match value {
        Value::Str(s) if ev.span_str(*s).trim().is_empty() || ev.span_str(*s) == "-" => None,
        v => Some(v.clone()),
    }
}

fn slot_is_set(ev: &Event, slot: EntitySlot) -> bool {
    let e = &ev.entity;
    match slot {
        EntitySlot::Host => e.host.is_some(),
        EntitySlot::User => e.user.is_some(),
        EntitySlot::Image => e.image.is_some(),
        EntitySlot::ProcessGuid => e.process_guid.is_some(),
        EntitySlot::OriginalFileName => e.original_file_name.is_some(),
        EntitySlot::DstDomain => e.dst_domain.is_some(),
        EntitySlot::Pid => e.pid.is_some(),
        EntitySlot::SrcIp => e.src_ip.is_some(),
        EntitySlot::DstIp => e.dst_ip.is_some(),
        EntitySlot::SrcPort => e.src_port.is_some(),
        EntitySlot::DstPort => e.dst_port.is_some(),
        EntitySlot::BytesOut => e.bytes_out.is_some(),
        EntitySlot::BytesIn => e.bytes_in.is_some(),
    }
}

/// Decimal or `0x` hexadecimal (Security events write process ids in hex).
fn parse_uint(value: &Value, text: &str) -> Option<u64> {
    match value {
        Value::Int(i) => u64::try_from(*i).ok(),
        Value::Float(f) if *f >= 0.0 => Some(*f as u64),
        _ => match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => text.parse().ok(),
        },
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim_start_matches('[').trim_end_matches(']');
    let t = t.split('%').next().unwrap_or(t);
    t.parse().ok()
}
