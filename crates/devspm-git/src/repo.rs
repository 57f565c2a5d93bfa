//! Opening repositories, naming them, and finding many under one folder.

use std::path::{Path, PathBuf};

use crate::GitError;

/// An opened repository with the id devspm files its facts under.
pub struct Repo {
    /// The path given by the user, canonicalised.
    pub path: PathBuf,
    /// `r_` + 16 hex digits, derived from the locator.
    pub id: String,
    /// Short display name (`owner/name` for a remote, else the directory name).
    pub name: String,
    /// Normalised remote URL without credentials, or `file://<absolute path>`.
    pub locator: String,
    pub(crate) inner: gix::ThreadSafeRepository,
}

/// Opens the repository at `path` (a work tree, its `.git`, a bare repository or a worktree).
/// Does not search parent directories: the path must be the repository.
pub fn open(path: &Path) -> Result<Repo, GitError> {
    let shown = path.display().to_string();
    let canonical = path.canonicalize().map_err(|e| GitError::NotARepository {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let inner =
        gix::ThreadSafeRepository::open(&canonical).map_err(|e| GitError::NotARepository {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    let local = inner.to_thread_local();
    let remote = local
        .config_snapshot()
        .string("remote.origin.url")
        .map(|url| url.to_string());
    let (locator, name) = match remote.as_deref().and_then(normalise_remote) {
        Some(normal) => {
            let name = normal
                .rsplit('/')
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("/");
            (normal, name)
        }
        None => {
            // The common directory, so that a linked worktree is the same repository as its
            // main checkout (and `repo/.git` the same as `repo`).
            let common = local
                .common_dir()
                .canonicalize()
                .unwrap_or_else(|_| canonical.clone());
            let dir = if common.file_name().is_some_and(|n| n == ".git") {
                common.parent().unwrap_or(&common).to_path_buf()
            } else {
                common
            };
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().trim_end_matches(".git").to_owned())
                .unwrap_or_else(|| dir.display().to_string());
            (format!("file://{}", dir.display()), name)
        }
    };
    Ok(Repo {
        path: canonical,
        id: devspm_core::ids::repository_id(&locator),
        name,
        locator,
        inner,
    })
}

/// A delta-base cache shared by every reader thread of one ingest.
///
/// History reading spends most of its time inflating delta chains (measured on git/git: half of
/// all CPU). Readers working on neighbouring commits need the same bases, so one shared cache
/// hits far more often than a private cache per thread of the same total size, and the memory
/// is spent once. `DEVSPM_PACK_CACHE_MB` overrides its size.
#[derive(Clone)]
pub struct SharedPackCache(
    std::sync::Arc<std::sync::Mutex<gix::odb::pack::cache::lru::MemoryCappedHashmap>>,
);

impl SharedPackCache {
    pub fn new(default_bytes: usize) -> SharedPackCache {
        let bytes = mb_from_env("DEVSPM_PACK_CACHE_MB").unwrap_or(default_bytes);
        SharedPackCache(std::sync::Arc::new(std::sync::Mutex::new(
            gix::odb::pack::cache::lru::MemoryCappedHashmap::new(bytes),
        )))
    }

    /// A thread-local handle on `shared` that uses this cache for delta bases and an object
    /// cache of `object_cache` bytes (for readers outside this crate, e.g. the secret scanner).
    pub fn handle(
        &self,
        shared: &gix::ThreadSafeRepository,
        object_cache: usize,
    ) -> gix::Repository {
        reader_handle(shared, object_cache, self)
    }
}

impl gix::odb::pack::cache::DecodeEntry for SharedPackCache {
    fn put(
        &mut self,
        pack_id: u32,
        offset: u64,
        data: &[u8],
        kind: gix::objs::Kind,
        compressed_size: usize,
    ) {
        if let Ok(mut cache) = self.0.lock() {
            cache.put(pack_id, offset, data, kind, compressed_size);
        }
    }

    fn get(
        &mut self,
        pack_id: u32,
        offset: u64,
        out: &mut Vec<u8>,
    ) -> Option<(gix::objs::Kind, usize)> {
        self.0.lock().ok()?.get(pack_id, offset, out)
    }
}

pub(crate) fn mb_from_env(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()?
        .parse::<usize>()
        .ok()
        .map(|mb| mb << 20)
}

/// A thread-local handle for reading history, using `pack_cache` for delta bases and an
/// object cache of `object_cache` bytes (`DEVSPM_OBJECT_CACHE_MB` overrides it; decoded objects
/// are rarely read twice in a history walk, so it is small or off).
pub(crate) fn reader_handle(
    shared: &gix::ThreadSafeRepository,
    object_cache: usize,
    pack_cache: &SharedPackCache,
) -> gix::Repository {
    let object_cache = mb_from_env("DEVSPM_OBJECT_CACHE_MB").unwrap_or(object_cache);
    let mut repo = shared.to_thread_local();
    repo.object_cache_size_if_unset(object_cache);
    let pack_cache = pack_cache.clone();
    repo.objects
        .set_pack_cache(move || Box::new(pack_cache.clone()));
    repo
}

/// The shallow boundary commits of a clone (empty for a complete repository): their parents
/// are not in the object database.
pub fn shallow_commits(repo: &gix::Repository) -> std::collections::HashSet<gix::ObjectId> {
    repo.shallow_commits()
        .ok()
        .flatten()
        .map(|c| c.iter().copied().collect())
        .unwrap_or_default()
}

/// Normalises a remote URL to `host/path` without scheme, credentials, port or `.git`, so that
/// `https://user:token@github.com/org/repo.git` and `git@github.com:org/repo` are one repository
/// and no credential is ever stored. Local-path remotes return `None`.
pub fn normalise_remote(url: &str) -> Option<String> {
    let url = url.trim();
    let (host, path) = if let Some((_, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit('@').next().unwrap_or(authority);
        if host.is_empty() {
            return None;
        }
        (
            host.split(':').next().unwrap_or(host).to_owned(),
            path.to_owned(),
        )
    } else if let Some((authority, path)) = url.split_once(':') {
        // scp-like: user@host:path. A Windows drive letter or a plain path is not a remote.
        if authority.len() <= 1 || authority.contains('/') {
            return None;
        }
        let host = authority.rsplit('@').next().unwrap_or(authority);
        (host.to_owned(), path.to_owned())
    } else {
        return None;
    };
    let path = path
        .trim_matches('/')
        .trim_end_matches(".git")
        .trim_matches('/');
    if path.is_empty() {
        return None;
    }
    Some(format!("{}/{}", host.to_ascii_lowercase(), path))
}

/// The repository `start` is in: `start` itself or the nearest folder above it that is a
/// repository (a work tree or a bare repository), as git finds it. `None` outside any.
pub fn discover(start: &Path) -> Option<Repo> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|dir| is_repository(dir))
        .and_then(|dir| open(dir).ok())
}

/// Finds repositories under `root` (including `root` itself), without descending into a
/// repository once found (submodules and nested checkouts are recorded by their parent as
/// gitlinks, not ingested twice). Hidden directories other than `.git` are skipped.
pub fn discover_repositories(root: &Path, max_depth: usize) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if is_repository(&dir) {
            found.push(dir);
            continue;
        }
        if depth >= max_depth {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if is_dir && !hidden {
                stack.push((path, depth + 1));
            }
        }
    }
    found.sort();
    found
}

/// A work tree (has `.git`) or a bare repository (`HEAD`, `objects/`, `refs/`).
fn is_repository(dir: &Path) -> bool {
    dir.join(".git").exists()
        || (dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir())
}

/// The folder git runs hooks from: `core.hooksPath` (relative paths are relative to the work
/// tree, as git reads them), else `hooks` in the common git directory.
pub fn hooks_dir(repo: &Repo) -> PathBuf {
    let local = repo.inner.to_thread_local();
    let configured = local
        .config_snapshot()
        .string("core.hooksPath")
        .map(|p| p.to_string());
    match configured {
        Some(p) if !p.trim().is_empty() => {
            let p = PathBuf::from(p.trim());
            let p = match (p.strip_prefix("~"), std::env::var_os("HOME")) {
                (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
                _ => p,
            };
            if p.is_absolute() {
                p
            } else {
                local
                    .workdir()
                    .map(|w| w.join(&p))
                    .unwrap_or_else(|| local.common_dir().join(&p))
            }
        }
        _ => local.common_dir().join("hooks"),
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_remote;

    #[test]
    fn remotes_normalise_without_credentials() {
        for url in [
            "https://github.com/git/git.git",
            "https://user:ghp_secret@github.com/git/git",
            "git@github.com:git/git.git",
            "ssh://git@github.com:22/git/git.git",
            "HTTPS://GitHub.com/git/git/",
        ] {
            assert_eq!(
                normalise_remote(url).as_deref(),
                Some("github.com/git/git"),
                "{url}"
            );
        }
        assert_eq!(normalise_remote("/srv/repos/x.git"), None);
        assert_eq!(normalise_remote("../x"), None);
        assert_eq!(normalise_remote("C:\\repos\\x"), None);
    }
}
