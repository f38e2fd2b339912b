//! `tags:` of the stack and of configuration sets, and AWS's quota of tags per resource
//! counting the system tags sesinfra adds.

use std::collections::BTreeMap;

use super::{Checker, names, root};
use crate::resources::{LOGICAL_TAG, STACK_TAG};
use crate::spec::interpolate::Context;
use crate::spec::limits::MAX_TAGS;
use crate::spec::source_map::{Focus, Path};
use crate::spec::types;

impl Checker {
    /// The stack-wide `tags:`, added to every taggable resource.
    pub(super) fn stack_tags(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
    ) -> BTreeMap<String, String> {
        let tags = self.tags(ctx, &root().key("tags"), &spec.tags);
        // Streams and buckets carry two system tags (stack and logical name), the
        // most of any resource sesinfra creates (sets with `account:` carry two too).
        self.too_many_tags(&root().key("tags"), tags.len(), &[STACK_TAG, LOGICAL_TAG]);
        tags
    }

    /// Checks each key and value of a `tags:` mapping and expands the values.
    pub(super) fn tags(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        tags: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (key, raw) in tags {
            let p = path.key(key);
            self.check_key(&p, key, names::tag_key(key));
            let value = self.checked_text(ctx, &p, raw, names::tag_value);
            out.insert(key.clone(), value);
        }
        out
    }

    /// `count` tags of the spec plus the `system` tags sesinfra adds must fit AWS's
    /// quota of tags per resource.
    pub(super) fn too_many_tags(&mut self, path: &Path, count: usize, system: &[&str]) {
        if count + system.len() > MAX_TAGS {
            self.error(
                path,
                Focus::Key,
                format!(
                    "{} tags with the {} sesinfra adds; AWS allows {MAX_TAGS} per resource",
                    count + system.len(),
                    system_tags(system),
                ),
                "remove some tags (stack-wide `tags:` count for every resource)",
            );
        }
    }
}

/// `a and b tags`: the system tags named in a message.
fn system_tags(system: &[&str]) -> String {
    match system {
        [one] => format!("{one} tag"),
        [rest @ .., last] => format!("{} and {last} tags", rest.join(", ")),
        [] => "no tags".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;
    use super::*;

    #[test]
    fn system_tags_are_named_in_a_list() {
        assert_eq!(system_tags(&["x"]), "x tag");
        assert_eq!(system_tags(&["x", "y"]), "x and y tags");
        assert_eq!(system_tags(&["x", "y", "z"]), "x, y and z tags");
    }

    fn with_stack_tags(count: usize) -> String {
        let mut yaml = String::from("version: 1\nstack: mail\ntags:\n");
        for i in 0..count {
            yaml.push_str(&format!("  t{i}: v\n"));
        }
        yaml
    }

    #[test]
    fn stack_tags_leave_room_for_the_two_system_tags() {
        assert!(findings(&with_stack_tags(MAX_TAGS - 2)).is_empty());
        let found = findings(&with_stack_tags(MAX_TAGS - 1));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0],
            format!(
                "error tags: {} tags with the {STACK_TAG} and {LOGICAL_TAG} tags sesinfra adds; \
                 AWS allows {MAX_TAGS} per resource (remove some tags (stack-wide `tags:` count \
                 for every resource))",
                MAX_TAGS + 1
            )
        );
    }

    #[test]
    fn reserved_tag_keys_are_refused() {
        let found = findings("version: 1\nstack: mail\ntags: {\"aws:x\": v}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("reserved"), "{found:?}");
    }
}
