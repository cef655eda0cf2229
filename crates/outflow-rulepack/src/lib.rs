//! outflow's built-in Sigma rule pack: rules written by the project for
//! exfiltration over web services (T1567) on process, network, DNS, proxy,
//! file and SaaS logsources. The YAML files in `rules/` are compiled into
//! the binary; `outflow rules pack --export DIR` writes them out so a user
//! can read, change and run them with `--rules`.

macro_rules! rule {
    ($file:literal) => {
        ($file, include_str!(concat!("../rules/", $file)))
    };
}

/// Every rule file of the pack: (file name, YAML text).
pub const RULES: &[(&str, &str)] = &[
    rule!("aws_s3_bucket_made_public.yml"),
    rule!("dns_file_drop_services.yml"),
    rule!("dns_win_tunnel_service.yml"),
    rule!("file_win_archive_in_staging_dir.yml"),
    rule!("github_hook_create.yml"),
    rule!("gworkspace_drive_public.yml"),
    rule!("m365_anonymous_link.yml"),
    rule!("net_win_lolbin_internet.yml"),
    rule!("net_win_non_browser_file_sharing.yml"),
    rule!("proc_lnx_archive_in_staging_dir.yml"),
    rule!("proc_lnx_tunnel_client.yml"),
    rule!("proc_lnx_upload_tool_file_sharing.yml"),
    rule!("proc_tunnel_client.yml"),
    rule!("proc_win_curl_upload_file_sharing.yml"),
    rule!("proc_win_lolbin_upload.yml"),
    rule!("proc_win_rclone_upload.yml"),
    rule!("proc_win_renamed_rclone.yml"),
    rule!("proxy_large_upload_file_sharing.yml"),
    rule!("proxy_webhook_post.yml"),
    rule!("ps_script_webhook_post.yml"),
    rule!("zeek_ssl_tunnel_service.yml"),
];

#[cfg(test)]
mod tests {
    use super::RULES;

    /// A file added to `rules/` but not to [`RULES`] would silently not ship.
    #[test]
    fn every_rule_file_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yml"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = RULES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, on_disk);
    }
}
