//! One module per subcommand family: flags → the engine → output and exit status.

pub mod advisories;
pub mod ai;
pub mod audit;
pub mod ci;
pub mod findings;
pub mod hook;
pub mod identities;
pub mod import;
pub mod meta;
pub mod policy;
pub mod posture;
pub mod report;
pub mod scan;
pub mod secret_key;
pub mod signals;
pub mod szz;
pub mod tools;
