//! Keeps the resident part of memory-mapped git object files small during long reads.
//!
//! gitoxide reads pack, index and commit-graph files through read-only memory maps. A full
//! history ingest touches most of a repository's pack (on git/git: 340 MB of a 496 MB pack),
//! and every touched page stays in the process's resident set until the map is dropped —
//! which gitoxide does only when the repository handle goes away. Git itself bounds this with
//! `core.packedGitLimit`; we do the equivalent: between batches, [`release`] tells the kernel
//! that the process no longer needs the resident pages of those maps (`madvise(MADV_DONTNEED)`).
//! The data stays in the OS page cache, so the next access is a minor fault, not a disk read.
//!
//! Only read-only maps of files under a git `objects/` directory are touched. Their content is
//! the file's content (git never rewrites a pack or index in place: it writes a new file and
//! renames it), so dropping and re-faulting a page never changes what a reader sees.

/// Releases the resident pages of this process's read-only maps of git object files. Returns
/// the bytes of address space advised. A no-op (returning 0) off Linux or when
/// `/proc/self/maps` is unreadable.
pub fn release() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
            return 0;
        };
        let mut advised = 0u64;
        for (start, end) in object_file_maps(&maps) {
            let len = end - start;
            // SAFETY: `start..end` is a whole mapping listed by the kernel for this process,
            // read-only and backed by an immutable git object file. MADV_DONTNEED on such a
            // mapping only drops page-table entries: the mapping stays valid, and later reads
            // fault the same file bytes back in from the page cache. No Rust-visible memory
            // changes, so outstanding references into the map stay sound.
            let rc = unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED) };
            if rc == 0 {
                advised += len as u64;
            }
        }
        advised
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// The `(start, end)` address ranges of read-only maps of git object files in a
/// `/proc/<pid>/maps` text.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn object_file_maps(maps: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    for line in maps.lines() {
        // "start-end perms offset dev inode      /path/to/file"
        let mut fields = line.split_ascii_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Some(path) = line.find(" /").map(|i| &line[i + 1..]) else {
            continue;
        };
        if !perms.starts_with("r-") || !is_object_file(path) {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        if let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) && end > start
        {
            ranges.push((start, end));
        }
    }
    ranges
}

/// Pack data, pack indexes, reverse indexes, multi-pack indexes and commit-graphs.
fn is_object_file(path: &str) -> bool {
    let in_objects = path.contains("/objects/pack/") || path.contains("/objects/info/");
    let name = path.rsplit('/').next().unwrap_or(path);
    in_objects
        && (name.ends_with(".pack")
            || name.ends_with(".idx")
            || name.ends_with(".rev")
            || name.ends_with(".graph")
            || name == "commit-graph"
            || name == "multi-pack-index")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_read_only_maps_of_object_files_are_chosen() {
        let maps = "\
55d0c0000000-55d0c0100000 r-xp 00000000 08:01 123 /usr/bin/devspm
7f0000000000-7f0010000000 r--s 00000000 08:01 456 /repo/.git/objects/pack/pack-1 2.pack
7f0010000000-7f0011000000 r--p 00000000 08:01 457 /repo/.git/objects/pack/pack-1.idx
7f0011000000-7f0011100000 rw-p 00000000 08:01 458 /repo/.git/objects/pack/pack-2.idx
7f0011100000-7f0011200000 r--p 00000000 08:01 459 /repo/objects/info/commit-graph
7f0011200000-7f0011300000 r--p 00000000 08:01 460 /home/u/notes/objects.pack.txt
7f0011300000-7f0011400000 rw-p 00000000 00:00 0 
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
";
        assert_eq!(
            object_file_maps(maps),
            vec![
                (0x7f00_0000_0000, 0x7f00_1000_0000),
                (0x7f00_1000_0000, 0x7f00_1100_0000),
                (0x7f00_1110_0000, 0x7f00_1120_0000),
            ]
        );
    }

    #[test]
    fn releasing_keeps_maps_readable() {
        // A real map of a real pack: after `release`, reading through gix still works.
        let dir = tempfile::tempdir().expect("tempdir");
        let run = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            assert!(ok, "git {args:?}");
        };
        run(&["init", "-q"]);
        std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").expect("write");
        run(&["add", "a.txt"]);
        run(&[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-qm",
            "first",
        ]);
        run(&["gc", "-q"]);
        let repo = gix::open(dir.path()).expect("open");
        let head = repo.head_commit().expect("head");
        let tree = head.tree_id().expect("tree");
        release();
        let again = repo.find_object(tree).expect("tree after release");
        assert_eq!(again.kind, gix::object::Kind::Tree);
        assert!(repo.find_commit(head.id).is_ok());
    }
}
