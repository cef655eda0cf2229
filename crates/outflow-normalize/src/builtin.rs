//! The mapping files compiled into the binary (`crates/outflow-normalize/mappings/`).

/// (file name, contents) of every built-in mapping file.
pub const BUILTIN: &[(&str, &str)] = &[
    ("windows.yml", include_str!("../mappings/windows.yml")),
    ("linux.yml", include_str!("../mappings/linux.yml")),
    ("zeek.yml", include_str!("../mappings/zeek.yml")),
    ("proxy.yml", include_str!("../mappings/proxy.yml")),
    ("firewall.yml", include_str!("../mappings/firewall.yml")),
    ("saas.yml", include_str!("../mappings/saas.yml")),
    ("email.yml", include_str!("../mappings/email.yml")),
    ("json.yml", include_str!("../mappings/json.yml")),
];
