//! Prints how the SMS classifier does on a labelled set of real messages:
//! `cargo run --release -p duanka-model --example otp_eval -- LABELLED.tsv [--wrong]`
//! (`bench/otp-text.sh` builds the set and runs this). Per split (dev, test): precision,
//! recall and F1 of `is_otp` per language and per source, and the share of signed OTPs
//! whose service is named; with `--wrong`, every message it gets wrong. Then the
//! classifier's time per message over the whole set.

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
    // Time per message: the whole set, repeated until a second has passed.
    let texts: Vec<&str> = set.iter().map(|m| m.text.as_str()).collect();
    let start = Instant::now();
    let (mut n, mut hits) = (0usize, 0usize);
    while start.elapsed().as_secs_f64() < 1.0 {
        for t in &texts {
            hits += usize::from(std::hint::black_box(sms::is_otp(t)));
            hits += usize::from(std::hint::black_box(sms::service(t)).is_some());
        }
        n += texts.len();
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    println!("\nis_otp + service: {ns:.0} ns per message over {n} messages ({hits} hits)");
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
