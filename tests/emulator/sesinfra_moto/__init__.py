"""sesinfra's extension of moto: missing SES v2 operations and fixes of moto defects.

`install()` patches moto in this process; call it before the server handles its
first request.  Each module documents the defects it fixes:

* sesv2.py      SES v2 operations moto lacks, SES v2 behaviour fixes
* sesv2_account.py  SES v2 account suppression and VDM settings, GetAccount
* ses_v1.py     SES v1 identity notification topics and headers, on SES v2's identities
* sns.py        SNS subscriptions pending confirmation, stricter topic attributes
* cloudwatch_alarms.py  CloudWatch metric alarms: tags, validation, AWS/SES metrics
* s3.py         S3 XML root elements, bucket-policy conditions, AccessDenied body
* firehose.py   DescribeDeliveryStream defaults, S3 mirror after UpdateDestination
* glue.py       Glue input validation, lower-case names, database tags; Athena
                GetQueryResults paging
* tagging.py    Resource Groups Tagging API GetResources for SES and Firehose
* iam.py        IAM GetAccountAuthorizationDetails paged by MaxItems and Marker
* control.py    /_sesinfra/ endpoints: health check and fault injection
* journal.py    /_sesinfra/requests: every AWS request received, in order
* population.py /_sesinfra/ endpoints staging a shared account: foreign
                resources in bulk, streams of any kind and state, Firehose faults
* validation.py input validation against botocore's service model
* account.py    SES v2 GetAccount (the account's health) and /_sesinfra/account
                endpoints staging it and SES's reputation metrics
* rpcv2cbor.py  Smithy RPC v2 CBOR in front of moto's CloudWatch
* ses_events.py SES event publishing: SendEmail through a configuration set
                writes SES's event records to Firehose (S3) and SNS; Firehose's
                S3 object naming, prefix evaluation and GZIP
"""

from __future__ import annotations

from . import (
    account,
    cloudwatch_alarms,
    firehose,
    glue,
    iam,
    s3,
    s3_buckets,
    ses_events,
    ses_v1,
    sesv2,
    sesv2_account,
    sns,
    tagging,
)
from .control import ControlMiddleware
from .rpcv2cbor import RpcV2CborTranslator

__all__ = ["ControlMiddleware", "RpcV2CborTranslator", "install"]


def install() -> None:
    """Apply every patch (idempotent)."""
    sesv2.install()
    sesv2_account.install()
    ses_v1.install()
    s3.install()
    s3_buckets.install()
    firehose.install()
    glue.install()
    tagging.install()
    iam.install()
    account.install()
    sns.install()
    cloudwatch_alarms.install()
    ses_events.install()
