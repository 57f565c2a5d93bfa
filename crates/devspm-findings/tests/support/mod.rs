//! What the streaming tests share: the process's peak memory, and the check that importing a
//! large file did not grow it by much.

/// The process's peak resident memory in KiB (Linux), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Asserts that the peak memory grew by less than 16 MiB since `before` (a reading of
/// [`peak_rss_kib`]) while a file of `size` bytes was imported.
pub fn assert_bounded(before: Option<u64>, size: u64) {
    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        let grown_mib = after.saturating_sub(before) / 1024;
        eprintln!("peak memory grew by {grown_mib} MiB");
        assert!(
            grown_mib < 16,
            "peak memory grew by {grown_mib} MiB importing a {} MiB file",
            size >> 20
        );
    }
}
