//! An open-loop HTTP load generator for `bench/serve-load.sh`: requests leave at a fixed
//! rate whatever the server does, over keep-alive connections, and each latency is
//! counted from when its request was due (so a stalled server cannot hide its queue).
//!
//!   load URL TOKEN RATE SECONDS CONNECTIONS
//!
//! Prints one JSON line: requests, errors, achieved rate, latency percentiles in ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};

struct Target {
    host: String,
    path: String,
    token: String,
}

async fn connect(t: &Target) -> std::io::Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(&t.host).await?;
    s.set_nodelay(true)?;
    Ok(BufReader::new(s))
}

/// One request on a kept-alive connection; the status.
async fn request(c: &mut BufReader<TcpStream>, t: &Target) -> std::io::Result<u16> {
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
        t.path, t.host, t.token
    );
    c.get_mut().write_all(req.as_bytes()).await?;
    let mut line = String::new();
    c.read_line(&mut line).await?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        if c.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    c.read_exact(&mut body).await?;
    Ok(status)
}

fn arg(args: &[String], k: usize, what: &str) -> String {
    args.get(k).cloned().unwrap_or_else(|| {
        eprintln!("usage: load URL TOKEN RATE SECONDS CONNECTIONS (missing {what})");
        std::process::exit(2)
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, 1, "URL");
    let rest = url.strip_prefix("http://").unwrap_or(&url);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let target = Arc::new(Target {
        host: host.to_string(),
        path: format!("/{path}"),
        token: arg(&args, 2, "TOKEN"),
    });
    let num = |k: usize, what: &str| -> u64 {
        arg(&args, k, what).parse().unwrap_or_else(|_| {
            eprintln!("{what} must be a whole number");
            std::process::exit(2)
        })
    };
    let (rate, seconds, conns) = (num(3, "RATE"), num(4, "SECONDS"), num(5, "CONNECTIONS"));
    let total = rate * seconds;
    let (tx, rx) = mpsc::unbounded_channel::<Instant>();
    let rx = Arc::new(Mutex::new(rx));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(Duration, bool)>();
    for _ in 0..conns {
        let (rx, done, t) = (Arc::clone(&rx), done_tx.clone(), Arc::clone(&target));
        tokio::spawn(async move {
            let mut conn = connect(&t).await.ok();
            loop {
                let due = { rx.lock().await.recv().await };
                let Some(due) = due else { break };
                let ok = match conn.as_mut() {
                    Some(c) => matches!(request(c, &t).await, Ok(200)),
                    None => false,
                };
                if !ok {
                    conn = connect(&t).await.ok();
                }
                let _ = done.send((due.elapsed(), ok));
            }
        });
    }
    drop(done_tx);
    let start = Instant::now();
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let _ = tx.send(due);
    }
    drop(tx);
    let mut lat = Vec::with_capacity(total as usize);
    let mut errors = 0u64;
    while let Some((d, ok)) = done_rx.recv().await {
        if ok {
            lat.push(d.as_secs_f64() * 1e3);
        } else {
            errors += 1;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| {
        lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{{\"requests\": {total}, \"ok\": {}, \"errors\": {errors}, \"achieved_rps\": {:.0}, \"p50_ms\": {:.2}, \"p90_ms\": {:.2}, \"p99_ms\": {:.2}, \"max_ms\": {:.2}}}",
        lat.len(),
        lat.len() as f64 / wall,
        p(0.5),
        p(0.9),
        p(0.99),
        lat.last().copied().unwrap_or(f64::NAN)
    );
}
