//! Prints how the SMS classifier does on a labelled set of real messages:
//! `cargo run --release -p duanka-model --example otp_eval -- LABELLED.tsv [--wrong]`
//! (`bench/otp-text.sh` builds the set and runs this). Per split (dev, test): precision,
//! recall and F1 of `is_otp` per language and per source, and the share of signed OTPs
//! whose service is named; with `--wrong`, every message it gets wrong. Then the
//! classifier's time per message over the whole set. With `--time TEXTS` instead, only
//! the time per message over a file of one message a line (any traffic mix).

#[allow(dead_code)]
#[path = "../tests/common/otp_score.rs"]
mod otp_score;

use std::time::Instant;

use duanka_model::sms;
use otp_score::{Counts, parse, score};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: otp_eval LABELLED.tsv [--wrong]");
        std::process::exit(2);
    };
    let tsv = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    if args.iter().any(|a| a == "--time") {
        time(&tsv.lines().collect::<Vec<_>>());
        return;
    }
    let set = parse(&tsv);
    let show_wrong = args.iter().any(|a| a == "--wrong");
    for split in ["dev", "test"] {
        let part: Vec<&otp_score::Labelled> = set.iter().filter(|m| m.split == split).collect();
        println!("\n== {split}: {} messages", part.len());
        for (title, by_lang) in [("language", true), ("source", false)] {
            let table = score(
                part.iter().copied(),
                |m| {
                    if by_lang {
                        m.lang.clone()
                    } else {
                        m.source.clone()
                    }
                },
                |m, why| {
                    if show_wrong && by_lang {
                        println!(
                            "  {why}: [{}] {} (service {:?})",
                            m.lang,
                            m.text,
                            sms::service(&m.text)
                        );
                    }
                },
            );
            println!(
                "| {title} | messages | OTPs | false alarms | precision | recall | F1 | signed OTPs | service named |"
            );
            println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            let mut all = Counts::default();
            for (k, c) in &table {
                row(k, c);
                all.tp += c.tp;
                all.fp += c.fp;
                all.fn_ += c.fn_;
                all.tn += c.tn;
                all.signed += c.signed;
                all.named += c.named;
            }
            row("all", &all);
        }
    }
    time(&set.iter().map(|m| m.text.as_str()).collect::<Vec<_>>());
}

/// Time per message of `is_otp` alone and of `is_otp` and `service` together, over the
/// texts repeated until a second has passed (the median of five such runs).
fn time(texts: &[&str]) {
    for (what, with_service) in [("is_otp", false), ("is_otp + service", true)] {
        let mut runs = Vec::new();
        let mut hits = 0usize;
        for _ in 0..5 {
            let start = Instant::now();
            let mut n = 0usize;
            while start.elapsed().as_secs_f64() < 1.0 {
                for t in texts {
                    hits += usize::from(std::hint::black_box(sms::is_otp(t)));
                    if with_service {
                        hits += usize::from(std::hint::black_box(sms::service(t)).is_some());
                    }
                }
                n += texts.len();
            }
            runs.push(start.elapsed().as_nanos() as f64 / n as f64);
        }
        runs.sort_by(f64::total_cmp);
        println!(
            "{what}: {:.0} ns per message (median of 5 one-second runs over {} messages; {hits} hits)",
            runs[2],
            texts.len()
        );
    }
}

fn row(k: &str, c: &Counts) {
    println!(
        "| {k} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {} | {:.3} |",
        c.tp + c.fp + c.fn_ + c.tn,
        c.otps(),
        c.fp,
        c.precision(),
        c.recall(),
        c.f1(),
        c.signed,
        c.service_rate()
    );
}
