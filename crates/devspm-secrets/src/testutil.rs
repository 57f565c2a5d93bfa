//! Test helpers: fake credentials made at run time, so that no source file of devspm holds
//! anything a secret scanner (ours or another) would flag.

pub const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const HEX: &[u8] = b"0123456789abcdef";

/// `n` pseudo-random characters of `charset`, the same for the same seed.
pub fn random(charset: &[u8], n: usize, seed: u64) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            charset[((state >> 33) % charset.len() as u64) as usize] as char
        })
        .collect()
}

/// One realistic-looking sample per built-in rule: (rule id, line of text, the secret).
pub fn samples() -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut add = |rule: &'static str, line: String, secret: String| out.push((rule, line, secret));

    let s = format!("AKIA{}", random(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 1));
    add("aws-access-key-id", format!("aws_access_key_id = {s}"), s);
    let s = random(BASE64, 40, 2);
    add(
        "aws-secret-access-key",
        format!("aws_secret_access_key = \"{s}\""),
        s,
    );
    let s = format!("AIza{}", random(ALNUM, 35, 3));
    add("google-api-key", format!("const MAPS = \"{s}\";"), s);
    let s = format!("{}==", random(BASE64, 86, 4));
    add(
        "azure-storage-account-key",
        format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};EndpointSuffix=core.windows.net"
        ),
        s,
    );
    let s = format!("{}8Q~{}", random(ALNUM, 3, 5), random(ALNUM, 34, 6));
    add(
        "azure-ad-client-secret",
        format!("client_secret: \"{s}\""),
        s,
    );
    let s = format!("ghp_{}", random(ALNUM, 36, 7));
    add("github-pat", format!("GH={s}"), s);
    let s = format!("github_pat_{}", random(ALNUM, 82, 8));
    add(
        "github-fine-grained-pat",
        format!("gh auth login --with-token {s}"),
        s,
    );
    let s = format!("ghs_{}", random(ALNUM, 36, 9));
    add("github-app-token", format!("x-access-token:{s}"), s);
    let s = format!("gho_{}", random(ALNUM, 36, 10));
    add("github-oauth-token", format!("oauth: {s}"), s);
    let s = format!("ghr_{}", random(ALNUM, 76, 11));
    add("github-refresh-token", format!("refresh {s}"), s);
    let s = format!("glpat-{}", random(ALNUM, 20, 12));
    add("gitlab-pat", format!("GITLAB={s}"), s);
    let s = format!("glrt-{}", random(ALNUM, 20, 13));
    add("gitlab-token", format!("runner: {s}"), s);
    let s = format!("npm_{}", random(ALNUM, 36, 14));
    add(
        "npm-access-token",
        format!("//registry.npmjs.org/:_authToken={s}"),
        s,
    );
    let s = format!("pypi-AgEIcHlwaS5vcmc{}", random(ALNUM, 60, 15));
    add("pypi-upload-token", format!("password = {s}"), s);
    let s = format!("dckr_pat_{}", random(ALNUM, 27, 16));
    add("dockerhub-pat", format!("echo {s} | docker login"), s);
    let s = format!(
        "xoxb-{}-{}-{}",
        random(b"0123456789", 11, 17),
        random(b"0123456789", 12, 18),
        random(ALNUM, 24, 19)
    );
    add("slack-token", format!("SLACK_BOT_TOKEN={s}"), s);
    let s = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        random(UPPER, 8, 20),
        random(UPPER, 8, 21),
        random(ALNUM, 24, 22)
    );
    add("slack-webhook-url", format!("url: {s}"), s);
    let s = format!("sk_live_{}", random(ALNUM, 24, 23));
    add("stripe-api-key", format!("Stripe.api_key = '{s}'"), s);
    let s = format!("sk-proj-{}", random(ALNUM, 120, 24));
    add("openai-api-key", format!("OPENAI_API_KEY={s}"), s);
    let s = format!("sk-ant-api03-{}AA", random(ALNUM, 93, 25));
    add("anthropic-api-key", format!("ANTHROPIC_API_KEY=\"{s}\""), s);
    let s = format!("SK{}", random(HEX, 32, 26));
    add("twilio-api-key", format!("api_key_sid = '{s}'"), s);
    let s = random(HEX, 32, 27);
    add("twilio-auth-token", format!("TWILIO_AUTH_TOKEN={s}"), s);
    let s = format!("SG.{}.{}", random(ALNUM, 22, 28), random(ALNUM, 43, 29));
    add("sendgrid-api-key", format!("sg_key: {s}"), s);
    let s = format!(
        "eyJ{}.eyJ{}.{}",
        random(ALNUM, 30, 30),
        random(ALNUM, 40, 31),
        random(ALNUM, 43, 32)
    );
    add("jwt", format!("Authorization: Bearer {s}"), s);
    let s = format!("nbt_{}.{}", random(ALNUM, 12, 36), random(ALNUM, 40, 37));
    add(
        "authorization-header",
        format!("$ curl -H \"Authorization: Bearer {s}\" https://netbox/api/"),
        s,
    );
    let s = random(ALNUM, 18, 33);
    add(
        "database-url-password",
        format!("DATABASE_URL=postgres://app:{s}@db.internal:5432/app"),
        s,
    );
    let s = format!("{}!{}#", random(ALNUM, 10, 34), random(ALNUM, 6, 35));
    add("generic-secret", format!("db_password = \"{s}\""), s);
    out
}

/// A PEM private key of `kind` (`RSA`, `EC`, `OPENSSH`, ``), as lines of text.
pub fn pem(kind: &str, seed: u64) -> String {
    let label = if kind.is_empty() {
        "PRIVATE KEY".to_owned()
    } else {
        format!("{kind} PRIVATE KEY")
    };
    let mut body = String::new();
    for i in 0..12 {
        body.push_str(&random(BASE64, 64, seed * 100 + i));
        body.push('\n');
    }
    format!("-----BEGIN {label}-----\n{body}-----END {label}-----")
}

/// A scratch git repository driven through the git command line.
pub struct GitRepo {
    pub dir: tempfile::TempDir,
    clock: std::cell::Cell<i64>,
}

impl GitRepo {
    pub fn new() -> GitRepo {
        let repo = GitRepo {
            dir: tempfile::tempdir().expect("temp dir"),
            clock: std::cell::Cell::new(1_700_000_000),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Runs git with fixed identity and a clock that advances one hour per call.
    pub fn git(&self, args: &[&str]) -> String {
        let now = self.clock.get() + 3600;
        self.clock.set(now);
        let date = format!("{now} +0000");
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.dir.path())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    pub fn write(&self, path: &str, content: &str) {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, content).expect("write");
    }

    /// Stages everything and commits; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}
