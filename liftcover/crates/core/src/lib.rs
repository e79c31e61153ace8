//! liftcover-core: the pure domain of the lift "insurance + service" scheme — money in
//! integer fen, fee apportionment among households, the agreed-scheme consent check, the
//! responsibility resolver over contracts, maintenance/inspection schedules, fault response
//! clocks and bill ageing. It owns every rule and every number; it must not depend on
//! storage, HTTP, the CLI, the clock or any other I/O, so each rule can be tested as a
//! plain function.

pub mod apportion;
pub mod billing;
pub mod error;
pub mod fault;
pub mod money;
pub mod presets;
pub mod resolver;
pub mod schedule;
pub mod time;

pub use error::ValidationError;
pub use money::Fen;
