//! The saved plan (`plan --out`): the plan as reviewed, everything needed to derive
//! the same desired state again (spec text, `--var` values, the environment values
//! `${env.NAME}` used, account and region), and a fingerprint of the AWS state it was
//! computed from. `apply PLANFILE` re-reads AWS and refuses when the fingerprint
//! differs: the world moved since the review.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::desired::{Desired, fnv1a};
use crate::plan::{self, Plan};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub format_version: u32,
    pub sesinfra_version: String,
    pub spec_file: String,
    pub spec_text: String,
    pub vars: BTreeMap<String, String>,
    pub env: BTreeMap<String, String>,
    pub account_id: String,
    pub region: String,
    pub destroy: bool,
    pub adopt: bool,
    pub observed_fingerprint: String,
    pub plan: Plan,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot read plan file {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} is not a sesinfra plan file: {reason}")]
    Invalid { file: String, reason: String },
}

/// A fingerprint of observed state: a hash of its canonical flattened form. It detects
/// change, it is not a security measure.
pub fn fingerprint(observed: &Desired) -> String {
    let canonical = serde_json::to_string(&plan::state_fields(observed)).unwrap_or_default();
    format!("{:016x}", fnv1a(&canonical))
}

impl PlanFile {
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| PlanFileError::Invalid {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text + "\n").map_err(|source| PlanFileError::Io {
            file: path.display().to_string(),
            source,
        })
    }

    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PlanFileError::Io {
            file: file.clone(),
            source,
        })?;
        let parsed: PlanFile = serde_json::from_str(&text).map_err(|e| PlanFileError::Invalid {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        if parsed.format_version != FORMAT_VERSION {
            return Err(PlanFileError::Invalid {
                file,
                reason: format!(
                    "format version {} (this sesinfra reads {FORMAT_VERSION})",
                    parsed.format_version
                ),
            });
        }
        Ok(parsed)
    }
}
