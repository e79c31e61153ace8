//! The simulator without the command line's DataFusion build, for `bench/simulate.sh`:
//! `simulate SUBSCRIBERS DAYS SEED OUT [REFERENCE_DIR]`. It makes the same library call
//! as `duanka simulate` and prints the same first line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use duanka_sim::reference::Reference;
use duanka_sim::{Config, Format, simulate};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(subs), Some(days), Some(seed), Some(out)) = (
        args.first().and_then(|s| s.parse().ok()),
        args.get(1).and_then(|s| s.parse().ok()),
        args.get(2).and_then(|s| s.parse().ok()),
        args.get(3).map(PathBuf::from),
    ) else {
        eprintln!("usage: simulate SUBSCRIBERS DAYS SEED OUT [REFERENCE_DIR]");
        return ExitCode::from(2);
    };
    let reference = match Reference::for_dir(args.get(4).map(PathBuf::from).as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
    };
    let cfg = Config::new(subs, days, seed);
    let started = Instant::now();
    match simulate(&cfg, &reference, &out, Format::Csv, &|_, _| {}) {
        Ok(summary) => {
            let secs = started.elapsed().as_secs_f64();
            let total = summary.total_rows();
            println!(
                "wrote {total} rows to {} in {secs:.1} s ({:.0} rows/s)",
                out.display(),
                total as f64 / secs.max(1e-9)
            );
            for (t, n) in &summary.rows {
                println!("  {t:<14} {n:>12}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
