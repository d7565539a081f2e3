//! Parsing the whole SigmaHQ corpus (`../shared/corpus/sigma`: rules, rules-placeholder,
//! rules-compliance, deprecated, unsupported; about 3,400 files), single-threaded, with
//! default limits.
//!
//! The files are read into memory before timing; the documents and error diagnostics of one
//! parse are counted before timing too, and the timed parses must give the same counts.
//! Run with `cargo bench --bench parse_corpus`.

use adsigma::syntax::{FileId, Limits, parse_str};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::cell::Cell;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Every `.yml` file under `dir`, recursively, in path order.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "yml") {
            out.push(path);
        }
    }
}

/// Parses every text; returns (documents, error diagnostics).
fn parse_all(texts: &[String], limits: &Limits) -> (usize, usize) {
    let (mut documents, mut errors) = (0, 0);
    for (i, text) in texts.iter().enumerate() {
        let parsed = parse_str(text, FileId(i as u32), limits);
        documents += parsed.documents.len();
        errors += parsed.diagnostics.iter().filter(|d| d.is_error()).count();
    }
    (documents, errors)
}

fn parse_corpus(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sigma");
    if !dir.is_dir() {
        eprintln!("skipping parse_corpus: {} is missing", dir.display());
        return;
    }
    let mut paths = Vec::new();
    yaml_files(&dir, &mut paths);
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let limits = Limits::default();

    let expected = parse_all(&texts, &limits);
    let (documents, errors) = expected;
    eprintln!(
        "parse_corpus: {} files, {bytes} bytes, {documents} documents, {errors} error diagnostics",
        texts.len()
    );
    // 3426 files; most of the 87 in unsupported/ use Sigma v1 aggregations or `near` and are
    // rightly rejected, so about 3365 documents parse.
    assert!(documents > 3300, "only {documents} documents parsed");

    let timed = Cell::new(None);
    let mut group = c.benchmark_group("parse_corpus");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("sigma_all_files", |b| {
        b.iter(|| timed.set(Some(parse_all(black_box(&texts), &limits))))
    });
    group.finish();
    assert_eq!(
        timed.get(),
        Some(expected),
        "timed parses counted differently"
    );
}

criterion_group!(benches, parse_corpus);
criterion_main!(benches);
