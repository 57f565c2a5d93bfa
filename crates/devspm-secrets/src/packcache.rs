//! A pack delta-base cache shared by the threads of one history scan.
//!
//! Reading every version of every file is mostly inflating delta chains. Threads scanning
//! neighbouring versions need the same bases, so one shared cache hits far more often than a
//! cache per thread of the same total size (the same finding as `devspm-git`'s ingest, whose
//! cache type is private to that crate).

use std::sync::{Arc, Mutex};

use gix::odb::pack::cache::lru::MemoryCappedHashmap;

#[derive(Clone)]
pub(crate) struct SharedPackCache(Arc<Mutex<MemoryCappedHashmap>>);

impl SharedPackCache {
    pub fn new(bytes: usize) -> SharedPackCache {
        SharedPackCache(Arc::new(Mutex::new(MemoryCappedHashmap::new(bytes))))
    }

    /// A thread-local handle using this cache for delta bases and a small object cache.
    pub fn handle(
        &self,
        shared: &gix::ThreadSafeRepository,
        object_cache: usize,
    ) -> gix::Repository {
        let mut repo = shared.to_thread_local();
        repo.object_cache_size_if_unset(object_cache);
        let cache = self.clone();
        repo.objects.set_pack_cache(move || Box::new(cache.clone()));
        repo
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
