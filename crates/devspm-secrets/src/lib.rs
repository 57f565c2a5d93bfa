//! Finds secrets in blobs and across a repository's whole history: rules as data, a literal prefilter, keyed hashes instead of values.
