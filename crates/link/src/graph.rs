//! Feeding the graph: [`GraphBuilder`] takes entities, typed links with their provenance,
//! cases with their loss, alert marks, declared common values, transfers and contacts,
//! all in any order, and hands them to [`GraphBuilder::build`].
//!
//! Owns the input side and its checks (a link's ends must have the types its `Via`
//! allows; ids must not be empty); must not decide anything about clusters.

use std::collections::HashMap;

use duanka_model::{Alert, Severity};

use crate::entity::{EntityType, Interner, NodeId, Via};

/// Why an input was refused. Every variant is about the caller's data, none is a bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("empty {entity_type} id")]
    EmptyId { entity_type: EntityType },
    #[error("unknown entity type {0:?}")]
    UnknownType(String),
    #[error("{via} needs {expected} at its {end} end, not {got}")]
    WrongType {
        via: Via,
        end: &'static str,
        expected: String,
        got: EntityType,
    },
    #[error("a contact joins two numbers, not a {got}")]
    ContactNotMsisdn { got: EntityType },
    #[error("the graph holds the most entities a u32 index can name")]
    TooManyEntities,
    #[error("entity handle {0} was not made by this graph")]
    ForeignNode(u32),
}

/// Which rows made a link: how many, and the span of their times (UTC epoch seconds).
/// Kept this small on purpose: a link of fifty million is 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Provenance {
    pub rows: u32,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
}

impl Provenance {
    /// `rows` rows, times unknown.
    pub fn rows(rows: u32) -> Self {
        Provenance {
            rows,
            first_ts: None,
            last_ts: None,
        }
    }

    /// One row at `ts`.
    pub fn at(ts: i64) -> Self {
        Provenance {
            rows: 1,
            first_ts: Some(ts),
            last_ts: Some(ts),
        }
    }

    /// `rows` rows between `first` and `last`.
    pub fn span(rows: u32, first: i64, last: i64) -> Self {
        Provenance {
            rows,
            first_ts: Some(first.min(last)),
            last_ts: Some(first.max(last)),
        }
    }
}

/// No time known. Times are stored as `u32` epoch seconds to keep an edge at 24 bytes;
/// the contract's normalised times (1970–2106) all fit, anything else is "unknown".
pub(crate) const NO_TS: u32 = u32::MAX;

pub(crate) fn pack_ts(ts: Option<i64>) -> u32 {
    match ts {
        Some(t) if (0..i64::from(NO_TS)).contains(&t) => t as u32,
        _ => NO_TS,
    }
}

pub(crate) fn unpack_ts(ts: u32) -> Option<i64> {
    (ts != NO_TS).then_some(i64::from(ts))
}

pub(crate) fn max_ts(a: u32, b: u32) -> u32 {
    match (a, b) {
        (NO_TS, x) | (x, NO_TS) => x,
        (x, y) => x.max(y),
    }
}

/// One link as stored. `first` is a min and `NO_TS` is the largest value, so merging
/// firsts is a plain `min`; lasts need [`max_ts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    pub a: u32,
    pub b: u32,
    pub via: u8,
    pub rows: u32,
    pub first: u32,
    pub last: u32,
}

impl Edge {
    pub(crate) fn via(&self) -> Via {
        Via::from_index(self.via)
    }
}

/// What the detectors said about one entity, merged over all their alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// The highest score.
    pub score: f64,
    /// The highest severity.
    pub severity: Severity,
    /// Detectors that flagged it, sorted, once each.
    pub detectors: Vec<String>,
}

/// Contact between a subscriber and another number (calls and SMS, either direction),
/// summed over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contact {
    pub calls: u32,
    /// Seconds of answered calls.
    pub talk_s: u32,
    pub sms: u32,
    pub last_ts: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ContactRec {
    pub a: u32,
    pub b: u32,
    pub calls: u32,
    pub talk_s: u32,
    pub sms: u32,
    pub last: u32,
}

/// Values that are common by nature: they are never evidence that two things belong
/// together. `radio` is the contract's normal delivery to a handset.
const COMMON_VALUES: &[(EntityType, &str, &str)] = &[
    (
        EntityType::Node,
        "radio",
        "normal delivery over the radio network",
    ),
    (EntityType::Ip, "0.0.0.0", "placeholder address"),
    (EntityType::Ip, "127.0.0.1", "loopback address"),
    (EntityType::Ip, "::", "placeholder address"),
    (EntityType::Ip, "::1", "loopback address"),
    (EntityType::Imei, "000000000000000", "placeholder IMEI"),
    (EntityType::Device, "unknown", "placeholder device id"),
];

/// Collects the graph. Add in any order; the result depends only on what was added.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    pub(crate) nodes: Interner,
    pub(crate) edges: Vec<Edge>,
    pub(crate) amounts: Vec<(u32, u32, i64)>,
    pub(crate) contacts: Vec<ContactRec>,
    pub(crate) marks: HashMap<u32, Mark>,
    pub(crate) cases: HashMap<u32, i64>,
    pub(crate) common: HashMap<u32, String>,
}

impl GraphBuilder {
    pub fn new() -> Self {
        GraphBuilder::with_capacity(1024, 4096)
    }

    /// Room for `entities` ids and `links` links without reallocating.
    pub fn with_capacity(entities: usize, links: usize) -> Self {
        GraphBuilder {
            nodes: Interner::with_capacity(entities, entities * 12),
            edges: Vec::with_capacity(links),
            ..GraphBuilder::default()
        }
    }

    /// Entities so far.
    pub fn entities(&self) -> usize {
        self.nodes.len()
    }

    /// Links so far (before equal links are merged).
    pub fn links(&self) -> usize {
        self.edges.len()
    }

    /// The handle of `(t, id)`, adding it when new. Ids are taken as given: callers pass
    /// the contract's canonical forms (E.164 digits, 15-digit IMEIs, ...).
    pub fn entity(&mut self, t: EntityType, id: &str) -> Result<NodeId, LinkError> {
        if id.trim().is_empty() {
            return Err(LinkError::EmptyId { entity_type: t });
        }
        let before = self.nodes.len();
        let n = self.nodes.intern(t, id).ok_or(LinkError::TooManyEntities)?;
        if self.nodes.len() > before
            && let Some((_, _, why)) = COMMON_VALUES.iter().find(|c| c.0 == t && c.1 == id)
        {
            self.common.insert(n, (*why).to_string());
        }
        Ok(NodeId(n))
    }

    /// The handle of `(t, id)` if it was added.
    pub fn find(&self, t: EntityType, id: &str) -> Option<NodeId> {
        self.nodes.get(t, id).map(NodeId)
    }

    /// A case and its loss in fen. Given twice, the larger loss counts (so that the
    /// result does not depend on order).
    pub fn case(&mut self, case_id: &str, loss_fen: Option<i64>) -> Result<NodeId, LinkError> {
        let n = self.entity(EntityType::Case, case_id)?;
        let loss = loss_fen.unwrap_or(0).max(0);
        let e = self.cases.entry(n.0).or_insert(0);
        *e = (*e).max(loss);
        Ok(n)
    }

    /// A link `from → to` made by `via` (its `from` end is the downstream side). The
    /// same link added again is merged at build time: rows add up, the span widens. A
    /// link from an entity to itself carries no information and is not kept.
    pub fn link(
        &mut self,
        from: NodeId,
        to: NodeId,
        via: Via,
        prov: Provenance,
    ) -> Result<(), LinkError> {
        let (fa, ta) = via.ends();
        for (end, node, allowed) in [("from", from, fa), ("to", to, ta)] {
            let got = self.type_of(node)?;
            if !allowed.contains(&got) {
                return Err(LinkError::WrongType {
                    via,
                    end,
                    expected: allowed
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    got,
                });
            }
        }
        if from != to {
            self.edges.push(Edge {
                a: from.0,
                b: to.0,
                via: via as u8,
                rows: prov.rows,
                first: pack_ts(prov.first_ts),
                last: pack_ts(prov.last_ts),
            });
        }
        Ok(())
    }

    /// Interns both ends and links them: the usual way to feed rows.
    pub fn link_ids(
        &mut self,
        from: (EntityType, &str),
        to: (EntityType, &str),
        via: Via,
        prov: Provenance,
    ) -> Result<(), LinkError> {
        let a = self.entity(from.0, from.1)?;
        let b = self.entity(to.0, to.1)?;
        self.link(a, b, via, prov)
    }

    /// A bank transfer `from → to` of `amount_fen` in total over `prov.rows` transfers.
    pub fn transfer(
        &mut self,
        from: NodeId,
        to: NodeId,
        amount_fen: i64,
        prov: Provenance,
    ) -> Result<(), LinkError> {
        self.link(from, to, Via::Transfer, prov)?;
        if from != to {
            self.amounts.push((from.0, to.0, amount_fen));
        }
        Ok(())
    }

    /// Calls and SMS between a subscriber and another number. Used only by the warning
    /// list; contacts never merge clusters (a victim talks to every gang that calls).
    pub fn contact(
        &mut self,
        subscriber: NodeId,
        peer: NodeId,
        c: Contact,
    ) -> Result<(), LinkError> {
        for n in [subscriber, peer] {
            let got = self.type_of(n)?;
            if got != EntityType::Msisdn {
                return Err(LinkError::ContactNotMsisdn { got });
            }
        }
        if subscriber != peer {
            self.contacts.push(ContactRec {
                a: subscriber.0,
                b: peer.0,
                calls: c.calls,
                talk_s: c.talk_s,
                sms: c.sms,
                last: pack_ts(c.last_ts),
            });
        }
        Ok(())
    }

    /// A detector's word on an entity. Several marks merge: highest score, highest
    /// severity, all detectors.
    pub fn mark(
        &mut self,
        node: NodeId,
        detector: &str,
        score: f64,
        severity: Severity,
    ) -> Result<(), LinkError> {
        self.type_of(node)?;
        let score = if score.is_finite() {
            score.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let m = self.marks.entry(node.0).or_insert(Mark {
            score,
            severity,
            detectors: Vec::new(),
        });
        m.score = m.score.max(score);
        m.severity = m.severity.max(severity);
        if let Err(at) = m.detectors.binary_search_by(|d| d.as_str().cmp(detector)) {
            m.detectors.insert(at, detector.to_string());
        }
        Ok(())
    }

    /// Marks the entity an alert is about (adding it when new).
    pub fn mark_alert(&mut self, alert: &Alert) -> Result<NodeId, LinkError> {
        let t = EntityType::parse(alert.entity_type)
            .ok_or_else(|| LinkError::UnknownType(alert.entity_type.to_string()))?;
        let n = self.entity(t, &alert.entity_id)?;
        self.mark(n, alert.detector, alert.score, alert.severity)?;
        Ok(n)
    }

    /// Declares a well-known common value (every address of the asset inventory: SMSCs,
    /// gateways, databases, workstations; a carrier's proxies): like a hub, it links
    /// nothing together unless a detector marked it at `medium` or above. `radio` and
    /// placeholder values are declared already.
    /// Declared twice, the alphabetically first reason is kept (order must not matter).
    pub fn declare_common(&mut self, node: NodeId, reason: &str) -> Result<(), LinkError> {
        self.type_of(node)?;
        let e = self
            .common
            .entry(node.0)
            .or_insert_with(|| reason.to_string());
        if reason < e.as_str() {
            *e = reason.to_string();
        }
        Ok(())
    }

    /// The type of a handle, or an error when this graph did not make it.
    fn type_of(&self, n: NodeId) -> Result<EntityType, LinkError> {
        if (n.0 as usize) < self.nodes.len() {
            Ok(self.nodes.entity_type(n.0))
        } else {
            Err(LinkError::ForeignNode(n.0))
        }
    }
}
