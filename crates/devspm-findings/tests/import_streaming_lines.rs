//! Streaming JSON Lines: 100,000 TruffleHog results (about 40 MB) import record by record,
//! without the file ever being held in memory. Alone in its test binary so that the process's
//! peak memory is its own.

mod support;

use std::io::{BufWriter, Write};

use devspm_findings::import::{Format, import_file};

const RECORDS: u64 = 100_000;

#[test]
fn a_large_json_lines_file_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trufflehog.jsonl");
    let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..RECORDS {
        writeln!(
            out,
            "{{\"SourceMetadata\":{{\"Data\":{{\"Git\":{{\"commit\":\"{i:040x}\",\"file\":\"src/m{file}/f{i}.py\",\
             \"email\":\"dev{i} <dev{i}@example.com>\",\"repository\":\"https://example.com/r.git\",\
             \"timestamp\":\"2024-01-01 00:00:00 +0000\",\"line\":{line}}}}}}},\"SourceID\":1,\
             \"SourceType\":16,\"SourceName\":\"trufflehog - git\",\"DetectorType\":17,\
             \"DetectorName\":\"URI\",\"DecoderName\":\"PLAIN\",\"Verified\":{verified},\
             \"Raw\":\"https://user:pw{i}@example.com\",\"RawV2\":\"\",\
             \"Redacted\":\"https://user:********@example.com\",\"ExtraData\":null,\"StructuredData\":null}}",
            file = i % 100,
            line = i % 5000 + 1,
            verified = i % 2 == 0,
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 32 << 20, "{size}");

    let before = support::peak_rss_kib();
    let mut count = 0u64;
    let summary = import_file(&path, &mut |f| {
        if count == 12_345 {
            assert_eq!(f.origin, "line 12346: $");
            assert_eq!(
                f.secret.as_deref(),
                Some("https://user:pw12345@example.com")
            );
            let loc = f.location.as_ref().unwrap();
            assert_eq!(loc.path, "src/m45/f12345.py");
            assert_eq!(loc.start_line, Some(12_345 % 5000 + 1));
        }
        count += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(summary.format, Format::Trufflehog);
    assert_eq!(summary.results, RECORDS);
    assert_eq!(count, RECORDS);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);

    support::assert_bounded(before, size);
}
