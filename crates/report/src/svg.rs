//! The charts, drawn server-side as inline SVG so that the page needs no script library
//! and no network: bars, a log-scale histogram, a heat map grid, an hourly time series,
//! the cluster as a layered node-link graph and the chain as a left-to-right diagram.
//!
//! Owns geometry and colours; must not compute figures (they arrive in `ReportData`).
//! Every string from the data goes through [`esc`]: entity ids and explanations are
//! user data.

use std::fmt::Write as _;

use crate::data::{
    Blocks, Chain, ClusterGraph, DetectorCount, OtpServices, RogueTraffic, Warnings,
};

/// Text escaped for HTML and SVG content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// `1234567` as `1,234,567`.
pub fn num(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(c);
    }
    o
}

pub const HIGH: &str = "#c0392b";
pub const MEDIUM: &str = "#e67e22";
pub const LOW: &str = "#f1c40f";
const INK: &str = "#333";
const GRID: &str = "#e4e4e4";

/// Colour of an entity type in the graph and chain.
pub fn type_colour(t: &str) -> &'static str {
    match t {
        "case" => "#7f1d1d",
        "account" => "#2563eb",
        "msisdn" => "#059669",
        "imsi" => "#65a30d",
        "imei" => "#0d9488",
        "device" => "#0891b2",
        "ip" => "#9333ea",
        "node" => "#a16207",
        "user" => "#db2777",
        _ => "#6b7280",
    }
}

/// Entity types in chain order (downstream to upstream), for the graph's columns.
const TYPE_ORDER: [&str; 9] = [
    "case", "account", "msisdn", "imsi", "imei", "device", "node", "ip", "user",
];

fn svg_open(s: &mut String, id: &str, w: u32, h: u32, label: &str) {
    let _ = write!(
        s,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">"#,
        esc(label)
    );
}

fn text(s: &mut String, x: f64, y: f64, anchor: &str, extra: &str, body: &str) {
    let _ = write!(
        s,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="{INK}" {extra}>{}</text>"#,
        esc(body)
    );
}

/// A round step giving about `ticks` intervals up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let f = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    (f * mag).max(1.0)
}

fn legend(s: &mut String, x: f64, y: f64, items: &[(&str, &str)]) {
    let mut x = x;
    for (colour, label) in items {
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#,
            y - 10.0
        );
        text(s, x + 16.0, y, "start", "", label);
        x += 24.0 + 7.0 * label.chars().count() as f64;
    }
}

/// Alerts per detector: one horizontal bar per detector, stacked by severity; skipped
/// detectors are listed with the reason.
pub fn detectors(rows: &[DetectorCount]) -> String {
    let row_h = 26.0;
    let (left, bar_w) = (150.0, 560.0);
    let h = 40.0 + row_h * rows.len() as f64 + 10.0;
    let max = rows
        .iter()
        .map(|r| r.high + r.medium + r.low)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut s = String::new();
    svg_open(
        &mut s,
        "chart-detectors",
        960,
        h as u32,
        "Alerts per detector by severity",
    );
    legend(
        &mut s,
        left,
        16.0,
        &[(HIGH, "high"), (MEDIUM, "medium"), (LOW, "low")],
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 32.0 + row_h * i as f64;
        text(&mut s, left - 8.0, y + 15.0, "end", "", &r.detector);
        if let Some(reason) = &r.skipped {
            text(
                &mut s,
                left,
                y + 15.0,
                "start",
                r#"font-style="italic" fill-opacity="0.6""#,
                &format!("skipped: {reason}"),
            );
            continue;
        }
        let mut x = left;
        for (n, colour, sev) in [
            (r.high, HIGH, "high"),
            (r.medium, MEDIUM, "medium"),
            (r.low, LOW, "low"),
        ] {
            if n == 0 {
                continue;
            }
            // At least a sliver, so that a severity with a handful of alerts shows.
            let w = (n as f64 / max * bar_w).max(2.0);
            let _ = write!(
                s,
                r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="18" fill="{colour}"><title>{}: {} {sev}</title></rect>"#,
                esc(&r.detector),
                num(n)
            );
            x += w;
        }
        text(
            &mut s,
            x + 6.0,
            y + 14.0,
            "start",
            "",
            &num(r.high + r.medium + r.low),
        );
    }
    s.push_str("</svg>");
    s
}

/// Distinct OTP services per number, flagged and not, counts on a log scale.
pub fn otp_services(f: &OtpServices) -> String {
    let (w, h) = (960.0, 320.0);
    let (left, right, top, bottom) = (60.0, 20.0, 30.0, 50.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = f
        .flagged
        .iter()
        .chain(&f.not_flagged)
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let decades = ((max as f64).log10().ceil()).max(1.0);
    let y_of = |n: u64| -> f64 {
        if n == 0 {
            top + plot_h
        } else {
            // log10(n) + 1 so that a count of one still has a visible bar.
            top + plot_h - ((n as f64).log10() + 1.0) / (decades + 1.0) * plot_h
        }
    };
    let mut s = String::new();
    svg_open(
        &mut s,
        "chart-otp-services",
        w as u32,
        h as u32,
        "Distinct OTP services per number, flagged and not",
    );
    legend(
        &mut s,
        left,
        16.0,
        &[
            (HIGH, "flagged (medium or above)"),
            ("#4b6584", "not flagged"),
        ],
    );
    for d in 0..=(decades as u32) {
        let v = 10u64.pow(d);
        let y = y_of(v);
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/>"#,
            w - right
        );
        text(&mut s, left - 6.0, y + 4.0, "end", "", &num(v));
    }
    let n = f.bins.len().max(1) as f64;
    let slot = plot_w / n;
    let bw = (slot * 0.4).max(1.0);
    for (i, label) in f.bins.iter().enumerate() {
        let x0 = left + slot * i as f64 + slot * 0.1;
        for (k, (series, colour, name)) in [
            (&f.flagged, HIGH, "flagged"),
            (&f.not_flagged, "#4b6584", "not flagged"),
        ]
        .into_iter()
        .enumerate()
        {
            let v = series.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let y = y_of(v);
            let _ = write!(
                s,
                r#"<rect class="bar" x="{:.1}" y="{y:.1}" width="{bw:.1}" height="{:.1}" fill="{colour}"><title>{} services: {} numbers {name}</title></rect>"#,
                x0 + bw * k as f64,
                top + plot_h - y,
                esc(label),
                num(v)
            );
        }
        text(
            &mut s,
            x0 + bw,
            h - bottom + 16.0,
            "middle",
            r#"font-size="10""#,
            label,
        );
    }
    text(
        &mut s,
        left + plot_w / 2.0,
        h - 10.0,
        "middle",
        "",
        "distinct OTP services per number (one day)",
    );
    text(
        &mut s,
        14.0,
        top + plot_h / 2.0,
        "middle",
        &format!(r#"transform="rotate(-90 14 {:.1})""#, top + plot_h / 2.0),
        "numbers (log scale)",
    );
    s.push_str("</svg>");
    s
}

/// White → red by share.
fn heat(share: f64) -> String {
    let t = share.clamp(0.0, 1.0).sqrt();
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        lerp(247.0, 165.0),
        lerp(247.0, 15.0),
        lerp(247.0, 21.0)
    )
}

/// Number blocks as a grid of cells coloured by their share of silent OTP receivers;
/// blocks holding flagged numbers are outlined.
pub fn blocks(f: &Blocks) -> String {
    // Few blocks are drawn large, many small, so that the grid fills about one width.
    let cols = f.blocks.len().clamp(1, 40);
    let cell = (900.0 / cols as f64).clamp(22.0, 64.0);
    let rows = f.blocks.len().div_ceil(cols).max(1);
    let (left, top) = (10.0, 44.0);
    let w = 960.0;
    let h = top + cell * rows as f64 + 20.0;
    let mut s = String::new();
    svg_open(
        &mut s,
        "chart-blocks",
        w as u32,
        h as u32,
        "Number blocks by share of silent OTP receivers",
    );
    // The colour scale.
    for k in 0..=10 {
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="8" width="20" height="12" fill="{}"/>"#,
            left + 20.0 * k as f64,
            heat(k as f64 / 10.0)
        );
    }
    text(&mut s, left, 34.0, "start", "", "0 %");
    text(&mut s, left + 220.0, 34.0, "end", "", "100 % silent");
    let _ = write!(
        s,
        r##"<rect x="{:.1}" y="8" width="12" height="12" fill="none" stroke="#111" stroke-width="2"/>"##,
        left + 260.0
    );
    text(
        &mut s,
        left + 278.0,
        18.0,
        "start",
        "",
        "holds numbers flagged medium or above",
    );
    for (i, b) in f.blocks.iter().enumerate() {
        let x = left + cell * (i % cols) as f64;
        let y = top + cell * (i / cols) as f64;
        let share = if b.otp_receivers == 0 {
            0.0
        } else {
            b.silent as f64 / b.otp_receivers as f64
        };
        let stroke = if b.flagged > 0 {
            r##" stroke="#111" stroke-width="2""##
        } else {
            r##" stroke="#fff""##
        };
        let _ = write!(
            s,
            r#"<rect class="cell" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"{stroke}><title>block {}: {} OTP receivers, {} silent ({:.0} %), {} flagged</title></rect>"#,
            x + 1.0,
            y + 1.0,
            cell - 2.0,
            cell - 2.0,
            heat(share),
            esc(&b.block),
            num(b.otp_receivers),
            num(b.silent),
            share * 100.0,
            num(b.flagged)
        );
    }
    s.push_str("</svg>");
    s
}

/// The host's bytes per hour as bars and the OTPs delivered via it as a line.
pub fn rogue_traffic(f: &RogueTraffic) -> String {
    let (w, h) = (960.0, 300.0);
    let (left, right, top, bottom) = (70.0, 70.0, 30.0, 45.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let n = f.hours.len().max(1);
    let slot = plot_w / n as f64;
    let max_b = f.hours.iter().map(|p| p.bytes).max().unwrap_or(0).max(1) as f64;
    let max_o = f
        .hours
        .iter()
        .map(|p| p.otp_delivered)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mb = max_b / 1e6;
    let step_b = nice_step(mb, 4.0);
    let top_b = (mb / step_b).ceil().max(1.0) * step_b;
    let step_o = nice_step(max_o, 4.0);
    let top_o = (max_o / step_o).ceil().max(1.0) * step_o;
    let mut s = String::new();
    svg_open(
        &mut s,
        "chart-rogue-traffic",
        w as u32,
        h as u32,
        "The rogue host's traffic per hour against OTP deliveries via it",
    );
    legend(
        &mut s,
        left,
        16.0,
        &[
            ("#9333ea", "flow bytes (MB, left)"),
            (HIGH, "OTPs delivered via the host (right)"),
        ],
    );
    let mut v = 0.0;
    while v <= top_b + 1e-9 {
        let y = top + plot_h - v / top_b * plot_h;
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/>"#,
            w - right
        );
        text(&mut s, left - 6.0, y + 4.0, "end", "", &format!("{v}"));
        v += step_b;
    }
    let mut v = 0.0;
    while v <= top_o + 1e-9 {
        let y = top + plot_h - v / top_o * plot_h;
        text(
            &mut s,
            w - right + 6.0,
            y + 4.0,
            "start",
            &format!(r#"fill="{HIGH}""#),
            &num(v as u64),
        );
        v += step_o;
    }
    let mut line = String::new();
    for (i, p) in f.hours.iter().enumerate() {
        let x = left + slot * i as f64;
        let bh = p.bytes as f64 / 1e6 / top_b * plot_h;
        let _ = write!(
            s,
            r##"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#9333ea" fill-opacity="0.7"><title>hour {i}: {} flows, {} bytes, {} OTPs</title></rect>"##,
            x + slot * 0.1,
            top + plot_h - bh,
            slot * 0.8,
            num(p.flows),
            num(p.bytes),
            num(p.otp_delivered)
        );
        let y = top + plot_h - p.otp_delivered as f64 / top_o * plot_h;
        let _ = write!(
            line,
            "{}{:.1},{y:.1}",
            if i == 0 { "" } else { " " },
            x + slot / 2.0
        );
        if i % 2 == 0 || n <= 24 {
            text(
                &mut s,
                x + slot / 2.0,
                h - bottom + 16.0,
                "middle",
                r#"font-size="10""#,
                &utc_hour(p.hour_ts),
            );
        }
    }
    let _ = write!(
        s,
        r#"<polyline class="series" points="{line}" fill="none" stroke="{HIGH}" stroke-width="2.5"/>"#
    );
    text(
        &mut s,
        left + plot_w / 2.0,
        h - 8.0,
        "middle",
        "",
        &format!(
            "hour (UTC) — host {}, flagged by {} at {:.2}",
            f.host, f.detector, f.score
        ),
    );
    s.push_str("</svg>");
    s
}

fn utc_hour(ts: i64) -> String {
    format!("{:02}h", ts.rem_euclid(86_400) / 3600)
}

/// Early-warning tiers as three bars.
pub fn warnings(f: &Warnings) -> String {
    let (w, h) = (960.0, 130.0);
    let left = 80.0;
    let max = f.high.max(f.medium).max(f.low).max(1) as f64;
    let mut s = String::new();
    svg_open(
        &mut s,
        "chart-warnings",
        w as u32,
        h as u32,
        "Early-warning list by tier",
    );
    for (i, (tier, n, colour)) in [
        ("high", f.high, HIGH),
        ("medium", f.medium, MEDIUM),
        ("low", f.low, LOW),
    ]
    .into_iter()
    .enumerate()
    {
        let y = 12.0 + 36.0 * i as f64;
        text(&mut s, left - 8.0, y + 17.0, "end", "", tier);
        let bw = (n as f64 / max * 700.0).max(if n > 0 { 2.0 } else { 0.0 });
        let _ = write!(
            s,
            r#"<rect class="bar" x="{left}" y="{y:.1}" width="{bw:.1}" height="24" fill="{colour}"><title>{tier}: {}</title></rect>"#,
            num(n)
        );
        text(&mut s, left + bw + 6.0, y + 17.0, "start", "", &num(n));
    }
    s.push_str("</svg>");
    s
}

fn short(id: &str, max: usize) -> String {
    if id.chars().count() <= max {
        id.to_string()
    } else {
        let head: String = id.chars().take(max.saturating_sub(1)).collect();
        format!("{head}…")
    }
}

/// The cluster, one column per entity type in chain order, chain links drawn bold.
pub fn cluster_graph(g: &ClusterGraph, chain: Option<&Chain>) -> String {
    let mut columns: Vec<(&str, Vec<usize>)> = Vec::new();
    for t in TYPE_ORDER {
        let ids: Vec<usize> = (0..g.nodes.len())
            .filter(|&i| g.nodes[i].entity_type == t)
            .collect();
        if !ids.is_empty() {
            columns.push((t, ids));
        }
    }
    let others: Vec<usize> = (0..g.nodes.len())
        .filter(|&i| !TYPE_ORDER.contains(&g.nodes[i].entity_type.as_str()))
        .collect();
    if !others.is_empty() {
        columns.push(("other", others));
    }
    let tallest = columns.iter().map(|c| c.1.len()).max().unwrap_or(1);
    let row_h = 22.0;
    let top = 50.0;
    let w = 1100.0;
    let h = top + row_h * tallest as f64 + 30.0;
    let col_w = (w - 40.0) / columns.len().max(1) as f64;
    let mut pos = vec![(0.0, 0.0); g.nodes.len()];
    for (c, (_, ids)) in columns.iter().enumerate() {
        // Centre short columns so that the links fan out rather than run along the top.
        let offset = (tallest - ids.len()) as f64 * row_h / 2.0;
        for (k, &i) in ids.iter().enumerate() {
            pos[i] = (
                30.0 + col_w * c as f64 + 8.0,
                top + offset + row_h * k as f64 + 8.0,
            );
        }
    }
    let chain_pairs: Vec<(String, String)> = chain
        .map(|c| {
            c.hops
                .windows(2)
                .map(|p| {
                    (
                        format!("{}:{}", p[0].entity_type, p[0].entity_id),
                        format!("{}:{}", p[1].entity_type, p[1].entity_id),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let key = |i: usize| format!("{}:{}", g.nodes[i].entity_type, g.nodes[i].entity_id);
    let mut s = String::new();
    svg_open(
        &mut s,
        "graph-cluster",
        w as u32,
        h as u32,
        "The top cluster as a graph of typed entities",
    );
    for (c, (t, ids)) in columns.iter().enumerate() {
        let x = 30.0 + col_w * c as f64;
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="20" r="6" fill="{}"/>"#,
            x + 8.0,
            type_colour(t)
        );
        text(
            &mut s,
            x + 18.0,
            24.0,
            "start",
            r#"font-weight="600""#,
            &format!("{t} ({})", ids.len()),
        );
    }
    for e in &g.edges {
        let (Some(a), Some(b)) = (pos.get(e.source), pos.get(e.target)) else {
            continue;
        };
        let (ka, kb) = (key(e.source), key(e.target));
        let bold = chain_pairs
            .iter()
            .any(|(x, y)| (x == &ka && y == &kb) || (x == &kb && y == &ka));
        let (stroke, width, op) = if bold {
            (HIGH, 2.5, 0.95)
        } else {
            ("#94a3b8", 1.0, 0.5)
        };
        let _ = write!(
            s,
            r#"<line class="edge" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{stroke}" stroke-width="{width}" stroke-opacity="{op}"><title>{}</title></line>"#,
            a.0,
            a.1,
            b.0,
            b.1,
            esc(&e.via)
        );
    }
    for (i, n) in g.nodes.iter().enumerate() {
        let (x, y) = pos[i];
        let r = if n.in_chain { 7.5 } else { 5.5 };
        let ring = match n.severity.as_deref() {
            Some("high") => HIGH,
            Some("medium") => MEDIUM,
            Some("low") => LOW,
            _ => "#fff",
        };
        let _ = write!(
            s,
            r#"<g class="node" data-type="{}"><circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{}" stroke="{ring}" stroke-width="2.5"/><title>{} {}{}</title></g>"#,
            esc(&n.entity_type),
            type_colour(&n.entity_type),
            esc(&n.entity_type),
            esc(&n.entity_id),
            n.score
                .map(|v| format!(" (score {v:.2})"))
                .unwrap_or_default()
        );
        text(
            &mut s,
            x + 10.0,
            y + 4.0,
            "start",
            r#"font-size="10""#,
            &short(&n.entity_id, (col_w / 6.5) as usize),
        );
    }
    s.push_str("</svg>");
    s
}

/// The chain from the case upstream, one box per hop, `via` on each arrow.
pub fn chain(c: &Chain) -> String {
    let box_w = 150.0;
    let gap = 70.0;
    let n = c.hops.len().max(1);
    // Wrap onto a second row on narrow pages would hide the direction; widen instead.
    let w = (20.0 + (box_w + gap) * n as f64).max(960.0);
    let h = if c.stop.is_some() { 150.0 } else { 120.0 };
    let mut s = String::new();
    svg_open(
        &mut s,
        "chain",
        w as u32,
        h as u32,
        "The chain from a case to the furthest supplier",
    );
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>"##);
    for (i, hop) in c.hops.iter().enumerate() {
        let x = 10.0 + (box_w + gap) * i as f64;
        let y = 40.0;
        let colour = type_colour(&hop.entity_type);
        let _ = write!(
            s,
            r#"<g class="hop"><rect x="{x:.1}" y="{y}" width="{box_w}" height="50" rx="8" fill="{colour}" fill-opacity="0.12" stroke="{colour}" stroke-width="2"/><title>{} {}</title></g>"#,
            esc(&hop.entity_type),
            esc(&hop.entity_id)
        );
        text(
            &mut s,
            x + box_w / 2.0,
            y + 20.0,
            "middle",
            &format!(r#"font-weight="600" fill="{colour}""#),
            &hop.entity_type,
        );
        text(
            &mut s,
            x + box_w / 2.0,
            y + 38.0,
            "middle",
            r#"font-size="11""#,
            &short(&hop.entity_id, 22),
        );
        if i > 0 {
            let x0 = x - gap + 2.0;
            let _ = write!(
                s,
                r#"<line x1="{x0:.1}" y1="65" x2="{:.1}" y2="65" stroke="{INK}" stroke-width="1.5" marker-end="url(#arrow)"/>"#,
                x - 2.0
            );
            text(
                &mut s,
                x - gap / 2.0,
                30.0,
                "middle",
                r#"font-size="10""#,
                hop.via.as_deref().unwrap_or(""),
            );
        }
    }
    if let Some(stop) = &c.stop {
        text(
            &mut s,
            10.0,
            125.0,
            "start",
            r#"font-style="italic""#,
            &format!("stops: {stop}"),
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc(r#"<script>"a'&"#), "&lt;script&gt;&quot;a&#39;&amp;");
        assert_eq!(esc("a\u{1}b"), "a\u{FFFD}b");
    }

    #[test]
    fn numbers_and_steps() {
        assert_eq!(num(0), "0");
        assert_eq!(num(1234567), "1,234,567");
        assert_eq!(num(100), "100");
        assert_eq!(nice_step(9.0, 4.0), 5.0);
        assert_eq!(nice_step(1300.0, 4.0), 500.0);
        assert_eq!(heat(0.0), "#f7f7f7");
        assert_eq!(heat(1.0), "#a50f15");
    }
}
