//! The data files compiled into the binary (`crates/outflow-intel/data/`).

/// (file name, contents) of every built-in data file.
pub const BUILTIN: &[(&str, &str)] = &[
    ("web_services.yml", include_str!("../data/web_services.yml")),
    ("tools.yml", include_str!("../data/tools.yml")),
    ("lolbins.yml", include_str!("../data/lolbins.yml")),
];

/// The example policy file (documentation and tests; not loaded by default).
pub const POLICY_EXAMPLE: &str = include_str!("../data/policy.example.yml");
