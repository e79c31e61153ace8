//! The analysts' pages in Debian's Chromium, driven through WebDriver (chromedriver):
//! sign in, triage three alerts with the keys, open a cluster's graph, reveal a number
//! with a purpose and find the reveal in the auditor's page, ask for an unmasked export
//! and see it wait for a supervisor. Screenshots of each page (1280×800 and 420×800) go
//! to `$CARGO_TARGET_DIR/web-screens/` for people to look at.
//!
//! Needs `chromium` and `chromedriver`; without them the test says so and passes, unless
//! `DUANKA_REQUIRE_BROWSER` is set (the test script sets it when they are installed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::*;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session over chromedriver's HTTP API.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    fn start(profile: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium().unwrap(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                     format!("--user-data-dir={}", profile.display()), "--window-size=1280,800"]}}}});
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
        };
        let v = b.wd("POST", "/session", Some(&caps));
        b.session = v["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_string();
        b
    }

    fn wd(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, _, text) = http(self.port, method, path, &[], body).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status == 200, "WebDriver {method} {path}: {status} {text}");
        v["value"].clone()
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    fn go(&self, url: &str) {
        self.wd("POST", &self.s("/url"), Some(&json!({"url": url})));
    }

    fn js(&self, script: &str) -> Value {
        self.wd(
            "POST",
            &self.s("/execute/sync"),
            Some(&json!({"script": script, "args": []})),
        )
    }

    /// The first element matching `css`, waiting up to 15 s for it.
    fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let (status, _, text) = http(
                self.port,
                "POST",
                &self.s("/element"),
                &[],
                Some(&json!({"using": "css selector", "value": css})),
            )
            .unwrap();
            if status == 200 {
                let v: Value = serde_json::from_str(&text).unwrap();
                return v["value"][ELEMENT].as_str().unwrap().to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no {css} on the page"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `script` (an expression) is true.
    fn until(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.js(&format!("return !!({script});")) != json!(true) {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "waited in vain for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.wd(
            "POST",
            &self.s(&format!("/element/{e}/click")),
            Some(&json!({})),
        );
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.wd(
            "POST",
            &self.s(&format!("/element/{e}/value")),
            Some(&json!({"text": text})),
        );
    }

    /// One key pressed on whatever has the focus (the page's keyboard triage).
    fn key(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
        self.wd("POST", &self.s("/actions"), Some(&actions));
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.wd("GET", &self.s(&format!("/element/{e}/text")), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn size(&self, width: u32, height: u32) {
        self.wd(
            "POST",
            &self.s("/window/rect"),
            Some(&json!({"width": width, "height": height})),
        );
    }

    /// Saves a screenshot of the page at 1280×800 and at 420×800, after checking that
    /// the page has thrown nothing and the policy refused nothing.
    fn shots(&self, dir: &Path, name: &str) {
        let errors = self.js("return window.duankaErrors || ['the page script did not run'];");
        assert_eq!(errors, json!([]), "errors on the {name} page");
        for (w, tag) in [(1280, "wide"), (420, "narrow")] {
            self.size(w, 800);
            std::thread::sleep(Duration::from_millis(300));
            let png = self.wd("GET", &self.s("/screenshot"), None);
            let bytes = decode_base64(png.as_str().unwrap());
            std::fs::write(dir.join(format!("{name}-{tag}.png")), bytes).unwrap();
        }
        self.size(1280, 800);
    }

    fn sign_in(&self, base: &str, name: &str) {
        // A new sign-in replaces whatever session the browser held.
        self.wd("DELETE", &self.s("/cookie"), None);
        self.go(&format!("{base}/"));
        self.type_into("#signin-name", name);
        self.type_into("#signin-password", PASSWORD);
        self.click("#signin-submit");
        self.until(
            "the header after sign-in",
            "!document.getElementById('top').hidden",
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                &[],
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn chromium() -> Option<String> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .find(|p| Path::new(p).exists())
        .map(|p| p.to_string())
}

fn have_browser() -> bool {
    let driver = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_ok();
    if driver && chromium().is_some() {
        return true;
    }
    assert!(
        std::env::var("DUANKA_REQUIRE_BROWSER").is_err(),
        "DUANKA_REQUIRE_BROWSER is set but chromium or chromedriver is missing"
    );
    eprintln!("browser test skipped: chromium and chromedriver are needed");
    false
}

fn screens_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target")
            .display()
            .to_string()
    });
    let dir = Path::new(&target).join("web-screens");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_pages_triage_reveal_and_export_in_chromium() {
    if !have_browser() {
        return;
    }
    let dir = scratch("web");
    let db = dir.join("cases.db").display().to_string();
    add_admin(&db);
    let server = Server::start(&db);
    let port = server.port;
    let base = format!("http://127.0.0.1:{port}");
    let adm = login(port, "adm", PASSWORD);
    let scan = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/web-scan");
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tiny");
    let (s, v) = call(
        port,
        &adm,
        "POST",
        "/api/scans/import",
        Some(&json!({"path": scan.display().to_string(), "dataset": tiny.display().to_string()})),
    );
    assert_eq!(s, 200, "{v}");
    for (name, role) in [
        ("ana", "analyst"),
        ("sam", "supervisor"),
        ("aud", "auditor"),
    ] {
        let (s, v) = call(
            port,
            &adm,
            "POST",
            "/api/users",
            Some(&json!({"name": name, "role": role, "password": PASSWORD})),
        );
        assert_eq!(s, 200, "{v}");
    }
    let shots = screens_dir();
    let b = Browser::start(&dir.join("profile"));

    // Sign in; the header says who and which role.
    b.go(&format!("{base}/"));
    b.find("#signin-name");
    b.shots(&shots, "signin");
    b.sign_in(&base, "ana");
    assert_eq!(b.text("#whoami"), "ana · analyst");
    b.find("table#queue tbody tr");
    b.shots(&shots, "queue");
    let masked = b.js("return document.querySelector('table#queue').innerText;");
    let masked = masked.as_str().unwrap();
    assert!(
        masked.contains("86133****5678") && !masked.contains("8613312345678"),
        "{masked}"
    );

    // Three alerts triaged with the keys: confirm the first, skip one, duplicate the
    // next, dismiss the one after with its reason.
    let ids: Vec<i64> = serde_json::from_value(b.js(
        "return [...document.querySelectorAll('table#queue tbody tr')].map(r => Number(r.dataset.id));",
    ))
    .unwrap();
    assert!(ids.len() >= 5, "{ids:?}");
    b.key("?");
    b.until("the key list", "document.getElementById('dialog').open");
    b.shots(&shots, "keys");
    b.click("#dialog-cancel");
    b.key("c");
    b.until(
        "the first alert to leave the queue",
        &format!("!document.querySelector('tr[data-id=\"{}\"]')", ids[0]),
    );
    b.key("j");
    b.until("the cursor on the second row", "document.querySelectorAll('tr.current')[0] === document.querySelectorAll('table#queue tbody tr')[1]");
    b.key("u");
    b.until(
        "the duplicate to leave the queue",
        &format!("!document.querySelector('tr[data-id=\"{}\"]')", ids[2]),
    );
    b.key("d");
    b.until("the reason asked", "document.getElementById('dialog').open");
    b.type_into("#dialog-body textarea", "the shop's own test line");
    b.click("#dialog-ok");
    b.until(
        "three alerts out of the queue",
        &format!(
            "document.querySelectorAll('table#queue tbody tr').length === {}",
            ids.len() - 3
        ),
    );
    let sam = login(port, "sam", PASSWORD);
    let (_, closed) = call(
        port,
        &sam,
        "GET",
        "/api/alerts?status=closed&assignee=any",
        None,
    );
    let dispositions: Vec<(i64, String)> = closed["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_i64().unwrap(),
                a["disposition"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(dispositions.len(), 3, "{dispositions:?}");
    assert!(
        dispositions.contains(&(ids[0], "confirmed".into())),
        "{dispositions:?}"
    );
    assert!(
        dispositions.contains(&(ids[2], "duplicate".into())),
        "{dispositions:?}"
    );
    let d = dispositions
        .iter()
        .find(|(_, d)| d == "dismissed")
        .expect("a dismissal");
    let (_, one) = call(port, &sam, "GET", &format!("/api/alerts/{}", d.0), None);
    assert_eq!(one["alert"]["reason"], "the shop's own test line");

    // A case, then a reveal for it, with its purpose.
    let sink = ids
        .iter()
        .copied()
        .find(|i| {
            let (_, a) = call(port, &sam, "GET", &format!("/api/alerts/{i}"), None);
            a["alert"]["detector"] == "otp_sink" && a["alert"]["status"] != "closed"
        })
        .expect("the sink still open");
    b.go(&format!("{base}/#/alert/{sink}"));
    b.click("#open-case");
    b.until(
        "the case's title asked",
        "document.getElementById('dialog').open",
    );
    b.type_into("#dialog-body input", "JJ1: the boss impersonation");
    b.click("#dialog-ok");
    b.until("the case page", "location.hash.startsWith('#/case/')");
    b.find("#export-request");
    b.shots(&shots, "case");
    b.go(&format!("{base}/#/alert/{sink}"));
    b.click("button[aria-label^=Reveal]");
    b.until(
        "the purpose asked",
        "document.getElementById('dialog').open",
    );
    b.type_into(
        "#dialog-body textarea",
        "ask the operator to cut the number",
    );
    b.click("#dialog-ok");
    b.until("the number revealed", "document.querySelector('.revealed')");
    assert_eq!(b.text(".revealed"), "8613312345678");
    // Linked alerts: every other finding on the same number, as the API lists them.
    let (_, one) = call(port, &sam, "GET", &format!("/api/alerts/{sink}"), None);
    let token = one["alert"]["entity"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, same) = call(
        port,
        &sam,
        "GET",
        &format!("/api/alerts?entity={token}&status=all&assignee=any"),
        None,
    );
    let mut others: Vec<String> = same["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["id"] != sink)
        .map(|x| format!("#{} {}", x["id"], x["detector"].as_str().unwrap()))
        .collect();
    assert!(!others.is_empty(), "the fixture's sink has other findings");
    let mut shown: Vec<String> = b
        .js("return [...document.querySelectorAll('#linked-alerts a')].map((a) => a.textContent)")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    others.sort();
    shown.sort();
    assert_eq!(shown, others);
    b.shots(&shots, "alert-revealed");

    // An unmasked export of the case waits for a supervisor.
    let case_id = call(port, &sam, "GET", "/api/cases", None).1["cases"][0]["id"]
        .as_i64()
        .unwrap();
    b.go(&format!("{base}/#/case/{case_id}"));
    b.click("input[type=checkbox][aria-label^=Unmasked]");
    b.type_into("input[aria-label=Reason]", "hand the numbers to the police");
    b.click("#export-request");
    b.until(
        "the exports page",
        "location.hash === '#/exports' && document.querySelector('#exports tbody tr')",
    );
    assert_eq!(b.text("#exports tbody tr .export-status"), "pending");
    b.shots(&shots, "exports");

    // A number's profile: its day hour by hour from the scan's dataset.
    let (_, q) = call(
        port,
        &sam,
        "GET",
        "/api/alerts?detector=otp_sink&status=all&assignee=any",
        None,
    );
    let tiny_sink = q["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["entity"]["masked"] == "86189****0000")
        .expect("the tiny world's sink")["id"]
        .as_i64()
        .unwrap();
    b.go(&format!("{base}/#/alert/{tiny_sink}"));
    b.click("#profile-link");
    b.until(
        "the timeline drawn",
        "document.querySelectorAll('#profile-timeline rect').length > 0",
    );
    let page = b.text("main");
    assert!(
        page.contains("Number 86189****0000") && !page.contains("8618902000000"),
        "{page}"
    );
    assert!(
        b.text("table[aria-label='Codes by service']")
            .lines()
            .count()
            > 1
    );
    b.shots(&shots, "profile");

    // The auditor finds the reveal, its purpose and the chain's state.
    b.sign_in(&base, "aud");
    b.go(&format!("{base}/#/audit"));
    b.find("#reveals tbody tr");
    let reveals = b.text("#reveals");
    assert!(
        reveals.contains("ask the operator to cut the number") && reveals.contains("ana"),
        "{reveals}"
    );
    assert!(!reveals.contains("8613312345678"));
    assert!(
        b.text("#audit-verify")
            .starts_with("The audit chain verifies")
    );
    let log = b.text("#audit-log");
    assert!(
        log.contains("reveal") && log.contains("export.request"),
        "{log}"
    );
    b.shots(&shots, "audit");

    // The supervisor approves; the requester may then download.
    b.sign_in(&base, "sam");
    b.go(&format!("{base}/#/exports"));
    b.click("#exports tbody tr button");
    b.until(
        "the approval",
        "document.querySelector('#exports .export-status').innerText.startsWith('approved')",
    );
    // A cluster's graph.
    b.go(&format!("{base}/#/clusters"));
    b.click("table[aria-label=Clusters] tbody tr");
    b.find("#cluster-graph");
    b.until(
        "the graph drawn",
        "document.querySelector('#cluster-graph canvas')",
    );
    b.shots(&shots, "cluster");

    drop(b);
    drop(server);
}
