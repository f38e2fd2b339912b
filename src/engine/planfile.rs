//! The saved plan (`plan --out`): the plan as reviewed, everything needed to derive
//! the same desired state again (spec text, `--var` values, the environment values
//! `${env.NAME}` used, account and region), and a fingerprint of the AWS state it was
//! computed from. `apply PLANFILE` re-reads AWS and refuses when the fingerprint
//! differs: the world moved since the review (`PlanFile::verify`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Prepared, SpecSource};
use crate::desired::{Desired, Environment, fnv1a};
use crate::plan::{self, Plan};

/// 2: changes carry a `reason` code and addresses are checked against their type.
pub const FORMAT_VERSION: u32 = 2;

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
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("cannot write plan file {file}: {source}")]
    Write {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} is not a sesinfra plan file: {source}")]
    NotAPlan {
        file: String,
        source: serde_json::Error,
    },
    #[error(
        "{file} is a plan file of format {found}, and this sesinfra reads format {FORMAT_VERSION}: run `sesinfra plan --out {file}` again"
    )]
    Version { file: String, found: u32 },
    #[error(
        "the plan was made for account {planned}, but the credentials are for account {actual}"
    )]
    OtherAccount { planned: String, actual: String },
    #[error(
        "AWS changed since this plan was made, so it is stale: run `sesinfra plan --out PLANFILE` again and review the new plan"
    )]
    Stale,
}

/// A fingerprint of observed state: a hash of its canonical flattened form. It detects
/// change, it is not a security measure.
pub fn fingerprint(observed: &Desired) -> String {
    let canonical = serde_json::to_string(&plan::state_fields(observed)).unwrap_or_default();
    format!("{:016x}", fnv1a(&canonical))
}

impl PlanFile {
    /// The saved form of `prepared`, made from `source` (interpolated with the
    /// `${env.NAME}` values `env_used`) in `env`.
    pub fn new(
        source: &SpecSource,
        env_used: &BTreeMap<String, String>,
        env: &Environment,
        adopt: bool,
        prepared: &Prepared,
    ) -> PlanFile {
        PlanFile {
            format_version: FORMAT_VERSION,
            sesinfra_version: env!("CARGO_PKG_VERSION").to_owned(),
            spec_file: source.file.clone(),
            spec_text: source.text.clone(),
            vars: source.vars.clone(),
            env: env_used.clone(),
            account_id: env.account_id.clone(),
            region: env.region.clone(),
            destroy: false,
            adopt,
            observed_fingerprint: fingerprint(&prepared.observed.state),
            plan: prepared.plan.clone(),
        }
    }

    /// The spec the plan was made from, as it was then.
    pub fn source(&self) -> SpecSource {
        SpecSource {
            file: self.spec_file.clone(),
            text: self.spec_text.clone(),
            vars: self.vars.clone(),
        }
    }

    /// Refuses to apply this plan unless `prepared`, made now in `env`, is the plan
    /// that was saved, from the same observed state, in the same account.
    pub fn verify(&self, env: &Environment, prepared: &Prepared) -> Result<(), PlanFileError> {
        if self.account_id != env.account_id {
            return Err(PlanFileError::OtherAccount {
                planned: self.account_id.clone(),
                actual: env.account_id.clone(),
            });
        }
        if fingerprint(&prepared.observed.state) != self.observed_fingerprint
            || prepared.plan != self.plan
        {
            return Err(PlanFileError::Stale);
        }
        Ok(())
    }

    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let file = path.display().to_string();
        // Serialising plain data with string keys cannot fail; say so if it ever does.
        let text = serde_json::to_string_pretty(self).map_err(|e| PlanFileError::Write {
            file: file.clone(),
            source: e.into(),
        })?;
        std::fs::write(path, text + "\n").map_err(|source| PlanFileError::Write { file, source })
    }

    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PlanFileError::Read {
            file: file.clone(),
            source,
        })?;
        // The version first, so an older file says so rather than what it lacks.
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let version: Version =
            serde_json::from_str(&text).map_err(|source| PlanFileError::NotAPlan {
                file: file.clone(),
                source,
            })?;
        if version.format_version != FORMAT_VERSION {
            return Err(PlanFileError::Version {
                file,
                found: version.format_version,
            });
        }
        serde_json::from_str(&text).map_err(|source| PlanFileError::NotAPlan { file, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Observed;
    use crate::resources::ConfigurationSet;

    fn prepared(with_set: bool) -> Prepared {
        let mut observed = Observed::default();
        if with_set {
            observed
                .state
                .configuration_sets
                .insert("Main".into(), ConfigurationSet::with_defaults("Main"));
        }
        let desired = Desired::default();
        let plan = plan::diff("s", &desired, &observed.state);
        Prepared {
            desired,
            observed,
            plan,
        }
    }

    fn env(account_id: &str) -> Environment {
        Environment {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account_id: account_id.into(),
        }
    }

    #[test]
    fn a_saved_plan_is_refused_in_another_account_or_once_aws_moved() {
        let source = SpecSource {
            file: "sesinfra.yaml".into(),
            text: "version: 1\n".into(),
            vars: BTreeMap::new(),
        };
        let saved = PlanFile::new(
            &source,
            &BTreeMap::new(),
            &env("111"),
            false,
            &prepared(true),
        );
        assert!(saved.verify(&env("111"), &prepared(true)).is_ok());
        assert!(matches!(
            saved.verify(&env("222"), &prepared(true)),
            Err(PlanFileError::OtherAccount { .. })
        ));
        assert!(matches!(
            saved.verify(&env("111"), &prepared(false)),
            Err(PlanFileError::Stale)
        ));
        assert_eq!(saved.source().text, source.text);
    }

    #[test]
    fn a_plan_file_of_another_format_says_to_plan_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.plan");
        std::fs::write(&path, r#"{"format_version": 1, "plan": {}}"#).unwrap();
        let err = PlanFile::read(&path).unwrap_err();
        assert!(matches!(err, PlanFileError::Version { found: 1, .. }));
        assert!(
            err.to_string().contains("run `sesinfra plan --out"),
            "{err}"
        );
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            PlanFile::read(&path),
            Err(PlanFileError::NotAPlan { .. })
        ));
    }
}
