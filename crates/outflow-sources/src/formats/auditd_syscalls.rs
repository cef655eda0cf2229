//! Syscall names by number for the architectures auditd logs most, so that
//! rules naming the syscall (`SYSCALL: connect`) work on raw (non-enriched)
//! logs. The tables are data files, `data/syscalls/<arch>.txt`, generated
//! from the Linux UAPI headers (unistd_64.h, asm-generic/unistd.h): line
//! N + 1 names syscall N, `-` where the number is unused.

use std::sync::OnceLock;

static X86_64: &str = include_str!("../../data/syscalls/x86_64.txt");
static AARCH64: &str = include_str!("../../data/syscalls/aarch64.txt");

/// Name of syscall `nr` for an auditd `arch=` value, if known.
pub fn name(arch: &str, nr: &str) -> Option<&'static str> {
    static TABLES: OnceLock<[Vec<&'static str>; 2]> = OnceLock::new();
    let [x86_64, aarch64] = TABLES.get_or_init(|| [X86_64, AARCH64].map(|t| t.lines().collect()));
    let table = match arch.to_ascii_lowercase().as_str() {
        "c000003e" | "x86_64" => x86_64,
        "c00000b7" | "aarch64" => aarch64,
        _ => return None,
    };
    let n: usize = nr.parse().ok()?;
    table.get(n).copied().filter(|s| !s.is_empty() && *s != "-")
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn names_by_number_per_architecture() {
        assert_eq!(name("c000003e", "0"), Some("read"));
        assert_eq!(name("x86_64", "42"), Some("connect"));
        assert_eq!(name("C00000B7", "203"), Some("connect"));
        assert_eq!(name("aarch64", "0"), Some("io_setup"));
        // Unused numbers, numbers past the table, unknown architectures.
        assert_eq!(name("c00000b7", "244"), None);
        assert_eq!(name("c000003e", "100000"), None);
        assert_eq!(name("40000003", "3"), None);
        assert_eq!(name("c000003e", "x"), None);
    }
}
