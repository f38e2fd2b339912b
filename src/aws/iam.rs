//! IAM: the roles SES and Firehose assume, as `crate::resources::Role`.
//!
//! A role is spread over several IAM objects (the role with its trust policy and
//! description, each inline policy, the tags), read and written by separate calls.
//! This module gathers them into one value, compares policies by meaning (IAM returns
//! them URL-encoded and reordered), and writes only what differs.

use std::collections::BTreeMap;

use aws_sdk_iam::error::BuildError;
use aws_sdk_iam::types::Tag;

use super::{AwsError, Clients};
use crate::policy::PolicyDocument;
use crate::resources::{Role, TagChanges, Tags, tag_changes};

const SERVICE: &str = "iam";

/// The role with its inline policies and tags, or `None` when it does not exist.
pub async fn get_role(clients: &Clients, name: &str) -> Result<Option<Role>, AwsError> {
    const OP: &str = "GetRole";
    let out = match clients.iam.get_role().role_name(name).send().await {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AwsError::from_sdk(SERVICE, OP, e)),
    };
    let role = out
        .role
        .ok_or_else(|| AwsError::local(SERVICE, OP, "the answer has no role"))?;
    let trust = role
        .assume_role_policy_document()
        .ok_or_else(|| AwsError::local(SERVICE, OP, "the role has no trust policy"))?;
    let trust_policy = parse_policy(OP, trust)?;

    let mut inline_policies = BTreeMap::new();
    for policy_name in list_inline_policy_names(clients, name).await? {
        let out = clients
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy_name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "GetRolePolicy", e))?;
        let document = parse_policy("GetRolePolicy", out.policy_document())?;
        inline_policies.insert(policy_name, document);
    }

    let attached_policies = list_attached_policy_arns(clients, name)
        .await?
        .into_iter()
        .collect();

    // GetRole returns tags too, but ListRoleTags is the call that pages through all.
    let tags = clients
        .iam
        .list_role_tags()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<Tag>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "ListRoleTags", e))?
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();

    Ok(Some(Role {
        name: name.to_owned(),
        path: role.path,
        // IAM omits an empty description.
        description: role.description.unwrap_or_default(),
        trust_policy,
        inline_policies,
        attached_policies,
        tags,
    }))
}

/// Creates the role (trust policy, description and tags in one call), then its inline
/// policies. Returns the role's ARN.
pub async fn create_role(clients: &Clients, role: &Role) -> Result<String, AwsError> {
    const OP: &str = "CreateRole";
    let mut create = clients
        .iam
        .create_role()
        .role_name(&role.name)
        .path(&role.path)
        .assume_role_policy_document(role.trust_policy.to_json())
        .set_tags(tag_list(OP, &role.tags)?);
    // An empty description is the same as none; leave it out rather than send "".
    if !role.description.is_empty() {
        create = create.description(&role.description);
    }
    let out = create
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
    let arn = out
        .role
        .map(|r| r.arn)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| AwsError::local(SERVICE, OP, "the answer has no role ARN"))?;
    for (policy_name, document) in &role.inline_policies {
        put_role_policy(clients, &role.name, policy_name, document).await?;
    }
    for policy_arn in &role.attached_policies {
        attach_role_policy(clients, &role.name, policy_arn).await?;
    }
    Ok(arn)
}

/// Writes what differs between `current` and `desired`; nothing when nothing does.
pub async fn update_role(
    clients: &Clients,
    current: &Role,
    desired: &Role,
) -> Result<(), AwsError> {
    let name = &desired.name;
    // Semantic comparison: IAM's reordered, URL-encoded copy is not a change.
    if current.trust_policy != desired.trust_policy {
        clients
            .iam
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(desired.trust_policy.to_json())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "UpdateAssumeRolePolicy", e))?;
    }
    if current.description != desired.description {
        // UpdateRoleDescription, not UpdateRole: UpdateRole is documented to reset an
        // omitted MaxSessionDuration to one hour.
        clients
            .iam
            .update_role_description()
            .role_name(name)
            .description(&desired.description)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "UpdateRoleDescription", e))?;
    }
    for (policy_name, document) in &desired.inline_policies {
        if current.inline_policies.get(policy_name) != Some(document) {
            put_role_policy(clients, name, policy_name, document).await?;
        }
    }
    for policy_name in current.inline_policies.keys() {
        if !desired.inline_policies.contains_key(policy_name) {
            delete_role_policy(clients, name, policy_name).await?;
        }
    }
    for policy_arn in current
        .attached_policies
        .difference(&desired.attached_policies)
    {
        detach_role_policy(clients, name, policy_arn).await?;
    }
    for policy_arn in desired
        .attached_policies
        .difference(&current.attached_policies)
    {
        attach_role_policy(clients, name, policy_arn).await?;
    }
    update_tags(clients, name, &current.tags, &desired.tags).await
}

/// Deletes the role. IAM refuses while policies are attached, so inline policies are
/// deleted and managed policies detached first.
pub async fn delete_role(clients: &Clients, name: &str) -> Result<(), AwsError> {
    for policy_name in list_inline_policy_names(clients, name).await? {
        delete_role_policy(clients, name, &policy_name).await?;
    }
    for policy_arn in list_attached_policy_arns(clients, name).await? {
        detach_role_policy(clients, name, &policy_arn).await?;
    }
    clients
        .iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "DeleteRole", e))?;
    Ok(())
}

// ----------------------------------------------------------------------------- helpers

async fn list_attached_policy_arns(clients: &Clients, name: &str) -> Result<Vec<String>, AwsError> {
    const OP: &str = "ListAttachedRolePolicies";
    clients
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?
        .into_iter()
        .map(|p| {
            p.policy_arn
                .ok_or_else(|| AwsError::local(SERVICE, OP, "an attached policy has no ARN"))
        })
        .collect()
}

async fn attach_role_policy(clients: &Clients, role: &str, arn: &str) -> Result<(), AwsError> {
    clients
        .iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "AttachRolePolicy", e))?;
    Ok(())
}

async fn detach_role_policy(clients: &Clients, role: &str, arn: &str) -> Result<(), AwsError> {
    clients
        .iam
        .detach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "DetachRolePolicy", e))?;
    Ok(())
}

async fn list_inline_policy_names(clients: &Clients, name: &str) -> Result<Vec<String>, AwsError> {
    clients
        .iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "ListRolePolicies", e))
}

async fn put_role_policy(
    clients: &Clients,
    role: &str,
    policy_name: &str,
    document: &PolicyDocument,
) -> Result<(), AwsError> {
    // PutRolePolicy creates or replaces.
    clients
        .iam
        .put_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .policy_document(document.to_json())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "PutRolePolicy", e))?;
    Ok(())
}

async fn delete_role_policy(
    clients: &Clients,
    role: &str,
    policy_name: &str,
) -> Result<(), AwsError> {
    clients
        .iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "DeleteRolePolicy", e))?;
    Ok(())
}

/// TagRole for added or changed values, UntagRole for removed keys (TagRole alone
/// never removes a tag).
async fn update_tags(
    clients: &Clients,
    role: &str,
    current: &Tags,
    desired: &Tags,
) -> Result<(), AwsError> {
    let TagChanges { removed, changed } = tag_changes(current, desired);
    if !removed.is_empty() {
        clients
            .iam
            .untag_role()
            .role_name(role)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "UntagRole", e))?;
    }
    if !changed.is_empty() {
        clients
            .iam
            .tag_role()
            .role_name(role)
            .set_tags(tag_list("TagRole", &changed)?)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "TagRole", e))?;
    }
    Ok(())
}

/// Tags as IAM's list; `None` when there are none, so the member is left out.
fn tag_list(operation: &'static str, tags: &Tags) -> Result<Option<Vec<Tag>>, AwsError> {
    if tags.is_empty() {
        return Ok(None);
    }
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e: BuildError| {
                    AwsError::local(SERVICE, operation, format!("invalid tag: {e}"))
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn parse_policy(operation: &'static str, text: &str) -> Result<PolicyDocument, AwsError> {
    PolicyDocument::from_iam(text).map_err(|e| AwsError::local(SERVICE, operation, e.to_string()))
}

/// The roles a stack manages or owns, read in bulk: every role named in `names`, and
/// every role under the IAM path `path_prefix` (the stack's own, orphans included).
pub struct RoleReads {
    /// Roles that exist, by name.
    pub roles: BTreeMap<String, Role>,
    /// Names of the roles under `path_prefix`, sorted.
    pub under_path: Vec<String>,
}

/// Roles per page of GetAccountAuthorizationDetails and ListRoles (IAM's maximum).
const DETAILS_PAGE: i32 = 1000;

/// Reads the roles named in `names` and those under `path_prefix`, each with its trust
/// policy, description, inline and attached policies and tags, in as few calls as IAM
/// allows: `ListRoles` on the stack's path (names, paths, descriptions) and
/// `GetAccountAuthorizationDetails` filtered to roles (policies and tags of every role
/// in one answer; one page per 1,000 roles of the account, and IAM's role quota is
/// 1,000 by default, 5,000 at most, so at most five pages). Only the roles asked for
/// are parsed. A role outside the path (made by an older sesinfra) costs one `GetRole`
/// for its description, which the details leave out. Without
/// `iam:GetAccountAuthorizationDetails` (AccessDenied), each role is read on its own
/// (`get_role`: five calls or more per role).
pub async fn read_roles(
    clients: &Clients,
    path_prefix: &str,
    names: &std::collections::BTreeSet<String>,
) -> Result<RoleReads, AwsError> {
    let (listed, details) = tokio::try_join!(
        list_roles(clients, path_prefix),
        authorization_details(clients)
    )?;
    let mut under_path: Vec<String> = listed.iter().map(|r| r.role_name.clone()).collect();
    under_path.sort();
    under_path.dedup();
    let mut roles = BTreeMap::new();
    let Some(details) = details else {
        tracing::info!("no iam:GetAccountAuthorizationDetails: reading each role on its own");
        let wanted: std::collections::BTreeSet<&String> =
            names.iter().chain(under_path.iter()).collect();
        for name in wanted {
            if let Some(role) = get_role(clients, name).await? {
                roles.insert(name.clone(), role);
            }
        }
        return Ok(RoleReads { roles, under_path });
    };
    let descriptions: BTreeMap<String, Option<String>> = listed
        .into_iter()
        .map(|r| (r.role_name, r.description))
        .collect();
    for detail in details {
        let Some(name) = detail.role_name.clone() else {
            continue;
        };
        let description = match descriptions.get(&name) {
            Some(d) => d.clone(),
            None if names.contains(&name) => get_role(clients, &name)
                .await?
                .map(|r| r.description)
                .filter(|d| !d.is_empty()),
            // Neither named nor under the stack's path: another team's role.
            None => continue,
        };
        roles.insert(name.clone(), role_from_details(&name, detail, description)?);
    }
    Ok(RoleReads { roles, under_path })
}

fn role_from_details(
    name: &str,
    detail: aws_sdk_iam::types::RoleDetail,
    description: Option<String>,
) -> Result<Role, AwsError> {
    const OP: &str = "GetAccountAuthorizationDetails";
    let trust = detail
        .assume_role_policy_document
        .as_deref()
        .ok_or_else(|| AwsError::local(SERVICE, OP, format!("role {name} has no trust policy")))?;
    let mut inline_policies = BTreeMap::new();
    for policy in detail.role_policy_list.unwrap_or_default() {
        let (Some(policy_name), Some(document)) = (policy.policy_name, policy.policy_document)
        else {
            return Err(AwsError::local(
                SERVICE,
                OP,
                format!("an inline policy of role {name} has no name or document"),
            ));
        };
        inline_policies.insert(policy_name, parse_policy(OP, &document)?);
    }
    let attached_policies = detail
        .attached_managed_policies
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            p.policy_arn.ok_or_else(|| {
                AwsError::local(
                    SERVICE,
                    OP,
                    format!("a policy attached to {name} has no ARN"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Role {
        name: name.to_owned(),
        path: detail.path.unwrap_or_else(|| "/".to_owned()),
        description: description.unwrap_or_default(),
        trust_policy: parse_policy(OP, trust)?,
        inline_policies,
        attached_policies,
        tags: detail
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect(),
    })
}

/// Every role of the account with its policies and tags (all pages); `None` when the
/// caller may not call GetAccountAuthorizationDetails.
async fn authorization_details(
    clients: &Clients,
) -> Result<Option<Vec<aws_sdk_iam::types::RoleDetail>>, AwsError> {
    match all_role_details(clients).await {
        Ok(roles) => Ok(Some(roles)),
        Err(err) if err.kind == super::error::ErrorKind::AccessDenied => Ok(None),
        Err(err) => Err(err),
    }
}

/// GetAccountAuthorizationDetails filtered to roles, every page.
async fn all_role_details(
    clients: &Clients,
) -> Result<Vec<aws_sdk_iam::types::RoleDetail>, AwsError> {
    let mut roles = Vec::new();
    let mut marker = None;
    loop {
        let page = clients
            .iam
            .get_account_authorization_details()
            .filter(aws_sdk_iam::types::EntityType::Role)
            .max_items(DETAILS_PAGE)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "GetAccountAuthorizationDetails", e))?;
        roles.extend(page.role_detail_list.unwrap_or_default());
        if !page.is_truncated || page.marker.is_none() {
            return Ok(roles);
        }
        marker = page.marker;
    }
}

/// The roles under `path_prefix` as ListRoles describes them (all pages).
async fn list_roles(
    clients: &Clients,
    path_prefix: &str,
) -> Result<Vec<aws_sdk_iam::types::Role>, AwsError> {
    let mut roles = Vec::new();
    let mut marker = None;
    loop {
        let page = clients
            .iam
            .list_roles()
            .path_prefix(path_prefix)
            .max_items(DETAILS_PAGE)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "ListRoles", e))?;
        roles.extend(page.roles);
        if !page.is_truncated || page.marker.is_none() {
            break;
        }
        marker = page.marker;
    }
    Ok(roles)
}

/// Names of the roles under the IAM path `path_prefix` (paginated). IAM filters by
/// path itself, so the calls made grow with the roles under that path only, not with
/// the account's other roles.
pub async fn list_role_names(
    clients: &Clients,
    path_prefix: &str,
) -> Result<Vec<String>, AwsError> {
    Ok(list_roles(clients, path_prefix)
        .await?
        .into_iter()
        .map(|r| r.role_name)
        .collect())
}

// --------------------------------------------------------------------------- account-wide reads

/// Every role of the account with its trust policy, inline policies, attached policy
/// ARNs and tags, keyed by ARN: `GetAccountAuthorizationDetails` filtered to roles,
/// 1,000 roles per call (IAM's largest page), instead of five calls or more per role.
/// Descriptions are not in that answer and are left empty.
pub async fn account_roles(clients: &Clients) -> Result<BTreeMap<String, Role>, AwsError> {
    let mut roles = BTreeMap::new();
    for detail in all_role_details(clients).await? {
        let (Some(name), Some(arn)) = (detail.role_name.clone(), detail.arn.clone()) else {
            return Err(AwsError::local(
                SERVICE,
                "GetAccountAuthorizationDetails",
                "a role without a name or ARN",
            ));
        };
        roles.insert(arn, role_from_details(&name, detail, None)?);
    }
    Ok(roles)
}

/// The default version's document of a managed policy (`GetPolicy`, then
/// `GetPolicyVersion`); `None` when the policy does not exist.
pub async fn managed_policy_document(
    clients: &Clients,
    arn: &str,
) -> Result<Option<PolicyDocument>, AwsError> {
    let policy = match clients.iam.get_policy().policy_arn(arn).send().await {
        Ok(out) => out.policy,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AwsError::from_sdk(SERVICE, "GetPolicy", e)),
    };
    let Some(version) = policy.and_then(|p| p.default_version_id) else {
        return Ok(None);
    };
    let out = clients
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "GetPolicyVersion", e))?;
    out.policy_version
        .and_then(|v| v.document)
        .map(|d| parse_policy("GetPolicyVersion", &d))
        .transpose()
}
