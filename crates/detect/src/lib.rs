//! Detectors: each one module under `detectors/` holding its settings, its DataFusion
//! plan (SQL over the contract tables and duanka's registered functions only, so that the
//! same plan runs embedded or on a cluster), its scoring and its evidence. All are listed
//! in one registry ([`registry`]); [`scan`] runs those whose tables are present and says
//! why the others were skipped.
//!
//! Must not: print, write files, read the truth, or depend on the simulator or on eval.

pub mod detectors;
pub use detectors::Columns;
pub mod settings;
pub mod sql;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use duanka_model::Alert;

/// A boxed future, so that detectors can be held as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a detector is and what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectorInfo {
    pub name: &'static str,
    /// The truth table's entity types of its alerts (a node that is not an address is
    /// `node`).
    pub entity_types: &'static [&'static str],
    /// Tables it cannot run without.
    pub needs: &'static [&'static str],
    /// Tables it uses when present (their absence weakens, not stops, it).
    pub uses: &'static [&'static str],
}

/// One detector.
pub trait Detector: Send + Sync {
    fn info(&self) -> DetectorInfo;

    /// Runs the detector's plan over `ctx`, where every table of `needs` is registered,
    /// and those of `uses` that the dataset holds (`present` lists them all).
    fn run<'a>(
        &'a self,
        ctx: &'a SessionContext,
        present: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Alert>, DataFusionError>>;
}

/// Settings of every detector, one section each (`duanka.toml`); each detector's module
/// documents its own fields, and `duanka config --defaults` prints them all.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub otp_sink: detectors::otp_sink::Settings,
    pub leaked_block: detectors::leaked_block::Settings,
    pub core_interception: detectors::core_interception::Settings,
    pub sim_farm: detectors::sim_farm::Settings,
    pub bulk_account: detectors::bulk_account::Settings,
    pub tampered_imei: detectors::tampered_imei::Settings,
    pub signup_sink: detectors::signup_sink::Settings,
    pub proxy_ip: detectors::proxy_ip::Settings,
    pub case_reported: detectors::case_reported::Settings,
    pub mule: detectors::mule::Settings,
    pub linked_case: detectors::linked_case::Settings,
    pub rogue_host: detectors::rogue_host::Settings,
    pub jump_host: detectors::jump_host::Settings,
    pub insider: detectors::insider::Settings,
    /// The role vocabulary of the asset inventory, shared by the insider-side detectors.
    pub inventory: sql::InventorySettings,
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads a `duanka.toml`: every key optional (the default applies), unknown keys and
    /// values out of range are errors naming the key.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Rejects settings no detector can work with (shares outside [0, 1], negative counts).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let value = toml::Value::try_from(self).map_err(|e| ConfigError(e.to_string()))?;
        let Some(sections) = value.as_table() else {
            return Ok(());
        };
        for (section, fields) in sections {
            let Some(fields) = fields.as_table() else {
                continue;
            };
            for (key, v) in fields {
                let bad = match v {
                    toml::Value::Integer(i) => *i < 0,
                    toml::Value::Float(f) => !f.is_finite() || *f < 0.0,
                    _ => false,
                };
                let share =
                    key.ends_with("_share") || key.ends_with("_factor") || key == "report_from";
                let over = share && v.as_float().is_some_and(|f| f > 1.0);
                if bad || over {
                    return Err(ConfigError(format!(
                        "[{section}] {key} = {v}: must be {}",
                        if share {
                            "between 0 and 1"
                        } else {
                            "zero or more"
                        }
                    )));
                }
            }
        }
        Ok(())
    }

    /// Every setting with its documentation and default, as a `duanka.toml`.
    pub fn defaults_toml() -> String {
        use detectors::*;
        let mut out = String::from(
            "# duanka.toml: detector settings. Every key is optional; these are the defaults.\n\
             # Scores are in [0, 1]: >= 0.8 is high, >= 0.5 medium, below that a lead (low).\n",
        );
        settings::render_section::<otp_sink::Settings>("otp_sink", otp_sink::ABOUT, &mut out);
        settings::render_section::<leaked_block::Settings>(
            "leaked_block",
            leaked_block::ABOUT,
            &mut out,
        );
        settings::render_section::<core_interception::Settings>(
            "core_interception",
            core_interception::ABOUT,
            &mut out,
        );
        settings::render_section::<sim_farm::Settings>("sim_farm", sim_farm::ABOUT, &mut out);
        settings::render_section::<bulk_account::Settings>(
            "bulk_account",
            bulk_account::ABOUT,
            &mut out,
        );
        settings::render_section::<tampered_imei::Settings>(
            "tampered_imei",
            tampered_imei::ABOUT,
            &mut out,
        );
        settings::render_section::<signup_sink::Settings>(
            "signup_sink",
            signup_sink::ABOUT,
            &mut out,
        );
        settings::render_section::<proxy_ip::Settings>("proxy_ip", proxy_ip::ABOUT, &mut out);
        settings::render_section::<case_reported::Settings>(
            "case_reported",
            case_reported::ABOUT,
            &mut out,
        );
        settings::render_section::<mule::Settings>("mule", mule::ABOUT, &mut out);
        settings::render_section::<linked_case::Settings>(
            "linked_case",
            linked_case::ABOUT,
            &mut out,
        );
        settings::render_section::<rogue_host::Settings>("rogue_host", rogue_host::ABOUT, &mut out);
        settings::render_section::<jump_host::Settings>("jump_host", jump_host::ABOUT, &mut out);
        settings::render_section::<insider::Settings>("insider", insider::ABOUT, &mut out);
        settings::render_section::<sql::InventorySettings>(
            "inventory",
            sql::INVENTORY_ABOUT,
            &mut out,
        );
        out
    }
}

/// Every detector, in run order: a detector that uses the `findings` of others comes
/// after them.
pub fn registry(config: &Config) -> Vec<Box<dyn Detector>> {
    use detectors::*;
    vec![
        Box::new(otp_sink::OtpSink::new(config.otp_sink.clone())),
        Box::new(leaked_block::LeakedBlock::new(config.leaked_block.clone())),
        Box::new(core_interception::CoreInterception::new(
            config.core_interception.clone(),
            config.inventory.clone(),
        )),
        Box::new(sim_farm::SimFarm::new(config.sim_farm.clone())),
        Box::new(bulk_account::BulkAccount::new(config.bulk_account.clone())),
        Box::new(tampered_imei::TamperedImei::new(
            config.tampered_imei.clone(),
        )),
        Box::new(signup_sink::SignupSink::new(config.signup_sink.clone())),
        Box::new(proxy_ip::ProxyIp::new(config.proxy_ip.clone())),
        Box::new(case_reported::CaseReported::new(
            config.case_reported.clone(),
        )),
        Box::new(mule::Mule::new(config.mule.clone())),
        Box::new(linked_case::LinkedCase::new(config.linked_case.clone())),
        Box::new(rogue_host::RogueHost::new(
            config.rogue_host.clone(),
            config.inventory.clone(),
        )),
        Box::new(jump_host::JumpHost::new(
            config.jump_host.clone(),
            config.inventory.clone(),
        )),
        Box::new(insider::Insider::new(config.insider.clone())),
    ]
}

/// What happened to one detector in a scan.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ran { alerts: usize, millis: u128 },
    Skipped { reason: String },
}

/// A scan's findings (sorted: detector, score descending, entity id) and what each
/// detector did.
#[derive(Debug, Clone, Default)]
pub struct ScanOutput {
    pub alerts: Vec<Alert>,
    pub outcomes: Vec<(&'static str, Outcome)>,
}

/// Runs every detector whose tables are in `present`; `on_start(name, done)` is called
/// before each one (for progress).
pub async fn scan(
    ctx: &SessionContext,
    present: &[String],
    detectors: &[Box<dyn Detector>],
    on_start: &(dyn Fn(&str, usize) + Sync),
) -> Result<ScanOutput, DataFusionError> {
    let mut out = ScanOutput::default();
    sql::resolve_attach_numbers(ctx, present)
        .await
        .map_err(|e| e.context("resolving the attach rows' numbers"))?;
    for (done, d) in detectors.iter().enumerate() {
        let info = d.info();
        on_start(info.name, done);
        let missing: Vec<&str> = info
            .needs
            .iter()
            .copied()
            .filter(|t| !present.iter().any(|p| p == t))
            .collect();
        if !missing.is_empty() {
            let reason = format!(
                "needs table{} {} (absent)",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            );
            out.outcomes.push((info.name, Outcome::Skipped { reason }));
            continue;
        }
        let started = Instant::now();
        let ran = if info.uses.contains(&FINDINGS) {
            register_findings(ctx, &out.alerts)?;
            let mut with: Vec<String> = present.to_vec();
            with.push(FINDINGS.to_string());
            d.run(ctx, &with).await
        } else {
            d.run(ctx, present).await
        };
        // The stage a failure happened in is worth more than its operator's name.
        let mut alerts = ran.map_err(|e| e.context(format!("detector {}", info.name)))?;
        alerts.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        out.outcomes.push((
            info.name,
            Outcome::Ran {
                alerts: alerts.len(),
                millis: started.elapsed().as_millis(),
            },
        ));
        out.alerts.extend(alerts);
    }
    Ok(out)
}

/// The table of the findings of the detectors that ran before: a detector that lists it
/// in `uses` sees every earlier alert as `(detector, entity_type, entity_id, score)`.
/// It is an ordinary table, so that the plans reading it run on a cluster as well.
pub const FINDINGS: &str = "findings";

pub fn register_findings(ctx: &SessionContext, alerts: &[Alert]) -> Result<(), DataFusionError> {
    use arrow::array::{Float64Array, StringArray};
    use std::sync::Arc;
    sql::register_columns(
        ctx,
        FINDINGS,
        vec![
            (
                "detector",
                Arc::new(StringArray::from_iter_values(
                    alerts.iter().map(|a| a.detector),
                )),
            ),
            (
                "entity_type",
                Arc::new(StringArray::from_iter_values(
                    alerts.iter().map(|a| a.entity_type),
                )),
            ),
            (
                "entity_id",
                Arc::new(StringArray::from_iter_values(
                    alerts.iter().map(|a| a.entity_id.as_str()),
                )),
            ),
            (
                "score",
                Arc::new(Float64Array::from_iter_values(
                    alerts.iter().map(|a| a.score),
                )),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_defaults_read_back_as_the_defaults() {
        let text = Config::defaults_toml();
        assert_eq!(Config::from_toml(&text).ok(), Some(Config::default()));
        // Every detector has its section, every field its documentation.
        for d in registry(&Config::default()) {
            assert!(
                text.contains(&format!("\n[{}]\n", d.info().name)),
                "{}",
                d.info().name
            );
        }
        assert!(!text.contains("has no default"));
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults_and_bad_keys_are_named() {
        let c = Config::from_toml("[otp_sink]\nmin_services = 5\n").ok();
        let mut want = Config::default();
        want.otp_sink.min_services = 5;
        assert_eq!(c, Some(want));
        let err = Config::from_toml("[otp_sink]\nmin_servces = 5\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("min_servces"), "{err}");
        let err = Config::from_toml("[sim_farm]\nreport_from = 1.5\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("[sim_farm] report_from"), "{err}");
        assert!(Config::from_toml("[nope]\n").is_err());
    }
}
