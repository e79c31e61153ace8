//! What the tests of `duanka serve` as a process share: the binary, free ports, a
//! one-request HTTP/1.1 client, a server started and killed, signing in.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub fn duanka() -> Command {
    Command::new(env!("CARGO_BIN_EXE_duanka"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request on its own connection: status, headers, body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes())?;
    // Read to the end of the body its length names: not every server closes the
    // connection when asked to.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let (head, body_start) = loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break (String::from_utf8_lossy(&raw).to_string(), raw.len());
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(k) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&raw[..k]).to_string(), k + 4);
        }
    };
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    match length {
        Some(n) => {
            while raw.len() < body_start + n {
                let k = s.read(&mut buf)?;
                if k == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..k]);
            }
        }
        None => {
            s.read_to_end(&mut raw)?;
        }
    }
    let rest = String::from_utf8_lossy(&raw[body_start.min(raw.len())..]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_string(), rest.to_string()))
}

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn start(db: &str) -> Server {
        Server::start_with(db, &[])
    }

    /// Starts `duanka serve` on a free port with `extra` flags, and waits until it
    /// accepts connections.
    pub fn start_with(db: &str, extra: &[&str]) -> Server {
        let port = free_port();
        let child = duanka()
            .args([
                "serve",
                "--log",
                "warn",
                "--db",
                db,
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, port }
    }

    pub fn kill(mut self) {
        // SIGKILL: no chance to flush or close anything.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in: the cookie and the CSRF token.
pub fn login(port: u16, name: &str, password: &str) -> (String, String) {
    let (status, head, body) = http(
        port,
        "POST",
        "/api/login",
        &[],
        Some(&json!({"name": name, "password": password})),
    )
    .unwrap();
    assert_eq!(status, 200, "{head}\n{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let v: Value = serde_json::from_str(&body).unwrap();
    (cookie, v["csrf_token"].as_str().unwrap().to_string())
}

pub fn call(
    port: u16,
    s: &(String, String),
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (status, _, text) = http(
        port,
        method,
        path,
        &[("Cookie", &s.0), ("X-CSRF-Token", &s.1)],
        body,
    )
    .unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub const PASSWORD: &str = "a long enough password";

pub fn add_admin(db: &str) {
    let mut c = duanka()
        .args(["user", "add", "adm", "--role", "admin", "--db", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = c.wait_with_output().unwrap();
    assert!(out.status.success());
}

pub fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("duanka-serve-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `duanka simulate`: a day of 20,000 subscribers with the chain planted (every output
/// file of a scan of it has contents), as `format` (`csv` or `parquet`), into `out`.
pub fn simulate_day(out: &std::path::Path, seed: u64, format: &str) {
    let o = duanka()
        .args([
            "simulate",
            "--subscribers",
            "20000",
            "--days",
            "1",
            "--seed",
        ])
        .arg(seed.to_string())
        .args(["--format", format, "--quiet", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}
