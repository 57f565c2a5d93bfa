//! The container image: its build stage is built when a container runtime answers (and its
//! base image is at hand — this machine has no registry access), otherwise the Dockerfile is
//! checked for what the image promises: a locked, stripped release build, the binary and git
//! only, an unprivileged user, the ledger in a volume.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn runtime_ready(image: &str) -> bool {
    let ok = |args: &[&str]| {
        Command::new("docker")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    ok(&["info"]) && ok(&["image", "inspect", image])
}

#[test]
fn the_dockerfile_builds_a_small_unprivileged_image() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let instructions: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let from: Vec<&str> = instructions
        .iter()
        .filter(|l| l.starts_with("FROM "))
        .copied()
        .collect();
    assert_eq!(from.len(), 2, "a build stage and a runtime stage: {from:?}");
    assert!(from[0].ends_with(" AS build"), "{from:?}");
    let builder = from[0].split_whitespace().nth(1).unwrap();
    // The build: locked dependencies, the stripped `dist` profile, which must exist.
    assert!(
        text.contains("cargo build --locked --profile dist -p devspm"),
        "{text}"
    );
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let dist = manifest
        .split("[profile.dist]")
        .nth(1)
        .expect("a [profile.dist] in Cargo.toml");
    assert!(dist.contains("strip = true") && dist.contains("inherits = \"release\""));
    // The runtime: the binary from the build stage and git, nothing else; not root.
    assert!(
        instructions
            .iter()
            .any(|l| l.starts_with("COPY --from=build /usr/local/bin/devspm ")),
        "{text}"
    );
    assert_eq!(
        instructions
            .iter()
            .filter(|l| l.starts_with("COPY"))
            .count(),
        2,
        "the sources into the build stage and the binary into the runtime: {text}"
    );
    assert!(text.contains("--no-install-recommends git ca-certificates"));
    let user = instructions
        .iter()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER");
    assert!(!user.contains("root") && !user.contains(" 0"), "{user}");
    assert!(instructions.contains(&"ENTRYPOINT [\"devspm\"]"));
    assert!(instructions.contains(&"VOLUME [\"/data\"]"));
    // Build outputs and databases never go into the build context.
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    for entry in ["target", ".git", "*.db"] {
        assert!(
            ignore.lines().any(|l| l == entry),
            "{entry} in .dockerignore"
        );
    }

    if !runtime_ready(builder) {
        eprintln!("no container runtime with {builder} at hand: checked the Dockerfile only");
        return;
    }
    let built = Command::new("docker")
        .args(["build", "--target", "build", "-t", "devspm-test-build", "."])
        .current_dir(root())
        .status()
        .expect("docker build");
    assert!(built.success(), "docker build of the build stage failed");
}
