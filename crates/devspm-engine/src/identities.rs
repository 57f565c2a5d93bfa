//! Who is who, and why: the identities on record (after resolving them again under the
//! configuration in effect), one identity with the evidence for each of its aliases, likely
//! duplicate developers with a ready configuration block joining them, and the erasure of a
//! person's personal data (crypto-shredding, `docs/privacy.md`).

use std::collections::HashMap;

use devspm_core::suggest::{Person, identity_block, suggest};
use devspm_ledger::{EventLog, ForgetReport, Identities, IdentityDetail, IdentityRow, Privacy};
use serde::Serialize;

use crate::{Context, EngineError};

/// The identities on record, most active first, of one kind (`developer`, `agent`, `bot`) or
/// all. Identities are resolved first as the configuration says now: a changed
/// `[[identity]]` applies at once, without a re-scan (resolution reads only what is recorded).
pub fn list(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + Identities),
    kind: Option<&str>,
) -> Result<Vec<IdentityRow>, EngineError> {
    crate::scan::resolve_identities(ctx, store)?;
    Ok(store
        .identities()?
        .into_iter()
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .collect())
}

/// The identities `query` (an identity id, alias id, e-mail or name) matches, each with the
/// evidence for every alias; none is [`EngineError::NotFound`].
pub fn show(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + Identities),
    query: &str,
) -> Result<Vec<IdentityDetail>, EngineError> {
    crate::scan::resolve_identities(ctx, store)?;
    let details = store.identity_detail(query)?;
    if details.is_empty() {
        return Err(EngineError::NotFound(format!(
            "no identity matches `{query}` (try an e-mail address, a name, an identity id from `devspm identities`, or an agent id such as claude-code)"
        )));
    }
    Ok(details)
}

/// Two developers who are likely one person. Fields in alphabetical order: the JSON views
/// wrote them that way before this was a type.
#[derive(Debug, Serialize)]
pub struct LikelyDuplicate {
    /// Every alias of both, as `Name <e-mail>`.
    pub aliases: Vec<String>,
    /// A `[[identity]]` block that joins them, for the configuration.
    pub config: String,
    /// Why they look like one person.
    pub evidence: Vec<String>,
    /// The two identity ids, the stronger first.
    pub identities: [String; 2],
}

/// Likely duplicate developers, and the developers they name (by identity id).
#[derive(Debug, Serialize)]
pub struct Suggestions {
    pub pairs: Vec<LikelyDuplicate>,
    #[serde(skip)]
    pub people: HashMap<String, IdentityRow>,
}

/// Developers that are likely one person, with their evidence and a ready block each.
/// Resolution keeps them apart until the configuration says otherwise.
pub fn suggestions(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + Identities),
) -> Result<Suggestions, EngineError> {
    crate::scan::resolve_identities(ctx, store)?;
    let rows: Vec<IdentityRow> = store
        .identities()?
        .into_iter()
        .filter(|r| r.kind == "developer" && !r.forgotten)
        .collect();
    let people: Vec<Person> = rows
        .iter()
        .map(|r| Person {
            identity: r.identity.clone(),
            aliases: r
                .alias_list
                .iter()
                .filter_map(|a| devspm_core::commit::parse_ident(a))
                .map(|(n, e)| (n.to_owned(), e.to_owned()))
                .collect(),
            commits: r.commits,
        })
        .collect();
    let found = suggest(&people);
    let by_id: HashMap<String, IdentityRow> =
        rows.into_iter().map(|r| (r.identity.clone(), r)).collect();
    // A block id from the stronger identity's name: `Alice Martin` → `alice-martin`.
    let block_id = |identity: &str| {
        let name = by_id.get(identity).map_or(identity, |r| r.name.as_str());
        let slug: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        let slug = slug
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        if slug.is_empty() {
            identity.to_owned()
        } else {
            slug
        }
    };
    let pairs = found
        .iter()
        .map(|s| LikelyDuplicate {
            aliases: s.aliases.clone(),
            config: identity_block(s, &block_id(&s.identities[0])),
            evidence: s.evidence.clone(),
            identities: s.identities.clone(),
        })
        .collect();
    Ok(Suggestions {
        pairs,
        people: by_id,
    })
}

/// The one person `query` names, whose personal data [`forget`] would erase: refused when it
/// matches nothing, several identities, an agent or a bot, or someone already forgotten.
pub fn forget_target(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + Identities),
    query: &str,
) -> Result<IdentityRow, EngineError> {
    crate::scan::resolve_identities(ctx, store)?;
    let mut details = store.identity_detail(query)?;
    if details.is_empty() {
        return Err(EngineError::NotFound(format!(
            "no identity matches `{query}`; nothing was erased (give an e-mail address, a name, an identity id from `devspm identities`, or an alias id)"
        )));
    }
    if details.len() > 1 {
        let candidates: Vec<String> = details
            .iter()
            .map(|d| {
                let r = &d.row;
                format!(
                    "{} ({} <{}>, {} commits)",
                    r.identity,
                    r.name,
                    r.email,
                    devspm_report::number::count(r.commits)
                )
            })
            .collect();
        return Err(EngineError::Invalid(format!(
            "`{query}` matches {} identities: {}; nothing was erased: name the one to forget by its identity id or e-mail",
            details.len(),
            candidates.join(", ")
        )));
    }
    let row = details.remove(0).row;
    if row.kind != "developer" {
        return Err(EngineError::Invalid(format!(
            "{} is {} {}, not a person: it holds no personal data to erase; nothing was erased",
            row.identity,
            if row.kind == "agent" { "an" } else { "a" },
            row.kind
        )));
    }
    if row.forgotten {
        return Err(EngineError::Conflict(format!(
            "the personal data of {} was already erased; nothing left to forget",
            row.identity
        )));
    }
    Ok(row)
}

/// Erases the personal data of `identity` (a developer's identity id, as [`forget_target`]
/// returned it): the key and sealed record of each of its aliases and every stored content
/// naming it, recorded as an `identity_forgotten` event.
pub fn forget(store: &mut impl Privacy, identity: &str) -> Result<ForgetReport, EngineError> {
    Ok(store.forget(identity)?)
}
