//! Windows binaries that can upload: bitsadmin /transfer /upload, certreq -Post.

use super::args::{is_url, win_switch};
use super::{UploadInvocation, UploadTool};

/// `bitsadmin /transfer Job [/upload] [/priority P] [/ACLFlags F] URL file [URL file...]`
pub(crate) fn bitsadmin(args: &[String]) -> Option<UploadInvocation> {
    let mut i = args
        .iter()
        .position(|a| win_switch(a).as_deref() == Some("transfer"))?
        + 1;
    let (mut upload, mut positionals) = (false, Vec::new());
    while let Some(a) = args.get(i) {
        i += 1;
        match win_switch(a).as_deref() {
            Some("upload") => upload = true,
            Some("priority" | "aclflags") => i += 1,
            Some(_) => {}
            None => positionals.push(a.as_str()),
        }
    }
    if !upload {
        return None;
    }
    // positionals: job name, then (remote URL, local file) pairs.
    let pairs = positionals.get(1..)?;
    let dest = pairs.first().filter(|u| is_url(u))?;
    let sources = pairs
        .chunks(2)
        .filter_map(|p| p.get(1).map(|f| f.to_string()))
        .collect();
    Some(UploadInvocation::new(
        UploadTool::Bitsadmin,
        "upload",
        sources,
        Some(dest.to_string()),
    ))
}

/// `certreq -Post -config https://host/path C:\file [out]`
pub(crate) fn certreq(args: &[String]) -> Option<UploadInvocation> {
    let (mut post, mut config, mut positionals) = (false, None, Vec::new());
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        match win_switch(a).as_deref() {
            Some("post") => post = true,
            Some("config") => {
                config = args.get(i);
                i += 1;
            }
            Some("attrib" | "policyserver" | "cert") => i += 1,
            Some(_) => {}
            None => positionals.push(a.clone()),
        }
    }
    let url = config.filter(|c| is_url(c))?;
    if !post {
        return None;
    }
    Some(UploadInvocation::new(
        UploadTool::Certreq,
        "post",
        positionals.into_iter().take(1).collect(),
        Some(url.clone()),
    ))
}
