//! The analysts' pages, embedded at build time and served as they are: no
//! CDN, no network at run time. Every answer carries a Content-Security-Policy that
//! lets a page load only this server's own scripts and styles and talk only to it.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every file of the pages: its path under `assets/` and its bytes (`assets/dev/` and
/// the vendoring script stay out; a test checks that nothing else does).
pub static ASSETS: &[(&str, &[u8])] = &[
    ("app.css", include_bytes!("../assets/app.css")),
    ("app.js", include_bytes!("../assets/app.js")),
    ("cluster.js", include_bytes!("../assets/cluster.js")),
    ("index.html", include_bytes!("../assets/index.html")),
    (
        "vendor/LICENSE-events.txt",
        include_bytes!("../assets/vendor/LICENSE-events.txt"),
    ),
    (
        "vendor/LICENSE-graphology-utils.txt",
        include_bytes!("../assets/vendor/LICENSE-graphology-utils.txt"),
    ),
    (
        "vendor/LICENSE-graphology.txt",
        include_bytes!("../assets/vendor/LICENSE-graphology.txt"),
    ),
    (
        "vendor/LICENSE-sigma.txt",
        include_bytes!("../assets/vendor/LICENSE-sigma.txt"),
    ),
    ("vendor/NOTICE", include_bytes!("../assets/vendor/NOTICE")),
    (
        "vendor/graphology.umd.min.js",
        include_bytes!("../assets/vendor/graphology.umd.min.js"),
    ),
    (
        "vendor/sigma.min.js",
        include_bytes!("../assets/vendor/sigma.min.js"),
    ),
];

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "text/plain; charset=utf-8",
    }
}

fn serve(path: &str) -> Response {
    let Some((_, bytes)) = ASSETS.iter().find(|(p, _)| *p == path) else {
        return (StatusCode::NOT_FOUND, "no such page").into_response();
    };
    let mut res = (*bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /`: the pages' shell (the sign-in form when nobody is signed in).
pub async fn index() -> Response {
    serve("index.html")
}

/// `GET /assets/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    serve(&file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `assets/` but `dev/` and scripts is served, and nothing else.
    #[test]
    fn every_asset_is_embedded() {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            entries.sort();
            for p in entries {
                let rel = p
                    .strip_prefix(base)
                    .map(|r| r.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                if p.is_dir() {
                    if rel != "dev" {
                        walk(&p, base, out);
                    }
                } else if !rel.ends_with(".sh") {
                    out.push(rel);
                }
            }
        }
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut served: Vec<String> = ASSETS.iter().map(|(p, _)| p.to_string()).collect();
        served.sort();
        assert_eq!(
            served, on_disk,
            "web.rs's ASSETS and crates/server/assets/ differ"
        );
    }

    /// Every script and style the shell loads is in the binary.
    #[test]
    fn the_shell_loads_only_embedded_files() {
        let (_, shell) = ASSETS
            .iter()
            .find(|(p, _)| *p == "index.html")
            .unwrap_or(&("", b""));
        let shell = String::from_utf8_lossy(shell);
        let mut seen = 0;
        for part in shell.split("\"/assets/").skip(1) {
            let file = part.split('"').next().unwrap_or_default();
            assert!(
                ASSETS.iter().any(|(p, _)| *p == file),
                "index.html loads /assets/{file}, which is not embedded"
            );
            seen += 1;
        }
        assert!(seen >= 3, "index.html loads {seen} assets");
        assert!(
            !shell.contains("http://") && !shell.contains("https://"),
            "the shell loads nothing from the network"
        );
    }
}
