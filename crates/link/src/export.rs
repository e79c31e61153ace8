//! Writers: `clusters.jsonl` (the contract's "Outputs"), GraphML for Gephi, and the
//! entity and link tables that i2 Analyst's Notebook imports.
//!
//! Owns formats and escaping; must not open files (every writer takes `impl Write`) and
//! must not decide anything. Every order written is by `(type, id)` or by rank, never by
//! internal index, so that the bytes depend only on what was fed in.

use std::io::{self, Write};

use duanka_model::format_utc;

use crate::cluster::{Linked, NONE};
use crate::entity::{EntityType, Via};
use crate::graph::{Edge, unpack_ts};

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every entity and link (contacts excepted: they are not links of the graph).
    All,
    /// One cluster's members, cases and the links between them, by `cluster_id`.
    Cluster(&'a str),
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no cluster {0}")]
    NoSuchCluster(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
pub(crate) fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Text escaped for XML 1.0 content and attributes; characters XML cannot carry at all
/// (most control characters) become U+FFFD rather than making the file unreadable.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// The selected entities in output order, and their position (or `NONE`) per index.
struct Selection {
    nodes: Vec<u32>,
    pos: Vec<u32>,
}

impl Linked {
    /// `clusters.jsonl`: one cluster per line, ranked by loss.
    pub fn write_clusters_jsonl(&self, mut w: impl Write) -> io::Result<()> {
        for c in &self.clusters {
            serde_json::to_writer(&mut w, c)?;
            w.write_all(b"\n")?;
        }
        w.flush()
    }

    fn select(&self, scope: Scope<'_>) -> Result<Selection, ExportError> {
        let n = self.nodes.len();
        let mut nodes: Vec<u32> = match scope {
            Scope::All => (0..n as u32).collect(),
            Scope::Cluster(id) => {
                let rank = self
                    .clusters
                    .iter()
                    .position(|c| c.cluster_id == id)
                    .ok_or_else(|| ExportError::NoSuchCluster(id.to_string()))?
                    as u32;
                (0..n as u32)
                    .filter(|&i| self.cluster_of[i as usize] == rank)
                    .collect()
            }
        };
        nodes.sort_unstable_by(|&a, &b| self.nodes.cmp_key(a, b));
        let mut pos = vec![NONE; n];
        for (k, &i) in nodes.iter().enumerate() {
            pos[i as usize] = k as u32;
        }
        Ok(Selection { nodes, pos })
    }

    fn selected_edges<'e>(&'e self, sel: &Selection) -> Vec<&'e Edge> {
        let mut v: Vec<&Edge> = self
            .edges
            .iter()
            .filter(|e| sel.pos[e.a as usize] != NONE && sel.pos[e.b as usize] != NONE)
            .collect();
        v.sort_unstable_by_key(|e| (sel.pos[e.a as usize], sel.pos[e.b as usize], e.via));
        v
    }

    fn node_key(&self, i: u32) -> String {
        format!("{}:{}", self.nodes.entity_type(i), self.nodes.id(i))
    }

    fn cluster_id_of(&self, i: u32) -> &str {
        match self.cluster_of[i as usize] {
            NONE => "",
            c => self
                .clusters
                .get(c as usize)
                .map_or("", |c| c.cluster_id.as_str()),
        }
    }

    /// GraphML (directed; opens in Gephi, yEd, networkx). Node attributes: `type`,
    /// `label`, `score`, `severity`, `detectors`, `loss` (fen, cases), `cluster`, `hub`
    /// (why it did not merge); link attributes: `via`, `link_type`, `rows`, `first_ts`,
    /// `last_ts` (epoch seconds), `amount` (fen, transfers).
    pub fn write_graphml(&self, scope: Scope<'_>, mut w: impl Write) -> Result<(), ExportError> {
        let sel = self.select(scope)?;
        w.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
  <key id="type" for="node" attr.name="type" attr.type="string"/>
  <key id="label" for="node" attr.name="label" attr.type="string"/>
  <key id="score" for="node" attr.name="score" attr.type="double"/>
  <key id="severity" for="node" attr.name="severity" attr.type="string"/>
  <key id="detectors" for="node" attr.name="detectors" attr.type="string"/>
  <key id="loss" for="node" attr.name="loss" attr.type="long"/>
  <key id="cluster" for="node" attr.name="cluster" attr.type="string"/>
  <key id="hub" for="node" attr.name="hub" attr.type="string"/>
  <key id="via" for="edge" attr.name="via" attr.type="string"/>
  <key id="link_type" for="edge" attr.name="link_type" attr.type="string"/>
  <key id="rows" for="edge" attr.name="rows" attr.type="long"/>
  <key id="first_ts" for="edge" attr.name="first_ts" attr.type="long"/>
  <key id="last_ts" for="edge" attr.name="last_ts" attr.type="long"/>
  <key id="amount" for="edge" attr.name="amount" attr.type="long"/>
  <graph id="duanka" edgedefault="directed">
"#,
        )?;
        for &i in &sel.nodes {
            let t = self.nodes.entity_type(i);
            writeln!(w, "    <node id=\"{}\">", xml_escape(&self.node_key(i)))?;
            writeln!(w, "      <data key=\"type\">{t}</data>")?;
            writeln!(
                w,
                "      <data key=\"label\">{}</data>",
                xml_escape(self.nodes.id(i))
            )?;
            if let Some(m) = self.marks.get(&i) {
                writeln!(w, "      <data key=\"score\">{}</data>", m.score)?;
                writeln!(
                    w,
                    "      <data key=\"severity\">{}</data>",
                    m.severity.as_str()
                )?;
                writeln!(
                    w,
                    "      <data key=\"detectors\">{}</data>",
                    xml_escape(&m.detectors.join(" "))
                )?;
            }
            if let Some(loss) = self.cases.get(&i) {
                writeln!(w, "      <data key=\"loss\">{loss}</data>")?;
            }
            let c = self.cluster_id_of(i);
            if !c.is_empty() {
                writeln!(w, "      <data key=\"cluster\">{c}</data>")?;
            }
            if let Some(h) = self.hubs.get(&i) {
                writeln!(w, "      <data key=\"hub\">{}</data>", xml_escape(h))?;
            }
            writeln!(w, "    </node>")?;
        }
        for (k, e) in self.selected_edges(&sel).into_iter().enumerate() {
            let via = e.via();
            writeln!(
                w,
                "    <edge id=\"e{k}\" source=\"{}\" target=\"{}\">",
                xml_escape(&self.node_key(e.a)),
                xml_escape(&self.node_key(e.b))
            )?;
            writeln!(w, "      <data key=\"via\">{via}</data>")?;
            writeln!(w, "      <data key=\"link_type\">{}</data>", via.label())?;
            writeln!(w, "      <data key=\"rows\">{}</data>", e.rows)?;
            if let Some(t) = unpack_ts(e.first) {
                writeln!(w, "      <data key=\"first_ts\">{t}</data>")?;
            }
            if let Some(t) = unpack_ts(e.last) {
                writeln!(w, "      <data key=\"last_ts\">{t}</data>")?;
            }
            if via == Via::Transfer
                && let Some(a) = self.amount(e.a, e.b)
            {
                writeln!(w, "      <data key=\"amount\">{a}</data>")?;
            }
            writeln!(w, "    </edge>")?;
        }
        w.write_all(b"  </graph>\n</graphml>\n")?;
        w.flush()?;
        Ok(())
    }

    /// The two tables i2 Analyst's Notebook imports: `entities.csv` (`Entity ID,Entity
    /// Type,Label,Score,Severity,Detectors,Loss (fen),Cluster,Hub`) and `links.csv`
    /// (`From ID,To ID,Link Type,via,Rows,First Seen,Last Seen,Amount (fen)`); the ids of
    /// the second are those of the first (`type:id`), times in RFC 3339 UTC.
    pub fn write_i2(
        &self,
        scope: Scope<'_>,
        mut entities: impl Write,
        mut links: impl Write,
    ) -> Result<(), ExportError> {
        let sel = self.select(scope)?;
        writeln!(
            entities,
            "Entity ID,Entity Type,Label,Score,Severity,Detectors,Loss (fen),Cluster,Hub"
        )?;
        for &i in &sel.nodes {
            let t: EntityType = self.nodes.entity_type(i);
            let m = self.marks.get(&i);
            writeln!(
                entities,
                "{},{},{},{},{},{},{},{},{}",
                csv_field(&self.node_key(i)),
                t,
                csv_field(self.nodes.id(i)),
                m.map(|m| m.score.to_string()).unwrap_or_default(),
                m.map(|m| m.severity.as_str()).unwrap_or_default(),
                csv_field(&m.map(|m| m.detectors.join(" ")).unwrap_or_default()),
                self.cases
                    .get(&i)
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                self.cluster_id_of(i),
                csv_field(self.hubs.get(&i).map_or("", String::as_str)),
            )?;
        }
        entities.flush()?;
        writeln!(
            links,
            "From ID,To ID,Link Type,via,Rows,First Seen,Last Seen,Amount (fen)"
        )?;
        for e in self.selected_edges(&sel) {
            let via = e.via();
            writeln!(
                links,
                "{},{},{},{},{},{},{},{}",
                csv_field(&self.node_key(e.a)),
                csv_field(&self.node_key(e.b)),
                via.label(),
                via,
                e.rows,
                unpack_ts(e.first).map(format_utc).unwrap_or_default(),
                unpack_ts(e.last).map(format_utc).unwrap_or_default(),
                if via == Via::Transfer {
                    self.amount(e.a, e.b)
                        .map(|a| a.to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                },
            )?;
        }
        links.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(
            xml_escape("a<b&'c'\u{1}"),
            "a&lt;b&amp;&apos;c&apos;\u{FFFD}"
        );
    }
}
