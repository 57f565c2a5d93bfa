//! `devspm scan`: what the summary says about a repository, checked against git itself.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{Value, json};

/// Top contributors as e-mail → (name, commits, kind).
fn contributors(summary: &Value) -> BTreeMap<String, (String, u64, String)> {
    summary["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_owned(),
                (
                    c["name"].as_str().unwrap().to_owned(),
                    c["commits"].as_u64().unwrap(),
                    c["kind"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[test]
fn summary_of_a_rich_repository_matches_git() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    let r = &rich.repo;
    let out = sb.scan(&r.path);
    let s = summary(&out);

    // What this run did.
    let ingest = &out["ingest"];
    assert_eq!(ingest["name"], "rich");
    assert_eq!(ingest["repo"], s["repo"]);
    assert_eq!(u(ingest, "/new_commits"), RichRepo::COMMITS);
    assert_eq!(u(ingest, "/refs"), RichRepo::REFS);
    assert_eq!(u(ingest, "/refs_updated"), RichRepo::REFS);
    assert_eq!(u(ingest, "/refs_deleted"), 0);
    assert_eq!(u(ingest, "/history_rewrites"), 0);
    assert_eq!(u(ingest, "/new_gaps"), 0);
    // repository_registered + one event per commit + one per ref + one alias_linked (.mailmap).
    assert_eq!(
        u(ingest, "/events_appended"),
        1 + RichRepo::COMMITS + RichRepo::REFS + 1
    );
    assert_eq!(
        sb.event_count() as u64,
        u(&out, "/ingest/events_appended")
            + u(&out, "/identity_events_appended")
            + u(&out, "/ai_events_appended")
            + u(&out, "/signals/signals_appended")
    );
    // The one commit with a Claude co-author trailer in its trailer block.
    assert_eq!(u(&out, "/ai_events_appended"), 1);

    // Commits and merges, as git counts them.
    assert_eq!(u(s, "/commits"), r.rev_list_count());
    assert_eq!(u(s, "/commits"), RichRepo::COMMITS);
    let git_merges: u64 = r
        .git(&["rev-list", "--all", "--merges", "--count"])
        .parse()
        .unwrap();
    assert_eq!(u(s, "/merges"), git_merges);
    assert_eq!(u(s, "/merges"), RichRepo::MERGES);
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT parent_count FROM commits WHERE sha = '{}'",
            rich.octopus
        )),
        3,
        "the octopus merge has three parents"
    );
    assert_eq!(u(s, "/unreachable_commits"), 0);
    assert_eq!(s["history_rewrites"], json!([]));
    assert_eq!(s["ingest_gaps"], json!({}));
    assert_eq!(u(s, "/signed_commits"), 0);
    assert_eq!(s["signatures"], json!({ "none": RichRepo::COMMITS }));

    // People, agents and bots.
    assert_eq!(u(s, "/developers"), RichRepo::DEVELOPERS);
    assert_eq!(u(s, "/bots"), 1);
    assert_eq!(
        accounts(&s["bot_accounts"]),
        vec![("bot:dependabot".to_owned(), 1)]
    );
    assert_eq!(
        accounts(&s["agents"]),
        vec![("agent:claude-code".to_owned(), 1)]
    );

    // Top contributors agree with `git shortlog -sne --all` (which applies .mailmap too).
    let top = contributors(s);
    let shortlog = r.shortlog();
    assert_eq!(top.len(), shortlog.len(), "{top:?} vs {shortlog:?}");
    for (commits, name, email) in &shortlog {
        let (n, c, _) = top
            .get(email)
            .unwrap_or_else(|| panic!("{name} <{email}> missing from {top:?}"));
        assert_eq!((n, c), (name, commits), "{email}");
    }
    let expected: BTreeMap<String, (String, u64, String)> = [
        ("alice@example.com", "Alice Martin", 5, "developer"),
        ("carol@example.com", "Carol Diaz", 4, "developer"),
        ("bob@example.com", "Bob Stone", 3, "developer"),
        ("claude@example.org", "Claude Dupont", 1, "developer"),
        (DEPENDABOT.1, DEPENDABOT.0, 1, "bot"),
    ]
    .into_iter()
    .map(|(e, n, c, k)| (e.to_owned(), (n.to_owned(), c, k.to_owned())))
    .collect();
    assert_eq!(top, expected);
    // Most commits first.
    let order: Vec<u64> = s["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commits"].as_u64().unwrap())
        .collect();
    assert_eq!(order, vec![5, 4, 3, 1, 1]);
    let bot = s["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == DEPENDABOT.1)
        .unwrap();
    assert_eq!(bot["identity"], "bot:dependabot");
    let dupont = s["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == CLAUDE_DUPONT.1)
        .unwrap();
    assert!(
        dupont["identity"].as_str().unwrap().starts_with("dev_"),
        "a human called Claude is a developer: {dupont}"
    );

    // The trailer is recorded for the co-authored commit only.
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commit_trailers t JOIN aliases a ON a.alias_id = t.alias_id
             WHERE t.sha = '{}' AND a.identity_id = 'agent:claude-code'",
            rich.co_authored
        )),
        1
    );
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commit_trailers WHERE sha = '{}'",
            rich.mentions
        )),
        0,
        "a trailer mentioned mid-body is not a trailer"
    );
}

#[test]
fn mailmap_joins_two_emails_of_one_person() {
    let sb = Sandbox::new();
    let r = sb.repo("mm");
    r.commit_file(BOB, "a", "1\n", "one");
    r.commit_file(BOB, "a", "2\n", "two");
    r.commit_file(BOB_HOME, "a", "3\n", "three");
    r.commit_file(ALICE, "b", "1\n", "four");
    r.write(
        ".mailmap",
        "Bob Stone <bob@example.com> <bob@home.example>\n",
    );
    r.commit(ALICE, "add mailmap");
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/developers"), 2);
    let top = contributors(s);
    assert_eq!(top.len(), 2, "{top:?}");
    assert_eq!(
        top["bob@example.com"],
        ("Bob Stone".to_owned(), 3, "developer".to_owned())
    );
    assert_eq!(
        top["alice@example.com"],
        ("Alice Martin".to_owned(), 2, "developer".to_owned())
    );
    let shortlog = r.shortlog();
    assert_eq!(
        shortlog,
        vec![
            (3, "Bob Stone".to_owned(), "bob@example.com".to_owned()),
            (2, "Alice Martin".to_owned(), "alice@example.com".to_owned()),
        ]
    );
    // Both of Bob's aliases resolve to the same identity.
    // (Names are sealed at rest: ask the ledger, which decrypts them.)
    let bobs = devspm_ledger::Identities::identity_detail(
        &devspm_ledger_sqlite::SqliteStore::open(&sb.db()).unwrap(),
        "Bob Stone",
    )
    .unwrap();
    assert_eq!(bobs.len(), 1);
}

#[test]
fn a_shared_first_name_does_not_merge_two_people() {
    let sb = Sandbox::new();
    let r = sb.repo("anns");
    r.commit_file(("Ann Lee", "ann@a.example"), "a", "1\n", "one");
    r.commit_file(("Ann Lee", "ann@a.example"), "a", "2\n", "two");
    r.commit_file(("Ann Kim", "ann@b.example"), "b", "1\n", "three");
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/developers"), 2);
    let top = contributors(s);
    assert_eq!(top["ann@a.example"].1, 2);
    assert_eq!(top["ann@b.example"].1, 1);
    assert_eq!(top.len(), 2);
    let ids: Vec<&str> = s["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["identity"].as_str().unwrap())
        .collect();
    assert_ne!(ids[0], ids[1]);
    assert_eq!(r.shortlog().len(), 2);
}

#[test]
fn agents_come_from_the_trailer_block_only() {
    let sb = Sandbox::new();
    let r = sb.repo("agents");
    r.commit_file(BOB, "a", "1\n", CO_AUTHORED_BY_CLAUDE);
    r.commit_file(CAROL, "b", "1\n", MENTIONS_CLAUDE);
    r.commit_file(CLAUDE_DUPONT, "c", "1\n", "Human work");
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(
        accounts(&s["agents"]),
        vec![("agent:claude-code".to_owned(), 1)]
    );
    assert_eq!(u(s, "/developers"), 3);
    assert_eq!(u(s, "/bots"), 0);

    // Only mentions and humans: no agent at all.
    let sb = Sandbox::new();
    let r = sb.repo("no-agents");
    r.commit_file(CAROL, "b", "1\n", MENTIONS_CLAUDE);
    r.commit_file(CLAUDE_DUPONT, "c", "1\n", "Human work");
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(s["agents"], json!([]));
    assert_eq!(u(s, "/developers"), 2);
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM identities WHERE kind = 'agent'"),
        0
    );
}

#[test]
fn dependabot_is_a_bot_not_a_developer() {
    let sb = Sandbox::new();
    let r = sb.repo("bot");
    r.commit_file(ALICE, "a", "1\n", "one");
    r.commit_file(
        DEPENDABOT,
        "Cargo.lock",
        "x 1.0.1\n",
        "Bump x from 1.0.0 to 1.0.1",
    );
    r.commit_file(
        DEPENDABOT,
        "Cargo.lock",
        "x 1.0.2\n",
        "Bump x from 1.0.1 to 1.0.2",
    );
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/developers"), 1);
    assert_eq!(u(s, "/bots"), 1);
    assert_eq!(
        accounts(&s["bot_accounts"]),
        vec![("bot:dependabot".to_owned(), 2)]
    );
    let top = contributors(s);
    assert_eq!(
        top[DEPENDABOT.1],
        (DEPENDABOT.0.to_owned(), 2, "bot".to_owned())
    );
}

/// Real dependabot commits carry `Signed-off-by: dependabot[bot] <support@github.com>`: a second
/// alias of the same bot on the same commit. The bot is involved in one commit, not two.
#[test]
fn a_bot_named_twice_in_one_commit_counts_one_commit() {
    let sb = Sandbox::new();
    let r = sb.repo("bot2");
    r.commit_file(ALICE, "a", "1\n", "one");
    r.commit_file(
        DEPENDABOT,
        "Cargo.lock",
        "x 1.0.1\n",
        "Bump x from 1.0.0 to 1.0.1\n\nBumps x.\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
    );
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), 2);
    assert_eq!(
        accounts(&s["bot_accounts"]),
        vec![("bot:dependabot".to_owned(), 1)],
        "one commit involves dependabot"
    );
}

#[test]
fn merges_and_an_octopus_merge_are_counted() {
    let sb = Sandbox::new();
    let r = sb.repo("merges");
    r.commit_file(ALICE, "base", "0\n", "base");
    for b in ["b1", "b2", "b3"] {
        r.git(&["checkout", "-q", "-b", b, "main"]);
        r.commit_file(BOB, &format!("{b}.txt"), "x\n", b);
    }
    r.git(&["checkout", "-q", "main"]);
    let merge = r.merge(ALICE, &["b1"], "merge b1");
    let octopus = r.merge(ALICE, &["b2", "b3"], "octopus b2 b3");
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n1", &octopus])
            .split(' ')
            .count(),
        4
    );
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), 6);
    assert_eq!(u(s, "/commits"), r.rev_list_count());
    assert_eq!(u(s, "/merges"), 2);
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT parent_count FROM commits WHERE sha = '{merge}'"
        )),
        2
    );
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT parent_count FROM commits WHERE sha = '{octopus}'"
        )),
        3
    );
    // The merge diffs against its first parent: b1.txt was added.
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commit_files WHERE sha = '{merge}' AND path = 'b1.txt' AND change = 'added'"
        )),
        1
    );
}

#[test]
fn a_non_utf8_file_name_is_recorded_byte_for_byte() {
    use std::os::unix::ffi::OsStrExt;
    let sb = Sandbox::new();
    let r = sb.repo("latin1");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(r.path.join(name), "café\n").unwrap();
    r.git(&["-c", "core.quotepath=off", "add", "-A"]);
    let id = r.commit(ALICE, "Add a Latin-1 file name");
    let listed = r.git_output(&["-c", "core.quotepath=off", "ls-files", "-z"], None, None);
    assert_eq!(listed.stdout, b"caf\xe9.txt\0");

    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), 1);
    assert_eq!(s["ingest_gaps"], json!({}));
    let (path, raw, added): (String, Vec<u8>, i64) = sb
        .conn()
        .query_row(
            "SELECT path, path_raw, added FROM commit_files WHERE sha = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(raw, b"caf\xe9.txt");
    assert_eq!(path, "caf\u{fffd}.txt");
    assert_eq!(added, 1);
    // The event keeps the exact bytes too.
    let log = sb.run(&["audit", "log", "--kind", "commit_recorded"]);
    log.assert_code(0);
    let event: Value = serde_json::from_str(log.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        event["payload"]["files"][0]["path"],
        json!({ "hex": "636166e92e747874" })
    );
    sb.assert_verifies();
}

#[test]
fn an_empty_repository_has_no_commits() {
    let sb = Sandbox::new();
    let r = sb.repo("empty");
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), 0);
    assert_eq!(u(s, "/developers"), 0);
    assert_eq!(u(&out, "/ingest/new_commits"), 0);
    assert_eq!(u(&out, "/ingest/refs"), 0);
    assert_eq!(s["top_contributors"], json!([]));
    // Only the repository itself is registered.
    assert_eq!(u(&out, "/ingest/events_appended"), 1);
    sb.assert_verifies();
}

#[test]
fn the_table_summary_names_what_it_found() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    let run = Run::from(
        sb.devspm()
            .arg("scan")
            .arg(&rich.repo.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    for needle in [
        "devspm scan: rich (",
        "14 (2 merges)",
        "4 developers, 1 bots, 1 AI agents",
        "signed        0 of 14 commits (0.0%)",
        "rewrites      none seen",
        "gaps          none",
        "AI involvement: 1 of 14 commits (7.1%)",
        "claude-code",
        "bot:dependabot",
        "Alice Martin",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?} missing: {run:?}");
    }
    assert_eq!(run.stderr, "");
}

#[test]
fn a_second_scan_appends_nothing() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    let first = sb.scan(&rich.repo.path);
    let events = sb.event_count();
    assert!(events > 0);
    let second = sb.scan(&rich.repo.path);
    assert_eq!(u(&second, "/ingest/new_commits"), 0);
    assert_eq!(u(&second, "/ingest/refs_updated"), 0);
    assert_eq!(u(&second, "/ingest/events_appended"), 0);
    assert_eq!(u(&second, "/identity_events_appended"), 0);
    assert_eq!(sb.event_count(), events);
    assert_eq!(summary(&first), summary(&second));

    // A new commit: exactly that commit and its ref move are recorded.
    rich.repo.commit_file(ALICE, "new.txt", "new\n", "One more");
    let third = sb.scan(&rich.repo.path);
    assert_eq!(u(&third, "/ingest/new_commits"), 1);
    assert_eq!(u(&third, "/ingest/refs_updated"), 1);
    assert_eq!(u(&third, "/ingest/events_appended"), 2);
    assert_eq!(u(&third, "/identity_events_appended"), 0);
    assert_eq!(u(summary(&third), "/commits"), RichRepo::COMMITS + 1);
    assert_eq!(sb.event_count(), events + 2);
    sb.assert_verifies();
}

/// Rewrites the tip of the current branch so that its commit carries a `gpgsig` header with
/// `armor` (the kind is read from the armour; nothing is cryptographically checked).
fn sign_head(r: &Repo, armor: &str) -> String {
    let raw = r.git(&["cat-file", "commit", "HEAD"]);
    let (headers, message) = raw.split_once("\n\n").unwrap();
    let signature: String = armor
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("gpgsig {l}\n")
            } else {
                format!(" {l}\n")
            }
        })
        .collect();
    let object = format!("{headers}\n{signature}\n{message}\n");
    let out = r.git_output(
        &["hash-object", "-t", "commit", "-w", "--stdin"],
        None,
        Some(object.as_bytes()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    r.git(&["update-ref", "HEAD", &id]);
    id
}

#[test]
fn signature_kinds_are_counted() {
    let sb = Sandbox::new();
    let r = sb.repo("signed");
    r.commit_file(ALICE, "a", "1\n", "unsigned");
    r.commit_file(ALICE, "a", "2\n", "gpg");
    sign_head(
        &r,
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----",
    );
    r.commit_file(ALICE, "a", "3\n", "ssh");
    sign_head(
        &r,
        "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----",
    );
    r.commit_file(ALICE, "a", "4\n", "x509");
    sign_head(
        &r,
        "-----BEGIN SIGNED MESSAGE-----\nMIAGCSqGSIb3\n-----END SIGNED MESSAGE-----",
    );
    assert!(
        r.git(&["cat-file", "commit", "HEAD"])
            .contains("\ngpgsig -----BEGIN SIGNED MESSAGE-----\n")
    );
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), 4);
    assert_eq!(u(s, "/signed_commits"), 3);
    assert_eq!(s["signed_ratio"], json!(0.75));
    assert_eq!(
        s["signatures"],
        json!({ "none": 1, "gpg": 1, "ssh": 1, "x509": 1 })
    );
}

#[test]
fn top_limits_the_contributor_list() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    let run = Run::from(
        sb.devspm()
            .args(["--format", "json", "scan", "--top", "2"])
            .arg(&rich.repo.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    let v = run.json();
    let emails: Vec<&str> = v["summary"]["top_contributors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["alice@example.com", "carol@example.com"]);
    // The counts do not depend on --top.
    assert_eq!(u(&v, "/summary/developers"), RichRepo::DEVELOPERS);
}

/// Three different people called "Ann Lee" (not merged: merge_on_full_name is off), one commit
/// each. The JSON summary is for CI jobs and for comparing runs (e.g. before/after `rebuild`):
/// the same ledger must print the same summary every time.
#[test]
fn tied_contributors_are_listed_in_a_stable_order() {
    let sb = Sandbox::new();
    let r = sb.repo("tie");
    for host in ["a", "b", "c"] {
        let email = format!("ann@{host}.example");
        r.commit_file(("Ann Lee", email.as_str()), host, "x\n", host);
    }
    let first = sb.scan(&r.path);
    assert_eq!(u(summary(&first), "/developers"), 3);
    for _ in 0..8 {
        let again = sb.scan(&r.path);
        assert_eq!(
            summary(&again)["top_contributors"],
            summary(&first)["top_contributors"],
            "same ledger, same summary"
        );
    }
}
