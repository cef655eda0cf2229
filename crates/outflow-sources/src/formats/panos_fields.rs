//! PAN-OS 10.x/11.x syslog field order (the syslog field names of Palo
//! Alto's "Traffic Log Fields" reference, through `cluster_name`), and the
//! column titles of the web interface's CSV export, mapped to outflow's
//! snake_case names.

/// TRAFFIC fields by position; `""` for FUTURE_USE columns (not emitted).
/// Positions past the end of this list are not named and not emitted.
pub const TRAFFIC: &[&str] = &[
    "", // FUTURE_USE
    "receive_time",
    "serial",
    "type",
    "subtype",
    "", // FUTURE_USE
    "time_generated",
    "src_ip",
    "dst_ip",
    "nat_src_ip",
    "nat_dst_ip",
    "rule",
    "source_user",
    "destination_user",
    "app",
    "vsys",
    "from_zone",
    "to_zone",
    "inbound_if",
    "outbound_if",
    "log_action",
    "", // FUTURE_USE
    "session_id",
    "repeat_count",
    "src_port",
    "dst_port",
    "nat_src_port",
    "nat_dst_port",
    "flags",
    "proto",
    "action",
    "bytes",
    "bytes_sent",
    "bytes_received",
    "packets",
    "start_time",
    "elapsed",
    "category",
    "", // FUTURE_USE
    "seqno",
    "action_flags",
    "src_country",
    "dst_country",
    "", // FUTURE_USE
    "pkts_sent",
    "pkts_received",
    "session_end_reason",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "action_source",
    "src_uuid",
    "dst_uuid",
    "tunnelid_imsi",
    "monitortag_imei",
    "parent_session_id",
    "parent_start_time",
    "tunnel_type",
    "assoc_id",
    "chunks",
    "chunks_sent",
    "chunks_received",
    "rule_uuid",
    "http2_connection",
    "app_flap_count",
    "policy_id",
    "link_switches",
    "sdwan_cluster",
    "sdwan_device_type",
    "sdwan_cluster_type",
    "sdwan_site",
    "dynusergroup_name",
    "xff_address",
    "src_category",
    "src_profile",
    "src_model",
    "src_vendor",
    "src_osfamily",
    "src_osversion",
    "src_host",
    "src_mac",
    "dst_category",
    "dst_profile",
    "dst_model",
    "dst_vendor",
    "dst_osfamily",
    "dst_osversion",
    "dst_host",
    "dst_mac",
    // PAN-OS 10.1 and later.
    "container_id",
    "pod_namespace",
    "pod_name",
    "src_edl",
    "dst_edl",
    "hostid",
    "serialnumber",
    "src_dag",
    "dst_dag",
    "session_owner",
    "high_res_timestamp",
    "nssai_sst",
    "nssai_sd",
    "subcategory_of_app",
    "category_of_app",
    "technology_of_app",
    "risk_of_app",
    "characteristic_of_app",
    "container_of_app",
    "tunneled_app",
    "is_saas_of_app",
    "sanctioned_state_of_app",
    "offloaded",
    "flow_type",
    "cluster_name",
];

/// THREAT (and URL, WildFire, data filtering: THREAT subtypes) share the
/// TRAFFIC fields up to `action`, then differ; the first of them are named.
pub const THREAT_AFTER_ACTION: &[&str] =
    &["misc", "threat_id", "category", "severity", "direction"];

/// Fields every log type starts with.
pub const COMMON_LEADING: usize = 7;

/// Columns TRAFFIC needs to be usable (through `bytes_received`).
pub const TRAFFIC_MIN: usize = 34;

/// Log types PAN-OS writes, for recognising a line.
pub const TYPES: &[&str] = &[
    "TRAFFIC",
    "THREAT",
    "SYSTEM",
    "CONFIG",
    "HIPMATCH",
    "GLOBALPROTECT",
    "USERID",
    "DECRYPTION",
    "AUTHENTICATION",
    "TUNNEL",
    "CORRELATION",
    "GTP",
    "SCTP",
    "IPTAG",
    "SAAS",
];

/// outflow name of a CSV export column title; `None` when not known (the
/// caller then snake-cases the title).
pub fn export_name(title: &str) -> Option<&'static str> {
    let t = title.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "receive time" => "receive_time",
        "serial #" | "serial number" | "serial" => "serial",
        "type" => "type",
        "threat/content type" | "subtype" => "subtype",
        "generate time" | "generated time" | "time generated" => "time_generated",
        "source address" | "source ip" => "src_ip",
        "destination address" | "destination ip" => "dst_ip",
        "nat source ip" => "nat_src_ip",
        "nat destination ip" => "nat_dst_ip",
        "rule" | "rule name" => "rule",
        "source user" => "source_user",
        "destination user" => "destination_user",
        "application" => "app",
        "virtual system" => "vsys",
        "source zone" => "from_zone",
        "destination zone" => "to_zone",
        "inbound interface" => "inbound_if",
        "outbound interface" => "outbound_if",
        "log action" => "log_action",
        "session id" => "session_id",
        "repeat count" => "repeat_count",
        "source port" => "src_port",
        "destination port" => "dst_port",
        "nat source port" => "nat_src_port",
        "nat destination port" => "nat_dst_port",
        "flags" => "flags",
        "ip protocol" | "protocol" => "proto",
        "action" => "action",
        "bytes" => "bytes",
        "bytes sent" => "bytes_sent",
        "bytes received" => "bytes_received",
        "packets" => "packets",
        "start time" => "start_time",
        "elapsed time (sec)" | "elapsed time" => "elapsed",
        "category" | "url category" => "category",
        "source country" => "src_country",
        "destination country" => "dst_country",
        "packets sent" | "pkts_sent" => "pkts_sent",
        "packets received" | "pkts_received" => "pkts_received",
        "session end reason" | "session_end_reason" => "session_end_reason",
        "device name" => "device_name",
        "source hostname" => "src_host",
        "destination hostname" => "dst_host",
        _ => return None,
    })
}

/// `Elapsed Time (sec)` → `elapsed_time_sec`, for titles outflow does not know.
pub fn snake_case(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}
