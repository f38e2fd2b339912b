"""Resource Groups Tagging API: GetResources for SES, Firehose, SNS, CloudWatch alarms
and Glue databases as AWS answers it.

moto 5.2.5 lists SES v2 identities under the type `ses:email-identity` with
ARNs `.../email-identity/NAME`; AWS's type and ARN are `ses:identity` and
`arn:aws:ses:REGION:ACCOUNT:identity/NAME` (the string in the ARN is the
type, per the API reference).  Firehose streams matched only the filter
`firehose`, not `firehose:deliverystream`.  SNS topics (type `sns`: their ARNs
have no resource type) and CloudWatch alarms (`cloudwatch:alarm`) are answered
here too, so one request can ask for all.  Its pagination token was a key into
server memory, `null` on the last page; AWS answers `""` there.

Hook: `ResourceGroupsTaggingAPIResponse.get_resources`.  A request whose
ResourceTypeFilters name only `ses`/`firehose`/`sns`/`cloudwatch:alarm` types is answered here, from the
tags moto and the extension keep (the SES tagger, the Firehose tagger);
anything else goes to moto unchanged.  Answers are sorted by ARN and paged by
`ResourcesPerPage` (1-100, default 50); the token is opaque text, `""` once
there is nothing more.  Checks, each an `InvalidParameterException`:
ResourcesPerPage and TagsPerPage ranges, at most 50 TagFilters with at most 20
values each, ResourceARNList together with filters or pagination, a token that
does not belong to the same query.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Iterator

from moto.core.responses import ActionResult
from moto.cloudwatch.models import cloudwatch_backends
from moto.firehose.models import firehose_backends
from moto.glue.models import glue_backends
from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

TYPES = (
    "ses:configuration-set",
    "ses:identity",
    "firehose:deliverystream",
    "sns",
    "cloudwatch:alarm",
    "glue:database",
)

_moto: dict[str, Any] = {}


def _invalid(message: str) -> ResourceGroupsTaggingAPIError:
    return ResourceGroupsTaggingAPIError("InvalidParameterException", message)


def _wanted_types(filters: list[str]) -> set[str] | None:
    """The TYPES a filter list selects; None when it names anything else."""
    wanted: set[str] = set()
    for f in filters:
        matching = {t for t in TYPES if t == f or t.split(":")[0] == f}
        if not matching:
            return None
        wanted |= matching
    return wanted


def _resources(account: str, region: str, partition: str, wanted: set[str]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    ses = ses_backends[account][region]
    prefix = f"arn:{partition}:ses:{region}:{account}"
    if "ses:configuration-set" in wanted:
        for name in list(ses.config_sets):
            arn = f"{prefix}:configuration-set/{name}"
            yield arn, ses.tagger.list_tags_for_resource(arn)["Tags"]
    if "ses:identity" in wanted:
        for name in list(ses.email_identities):
            arn = f"{prefix}:identity/{name}"
            yield arn, ses.tagger.list_tags_for_resource(arn)["Tags"]
    if "firehose:deliverystream" in wanted:
        firehose = firehose_backends[account][region]
        for stream in list(firehose.delivery_streams.values()):
            arn = stream.delivery_stream_arn
            yield arn, firehose.tagger.list_tags_for_resource(arn)["Tags"]
    if "cloudwatch:alarm" in wanted:
        cloudwatch = cloudwatch_backends[account][region]
        for alarm in list(cloudwatch.alarms.values()):
            tags = cloudwatch.tagger.get_tag_dict_for_resource(alarm.alarm_arn)
            yield alarm.alarm_arn, [{"Key": k, "Value": v} for k, v in tags.items()]
    if "sns" in wanted:
        for topic in list(sns_backends[account][region].topics.values()):
            yield topic.arn, [{"Key": k, "Value": v} for k, v in topic._tags.items()]
    if "glue:database" in wanted:
        glue = glue_backends[account][region]
        for name in list(glue.databases):
            arn = f"arn:{partition}:glue:{region}:{account}:database/{name}"
            tags = glue.tagger.get_tag_dict_for_resource(arn)
            yield arn, [{"Key": k, "Value": v or ""} for k, v in tags.items()]


def _matches(tags: list[dict[str, str]], filters: list[dict[str, Any]]) -> bool:
    values = {t["Key"]: t.get("Value", "") for t in tags}
    for f in filters:
        if f["Key"] not in values:
            return False
        if f.get("Values") and values[f["Key"]] not in f["Values"]:
            return False
    return True


def _token(query: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"q": query, "o": offset}).encode()).decode()


def get_resources(self: ResourceGroupsTaggingAPIResponse) -> Any:
    filters = self._get_param("ResourceTypeFilters") or []
    wanted = _wanted_types(filters) if filters else None
    if not wanted:
        return _moto["get_resources"](self)
    tag_filters = self._get_param("TagFilters") or []
    per_page = self._get_int_param("ResourcesPerPage", 50)
    tags_per_page = self._get_int_param("TagsPerPage", 100)
    token = self._get_param("PaginationToken") or ""
    if self._get_param("ResourceARNList"):
        raise _invalid("ResourceARNList cannot be combined with ResourceTypeFilters or TagFilters")
    if not 1 <= per_page <= 100:
        raise _invalid("ResourcesPerPage must be between 1 and 100")
    if not 100 <= tags_per_page <= 500:
        raise _invalid("TagsPerPage must be between 100 and 500")
    if len(tag_filters) > 50 or any(len(f.get("Values") or []) > 20 for f in tag_filters):
        raise _invalid("at most 50 TagFilters with at most 20 values each")
    query = hashlib.sha256(json.dumps([sorted(wanted), tag_filters, per_page], sort_keys=True).encode()).hexdigest()
    offset = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            if decoded["q"] != query:
                raise ValueError("token of another query")
            offset = int(decoded["o"])
        except (ValueError, KeyError, TypeError):
            raise _invalid("PaginationToken is not valid for this request") from None
    backend = self.backend
    partition = backend.partition if hasattr(backend, "partition") else "aws"
    matching = sorted(
        (arn, tags)
        for arn, tags in _resources(backend.account_id, backend.region_name, partition, wanted)
        # Without TagFilters AWS lists resources that are (or were) tagged.
        if tags and _matches(tags, tag_filters)
    )
    page = matching[offset : offset + per_page]
    more = offset + per_page < len(matching)
    return ActionResult(
        {
            "ResourceTagMappingList": [{"ResourceARN": arn, "Tags": tags} for arn, tags in page],
            "PaginationToken": _token(query, offset + per_page) if more else "",
        }
    )


def install() -> None:
    if _moto:
        return
    _moto["get_resources"] = ResourceGroupsTaggingAPIResponse.get_resources
    ResourceGroupsTaggingAPIResponse.get_resources = get_resources
