//! The analysts' pages, embedded at build time (`build.rs`) and served as they are: no
//! CDN, no network at run time. Every answer carries a Content-Security-Policy that
//! lets a page load only this server's own scripts and styles and talk only to it.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

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
