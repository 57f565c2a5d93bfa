//! Audits CI/CD configuration (GitHub Actions, Dependabot, GitLab CI) and evaluates the tool policy.

pub mod ci;
pub mod inventory;
pub mod policy;
