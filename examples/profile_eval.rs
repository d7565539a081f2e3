//! Profiling harness (not a benchmark): evaluates pre-parsed events repeatedly.
//! `cargo run --release --example profile_eval -- EVENTS.ndjson [REPEATS] [LOGSOURCE]`
//! (`ONLY_FLAT=1`: only the `JsonEvent` path; `NO_PIPELINES=1`: no pipeline routing)
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("an NDJSON file");
    let reps: usize = args.next().map_or(3, |r| r.parse().expect("a number"));
    let ls = args
        .next()
        .map(|s| adsigma::LogSource::parse(&s).expect("a logsource"));
    let rss_start = rss_mb();
    let text = std::fs::read_to_string(&path).expect("readable");
    let only_flat = std::env::var_os("ONLY_FLAT").is_some();
    let events: Vec<serde_json::Value> = if only_flat {
        Vec::new()
    } else {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect()
    };
    let flat: Vec<adsigma::engine::json::JsonEvent<'_>> = text
        .lines()
        .map(|l| adsigma::engine::json::JsonEvent::parse(l).expect("JSON"))
        .collect();
    let t = Instant::now();
    let mut leaves = 0usize;
    for _ in 0..reps {
        for e in &events {
            adsigma::Event::walk(e, &mut |p, _v| leaves += p.len());
        }
    }
    eprintln!(
        "walk only: {:.0} events/s ({leaves})",
        (events.len() * reps) as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let pack = adsigma::RulePack::load("../shared/corpus/sigma/rules").expect("corpus");
    let loaded = t.elapsed();
    let rss_pack = rss_mb();
    // NO_PIPELINES=1: no shipped pipeline recognises (and routes) the events.
    let engine = adsigma::Engine::builder()
        .default_pipelines(std::env::var_os("NO_PIPELINES").is_none())
        .build(&pack)
        .expect("compiles");
    eprintln!("load {:?}, load+compile {:?}", loaded, t.elapsed());
    let rss_pack_and_engine = rss_mb();
    drop(pack);
    eprintln!("resident after loading the pack: {rss_pack:.1} MB");
    eprintln!(
        "resident: pack+engine {rss_pack_and_engine:.1} MB, engine alone (pack dropped) {:.1} MB, before loading {rss_start:.1} MB",
        rss_mb()
    );
    let mut scratch = adsigma::Scratch::new();
    let mut hits = Vec::new();
    if only_flat {
        let t = Instant::now();
        let mut m = 0;
        for _ in 0..reps {
            for e in &flat {
                hits.clear();
                engine.evaluate_into(e, ls.as_ref(), &mut scratch, &mut hits);
                m += hits.len();
            }
        }
        let n = (flat.len() * reps) as f64;
        eprintln!(
            "eval only (JsonEvent): {:.0} events/s, {:.2} matches/event",
            n / t.elapsed().as_secs_f64(),
            m as f64 / n
        );
        return;
    }
    let (mut matches, mut candidates) = (0usize, 0usize);
    let t = Instant::now();
    for _ in 0..reps {
        for e in &events {
            hits.clear();
            engine.evaluate_into(e, ls.as_ref(), &mut scratch, &mut hits);
            matches += hits.len();
            candidates += scratch.last_candidates();
        }
    }
    eprintln!(
        "resident after evaluating (automata of the fields seen built): {:.1} MB",
        rss_mb()
    );
    let n = (events.len() * reps) as f64;
    eprintln!(
        "eval only (serde_json::Value): {:.0} events/s",
        n / t.elapsed().as_secs_f64()
    );
    let lines: Vec<&str> = text.lines().collect();
    let t = Instant::now();
    for _ in 0..reps {
        for l in &lines {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            std::hint::black_box(&v);
        }
    }
    eprintln!(
        "parse only, Value: {:.0} events/s",
        n / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    for _ in 0..reps {
        for l in &lines {
            let v = adsigma::engine::json::JsonEvent::parse(l).expect("JSON");
            std::hint::black_box(&v);
        }
    }
    eprintln!(
        "parse only, JsonEvent: {:.0} events/s",
        n / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    for _ in 0..reps {
        for l in &lines {
            let v = adsigma::engine::json::JsonEvent::parse_with_serde(l).expect("JSON");
            std::hint::black_box(&v);
        }
    }
    eprintln!(
        "parse only, JsonEvent through serde_json: {:.0} events/s",
        n / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut m2 = 0usize;
    for _ in 0..reps {
        for l in &lines {
            let v = adsigma::engine::json::JsonEvent::parse(l).expect("JSON");
            hits.clear();
            engine.evaluate_into(&v, ls.as_ref(), &mut scratch, &mut hits);
            m2 += hits.len();
        }
    }
    assert_eq!(m2, matches);
    eprintln!(
        "parse+eval, JsonEvent: {:.0} events/s",
        n / t.elapsed().as_secs_f64()
    );
    eprintln!(
        "{:.0} events/s, {:.2} matches/event, {:.2} candidates/event",
        n / t.elapsed().as_secs_f64(),
        matches as f64 / n,
        candidates as f64 / n
    );
}

/// Resident set size in MB (Linux), 0 elsewhere.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |pages| pages * 4096.0 / 1e6)
}
