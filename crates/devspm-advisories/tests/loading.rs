//! Loading: layouts detected by looking, zips, and bad files warned about, never fatal.

use std::io::Write;
use std::path::Path;

use devspm_advisories::{
    AdvisoryIndex, Informational, Layout, LoadError, SourceFormat, load, match_packages,
};

const OSV_JSON: &str = r#"{
  "id": "RUSTSEC-2021-0001",
  "modified": "2021-01-05T00:00:00Z",
  "aliases": ["CVE-2021-1"],
  "summary": "a summary",
  "affected": [{
    "package": {"ecosystem": "crates.io", "name": "demo"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.0.0-0"}, {"fixed": "1.2.0"}]}],
    "database_specific": {"informational": "unsound"}
  }]
}"#;

const RUSTSEC_MD: &str = "```toml\n[advisory]\nid = \"RUSTSEC-2022-0002\"\npackage = \"demo\"\ndate = \"2022-02-02\"\n\n[versions]\npatched = [\">= 2.0.0\"]\nunaffected = [\"< 1.0.0\"]\n```\n\n# Demo is broken\n\nText.\n";

fn write(dir: &Path, rel: &str, content: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

#[test]
fn a_mixed_folder_with_bad_files_loads_the_good_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "osv/RUSTSEC-2021-0001.json",
        OSV_JSON.as_bytes(),
    );
    write(
        dir.path(),
        "crates/demo/RUSTSEC-2022-0002.md",
        RUSTSEC_MD.as_bytes(),
    );
    write(dir.path(), "README.md", b"# Advisory database\n");
    write(dir.path(), "LICENSE.txt", b"CC0");
    write(dir.path(), ".github/workflows/ci.yml", b"on: push\n");
    write(
        dir.path(),
        "osv/broken.json",
        b"{\n  \"id\": \"X\",\n  \"affected\": [\n}",
    );
    write(dir.path(), "vulns/x/PYSEC-1.yaml", b"id: PYSEC-1\naffected:\n  - package: {ecosystem: PyPI, name: x}\n    ranges: [{type: ECOSYSTEM, events: [{introduced: \"0\"}, {fixed: \"1.0\"}]}]\n    versions: oops\n");
    write(
        dir.path(),
        "future.json",
        br#"{"schema_version": "2.1.0", "id": "F-1"}"#,
    );

    let loaded = load(dir.path()).expect("load");
    let s = &loaded.stats;
    assert_eq!(s.layout, Layout::MixedFolder);
    assert_eq!(s.files_read, 5);
    assert_eq!(s.advisories_loaded, 2);
    assert_eq!(s.skipped, 3);
    let warnings: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(
        warnings[0].starts_with("future.json: F-1: OSV schema_version 2.1.0"),
        "{warnings:#?}"
    );
    assert!(
        warnings[1].starts_with("osv/broken.json:4: invalid JSON"),
        "{warnings:#?}"
    );
    assert!(
        warnings[2].starts_with("vulns/x/PYSEC-1.yaml:5: invalid YAML"),
        "{warnings:#?}"
    );
    assert!(warnings.iter().all(|w| w.ends_with("(advisory skipped)")));

    let ids: Vec<(&str, SourceFormat)> = loaded
        .advisories
        .iter()
        .map(|a| (a.id.as_str(), a.source.format))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("RUSTSEC-2021-0001", SourceFormat::OsvJson),
            ("RUSTSEC-2022-0002", SourceFormat::Rustsec)
        ]
    );
    let index = AdvisoryIndex::new(loaded.advisories);
    let got: Vec<(String, String, Option<Informational>)> = match_packages(
        &index,
        &[
            ("crates.io", "demo", "0.9.0"),
            ("crates.io", "demo", "1.5.0"),
            ("crates.io", "demo", "2.0.0"),
        ],
    )
    .into_iter()
    .map(|m| (m.version, m.advisory_id, m.informational))
    .collect();
    assert_eq!(
        got,
        vec![
            (
                "0.9.0".into(),
                "RUSTSEC-2021-0001".into(),
                Some(Informational::Unsound)
            ),
            ("1.5.0".into(), "RUSTSEC-2022-0002".into(), None),
        ]
    );
}

#[test]
fn osv_zips_load_like_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("all.zip");
    {
        let file = std::fs::File::create(&zip_path).expect("create");
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("RUSTSEC-2021-0001.json", options)
            .expect("entry");
        zip.write_all(OSV_JSON.as_bytes()).expect("write");
        zip.start_file("bad.json", options).expect("entry");
        zip.write_all(b"[1, 2").expect("write");
        zip.finish().expect("finish");
    }
    // The name does not matter: the signature does.
    let renamed = dir.path().join("advisories.bin");
    std::fs::rename(&zip_path, &renamed).expect("rename");
    let loaded = load(&renamed).expect("load zip");
    assert_eq!(loaded.stats.layout, Layout::OsvZip);
    assert_eq!(loaded.stats.advisories_loaded, 1);
    assert_eq!(loaded.stats.skipped, 1);
    assert_eq!(loaded.stats.warnings[0].file, "advisories.bin:bad.json");
    assert_eq!(
        loaded.advisories[0].source.file,
        "advisories.bin:RUSTSEC-2021-0001.json"
    );

    // A file that starts like a zip but is not one is an error, not a panic.
    let fake = dir.path().join("fake.zip");
    std::fs::write(&fake, b"PK\x03\x04 not really").expect("write");
    assert!(matches!(load(&fake), Err(LoadError::Zip { .. })));
}

#[test]
fn single_files_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "one.json", OSV_JSON.as_bytes());
    let loaded = load(&dir.path().join("one.json")).expect("load file");
    assert_eq!(loaded.stats.layout, Layout::File);
    assert_eq!(loaded.advisories.len(), 1);

    assert!(matches!(
        load(&dir.path().join("missing")),
        Err(LoadError::Io { .. })
    ));
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let err = load(&empty).expect_err("empty folder");
    assert!(matches!(err, LoadError::NoAdvisories { .. }));
    assert!(
        err.to_string().starts_with("no advisories found in"),
        "{err}"
    );
}

#[test]
fn advisories_round_trip_through_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.json", OSV_JSON.as_bytes());
    write(dir.path(), "crates/demo/b.md", RUSTSEC_MD.as_bytes());
    let loaded = load(dir.path()).expect("load");
    for advisory in &loaded.advisories {
        let json = serde_json::to_string(advisory).expect("serialise");
        let back: devspm_advisories::Advisory = serde_json::from_str(&json).expect("read back");
        assert_eq!(&back, advisory);
    }
    let json = serde_json::to_value(&loaded.advisories[0]).expect("serialise");
    assert_eq!(json["severity"], "low");
    assert_eq!(json["informational"], "unsound");
    assert_eq!(json["affected"][0]["ranges"][0]["kind"], "semver");
    assert_eq!(
        json["affected"][0]["ranges"][0]["events"][1],
        serde_json::json!({"fixed": "1.2.0"})
    );
}
