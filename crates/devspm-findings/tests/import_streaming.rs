//! Streaming: a SARIF log of 200,000 results (about 55 MB, with its tool section after the
//! results, as some producers write it) imports result by result, without the file ever being
//! held in memory. Alone in its test binary so that the process's peak memory is its own.

mod support;

use std::io::{BufWriter, Write};
use std::time::Instant;

use devspm_findings::Severity;
use devspm_findings::import::import_file;

const RESULTS: u64 = 200_000;

#[test]
fn a_large_sarif_log_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.sarif");
    let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
    write!(out, "{{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", \"runs\": [{{\"results\": [").unwrap();
    for i in 0..RESULTS {
        if i > 0 {
            out.write_all(b",\n").unwrap();
        }
        // Compact, one result a line, as many producers write large logs.
        write!(
            out,
            "{{\"ruleId\":\"rule-{rule}\",\"message\":{{\"text\":\"Finding {i}\"}},\
             \"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":\
             \"src/m{file}/f%20{i}.rs\",\"uriBaseId\":\"SRC\"}},\"region\":\
             {{\"startLine\":{line},\"snippet\":{{\"text\":\"call_{i}();\"}}}}}}}}],\
             \"partialFingerprints\":{{\"primaryLocationLineHash\":\"{i:x}:1\"}}}}",
            rule = i % 7,
            file = i % 100,
            line = i % 5000 + 1,
        )
        .unwrap();
    }
    write!(
        out,
        "], \"tool\": {{\"driver\": {{\"name\": \"BigTool\", \"version\": \"9.9\", \"rules\": ["
    )
    .unwrap();
    for r in 0..7 {
        if r > 0 {
            out.write_all(b",").unwrap();
        }
        write!(
            out,
            "{{\"id\": \"rule-{r}\", \"defaultConfiguration\": {{\"level\": \"error\"}}, \
             \"properties\": {{\"tags\": [\"external/cwe/cwe-0{r}9\"]}}}}"
        )
        .unwrap();
    }
    write!(out, "]}}}}, \"originalUriBaseIds\": {{\"SRC\": {{\"uri\": \"file:///repo/\"}}}}}}], \"version\": \"2.1.0\"}}").unwrap();
    out.flush().unwrap();
    drop(out);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 32 << 20, "{size}");

    let before = support::peak_rss_kib();
    let started = Instant::now();
    let mut count = 0u64;
    let mut high = 0u64;
    let summary = import_file(&path, &mut |f| {
        if count == 123_456 {
            assert_eq!(f.tool, "bigtool");
            assert_eq!(f.tool_version.as_deref(), Some("9.9"));
            assert_eq!(f.rule, "rule-4");
            assert_eq!(f.identifiers, ["CWE-49"]);
            let loc = f.location.as_ref().unwrap();
            assert_eq!(loc.path, "/repo/src/m56/f 123456.rs");
            assert_eq!(loc.start_line, Some(123_456 % 5000 + 1));
            assert_eq!(f.origin, "$.runs[0].results[123456]");
            assert_eq!(
                f.producer_fingerprint.as_deref(),
                Some("primaryLocationLineHash:1e240:1")
            );
        }
        if f.severity == Severity::High {
            high += 1;
        }
        count += 1;
        Ok(())
    })
    .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(summary.results, RESULTS);
    assert_eq!(count, RESULTS);
    assert_eq!(high, RESULTS);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    eprintln!("imported {RESULTS} results ({size} bytes) in {elapsed:?}");

    support::assert_bounded(before, size);
}
