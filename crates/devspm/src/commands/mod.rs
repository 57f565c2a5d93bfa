//! One module per subcommand family.

pub mod ai;
pub mod ai_detect;
pub mod audit;
pub mod identities;
pub mod scan;
