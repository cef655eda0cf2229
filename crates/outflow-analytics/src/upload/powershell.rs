//! powershell.exe / pwsh argument handling: find the command text.

use super::args::win_switch;
use super::base64::decode_utf16le;
use super::{psscript, UploadInvocation};

/// Longest command text analysed.
const MAX_SCRIPT: usize = 64 * 1024;

/// Parameter kinds of powershell.exe / pwsh (accepted by unambiguous prefix).
enum Param {
    Command,
    Encoded,
    File,
    Value,
    Switch,
}

fn param(name: &str) -> Param {
    let is = |full: &str, min: usize| name.len() >= min && full.starts_with(name);
    if !name.starts_with("ex") && (name == "e" || name == "ec" || is("encodedcommand", 2)) {
        return Param::Encoded;
    }
    if is("command", 1) {
        Param::Command
    } else if is("file", 1) {
        Param::File
    } else if is("executionpolicy", 2)
        || name == "ep"
        || is("windowstyle", 1)
        || is("inputformat", 2)
        || is("outputformat", 1)
        || is("version", 1)
        || is("configurationname", 4)
        || is("psconsolefile", 2)
        || is("workingdirectory", 2)
        || is("settingsfile", 2)
        || is("custompipename", 2)
        || name == "wd"
    {
        Param::Value
    } else {
        Param::Switch
    }
}

/// The command text the process runs, if given on the command line.
fn command_text(args: &[String]) -> Option<String> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        let Some(name) = win_switch(a) else {
            // First non-parameter: the rest is the command.
            return Some(args.get(i - 1..).unwrap_or(&[]).join(" "));
        };
        match param(&name) {
            Param::Command => return Some(args.get(i..).unwrap_or(&[]).join(" ")),
            Param::Encoded => return decode_utf16le(args.get(i)?),
            Param::File => return None,
            Param::Value => i += 1,
            Param::Switch => {}
        }
    }
    None
}

pub(crate) fn classify(args: &[String]) -> Option<UploadInvocation> {
    let text = command_text(args)?;
    let text = crate::cmdline::truncate(&text, MAX_SCRIPT);
    psscript::classify(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn finds_command() {
        assert_eq!(
            command_text(&v(&["-nop", "-w", "hidden", "-c", "a", "b"])).as_deref(),
            Some("a b")
        );
        assert_eq!(
            command_text(&v(&["-ep", "bypass", "iwr", "x"])).as_deref(),
            Some("iwr x")
        );
        assert_eq!(
            command_text(&v(&["-ex", "bypass", "-enc", "aQB3AHIA"])).as_deref(),
            Some("iwr")
        );
        assert_eq!(command_text(&v(&["-File", "x.ps1"])), None);
        assert_eq!(command_text(&v(&["-e"])), None);
    }
}
