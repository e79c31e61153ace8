//! Ground truth: which entities are what. `truth.csv` lists the abnormal entities with
//! their labels (SCHEMA.md "Ground truth"); `hard_negatives.csv` lists normal entities
//! that a naive rule would flag, by kind, so that an evaluation can say which trap a
//! false positive fell into. Neither file is a contract table; the scanner reads neither.

use std::collections::BTreeSet;

/// Entity type names of the truth table.
pub mod ety {
    pub const MSISDN: &str = "msisdn";
    pub const IMEI: &str = "imei";
    pub const ACCOUNT: &str = "account";
    pub const IP: &str = "ip";
    pub const USER: &str = "user";
    pub const CASE: &str = "case";
}

/// Labels of `truth.csv`. See the crate docs for what each means.
pub mod label {
    pub const OTP_SINK: &str = "otp_sink";
    pub const SIM_FARM: &str = "sim_farm";
    pub const TAMPERED_IMEI: &str = "tampered_imei";
    pub const BULK_ACCOUNT: &str = "bulk_account";
    pub const PROXY_IP: &str = "proxy_ip";
    pub const ROGUE_HOST: &str = "rogue_host";
    pub const JUMP_HOST: &str = "jump_host";
    pub const INSIDER: &str = "insider";
    pub const LINKED_CASE: &str = "linked_case";
    pub const MULE: &str = "mule";
    pub const OTHER_GANG_CASE: &str = "other_gang_case";
    pub const OTHER_GANG_MULE: &str = "other_gang_mule";
    pub const OTHER_GANG_NUMBER: &str = "other_gang_number";
}

/// Collected truth and hard negatives; sorted and de-duplicated on output.
#[derive(Debug, Default)]
pub struct Truth {
    pub rows: BTreeSet<(String, String, String)>,
    pub negatives: BTreeSet<(String, String, String)>,
}

impl Truth {
    pub fn add(&mut self, entity_type: &str, id: impl Into<String>, label: &str) {
        self.rows
            .insert((entity_type.to_string(), id.into(), label.to_string()));
    }

    pub fn negative(&mut self, entity_type: &str, id: impl Into<String>, kind: &str) {
        self.negatives
            .insert((entity_type.to_string(), id.into(), kind.to_string()));
    }

    pub fn csv(&self) -> Vec<u8> {
        to_csv("entity_type,entity_id,label", &self.rows)
    }

    pub fn negatives_csv(&self) -> Vec<u8> {
        to_csv("entity_type,entity_id,kind", &self.negatives)
    }
}

fn to_csv(header: &str, rows: &BTreeSet<(String, String, String)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows.len() * 40);
    out.extend_from_slice(header.as_bytes());
    out.push(b'\n');
    for (t, id, l) in rows {
        for (k, f) in [t, id, l].into_iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.extend_from_slice(f.as_bytes());
        }
        out.push(b'\n');
    }
    out
}
