//! sesinfra: the Amazon SES sending-event pipeline as code.
//!
//! Data flows one way: spec file (`spec`) → validated model (`validate`, `model`) →
//! desired resources → observed state → plan → output or apply. See ARCHITECTURE.md.

pub mod archive;
pub mod athena;
pub mod audit;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod desired;
pub mod diagnostics;
pub mod engine;
pub mod error;
pub mod export;
pub mod health;
pub mod history;
pub mod inventory;
pub mod model;
pub mod plan;
pub mod policy;
pub mod render;
pub mod resources;
pub mod schedule;
pub mod schema;
pub mod spec;
pub mod textdiff;
pub mod validate;
pub mod verify;

pub use error::Error;
