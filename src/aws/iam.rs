//! IAM roles as `resources::Role`: trust policy, inline policies, description, tags.
//! IAM returns policy documents URL-encoded and reordered; they are parsed into
//! `PolicyDocument`s, which compare by meaning. Updates make only the calls for what
//! differs.

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;

use super::{AwsError, Clients};
use crate::policy::PolicyDocument;
use crate::resources::{Role, Tags};

const SERVICE: &str = "iam";

fn err<E, R>(operation: &'static str) -> impl FnOnce(aws_sdk_iam::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::from_sdk(SERVICE, operation, e)
}

fn policy(operation: &'static str, text: &str) -> Result<PolicyDocument, AwsError> {
    PolicyDocument::from_iam(text).map_err(|e| AwsError::local(SERVICE, operation, e.to_string()))
}

fn tags_to_sdk(tags: &Tags) -> Result<Vec<Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::local(SERVICE, "TagRole", e.to_string()))
        })
        .collect()
}

/// The role, or `None` when it does not exist.
pub async fn get_role(clients: &Clients, name: &str) -> Result<Option<Role>, AwsError> {
    let out = match clients.iam.get_role().role_name(name).send().await {
        Ok(out) => out,
        Err(e) => {
            let e = AwsError::from_sdk(SERVICE, "GetRole", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let role = out
        .role
        .ok_or_else(|| AwsError::local(SERVICE, "GetRole", "the answer has no role"))?;
    let trust_text = role
        .assume_role_policy_document
        .ok_or_else(|| AwsError::local(SERVICE, "GetRole", "the role has no trust policy"))?;
    let trust_policy = policy("GetRole", &trust_text)?;

    let mut inline_policies = BTreeMap::new();
    let mut marker = None;
    loop {
        let page = clients
            .iam
            .list_role_policies()
            .role_name(name)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(err("ListRolePolicies"))?;
        for policy_name in page.policy_names {
            let doc = clients
                .iam
                .get_role_policy()
                .role_name(name)
                .policy_name(&policy_name)
                .send()
                .await
                .map_err(err("GetRolePolicy"))?;
            inline_policies.insert(policy_name, policy("GetRolePolicy", &doc.policy_document)?);
        }
        if !page.is_truncated || page.marker.is_none() {
            break;
        }
        marker = page.marker;
    }

    let mut tags = Tags::new();
    let mut marker = None;
    loop {
        let page = clients
            .iam
            .list_role_tags()
            .role_name(name)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(err("ListRoleTags"))?;
        tags.extend(page.tags.into_iter().map(|t| (t.key, t.value)));
        if !page.is_truncated || page.marker.is_none() {
            break;
        }
        marker = page.marker;
    }

    Ok(Some(Role {
        name: role.role_name,
        description: role.description.unwrap_or_default(),
        trust_policy,
        inline_policies,
        tags,
    }))
}

/// Names of the roles whose name starts with `prefix` (paginated).
pub async fn list_role_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page = clients
            .iam
            .list_roles()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(err("ListRoles"))?;
        names.extend(
            page.roles
                .into_iter()
                .map(|r| r.role_name)
                .filter(|n| n.starts_with(prefix)),
        );
        if !page.is_truncated || page.marker.is_none() {
            break;
        }
        marker = page.marker;
    }
    Ok(names)
}

/// Creates the role with its inline policies; returns its ARN.
pub async fn create_role(clients: &Clients, role: &Role) -> Result<String, AwsError> {
    let out = clients
        .iam
        .create_role()
        .role_name(&role.name)
        .assume_role_policy_document(role.trust_policy.to_json())
        .description(&role.description)
        .set_tags(Some(tags_to_sdk(&role.tags)?).filter(|t| !t.is_empty()))
        .send()
        .await
        .map_err(err("CreateRole"))?;
    let arn = out
        .role
        .map(|r| r.arn)
        .ok_or_else(|| AwsError::local(SERVICE, "CreateRole", "the answer has no role"))?;
    for (name, doc) in &role.inline_policies {
        put_policy(clients, &role.name, name, doc).await?;
    }
    Ok(arn)
}

async fn put_policy(
    clients: &Clients,
    role: &str,
    name: &str,
    doc: &PolicyDocument,
) -> Result<(), AwsError> {
    clients
        .iam
        .put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(doc.to_json())
        .send()
        .await
        .map_err(err("PutRolePolicy"))?;
    Ok(())
}

/// Makes `current` (as read) into `desired`, with a call only for what differs.
pub async fn update_role(
    clients: &Clients,
    current: &Role,
    desired: &Role,
) -> Result<(), AwsError> {
    let name = &desired.name;
    if current.trust_policy != desired.trust_policy {
        clients
            .iam
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(desired.trust_policy.to_json())
            .send()
            .await
            .map_err(err("UpdateAssumeRolePolicy"))?;
    }
    if current.description != desired.description {
        clients
            .iam
            .update_role()
            .role_name(name)
            .description(&desired.description)
            .send()
            .await
            .map_err(err("UpdateRole"))?;
    }
    for (policy_name, doc) in &desired.inline_policies {
        if current.inline_policies.get(policy_name) != Some(doc) {
            put_policy(clients, name, policy_name, doc).await?;
        }
    }
    for policy_name in current.inline_policies.keys() {
        if !desired.inline_policies.contains_key(policy_name) {
            clients
                .iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy_name)
                .send()
                .await
                .map_err(err("DeleteRolePolicy"))?;
        }
    }
    let removed: Vec<String> = current
        .tags
        .keys()
        .filter(|k| !desired.tags.contains_key(*k))
        .cloned()
        .collect();
    if !removed.is_empty() {
        clients
            .iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(err("UntagRole"))?;
    }
    let changed: Tags = desired
        .tags
        .iter()
        .filter(|(k, v)| current.tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !changed.is_empty() {
        clients
            .iam
            .tag_role()
            .role_name(name)
            .set_tags(Some(tags_to_sdk(&changed)?))
            .send()
            .await
            .map_err(err("TagRole"))?;
    }
    Ok(())
}

/// Deletes the role: IAM requires its inline policies deleted and managed policies
/// detached first.
pub async fn delete_role(clients: &Clients, name: &str) -> Result<(), AwsError> {
    let mut marker = None;
    loop {
        let page = clients
            .iam
            .list_role_policies()
            .role_name(name)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(err("ListRolePolicies"))?;
        for policy_name in page.policy_names {
            clients
                .iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy_name)
                .send()
                .await
                .map_err(err("DeleteRolePolicy"))?;
        }
        if !page.is_truncated || page.marker.is_none() {
            break;
        }
        marker = page.marker;
    }
    let attached = clients
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(err("ListAttachedRolePolicies"))?;
    for p in attached.attached_policies.unwrap_or_default() {
        if let Some(arn) = p.policy_arn {
            clients
                .iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(err("DetachRolePolicy"))?;
        }
    }
    clients
        .iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(err("DeleteRole"))?;
    Ok(())
}
