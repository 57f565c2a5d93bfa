//! AI involvement in commits: which agent took part, in what role, on what evidence.
//!
//! The detector reads a commit as the ledger recorded it (people as name + e-mail, trailers
//! from the trailer block, the message) and matches the catalogue's markers structurally:
//! identities by exact e-mail / GitHub login / numeric id, trailers only from the trailer block,
//! message markers by their exact text. A human named Claude, a message that mentions Copilot,
//! a trailer quoted in a body and automation bots are not AI. Every finding names the marker
//! that matched and how strong it is, and the human accountable for the commit.

pub mod agent_trace;
mod detect;
pub mod gitai;
pub mod tooling;

pub use detect::{
    CommitView, DETECTOR_VERSION, Involvement, PersonView, Role, TrailerView, agent_named,
    branch_agent, detect,
};
