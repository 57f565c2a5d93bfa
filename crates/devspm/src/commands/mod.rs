//! One module per subcommand family.

pub mod audit;
pub mod identities;
pub mod scan;
