//! The chain of a cluster: from its cases upstream to the furthest supplier found, each
//! hop naming the `table.column` that links it, and, when the walk ends short of an
//! operator user, the reason it stops.
//!
//! Owns path choice and stop reasons; must not change clusters (it sees one cluster's
//! links at a time and only reads them).
//!
//! The walk follows supplier links only (`Via::stage` is `Some`), each hop strictly
//! further upstream than the last, so paths are short (at most seven entities) and
//! cannot loop. Among all paths from any of the cluster's cases, the chosen one ends
//! furthest upstream; then at the end with the highest severity and score; then the
//! path with more marked entities and a higher sum of scores; then the shorter path;
//! then the smallest sequence of `(type, id)` keys. Every step compares content, never insertion order.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::cluster::Hop;
use crate::entity::{EntityType, Interner, Via};
use crate::graph::{Edge, Mark};

/// One cluster's view of the graph.
pub(crate) struct ChainInput<'a> {
    pub nodes: &'a Interner,
    pub edges: &'a [Edge],
    /// Indices of links with both ends in the cluster.
    pub inner: &'a [u32],
    /// Indices of links between the cluster and a hub.
    pub to_hub: &'a [u32],
    pub marks: &'a HashMap<u32, Mark>,
    pub hubs: &'a HashMap<u32, String>,
}

/// The stage at which the walk has reached an operator user: nothing lies beyond.
const LAST_STAGE: u8 = 6;

#[derive(Clone)]
struct Path {
    nodes: Vec<u32>,
    vias: Vec<Via>,
    marked: u32,
    /// Sum of scores in millionths, so that sums compare exactly.
    score: u64,
}

fn score_of(marks: &HashMap<u32, Mark>, n: u32) -> (u32, u64) {
    marks
        .get(&n)
        .map_or((0, 0), |m| (1, (m.score * 1e6).round() as u64))
}

/// `Greater` when `p` is the better path to the same place.
fn cmp_path(nodes: &Interner, p: &Path, q: &Path) -> Ordering {
    p.marked
        .cmp(&q.marked)
        .then(p.score.cmp(&q.score))
        .then(q.nodes.len().cmp(&p.nodes.len()))
        .then_with(|| {
            for (a, b) in p.nodes.iter().zip(&q.nodes) {
                match nodes.cmp_key(*a, *b) {
                    Ordering::Equal => {}
                    o => return o.reverse(),
                }
            }
            q.vias.cmp(&p.vias)
        })
}

/// The chain and its stop reason for a cluster whose cases are `cases`.
pub(crate) fn trace(cases: &[u32], input: &ChainInput<'_>) -> (Vec<Hop>, Option<String>) {
    if cases.is_empty() {
        return (
            Vec::new(),
            Some("no case in this cluster: nothing to trace from".to_string()),
        );
    }
    let mut adj: HashMap<u32, Vec<(u32, Via)>> = HashMap::new();
    for &k in input.inner {
        let e = input.edges[k as usize];
        let via = e.via();
        if via.stage().is_none() {
            continue;
        }
        adj.entry(e.a).or_default().push((e.b, via));
        if via.both_ways() {
            adj.entry(e.b).or_default().push((e.a, via));
        }
    }

    let mut best: HashMap<(u32, u8), Path> = HashMap::new();
    let mut by_stage: Vec<Vec<u32>> = vec![Vec::new(); usize::from(LAST_STAGE) + 1];
    for &c in cases {
        let (marked, score) = score_of(input.marks, c);
        best.insert(
            (c, 0),
            Path {
                nodes: vec![c],
                vias: Vec::new(),
                marked,
                score,
            },
        );
        by_stage[0].push(c);
    }
    for s in 0..=LAST_STAGE {
        let here = std::mem::take(&mut by_stage[usize::from(s)]);
        for x in here {
            let Some(path) = best.get(&(x, s)).cloned() else {
                continue;
            };
            for &(y, via) in adj.get(&x).map(Vec::as_slice).unwrap_or(&[]) {
                let t = via.stage().unwrap_or(0);
                if t <= s || path.nodes.contains(&y) {
                    continue;
                }
                let (m, sc) = score_of(input.marks, y);
                let mut cand = path.clone();
                cand.nodes.push(y);
                cand.vias.push(via);
                cand.marked += m;
                cand.score += sc;
                match best.get(&(y, t)) {
                    Some(old) if cmp_path(input.nodes, &cand, old) != Ordering::Greater => {}
                    Some(_) => {
                        best.insert((y, t), cand);
                    }
                    None => {
                        best.insert((y, t), cand);
                        by_stage[usize::from(t)].push(y);
                    }
                }
            }
        }
    }

    let end_rank = |(n, s): (u32, u8)| {
        let m = input.marks.get(&n);
        (
            s,
            m.map(|m| m.severity),
            m.map_or(0, |m| (m.score * 1e6).round() as u64),
        )
    };
    let Some(((end, stage), path)) = best.iter().max_by(|(ka, pa), (kb, pb)| {
        end_rank(**ka)
            .cmp(&end_rank(**kb))
            .then_with(|| cmp_path(input.nodes, pa, pb))
    }) else {
        return (Vec::new(), None);
    };

    let nodes = input.nodes;
    let hops = path
        .nodes
        .iter()
        .enumerate()
        .map(|(k, &n)| Hop {
            entity_type: nodes.entity_type(n),
            entity_id: nodes.id(n).to_string(),
            via: k.checked_sub(1).and_then(|j| path.vias.get(j).copied()),
        })
        .collect();
    let stop = stop_reason(*end, *stage, path.vias.last().copied(), input);
    (hops, stop)
}

fn stop_reason(
    end: u32,
    stage: u8,
    came_by: Option<Via>,
    input: &ChainInput<'_>,
) -> Option<String> {
    if stage >= LAST_STAGE {
        return None;
    }
    let nodes = input.nodes;
    let t = nodes.entity_type(end);
    let id = nodes.id(end);

    // An upstream link that ends at a hub: the walk could go on, but not through a
    // value shared by everyone.
    let mut via_hub: Option<(Via, u32)> = None;
    for &k in input.to_hub {
        let e = input.edges[k as usize];
        let via = e.via();
        let Some(vs) = via.stage() else { continue };
        let hub = if e.a == end {
            e.b
        } else if e.b == end && via.both_ways() {
            e.a
        } else {
            continue;
        };
        if vs <= stage {
            continue;
        }
        let better = match via_hub {
            None => true,
            Some((v0, h0)) => via.cmp(&v0).then_with(|| nodes.cmp_key(hub, h0)) == Ordering::Less,
        };
        if better {
            via_hub = Some((via, hub));
        }
    }
    if let Some((via, hub)) = via_hub {
        let (ht, hid) = (nodes.entity_type(hub), nodes.id(hub));
        if via == Via::DeliveryNode && ht == EntityType::Node && hid == "radio" {
            return Some(format!(
                "no delivery node known for {id}: OTPs arrived by radio"
            ));
        }
        let why = input.hubs.get(&hub).map(String::as_str).unwrap_or("hub");
        return Some(format!(
            "the next link of {t} {id} ({via}) reaches {ht} {hid}, which links too much to \
             follow ({why})"
        ));
    }
    Some(match (stage, t) {
        (0, _) => {
            format!("case {id} names no fraud account, fraud number or payee that links further")
        }
        (1, _) if came_by == Some(Via::CasePayee) => format!(
            "payee account {id}: money links are not supplier links, and no sign-up record \
             is known for it"
        ),
        (1, _) => format!("no sign-up record known for account {id}"),
        (2, _) => format!("no delivery node known for {id}: no sms.delivery_node links it"),
        (3, _) => format!("nothing known upstream of sign-up {t} {id}"),
        (4, _) => format!("no flow or audit record links {t} {id} to a peer or an operator user"),
        _ => format!("no audit record links {t} {id} to an operator user"),
    })
}
