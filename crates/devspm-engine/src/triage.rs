//! Triage: a person's judgement of a finding — a false positive, an accepted risk, a finding
//! that will not be fixed, or open again — recorded as a `finding_triaged` event (never an
//! edit), shown in every view, honoured by `--fail-on`, expiring on its date, and attributed to
//! whoever triaged (for posture: who accepts risk, and how often).

use devspm_core::NewEvent;
use devspm_core::finding::{FindingTriaged, TRIAGE_STATES};
use devspm_ledger::FindingStore;

use crate::{Context, EngineError};

/// The longest reason kept, in bytes; a longer one is cut at a character boundary.
pub const MAX_REASON_BYTES: usize = 1024;

/// A triage request, as a front end resolved it.
pub struct TriageRequest<'a> {
    /// A finding id or a unique prefix of one (at least 6 characters).
    pub finding: &'a str,
    /// One of [`TRIAGE_STATES`].
    pub state: &'a str,
    /// Why: required for every state but `open`. Secrets in it are redacted before it is
    /// stored, as in every message devspm keeps.
    pub reason: &'a str,
    /// The last day the judgement holds (YYYY-MM-DD).
    pub expires: Option<&'a str>,
    /// Who triages: name and e-mail (e.g. from `git config`).
    pub by: (&'a str, &'a str),
}

pub use devspm_report::triage::TriageOutcome;

/// Records a triage judgement of one finding.
pub fn triage(
    ctx: &Context<'_>,
    store: &mut (impl devspm_ledger::EventLog + devspm_ledger::IngestState + FindingStore),
    request: &TriageRequest<'_>,
) -> Result<TriageOutcome, EngineError> {
    if !TRIAGE_STATES.contains(&request.state) {
        return Err(EngineError::Invalid(format!(
            "unknown triage state `{}`: one of {}",
            request.state,
            TRIAGE_STATES.join(", ")
        )));
    }
    let reason = request.reason.trim();
    if reason.is_empty() && request.state != "open" {
        return Err(EngineError::Invalid(format!(
            "a `{}` judgement needs a reason (--reason TEXT): whoever reads the record later must be able to check it",
            request.state
        )));
    }
    let expires = match request.expires {
        Some(text) => {
            let date: jiff::civil::Date = text.parse().map_err(|_| {
                EngineError::Invalid(format!("--expires `{text}` is not a date (YYYY-MM-DD)"))
            })?;
            // ISO dates compare as text; the timestamp's own format is UTC.
            let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
            if date.to_string() < today {
                return Err(EngineError::Invalid(format!(
                    "--expires {date} is in the past: the judgement would never hold"
                )));
            }
            Some(date.to_string())
        }
        None => None,
    };
    if request.by.1.trim().is_empty() {
        return Err(EngineError::Invalid(
            "who triages is recorded with the judgement: set `git config user.email` (and user.name), or pass --by 'Name <email>'".to_owned(),
        ));
    }
    let id = request.finding.trim();
    if id.len() < 6 {
        return Err(EngineError::Invalid(format!(
            "`{id}` is too short to name a finding: give its id (`devspm findings --format json` lists them) or at least 6 characters of it"
        )));
    }
    let matches = store.findings_by_id(id)?;
    let (finding, repo, status) = match matches.as_slice() {
        [] => {
            return Err(EngineError::NotFound(format!(
                "no finding with id `{id}` (`devspm findings --format json` lists the ids)"
            )));
        }
        [one] => one.clone(),
        many => {
            return Err(EngineError::Invalid(format!(
                "`{id}` names {} findings ({}…): give more of the id",
                many.len(),
                many.iter()
                    .take(3)
                    .map(|(f, _, _)| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let mut reason = reason.to_owned();
    // A reason is stored text: no secret value in it.
    let key = crate::secrets::secret_key(ctx, store)?;
    crate::secrets::Redactor::new(ctx, key)?.redact_in_place(&mut reason);
    if reason.len() > MAX_REASON_BYTES {
        let mut cut = MAX_REASON_BYTES;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
        reason.push('…');
    }
    let standing = store
        .findings(&devspm_ledger::FindingFilter {
            repo: Some(repo.clone()),
            ..Default::default()
        })?
        .into_iter()
        .find(|r| r.finding == finding)
        .and_then(|r| r.triage);
    let same = match &standing {
        Some(t) => t.state == request.state && t.reason == reason && t.expires == expires,
        None => request.state == "open",
    };
    let outcome = TriageOutcome {
        finding: finding.clone(),
        repo: repo.clone(),
        status,
        state: request.state.to_owned(),
        expires: expires.clone(),
        recorded: !same,
    };
    if same {
        return Ok(outcome);
    }
    let mut book = store.alias_book()?;
    let (alias, pii) = book.alias_for(request.by.0.as_bytes(), request.by.1.as_bytes());
    let head = store.head()?.map_or(0, |h| h.seq);
    let mut event = NewEvent::new(
        // Each judgement is its own event: the key names the finding and the ledger position.
        format!("triage/{finding}/{}", head + 1),
        alias.clone(),
        format!("finding:{finding}"),
        FindingTriaged {
            finding,
            repo,
            state: request.state.to_owned(),
            reason,
            expires,
            by: Some(alias),
        },
    );
    if let Some(p) = pii {
        event.attachments.push(p);
    }
    store.append(vec![event])?;
    Ok(outcome)
}

/// `Name <email>` (as `--by` takes it) → (name, email); `None` when it is not that shape.
pub fn person(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.split_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    (!email.is_empty() && email.contains('@')).then(|| (name.trim().to_owned(), email.to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn person_needs_a_name_and_an_email_in_angle_brackets() {
        assert_eq!(
            super::person("Ada Lovelace <ada@example.com>"),
            Some(("Ada Lovelace".to_owned(), "ada@example.com".to_owned()))
        );
        assert_eq!(super::person("Ada <>"), None);
        assert_eq!(super::person("ada@example.com"), None);
        assert_eq!(super::person("Ada <ada>"), None);
    }
}
