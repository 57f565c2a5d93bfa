//! Loads vulnerability advisories (OSV, RustSec) and matches package versions against them with each ecosystem's version rules.
