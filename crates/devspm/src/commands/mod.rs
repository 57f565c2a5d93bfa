//! One module per subcommand family.

pub mod advisories;
pub mod ai;
pub mod ai_detect;
pub mod ai_notes;
pub mod ai_tooling;
pub mod attribution;
pub mod audit;
pub mod ci;
pub mod findings;
pub mod hook;
pub mod identities;
pub mod import;
pub mod message_secrets;
pub mod policy;
pub mod scan;
pub mod secret_key;
pub mod secrets;
pub mod szz;
pub mod tools;
