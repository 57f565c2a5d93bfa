//! `devspm posture` and `devspm posture explain` on real repositories built in the test: a
//! developer's score recomputed by hand from `explain` (factor by factor, from the evidence and
//! the organisation's priors), unknown factors left out, small samples shrunk toward the
//! organisation, the `[posture]` table applied. Hostile names: `hostile.rs`.

mod common;

use common::*;
use serde_json::Value;

/// Every command of a sandbox with a configuration runs with it: resolution without it would
/// register the identities again without their teams.
fn import(sb: &Sandbox, config: &str, repo: &Repo, name: &str, results: &[(&str, &str, usize)]) {
    let path = sb.path().join(name);
    std::fs::write(&path, sarif_at(results)).unwrap();
    sb.run(&[
        "--config",
        config,
        "import",
        "--repo",
        repo.path.to_str().unwrap(),
        path.to_str().unwrap(),
    ])
    .assert_code(0);
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} != {b}");
}

/// The factor `id` of an explanation's subject.
fn factor<'a>(x: &'a Value, id: &str) -> &'a Value {
    x["subject"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no factor {id}"))
}

/// Author and committer times of a commit (seconds).
fn times(repo: &Repo, sha: &str) -> (i64, i64) {
    let out = repo.git(&["log", "-1", "--format=%at %ct", sha]);
    let (a, c) = out.split_once(' ').unwrap();
    (a.parse().unwrap(), c.parse().unwrap())
}

/// Alice (team platform) writes `app.py` (3 flagged lines) and `lib.py`, one of her commits
/// reviewed by Bob; Bob writes `other.py` and later fixes line 1 of `app.py`; Carol commits a
/// one-line token. Two imports of `lint` (the second no longer reports R1: fixed), and the
/// built-in secret detector through `scan`. Nobody signs; no hook is in use.
struct World {
    sb: Sandbox,
    repo: Repo,
    config: String,
    first: String,
    fix: String,
}

fn world() -> World {
    let sb = Sandbox::new();
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[[identity]]\nid = \"alice\"\nteam = \"platform\"\naliases = [\"alice@example.com\"]\n\n\
         [[identity]]\nid = \"bob\"\nteam = \"platform\"\naliases = [\"bob@example.com\"]\n\n\
         [posture]\nprior_lines = 1000\n",
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let r = sb.repo("app");
    let app: String = (1..=10).map(|i| format!("value_{i} = {i}\n")).collect();
    let first = r.commit_file(ALICE, "app.py", &app, "Add the app");
    r.commit_file(BOB, "other.py", &"x = 0\n".repeat(20), "Add other");
    r.commit_file(
        ALICE,
        "app.py",
        &format!("{app}value_11 = 11\n"),
        "Add value 11\n\nReviewed-by: Bob Stone <bob@example.com>\n",
    );
    r.commit_file(
        CAROL,
        "deploy.env",
        &format!("TOKEN=ghp_{}\n", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K"),
        "Deploy settings",
    );
    r.commit_file(ALICE, "lib.py", "def f():\n    return 1\n", "Add lib");
    let scan = |sb: &Sandbox| {
        sb.run(&["--config", &config, "scan", r.path.to_str().unwrap()])
            .assert_code(0);
    };
    scan(&sb);
    import(
        &sb,
        &config,
        &r,
        "lint-1.sarif",
        &[("R1", "error", 1), ("R2", "warning", 2), ("R3", "note", 3)],
    );
    let fixed_app = app.replacen("value_1 = 1", "value_1 = int('1')", 1);
    let fix = r.commit_file(
        BOB,
        "app.py",
        &format!("{fixed_app}value_11 = 11\n"),
        "Fix R1",
    );
    scan(&sb);
    import(
        &sb,
        &config,
        &r,
        "lint-2.sarif",
        &[("R2", "warning", 2), ("R3", "note", 3)],
    );
    World {
        sb,
        repo: r,
        config,
        first,
        fix,
    }
}

impl World {
    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--config", self.config.as_str()];
        all.extend_from_slice(args);
        self.sb.run(&all)
    }

    fn explain(&self, subject: &str) -> Value {
        let run = self.run(&["--format", "json", "posture", "explain", subject]);
        run.assert_code(0);
        run.json()
    }
}

#[test]
fn a_developers_score_is_recomputed_by_hand_from_explain() {
    let w = world();
    let x = w.explain("alice@example.com");
    assert_eq!(x["subject"]["kind"], "developer");
    assert_eq!(x["subject"]["team"], "platform");
    let settings = &x["settings"];
    let org = &x["organisation"];
    assert_eq!(f(&settings["prior_lines"]), 1000.0, "[posture] applied");

    // finding_rate: W from the findings listed (each at its severity's weight), L from the
    // commits listed, shrunk with k lines at the organisation's rate.
    let rate = factor(&x, "finding_rate");
    assert_eq!(rate["status"], "known");
    let mut weighted = 0.0;
    let mut lines = 0.0;
    let mut found = Vec::new();
    for e in rate["evidence"].as_array().unwrap() {
        match e["kind"].as_str().unwrap() {
            "finding" => {
                let severity = e["detail"].as_str().unwrap().split(',').next().unwrap();
                close(
                    f(&e["value"]),
                    f(&settings["severity_weights"][severity]),
                    "severity weight",
                );
                weighted += f(&e["value"]);
                found.push(severity.to_owned());
            }
            "commit" => lines += f(&e["value"]),
            other => panic!("unexpected evidence {other}"),
        }
    }
    found.sort();
    assert_eq!(found, ["high", "low", "medium"], "R1, R2, R3 are Alice's");
    assert_eq!(lines, 10.0 + 1.0 + 2.0, "app.py, its 11th line, lib.py");
    let k = f(&settings["prior_lines"]);
    let org_rate = f(&org["finding_rate"]);
    let adjusted = (weighted + org_rate * k / 1000.0) / ((lines + k) / 1000.0);
    close(f(&rate["raw"]), weighted / lines * 1000.0, "raw rate");
    close(f(&rate["adjusted"]), adjusted, "adjusted rate");
    let reference = f(&settings["reference_rate"]);
    let rate_value = reference / (reference + adjusted);
    close(
        f(&rate["normalised"]),
        rate_value,
        "finding_rate normalised",
    );

    // remediation_time: R1, introduced by Alice's first commit, found fixed at Bob's fix.
    let ttr = factor(&x, "remediation_time");
    assert_eq!(ttr["status"], "known");
    let (introduced, _) = times(&w.repo, &w.first);
    let (_, fixed) = times(&w.repo, &w.fix);
    let days = (fixed - introduced) as f64 / 86_400.0;
    close(f(&ttr["raw"]), days, "days to remediate");
    assert!(
        ttr["evidence"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&w.fix[..12])
    );
    // The organisation's only fix is this one: the prior changes nothing.
    close(
        f(&org["median_days_to_remediate"]),
        days,
        "organisation median",
    );
    let p = f(&settings["prior_fixes"]);
    let adjusted_days = (1.0 * days + p * days) / (1.0 + p);
    let t = f(&settings["reference_days"]);
    let ttr_value = t / (t + adjusted_days);
    close(f(&ttr["normalised"]), ttr_value, "remediation normalised");

    // open_secrets: the secret detector ran (nothing of Alice's): known and clean.
    let secrets = factor(&x, "open_secrets");
    assert_eq!(secrets["status"], "known");
    let secrets_value = 1.0;
    close(f(&secrets["normalised"]), secrets_value, "open_secrets");

    // signed_commits: nobody signs — unknown, left out.
    let signed = factor(&x, "signed_commits");
    assert_eq!(signed["status"], "unknown");
    assert!(
        signed["reason"]
            .as_str()
            .unwrap()
            .contains("signing is not the practice: 0 of")
    );
    assert!(signed["contribution"].is_null() && signed["effective_weight"].is_null());

    // self_merged: Alice's three commits, one reviewed by Bob; the organisation's six
    // commits, all self-merged but that one.
    let merged = factor(&x, "self_merged");
    assert_eq!(merged["status"], "known");
    assert_eq!(merged["sample"], 3);
    close(f(&merged["raw"]), 2.0 / 3.0, "self-merged share");
    let org_share = f(&org["self_merged_share"]);
    close(org_share, 5.0 / 6.0, "organisation self-merged share");
    let m = f(&settings["prior_commits"]);
    let merged_value = 1.0 - (2.0 + m * org_share) / (3.0 + m);
    close(
        f(&merged["normalised"]),
        merged_value,
        "self_merged normalised",
    );
    let listed: Vec<&str> = merged["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&w.first.as_str()), "{listed:?}");

    // hook_overrides: no override ever recorded — unknown, left out.
    assert_eq!(factor(&x, "hook_overrides")["status"], "unknown");

    // The score: the known factors' weights renormalised, times their values.
    let weight = |id: &str| f(&settings["weights"][id]);
    let known = [
        ("finding_rate", rate_value),
        ("remediation_time", ttr_value),
        ("open_secrets", secrets_value),
        ("self_merged", merged_value),
    ];
    let total: f64 = known.iter().map(|(id, _)| weight(id)).sum();
    close(f(&x["subject"]["known_weight"]), total, "known weight");
    let by_hand: f64 = known
        .iter()
        .map(|(id, value)| 100.0 * weight(id) / total * value)
        .sum();
    close(f(&x["subject"]["score"]), by_hand, "score");
    for (id, value) in known {
        close(
            f(&factor(&x, id)["contribution"]),
            100.0 * weight(id) / total * value,
            id,
        );
    }
    assert_eq!(x["subject"]["factors_known"], 4);

    // The table says the same, with the unknown factors named and left out.
    let table = w.run(&["posture", "explain", "alice@example.com"]);
    table.assert_code(0);
    let text = &table.stdout;
    assert!(text.contains(&format!("{by_hand:.2} of 100")), "{text}");
    assert!(text.contains("signed_commits (share of its commits that are signed"));
    assert!(text.contains("unknown — signing is not the practice"));
    assert!(text.contains("left out of the score"));

    // The same subject by identity id, by name, and as `developer:`.
    let id = x["subject"]["id"].as_str().unwrap();
    for name in [id, "Alice Martin", format!("developer:{id}").as_str()] {
        assert_eq!(
            w.explain(name)["subject"]["score"],
            x["subject"]["score"],
            "{name}"
        );
    }
    // The team: Alice and Bob.
    let team = w.explain("team:platform");
    assert_eq!(team["subject"]["kind"], "team");
    assert_eq!(team["subject"]["metrics"]["commits"], 3 + 2);
}

#[test]
fn small_samples_are_shrunk_and_the_listing_shows_their_size() {
    let w = world();
    // Carol: one commit of one line, holding a token: a rate of thousands per 1,000 lines on
    // her own, pulled toward the organisation's.
    let x = w.explain("carol@example.com");
    let rate = factor(&x, "finding_rate");
    assert_eq!(rate["status"], "known");
    assert_eq!(rate["sample"], 1, "one changed line");
    let raw = f(&rate["raw"]);
    let adjusted = f(&rate["adjusted"]);
    let org_rate = f(&x["organisation"]["finding_rate"]);
    assert!(
        adjusted < raw / 10.0 && adjusted > org_rate,
        "raw {raw}, adjusted {adjusted}, organisation {org_rate}"
    );
    let secrets = factor(&x, "open_secrets");
    assert_eq!(secrets["raw"], 1.0);
    close(f(&secrets["normalised"]), 0.5, "one open secret");
    assert_eq!(secrets["evidence"][0]["kind"], "finding");

    let listing = w.run(&["--format", "json", "posture"]);
    listing.assert_code(0);
    let report = listing.json();
    let subjects = report["subjects"].as_array().unwrap();
    let carol = subjects
        .iter()
        .find(|s| s["name"] == "Carol Diaz")
        .expect("Carol is listed");
    assert_eq!(carol["metrics"]["commits"], 1);
    assert_eq!(carol["metrics"]["changed_lines"], 1);
    assert_eq!(carol["metrics"]["secrets_open"], 1);
    // The token is still in the file at HEAD (the detector's attribution says so).
    assert_eq!(carol["metrics"]["secrets_live_at_head"], 1);
    // Every kind is there: developers, the team, the repository (no agent here).
    let kinds: Vec<&str> = subjects
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    for kind in ["developer", "team", "repository"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    // Within a kind, lowest score first.
    let developer_scores: Vec<f64> = subjects
        .iter()
        .filter(|s| s["kind"] == "developer")
        .map(|s| f(&s["score"]))
        .collect();
    assert!(
        developer_scores.windows(2).all(|p| p[0] <= p[1]),
        "{developer_scores:?}"
    );
    // Who fixed R1: Bob's commit, the first change to app.py after it was last seen.
    assert_eq!(report["organisation"]["metrics"]["fixes_made"], 1);
    let bob = subjects
        .iter()
        .find(|s| s["kind"] == "developer" && s["name"] == "Bob Stone")
        .unwrap();
    assert_eq!(bob["metrics"]["fixes_made"], 1, "{bob}");
    let alice = subjects
        .iter()
        .find(|s| s["kind"] == "developer" && s["name"] == "Alice Martin")
        .unwrap();
    assert_eq!(alice["metrics"]["fixes_made"], 0);
    assert_eq!(alice["metrics"]["findings_fixed"], 1);
    // The report names the fixing commit and its author, and links Bob's count to the finding.
    let full = w.run(&["--format", "json", "report"]).json();
    let fixed: Vec<&Value> = full["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fixed")
        .collect();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["fixed_in"], w.fix.as_str());
    assert_eq!(fixed[0]["fixed_by_name"], "Bob Stone");
    let bob = full["posture"]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "developer" && s["name"] == "Bob Stone")
        .unwrap();
    assert_eq!(bob["evidence"]["fixes_made"][0]["id"], fixed[0]["id"]);

    // The table shows the sample size beside the score.
    let table = w.run(&["posture"]);
    table.assert_code(0);
    let line = table
        .stdout
        .lines()
        .find(|l| l.contains("Carol Diaz"))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert!(cells.contains(&"1"), "commits and lines shown: {line}");
    assert!(table.stdout.contains("Trend (organisation, per month)"));

    // Filters: one developer; a team and its developers; an unknown developer is an error.
    let one = w.run(&[
        "--format",
        "json",
        "posture",
        "--developer",
        "bob@example.com",
    ]);
    let one = one.json();
    let rows = one["subjects"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "Bob Stone");
    let team = w
        .run(&["--format", "json", "posture", "--team", "platform"])
        .json();
    assert_eq!(team["subjects"].as_array().unwrap().len(), 3);
    w.run(&["posture", "--developer", "nobody@example.com"])
        .assert_error(&["no developer `nobody@example.com`"]);
    // A window before any commit: no activity, every score unknown.
    let empty = w
        .run(&[
            "--format",
            "json",
            "posture",
            "--since",
            "2001-01-01",
            "--until",
            "2001-01-31",
        ])
        .json();
    assert!(empty["subjects"].as_array().unwrap().is_empty());
    // SARIF is not a posture format.
    w.run(&["--format", "sarif", "posture"]).assert_code(2);
}

#[test]
fn the_csv_and_markdown_carry_every_subject() {
    let w = world();
    let csv = w.run(&["--format", "csv", "posture"]);
    csv.assert_code(0);
    let json = w.run(&["--format", "json", "posture"]).json();
    let subjects = json["subjects"].as_array().unwrap().len();
    // Header, the organisation, one line per subject.
    assert_eq!(csv.stdout.lines().count(), subjects + 2, "{}", csv.stdout);
    assert!(csv.stdout.starts_with("kind,id,name,team,score,"));
    let md = w.run(&["--format", "markdown", "posture"]);
    md.assert_code(0);
    assert!(md.stdout.contains("### Developers"), "{}", md.stdout);
    let explain_csv = w.run(&["--format", "csv", "posture", "explain", "alice@example.com"]);
    explain_csv.assert_code(0);
    assert!(
        explain_csv
            .stdout
            .lines()
            .any(|l| l.starts_with("factor,") && l.contains("finding_rate"))
    );
    assert!(
        explain_csv
            .stdout
            .lines()
            .any(|l| l.starts_with("evidence,"))
    );
    let explain_md = w.run(&[
        "--format",
        "markdown",
        "posture",
        "explain",
        "alice@example.com",
    ]);
    explain_md.assert_code(0);
    assert!(
        explain_md.stdout.contains("### Evidence: finding"),
        "{}",
        explain_md.stdout
    );
}

#[test]
fn config_show_lists_posture_weights_and_signal_thresholds_with_their_line() {
    let sb = Sandbox::new();
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "# weights\n[posture]\nwindow_days = 30\n\n[posture.weights]\nself_merged = 0.3\n\n[signals]\nmin_history = 7\n",
    )
    .unwrap();
    let path = config.to_str().unwrap();
    let run = sb.run(&["--format", "json", "--config", path, "config", "show"]);
    run.assert_code(0);
    let rows = run.json();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["setting"] == name)
            .unwrap_or_else(|| panic!("{name} in {rows:#}"))
            .clone()
    };
    assert_eq!(row("posture.window_days")["value"], "30");
    assert_eq!(row("posture.window_days")["from"], format!("{path} line 3"));
    assert_eq!(row("posture.weights.self_merged")["value"], "0.3");
    assert_eq!(
        row("posture.weights.self_merged")["from"],
        format!("{path} line 6")
    );
    assert_eq!(row("posture.weights.finding_rate")["from"], "default");
    assert_eq!(row("signals.min_history")["value"], "7");
    assert_eq!(row("signals.min_history")["from"], format!("{path} line 9"));
    assert_eq!(row("signals.signing_share")["value"], "0.9");
    assert_eq!(row("signals.signing_share")["from"], "default");
    // The table view carries them too.
    let table = sb.run(&["--config", path, "config", "show"]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("signals.protected_refs"),
        "{}",
        table.stdout
    );
}

#[test]
fn the_commit_that_deleted_a_findings_file_fixed_it() {
    let sb = Sandbox::new();
    let config = sb.path().join("devspm.toml");
    std::fs::write(&config, "").unwrap();
    let config = config.to_str().unwrap().to_owned();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "value_1 = 1\nvalue_2 = 2\n", "Add the app");
    r.commit_file(BOB, "other.py", "x = 0\n", "Add other");
    let scan = || {
        sb.run(&["--config", &config, "scan", r.path.to_str().unwrap()])
            .assert_code(0);
    };
    scan();
    import(&sb, &config, &r, "lint-1.sarif", &[("R1", "error", 1)]);
    // Carol removes the file: no later version of app.py exists, the deletion is the fix.
    r.git(&["rm", "-q", "app.py"]);
    let deletion = r.commit(CAROL, "Remove the app");
    r.commit_file(BOB, "other.py", "x = 1\n", "Touch other");
    scan();
    import(&sb, &config, &r, "lint-2.sarif", &[]);
    let full = sb
        .run(&["--config", &config, "--format", "json", "report"])
        .json();
    let fixed: Vec<&Value> = full["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fixed")
        .collect();
    assert_eq!(fixed.len(), 1, "{:#}", full["findings"]);
    assert_eq!(fixed[0]["fixed_in"], deletion.as_str());
    assert_eq!(fixed[0]["fixed_by_name"], "Carol Diaz");
    let carol = full["posture"]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "developer" && s["name"] == "Carol Diaz")
        .unwrap();
    assert_eq!(carol["metrics"]["fixes_made"], 1, "{carol}");
    assert_eq!(carol["evidence"]["fixes_made"][0]["id"], fixed[0]["id"]);
}

/// A workflow step per action, for the tool-inventory factors.
fn workflow(actions: &[&str]) -> String {
    let steps: String = actions
        .iter()
        .map(|a| format!("      - uses: {a}\n"))
        .collect();
    format!(
        "name: ci\non: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    )
}

#[test]
fn shadow_tools_and_policy_violations_are_factors_with_their_events_or_unknown() {
    let sb = Sandbox::new();
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[policy.actions]\nallow = [\"actions/*\"]\ndeny = [\"tj-actions/*\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let r = sb.repo("tools");
    // Alice brings an approved action and one nobody approved; Bob a denied one; Carol none.
    r.commit_file(
        ALICE,
        ".github/workflows/ci.yml",
        &workflow(&[
            "actions/checkout@0e58ed8671d6b60d0890c21b07f8835ace038e61",
            "some-org/lint-action@v1",
        ]),
        "CI",
    );
    r.commit_file(
        BOB,
        ".github/workflows/changes.yml",
        &workflow(&["tj-actions/changed-files@v35"]),
        "Changed files",
    );
    r.commit_file(CAROL, "src/main.py", "print(1)\n", "Code");
    sb.run(&["--config", &config, "scan", r.path.to_str().unwrap()])
        .assert_code(0);
    let explain = |subject: &str, config: &str| {
        let run = sb.run(&[
            "--config", config, "--format", "json", "posture", "explain", subject,
        ]);
        run.assert_code(0);
        run.json()
    };

    let alice = explain("alice@example.com", &config);
    let shadow = factor(&alice, "shadow_tools");
    assert_eq!(shadow["status"], "known", "{shadow:#}");
    assert_eq!(shadow["raw"], 1.0);
    close(f(&shadow["normalised"]), 0.5, "one unapproved tool");
    let evidence = shadow["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{shadow:#}");
    assert_eq!(evidence[0]["kind"], "event");
    assert!(
        evidence[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("unapproved some-org/lint-action@v1 at "),
        "{evidence:?}"
    );
    // The event is the tool_seen that recorded it.
    let seq: i64 = evidence[0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM events WHERE seq = {seq} AND kind = 'tool_seen'"
        )),
        1
    );
    let violations = factor(&alice, "policy_violations");
    assert_eq!(violations["status"], "known");
    assert_eq!(violations["raw"], 0.0);
    // The score is the sum of the known factors' contributions, each weight renormalised.
    let known: Vec<&Value> = alice["subject"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "known")
        .collect();
    let weight: f64 = known.iter().map(|x| f(&x["weight"])).sum();
    let score: f64 = known
        .iter()
        .map(|x| 100.0 * f(&x["weight"]) / weight * f(&x["normalised"]))
        .sum();
    close(
        score,
        f(&alice["subject"]["score"]),
        "alice's score by hand",
    );

    let bob = explain("bob@example.com", &config);
    let denied = factor(&bob, "policy_violations");
    assert_eq!(denied["raw"], 1.0, "{denied:#}");
    assert!(
        denied["evidence"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("denied tj-actions/changed-files@v35 at ")
    );
    assert_eq!(bob["subject"]["metrics"]["policy_violations"], 1);
    assert_eq!(bob["subject"]["metrics"]["shadow_tools"], 0);

    // Carol introduced no tool: unknown, never zero risk.
    let carol = explain("carol@example.com", &config);
    assert_eq!(factor(&carol, "shadow_tools")["status"], "unknown");
    assert!(carol["subject"]["metrics"]["shadow_tools"].is_null());

    // Without a [policy] nothing is judged: unknown for everyone, with the reason.
    let bare = sb.path().join("bare.toml");
    std::fs::write(&bare, "").unwrap();
    let alice = explain("alice@example.com", bare.to_str().unwrap());
    let shadow = factor(&alice, "shadow_tools");
    assert_eq!(shadow["status"], "unknown");
    assert!(
        shadow["reason"].as_str().unwrap().contains("[policy]"),
        "{shadow:#}"
    );
}
