//! Profiling harness (not a benchmark): where loading and compiling the corpus goes.
//! `cargo run --release --example profile_load -- [DIR] [REPEATS]`
//!
//! Prints, best of REPEATS, the time to read the files, to build their YAML trees, to parse
//! them into rules (YAML included), to load the pack (`RulePack::load`) and to compile it.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(path);
        }
    }
}

fn best(reps: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut n = 0;
    for _ in 0..reps {
        let t = Instant::now();
        n = f();
        best = best.min(t.elapsed());
    }
    (best, n)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "../shared/corpus/sigma/rules".to_owned());
    let reps: usize = args.next().map_or(5, |r| r.parse().expect("a number"));
    let mut paths = Vec::new();
    yaml_files(Path::new(&dir), &mut paths);
    paths.sort();
    let (t, bytes) = best(reps, || {
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("readable").len())
            .sum()
    });
    eprintln!("read {} files, {bytes} bytes: {t:?}", paths.len());
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    let limits = adsigma::syntax::Limits::default();
    let (t, nodes) = best(reps, || {
        let mut diags = Vec::new();
        texts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                adsigma::syntax::yaml::load(
                    s,
                    adsigma::syntax::FileId(i as u32),
                    &limits,
                    &mut diags,
                )
                .iter()
                .map(|n| n.weight())
                .sum::<usize>()
            })
            .sum()
    });
    eprintln!("YAML trees ({nodes} nodes): {t:?}");
    let (t, docs) = best(reps, || {
        texts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                adsigma::syntax::parse_str(s, adsigma::syntax::FileId(i as u32), &limits)
                    .documents
                    .len()
            })
            .sum()
    });
    eprintln!("parse_str ({docs} documents): {t:?}");
    let (t, rules) = best(reps, || {
        adsigma::RulePack::load(&dir)
            .expect("loads")
            .documents()
            .len()
    });
    eprintln!("RulePack::load ({rules} rules): {t:?}");
    let pack = adsigma::RulePack::load(&dir).expect("loads");
    let (t, _) = best(reps, || {
        adsigma::Engine::builder().build(&pack).expect("compiles");
        0
    });
    eprintln!("Engine::build (default pipelines): {t:?}");
    let (t, _) = best(reps, || {
        adsigma::Engine::builder()
            .default_pipelines(false)
            .build(&pack)
            .expect("compiles");
        0
    });
    eprintln!("Engine::build (no pipelines): {t:?}");
}
