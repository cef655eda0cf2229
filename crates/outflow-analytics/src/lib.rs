//! outflow's T1567 analytics.
//!
//! * [`cmdline`]: split Windows and POSIX command lines into argv, with bounds
//!   (command lines are attacker-controlled).
//! * [`upload`]: recognise an upload-tool invocation (rclone, aws s3, gsutil,
//!   azcopy, s3cmd, curl, wget, PowerShell, bitsadmin, certreq) in an argv —
//!   the "upload tooling on the command line" analytic.
//! * [`upload_tooling`]: that analytic over normalized process-start events,
//!   with the tool catalog (renamed binaries) and the web-service catalog.

pub mod cmdline;
pub mod upload;
pub mod upload_tooling;
