//! `adsigma scan --rules PATH [--rules PATH ...] [INPUT ...]`: evaluate events against a rule
//! pack and print one line per match. Contract (shapes, options, exit codes) in CLI.md.
//!
//! The pipeline: one thread reads the inputs and cuts them into batches of events
//! ([`input`]); `--threads` workers parse and evaluate batches ([`eval`]); one writer puts
//! the results back in input order and writes them ([`Emitter`]). With `--threads 1` the same
//! steps run one after the other on the main thread. Batches in flight are bounded, so memory
//! stays bounded whatever the input's size.

mod eval;
mod input;
mod output;
mod select;

use adsigma::{Engine, Level, Limits, LogSource, RulePack, Status, UnresolvedPlaceholders};
use clap::Args;
use eval::{Outcome, Profile, Settings, Worker};
use input::{Batch, Input, Reader};
use output::ScanFormat;
use select::Selection;
use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const STATUS_DEFAULT: &str = "stable,test,experimental";

/// Arguments of `scan`.
#[derive(Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct ScanArgs {
    /// Rule files or directories (recursively, .yml and .yaml); repeatable. A pack with an
    /// error, or a selected rule that does not compile, is fatal (exit 1): a scan never runs
    /// with fewer rules than asked for without saying so (`adsigma check` lists the problems).
    #[arg(long = "rules", value_name = "PATH", required = true)]
    rules: Vec<PathBuf>,
    /// Event files or directories (recursively, in path order: files ending in .json, .jsonl,
    /// .ndjson, .jsonlines or .log, each optionally .gz or .zst); `-` or none: standard input.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Worker threads [default: all cores]. Output order is input order whatever the number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Route every event as this logsource: only rules whose logsource fits are evaluated, and
    /// matches carry a `logsource` object.
    #[arg(long, value_name = "product=X,category=Y,service=Z", value_parser = parse_logsource)]
    logsource: Option<LogSource>,
    /// A processing pipeline, by shipped name (`adsigma pipelines`) or file; repeatable. One
    /// with recognisers applies to the events it recognises, one without to every rule.
    #[arg(long, value_name = "NAME|FILE")]
    pipeline: Vec<String>,
    /// Do not use the shipped pipelines, which otherwise recognise Falco, Tetragon,
    /// Kubernetes audit, Docker, ECS, Sysmon for Linux and auditd events, give them their
    /// logsource and map the rules' fields to theirs.
    #[arg(long)]
    no_default_pipelines: bool,
    /// Only rules of this level or above (a rule without a level counts as informational).
    #[arg(long, value_name = "LEVEL", value_parser = select::parse_level)]
    min_level: Option<Level>,
    /// Only rules with one of these statuses (comma-separated); a rule without a status is
    /// always selected.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = STATUS_DEFAULT,
          value_parser = select::parse_status)]
    status: Vec<Status>,
    /// Only rules with a tag matching this glob (`*`, `?`; case-insensitive); repeatable: any
    /// of them.
    #[arg(long = "tag", value_name = "GLOB")]
    tags: Vec<String>,
    /// Only the rule with this id; repeatable: any of them.
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Write matches to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Jsonl)]
    format: ScanFormat,
    /// Add the event itself to each match (`"event"`; its original key order, without
    /// whitespace).
    #[arg(long)]
    include_event: bool,
    /// The first bad event is fatal (exit 1) instead of reported and skipped.
    #[arg(long)]
    strict: bool,
    /// Print one line of counts and timings to standard error at the end.
    #[arg(long)]
    stats: bool,
    /// Print per-rule match counts and timings to standard error at the end (see below).
    #[arg(long)]
    profile: bool,
    /// Values for an `expand` placeholder (`%NAME%`); repeatable, values add up. A rule with a
    /// placeholder no value is given for is skipped with a warning.
    #[arg(long = "placeholder", value_name = "NAME=VALUE", value_parser = crate::common::parse_placeholder)]
    placeholders: Vec<(String, String)>,
    /// Exit with 3 when anything matched.
    #[arg(long)]
    fail_on_match: bool,
    /// Longest JSON Lines line, and longest single event of an array or document, in bytes
    /// (suffixes K, M, G: binary). A longer one is a bad event, reported and skipped without
    /// being held in memory.
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    max_line_bytes: usize,
}

const AFTER_HELP: &str = "\
Inputs:
  JSON Lines, one JSON array of events, or JSON documents (pretty-printed or not, one or
  several), told apart by content; .gz and .zst by extension (standard input by its magic
  bytes). Every form is read as a stream: memory does not grow with the input's size. An
  event's position is its file and the 1-based line where it starts. A bad event (invalid
  JSON, invalid UTF-8, a NUL byte, nesting deeper than 128, not an object, too long, a
  truncated or unreadable rest of a file) is reported as FILE:LINE: error: MESSAGE on
  standard error and skipped; blank lines are not events.

--stats prints, on standard error:
  stats: events=N matches=M bad_events=K rules=R compile_ms=C elapsed_ms=T events_per_s=E
  events: events evaluated (bad events not included); rules: rules selected and compiled;
  compile_ms: loading and compiling the rules; elapsed_ms: reading, parsing, evaluating and
  writing, after compiling; events_per_s: events / elapsed.

--profile prints, on standard error, how the evaluation time splits: parsing events; the
  shared pass (Engine::evaluate_into), which tests every selected rule at once through
  per-field automata and so cannot be split between rules honestly; and, per rule, its
  matches and the time spent confirming and explaining them (Engine::details, timed call by
  call), slowest first. Times add up over threads.

Exit status: 0 the input was scanned (bad events are counted, not fatal); 1 a fatal error
  (rules that do not load or compile, an input that cannot be opened, an output that cannot
  be written, a bad event under --strict); 2 bad usage; 3 with --fail-on-match when anything
  matched.";

fn parse_logsource(s: &str) -> Result<LogSource, String> {
    let ls = LogSource::parse(s)?;
    if ls == LogSource::default() {
        return Err("give at least one of product=, category=, service=".to_owned());
    }
    Ok(ls)
}

fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.as_bytes().last().map(u8::to_ascii_uppercase) {
        Some(b'K') => (&t[..t.len() - 1], 1usize << 10),
        Some(b'M') => (&t[..t.len() - 1], 1 << 20),
        Some(b'G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    let n: usize = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 1048576, 64K, 16M)"))?;
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(format!("`{s}` is not a usable size")),
    }
}

/// Runs `scan`.
pub fn run(args: &ScanArgs) -> ExitCode {
    let compile_started = Instant::now();
    let engine = match build_engine(args) {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let compile_time = compile_started.elapsed();

    let inputs = match input::expand(&args.inputs) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(io::BufWriter::with_capacity(1 << 16, f)),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(1);
            }
        },
        None => Box::new(io::BufWriter::with_capacity(1 << 16, io::stdout())),
    };
    let settings = Settings {
        logsource: args.logsource.clone(),
        format: args.format,
        include_event: args.include_event,
        strict: args.strict,
        profile: args.profile,
    };
    let threads = threads(args);
    let bytes_read = Arc::new(AtomicU64::new(0));
    let progress = (io::stderr().is_terminal() && inputs.iter().all(|i| i.path.is_some()))
        .then(|| Progress::new(inputs.iter().filter_map(|i| i.size).sum(), &bytes_read));

    let scan_started = Instant::now();
    let mut emitter = Emitter::new(out, &inputs, args.strict, progress);
    emitter.correlate(&engine, args.format);
    let mut feeder = Feeder {
        inputs: &inputs,
        next: 0,
        current: None,
        max_line_bytes: args.max_line_bytes,
        bytes_read,
        fatal: None,
    };
    let profile = if threads <= 1 {
        scan_inline(&engine, &settings, &mut feeder, &mut emitter)
    } else {
        scan_parallel(&engine, &settings, &mut feeder, &mut emitter, threads)
    };
    let fatal = emitter.finish().or(feeder.fatal.take());
    let elapsed = scan_started.elapsed();

    if let Some(message) = &fatal {
        eprintln!("error: {message}");
    }
    if args.stats {
        let secs = elapsed.as_secs_f64().max(1e-9);
        eprintln!(
            "stats: events={} matches={} bad_events={} rules={} compile_ms={} elapsed_ms={} events_per_s={}",
            emitter.events,
            emitter.matches,
            emitter.bad,
            engine.len(),
            compile_time.as_millis(),
            elapsed.as_millis(),
            (emitter.events as f64 / secs).round() as u64,
        );
    }
    if args.profile {
        print_profile(&engine, &profile, emitter.events, elapsed);
    }
    let code = if fatal.is_some() {
        ExitCode::from(1)
    } else if args.fail_on_match && emitter.matches > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    };
    drop(emitter);
    // The process ends here: freeing the compiled rules one allocation at a time (~47M
    // instructions for the SigmaHQ corpus, 7% of start-up) buys nothing.
    std::mem::forget(engine);
    code
}

/// The worker threads `--threads` asks for (all cores by default).
fn threads(args: &ScanArgs) -> usize {
    args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

/// Loads the rules and compiles the selected ones; errors are printed, the exit code returned.
fn build_engine(args: &ScanArgs) -> Result<Engine, ExitCode> {
    let pipelines = crate::common::load_pipelines(&args.pipeline)?;
    // The rule files are read and parsed on as many threads as the scan uses.
    let pack = match RulePack::load_parallel(&args.rules, &Limits::default(), threads(args)) {
        Ok(pack) => pack,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(1));
        }
    };
    let name = |d: &adsigma::Diagnostic| pack.sources().path(d.span().file).display().to_string();
    if pack.has_errors() {
        let errors: Vec<_> = pack.errors().collect();
        for d in &errors {
            eprintln!("{}:{d}", name(d));
        }
        eprintln!(
            "error: the rules do not load ({} error(s)); `adsigma check` shows them in full",
            errors.len()
        );
        return Err(ExitCode::from(1));
    }
    let selection = Selection {
        min_level: args.min_level,
        statuses: args.status.clone(),
        tags: args.tags.clone(),
        ids: args.ids.clone(),
    };
    let mut builder = Engine::builder()
        .default_pipelines(!args.no_default_pipelines)
        .unresolved_placeholders(UnresolvedPlaceholders::SkipRule)
        .skip_invalid_rules(false)
        .threads(threads(args))
        .rule_filter(move |r| selection.keep(r));
    // Routed with --logsource, only the rules that fit it (after the pipelines) can match:
    // only they compile.
    if let Some(ls) = &args.logsource {
        builder = builder.only_logsource(ls.clone());
    }
    for (name, value) in &args.placeholders {
        builder = builder.placeholder(name, [value.as_str()]);
    }
    for p in pipelines {
        builder = builder.pipeline(p);
    }
    let engine = match builder.build(&pack) {
        Ok(engine) => engine,
        Err(adsigma::Error::Rules { diagnostics }) => {
            for d in &diagnostics {
                eprintln!("{}:{d}", name(d));
            }
            eprintln!("error: a selected rule does not compile");
            return Err(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(1));
        }
    };
    for d in engine.warnings() {
        // The engine says the rule is skipped (E102 under the skip policy); say it if not.
        let tail = if d.message.contains("skipped") {
            ""
        } else {
            "; the rule is skipped"
        };
        eprintln!("{}:{d}{tail}", name(d));
    }
    for id in &args.ids {
        let found = (0..engine.len()).any(|i| {
            engine
                .rule(i)
                .and_then(|r| r.id.as_deref())
                .is_some_and(|rid| rid.eq_ignore_ascii_case(id))
        });
        if !found {
            eprintln!("warning: --id {id} selects no rule");
        }
    }
    if engine.is_empty() {
        eprintln!("warning: no rule is selected: nothing can match");
    }
    // The engine holds what it needs of the rules; the parsed pack is not freed one
    // allocation at a time (~40M instructions for the SigmaHQ corpus, 6% of start-up) when
    // the process will end after the scan. Its memory stays resident, as it was at the
    // peak (loading and compiling) anyway.
    std::mem::forget(pack);
    Ok(engine)
}

/// Reads the inputs one after the other, cutting them into batches.
struct Feeder<'a> {
    inputs: &'a [Input],
    next: usize,
    current: Option<(usize, Reader)>,
    max_line_bytes: usize,
    bytes_read: Arc<AtomicU64>,
    /// An input that could not be opened: the scan stops there.
    fatal: Option<String>,
}

impl Feeder<'_> {
    /// The next batch with something in it, or `None` at the end (or after a fatal error).
    fn next_batch(&mut self) -> Option<Batch> {
        loop {
            if self.current.is_none() {
                let index = self.next;
                let input = self.inputs.get(index)?;
                self.next += 1;
                match input::open(input, Arc::clone(&self.bytes_read)) {
                    Ok(raw) => self.current = Some((index, Reader::new(raw, self.max_line_bytes))),
                    Err(e) => {
                        self.fatal = Some(format!("cannot read {}: {e}", input.name));
                        self.next = self.inputs.len();
                        return None;
                    }
                }
            }
            let (index, reader) = self.current.as_mut()?;
            let mut batch = Batch {
                input: *index,
                ..Batch::default()
            };
            if !reader.fill(&mut batch) {
                self.current = None;
            }
            if !batch.items.is_empty() {
                return Some(batch);
            }
        }
    }
}

fn names(inputs: &[Input]) -> Vec<String> {
    inputs.iter().map(|i| i.name.clone()).collect()
}

/// `--threads 1`: read, evaluate and write on this thread.
fn scan_inline(
    engine: &Engine,
    settings: &Settings,
    feeder: &mut Feeder<'_>,
    emitter: &mut Emitter<'_>,
) -> Profile {
    let names = names(feeder.inputs);
    let mut worker = Worker::new(engine, settings, &names);
    let mut seq = 0;
    while let Some(batch) = feeder.next_batch() {
        let outcome = worker.process_guarded(seq, batch);
        seq += 1;
        if !emitter.emit(outcome) {
            break;
        }
    }
    worker.profile
}

/// `--threads N`: this thread reads; N workers evaluate; a writer thread restores input order.
fn scan_parallel(
    engine: &Engine,
    settings: &Settings,
    feeder: &mut Feeder<'_>,
    emitter: &mut Emitter<'_>,
    threads: usize,
) -> Profile {
    let names = names(feeder.inputs);
    let stop = AtomicBool::new(false);
    // Batches in flight (read, not yet written) are bounded by these tokens.
    let in_flight = threads * 2 + 2;
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = token_tx.send(());
    }
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Batch)>(threads);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Outcome>();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let done_tx = done_tx.clone();
                let (work_rx, names) = (&work_rx, &names);
                s.spawn(move || {
                    let mut worker = Worker::new(engine, settings, names);
                    loop {
                        let next = work_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok((seq, batch))) = next else { break };
                        if done_tx.send(worker.process_guarded(seq, batch)).is_err() {
                            break;
                        }
                    }
                    worker.profile
                })
            })
            .collect();
        drop(done_tx);
        let stop = &stop;
        let writer = s.spawn(move || {
            let mut waiting = BTreeMap::new();
            let mut next = 0u64;
            let mut going = true;
            for outcome in done_rx {
                waiting.insert(outcome.seq, outcome);
                while let Some(outcome) = waiting.remove(&next) {
                    next += 1;
                    if going && !emitter.emit(outcome) {
                        going = false;
                        stop.store(true, Ordering::Relaxed);
                    }
                    let _ = token_tx.send(());
                }
            }
        });
        let mut seq = 0;
        while token_rx.recv().is_ok() && !stop.load(Ordering::Relaxed) {
            let Some(batch) = feeder.next_batch() else {
                break;
            };
            if work_tx.send((seq, batch)).is_err() {
                break;
            }
            seq += 1;
        }
        drop(work_tx);
        let mut profile = Profile::default();
        for w in workers {
            if let Ok(p) = w.join() {
                profile.merge(&p);
            }
        }
        let _ = writer.join();
        profile
    })
}

/// Writes outcomes in order: matches to the output, bad events to standard error; counts.
struct Emitter<'a> {
    out: Box<dyn Write + Send>,
    inputs: &'a [Input],
    strict: bool,
    progress: Option<Progress>,
    events: u64,
    matches: u64,
    bad: u64,
    fatal: Option<String>,
    /// The output went away (a closed pipe): stop quietly.
    closed: bool,
    /// The correlations of the pack, run in input order.
    correlator: Option<Correlating>,
}

/// What the emitter needs to run correlations.
struct Correlating {
    engine: Engine,
    state: adsigma::correlation::Correlator<output::EventAt>,
    names: Vec<String>,
    format: ScanFormat,
}

impl<'a> Emitter<'a> {
    fn new(
        out: Box<dyn Write + Send>,
        inputs: &'a [Input],
        strict: bool,
        progress: Option<Progress>,
    ) -> Self {
        Emitter {
            out,
            inputs,
            strict,
            progress,
            events: 0,
            matches: 0,
            bad: 0,
            fatal: None,
            closed: false,
            correlator: None,
        }
    }

    /// Runs the engine's correlations (if its pack has any) over the events in input order.
    fn correlate(&mut self, engine: &Engine, format: ScanFormat) {
        if let Some(set) = engine.correlations() {
            if set.is_empty() {
                return;
            }
            self.correlator = Some(Correlating {
                engine: engine.clone(),
                state: adsigma::correlation::Correlator::new(
                    set.clone(),
                    adsigma::CorrelatorConfig::default(),
                ),
                names: self.inputs.iter().map(|i| i.name.clone()).collect(),
                format,
            });
        }
    }

    /// Writes correlation matches; false when the output failed.
    fn write_correlations(&mut self, ms: Vec<adsigma::CorrelationMatch<output::EventAt>>) -> bool {
        let Some(c) = &self.correlator else {
            return true;
        };
        let mut buf = Vec::new();
        for m in &ms {
            match c.format {
                ScanFormat::Jsonl => output::correlation_line(&mut buf, m, &c.names, &c.engine),
                ScanFormat::Human => output::correlation_human(&mut buf, m, &c.names),
            }
        }
        self.matches += ms.len() as u64;
        if let Err(e) = self.out.write_all(&buf) {
            return self.write_failed(e);
        }
        true
    }

    /// Feeds the correlator the outcome's correlated events.
    fn observe(&mut self, input: usize, events: Vec<(u64, Vec<u8>, Vec<usize>)>) -> bool {
        for (line, bytes, rules) in events {
            let Some(c) = &mut self.correlator else {
                return true;
            };
            // The worker parsed these bytes already: they are one JSON object.
            let Ok(event) = eval::parse_event(&bytes, line) else {
                continue;
            };
            let found = match c.state.observe(&event, (input, line), &rules) {
                Ok(found) => found,
                Err(why) => {
                    eprintln!("{}:{line}: warning: {why}", self.inputs[input].name);
                    continue;
                }
            };
            if !found.is_empty() && !self.write_correlations(found) {
                return false;
            }
        }
        true
    }

    /// Writes one outcome; false when the scan must stop.
    fn emit(&mut self, o: Outcome) -> bool {
        if let Some(message) = o.panicked {
            self.fatal = Some(message);
            return false;
        }
        self.events += o.events;
        self.matches += o.matches;
        if let Err(e) = self.out.write_all(&o.out) {
            return self.write_failed(e);
        }
        if !o.correlate.is_empty() && !self.observe(o.input, o.correlate) {
            return false;
        }
        // Standard input may be a live stream (`tail -f ... | adsigma scan`): its matches go
        // out as soon as they are found.
        let live = self.inputs[o.input].path.is_none();
        if live || !o.bad.is_empty() {
            // Matches before a bad event are out before it is reported.
            if let Err(e) = self.out.flush() {
                return self.write_failed(e);
            }
        }
        if !o.bad.is_empty() {
            if let Some(p) = &mut self.progress {
                p.clear();
            }
            let name = &self.inputs[o.input].name;
            let stderr = io::stderr();
            let mut err = stderr.lock();
            for (line, message) in &o.bad {
                self.bad += 1;
                let _ = writeln!(err, "{name}:{line}: error: {message}");
                if self.strict {
                    self.fatal = Some(format!("{name}:{line}: a bad event (--strict)"));
                    return false;
                }
            }
        }
        if let Some(p) = &mut self.progress {
            p.tick(self.events, self.matches);
        }
        true
    }

    fn write_failed(&mut self, e: io::Error) -> bool {
        if e.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true;
        } else {
            self.fatal = Some(format!("cannot write the output: {e}"));
        }
        false
    }

    /// Closes the correlation windows, flushes; the fatal error, if any.
    fn finish(&mut self) -> Option<String> {
        if let Some(p) = &mut self.progress {
            p.clear();
        }
        if !self.closed && self.fatal.is_none() {
            if let Some(c) = &mut self.correlator {
                let last = c.state.flush();
                self.write_correlations(last);
            }
        }
        if !self.closed {
            if let Err(e) = self.out.flush() {
                if e.kind() != io::ErrorKind::BrokenPipe && self.fatal.is_none() {
                    self.fatal = Some(format!("cannot write the output: {e}"));
                }
            }
        }
        self.fatal.take()
    }
}

/// A one-line progress report on standard error (only when it is a terminal and every input
/// is a file).
struct Progress {
    total: u64,
    read: Arc<AtomicU64>,
    started: Instant,
    last: Option<Instant>,
    shown: bool,
}

impl Progress {
    fn new(total: u64, read: &Arc<AtomicU64>) -> Self {
        Progress {
            total,
            read: Arc::clone(read),
            started: Instant::now(),
            last: None,
            shown: false,
        }
    }

    fn tick(&mut self, events: u64, matches: u64) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now - t < Duration::from_millis(200))
            || now - self.started < Duration::from_millis(500)
        {
            return;
        }
        self.last = Some(now);
        let read = self.read.load(Ordering::Relaxed);
        let pct = read
            .saturating_mul(100)
            .checked_div(self.total)
            .map_or(100, |p| p.min(100));
        let mib = |b: u64| b as f64 / (1u64 << 20) as f64;
        let rate = events as f64 / (now - self.started).as_secs_f64().max(1e-9);
        eprint!(
            "\r\x1b[Kscan: {pct:>3}% ({:.1} of {:.1} MiB), {events} events, {matches} matches, {:.0} events/s",
            mib(read),
            mib(self.total),
            rate
        );
        self.shown = true;
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}

fn print_profile(engine: &Engine, profile: &Profile, events: u64, elapsed: Duration) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let details: Duration = profile.rules.iter().map(|r| r.details).sum();
    eprintln!(
        "profile: events={events} rules={} elapsed_ms={:.1} parse_ms={:.1} shared_pass_ms={:.1} details_ms={:.1}",
        engine.len(),
        ms(elapsed),
        ms(profile.parse),
        ms(profile.evaluate),
        ms(details),
    );
    let mut rows: Vec<(usize, &eval::RuleStat)> = profile
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.matches > 0)
        .collect();
    rows.sort_by(|a, b| {
        b.1.details
            .cmp(&a.1.details)
            .then(b.1.matches.cmp(&a.1.matches))
            .then(a.0.cmp(&b.0))
    });
    if !rows.is_empty() {
        eprintln!(
            "profile: {:>10} {:>9} {:>13}  rule",
            "details_ms", "matches", "level"
        );
    }
    for (index, stat) in &rows {
        let Some(rule) = engine.rule(*index) else {
            continue;
        };
        eprintln!(
            "profile: {:>10.3} {:>9} {:>13}  {} ({})",
            ms(stat.details),
            stat.matches,
            rule.level.map_or("-", |l| l.as_str()),
            rule.title.escape_default(),
            rule.id.as_deref().unwrap_or("no id"),
        );
    }
    eprintln!(
        "profile: {} rule(s) matched nothing",
        engine.len() - rows.len()
    );
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
