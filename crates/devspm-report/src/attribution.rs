//! What an attribution run did (`devspm attribute` without a fix, and the attribution part of
//! `devspm import`): the counts and their one line.

use serde::Serialize;

/// What an attribution run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AttributionReport {
    pub attributed: u64,
    pub unattributable: u64,
    /// Files blamed with git work (the rest came from the cache).
    pub files_blamed: u64,
    pub files_cached: u64,
}

/// `N attributed, N unattributable (N files blamed, N from cache)`.
pub fn pending(r: &AttributionReport) -> String {
    format!(
        "{} attributed, {} unattributable ({} files blamed, {} from cache)\n",
        r.attributed, r.unattributable, r.files_blamed, r.files_cached
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line() {
        let r = super::AttributionReport {
            attributed: 1,
            unattributable: 2,
            files_blamed: 3,
            files_cached: 4,
        };
        assert_eq!(
            super::pending(&r),
            "1 attributed, 2 unattributable (3 files blamed, 4 from cache)\n"
        );
    }
}
