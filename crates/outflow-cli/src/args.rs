use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "outflow",
    version,
    about = "Find data leaving through legitimate web services (MITRE ATT&CK T1567)",
    after_help = "Exit codes: 0 success, 1 fatal error (or a --strict stop), 2 usage or configuration error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Print inputs as outflow's normalized events (see how your data is read).
    Events(EventsArgs),
    /// Read inputs and run the detections (the main command).
    Hunt(Box<HuntArgs>),
    /// List the input formats outflow recognises.
    Formats,
    /// List, show or export the field-mapping files.
    Mappings(MappingsArgs),
    /// Check or list Sigma rules.
    Rules(RulesArgs),
    /// Learn baselines (hosts, programs, destinations and when each was
    /// first and last seen) from a period of data into a store, for
    /// `hunt --baseline`; reports no alerts.
    Baseline(Box<BaselineArgs>),
    /// Generate a labelled corpus in every input format, with ground truth
    /// (truth.jsonl), for demos, tests and benchmarks.
    Simulate(outflow_simulate::cli::SimulateArgs),
    /// Measure alerts or incidents against ground truth (truth.jsonl):
    /// recall per story, precision, false alerts per host per day.
    Score(ScoreArgs),
}

/// Options shared by every command that reads inputs.
#[derive(Args, Clone)]
pub struct ReadArgs {
    /// Files or folders (read recursively); `-` reads standard input.
    /// Gzip and zstd files are decompressed transparently.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read every input as this format instead of detecting it from content
    /// (see `outflow formats`).
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Folder of mapping files (*.yml) that add to or replace the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub mappings: Option<PathBuf>,
    /// Reader threads (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Stop at the first unreadable input or rejected record (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Longest accepted line, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_line_bytes: usize,
    /// Deepest accepted JSON nesting.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_json_depth: usize,
    /// Largest multi-line record (pretty-printed JSON), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_record_bytes: usize,
    /// Write every rejected record (file, position, reason, detail) to FILE as JSON lines.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// No progress bar and no closing summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print a summary at the end: `text` (stderr, the default) or `json`
    /// (one object; to stdout with `--format none`, otherwise stderr).
    #[arg(long, value_name = "KIND")]
    pub summary: Option<SummaryKind>,
    /// Write the JSON summary to FILE as well.
    #[arg(long, value_name = "FILE")]
    pub summary_out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryKind {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Jsonl,
    Table,
    Csv,
    None,
}

#[derive(Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<OutFormat>,
    /// Include each event's raw record in JSON lines.
    #[arg(long)]
    pub raw: bool,
    /// Write events to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct HuntArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Alert output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<OutFormat>,
    /// Write alerts to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How far out of time order events may arrive and still reach the
    /// detectors in order, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub max_lateness: u64,
    /// The organisation's policy (YAML): sanctioned domains, tenants and
    /// buckets (uploads there are not reported as exfiltration), internal
    /// networks, and allow rules (host, user, image, signer, destination)
    /// whose matching alerts are suppressed and counted in the summary.
    /// `outflow-intel`'s `data/policy.example.yml` shows the format.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Analytics settings (YAML) over the built-in ones: thresholds, risk,
    /// tags, `enabled: false`; `outflow-analytics`'s `data/analytics.yml`
    /// shows every key.
    #[arg(long, value_name = "FILE")]
    pub analytics_config: Option<PathBuf>,
    /// Without --rules: run the built-in analytics only, not the built-in
    /// Sigma rule pack (`outflow rules pack`).
    #[arg(long)]
    pub no_rule_pack: bool,
    /// Baseline store (SQLite) of the first-seen and rare analytics: loaded
    /// before the hunt when the file exists, updated after it.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// A MaxMind-format geolocation database (.mmdb: GeoLite2/GeoIP2 City or
    /// Country, DB-IP, IPinfo...) for the sign-in location analytic
    /// (`geo-logon`); without it that analytic does not run.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,
    /// A threat-intelligence list: one e-mail address, domain, IP address or
    /// CIDR a line (CSV: first column); mail from a listed sender or address
    /// is reported (`email-exfil`).
    #[arg(long, value_name = "FILE")]
    pub intel_list: Option<PathBuf>,
    /// Sigma rules to run: rule files or folders (walked for *.yml / *.yaml);
    /// repeatable.
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub rule_opts: RuleLoadArgs,
    #[command(flatten)]
    pub select: RuleSelectArgs,
    /// Stop (exit 2) when any rule document cannot be loaded.
    #[arg(long)]
    pub strict_rules: bool,
    /// Print incidents instead of alerts: alerts grouped per host and user,
    /// each with its chain of evidence, linked uploads and a one-line
    /// explanation (see docs/incidents.md).
    #[arg(long)]
    pub incidents: bool,
    /// Incident settings (YAML) over the built-in ones: window, threshold,
    /// critical risk, agreement, ...; `outflow-correlate`'s
    /// `data/incidents.yml` shows every key.
    #[arg(long, value_name = "FILE")]
    pub incidents_config: Option<PathBuf>,
    /// Skip events before this time (RFC 3339, e.g. 2026-11-20T00:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Skip events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
}

#[derive(Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// The baseline store to create or update (SQLite).
    #[arg(long, value_name = "FILE", required = true)]
    pub store: PathBuf,
    /// How far out of time order events may arrive and still be read in
    /// order, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub max_lateness: u64,
    /// The organisation's policy (YAML): its internal networks.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Analytics settings (YAML) over the built-in ones (learning periods,
    /// caps, `enabled: false`).
    #[arg(long, value_name = "FILE")]
    pub analytics_config: Option<PathBuf>,
    /// A MaxMind-format geolocation database (.mmdb), to learn where each
    /// user signs in from (`geo-logon`); give the one `hunt --geoip` uses.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,
    /// Learn only from events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Learn only from events before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
}

/// How Sigma rules are compiled.
#[derive(Args, Clone, Default)]
pub struct RuleLoadArgs {
    /// YAML file mapping `expand` placeholders to values (`name: [v1, v2]`).
    #[arg(long, value_name = "FILE")]
    pub placeholders: Option<PathBuf>,
    /// pySigma processing pipeline (YAML) applied to the rules before they
    /// are compiled: field-name mappings, logsource conditions, ...
    /// Repeatable; pipelines run by `priority`, lowest first.
    #[arg(long = "pipeline", value_name = "FILE")]
    pub pipelines: Vec<PathBuf>,
}

/// Which loaded Sigma rules take part.
#[derive(Args, Clone, Default)]
pub struct RuleSelectArgs {
    /// Minimum rule level: informational, low, medium, high, critical.
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,
    /// Rule statuses to keep (comma-separated: stable,test,experimental,...).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub status: Vec<String>,
    /// Rule tags to keep, any of (comma-separated, e.g. attack.t1567,attack.exfiltration);
    /// a tag also selects its sub-techniques (attack.t1567 keeps attack.t1567.002).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Rule logsource to keep: product/category/service, a part empty or `-` for any
    /// (e.g. `windows/process_creation`, `/proxy`).
    #[arg(long, value_name = "P/C/S")]
    pub logsource: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: RulesAction,
}

#[derive(Subcommand)]
pub enum RulesAction {
    /// Compile every rule and report: loaded, rejected (file, id, reason),
    /// counts per modifier and per logsource.
    Check {
        /// Rule files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        load: RuleLoadArgs,
        /// Exit 1 when any document is rejected.
        #[arg(long)]
        strict: bool,
        #[arg(long, short = 'f', value_enum, default_value = "text")]
        format: ReportFormat,
    },
    /// One loaded rule per line: id, level, status, title, logsource.
    List {
        /// Rule files or folders.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        load: RuleLoadArgs,
        #[command(flatten)]
        select: RuleSelectArgs,
        #[arg(long, short = 'f', value_enum, default_value = "text")]
        format: ReportFormat,
    },
    /// The built-in rule pack `hunt` runs without --rules: list its rules,
    /// or write its files into DIR to read, change and run with --rules.
    Pack {
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct MappingsArgs {
    #[command(subcommand)]
    pub action: MappingsAction,
}

#[derive(Subcommand)]
pub enum MappingsAction {
    /// List the mapping files in force (built-in and from --mappings).
    List {
        #[arg(long, value_name = "DIR")]
        mappings: Option<PathBuf>,
    },
    /// Print a built-in mapping file (e.g. `zeek`).
    Show { name: String },
    /// Write the built-in mapping files into DIR, to edit and pass with --mappings.
    Export { dir: PathBuf },
    /// Print the built-in mappings as a Markdown reference (docs/MAPPINGS.md).
    Doc,
}

#[derive(Args)]
pub struct ScoreArgs {
    /// Ground truth: one story per line (`truth.jsonl` of `outflow simulate`).
    #[arg(long, value_name = "FILE")]
    pub truth: PathBuf,
    /// Alerts or incidents as JSON lines (`outflow hunt --format jsonl`,
    /// with or without `--incidents`); `-` reads standard input.
    #[arg(value_name = "ALERTS")]
    pub input: PathBuf,
    /// Hosts in the corpus (default: `hosts` of the summary.json beside the truth file).
    #[arg(long, value_name = "N")]
    pub hosts: Option<u64>,
    /// Days in the corpus (default: `days` of the summary.json beside the truth file).
    #[arg(long, value_name = "D")]
    pub days: Option<f64>,
    /// Seconds before a story's start that an alert still counts for it.
    #[arg(long, value_name = "SECONDS", default_value_t = 3_600)]
    pub slack_before: u32,
    /// Seconds after a story's end that an alert still counts for it.
    #[arg(long, value_name = "SECONDS", default_value_t = 21_600)]
    pub slack_after: u32,
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: ReportFormat,
}
