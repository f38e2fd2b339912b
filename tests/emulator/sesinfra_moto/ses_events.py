"""SES event publishing: SendEmail through a configuration set produces the event
records SES publishes, delivered to the set's enabled event destinations.

moto's SES v2 and v1 SendEmail only store the message (and need no verified
sender).  AWS, and this module (both APIs; SendRawEmail is not modelled):

* Sending requires a verified identity for the sender: the address itself or its
  domain with `VerifiedForSendingStatus` true, else `MessageRejected` ("Email
  address is not verified...").  Identities created through the API are not
  verified (as in AWS, where a link or DNS record does it); the control endpoint
  `POST /_sesinfra/ses/verified {"identity", "region"?, "verified"?}` verifies one.
* The configuration set is `ConfigurationSetName`, else the sender identity's
  default configuration set.  A set that does not exist is `NotFoundException`;
  one with sending disabled is `SendingPausedException`.
* Event records have the shape of SES's published records (eventType, mail with
  headers, commonHeaders and the `ses:*` tags plus the message's EmailTags, and
  the send / delivery / bounce / complaint object).  The mailbox simulator decides
  what happens to each recipient: `success@` SEND + DELIVERY, `bounce@` SEND +
  BOUNCE (Permanent/General), `complaint@` SEND + DELIVERY + COMPLAINT, `ooto@`
  SEND + DELIVERY, `suppressionlist@` SEND + BOUNCE (Permanent/
  OnAccountSuppressionList); any other address SEND + DELIVERY.  SEND is one
  record per message; the others one per recipient.
* Each enabled destination whose MatchingEventTypes include a record's type gets
  it.  Firehose: SES assumes the destination's role, so the record is dropped
  when the role's trust policy would not let `ses.amazonaws.com` assume it with
  the context SES gives (aws:SourceAccount, aws:SourceArn = the set's ARN,
  sts:ExternalId = the account), when the role's policies do not allow
  `firehose:PutRecordBatch` on the stream, or when the stream is missing or not
  ACTIVE; otherwise the stream delivers at once (no buffering wait, so tests need
  no sleep) through Firehose's S3 delivery below.  SNS: the record is published
  to the topic (JSON, as SES does), so an SQS subscription can read it.
  CloudWatch and EventBridge destinations are not modelled.
* Every record's fate is in `GET /_sesinfra/ses/events` (message id, set,
  destination, event, delivered or the reason it was dropped); `/moto-api/reset`
  empties it.

Firehose's S3 delivery (moto's put_s3_records, which PutRecord/PutRecordBatch
also use, is replaced): the prefix's `!{timestamp:FORMAT}` and
`!{firehose:random-string}` expressions are evaluated at arrival time in UTC; a
prefix without a timestamp expression gets `yyyy/MM/dd/HH/` appended (moto
added a `/` and the hour path always); the object name is
`STREAM-VERSION-yyyy-MM-dd-HH-mm-ss-UUID`, plus `.gz` with GZIP compression, whose
data is then gzip-compressed.  Other compressions are written uncompressed.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import gzip
import json
import random
import re
import string
import threading
import uuid
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote

from moto.core import DEFAULT_ACCOUNT_ID
from moto.firehose.models import FirehoseBackend, firehose_backends
from moto.iam.models import iam_backends
from moto.s3.models import s3_backends
from moto.ses.exceptions import ConfigurationSetDoesNotExist, MessageRejectedError, SesError
from moto.ses.models import ses_backends
from moto.ses.responses import EmailResponse
from moto.sesv2.responses import SESV2Response
from moto.sns.models import sns_backends

from . import sesv2
from .errors import NotFoundException, SesV2Error

SIMULATOR = "simulator.amazonses.com"
SES_PRINCIPAL = "ses.amazonaws.com"
REPORTING_MTA = "a8-70.smtp-out.amazonses.com"

_lock = threading.Lock()
_events: list[dict[str, Any]] = []
_moto: dict[str, Any] = {}


def clear() -> None:
    with _lock:
        _events.clear()


def _note(entry: dict[str, Any]) -> None:
    with _lock:
        _events.append(entry)


# --------------------------------------------------------------------------- Firehose S3 delivery

_JAVA_FIELDS = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_EXPRESSION = re.compile(r"!\{([a-z]+):([^}]*)\}")


def _java_format(pattern: str, when: dt.datetime) -> str:
    """A Java DateTimeFormatter pattern (the letters Firehose prefixes use)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1 : end])
            i = end + 1
            continue
        run = re.match(r"([A-Za-z])\1*", pattern[i:])
        if run:
            token = run.group(0)
            out.append(when.strftime(_JAVA_FIELDS[token]) if token in _JAVA_FIELDS else token)
            i += len(token)
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def evaluate_prefix(prefix: str, when: dt.datetime, error_output_type: str | None = None) -> str:
    """A Firehose S3 prefix with its expressions evaluated at `when` (UTC)."""
    if "!{timestamp:" not in prefix:
        prefix += "!{timestamp:yyyy/MM/dd/HH/}"

    def value(match: re.Match[str]) -> str:
        namespace, argument = match.groups()
        if namespace == "timestamp":
            return _java_format(argument, when)
        if namespace == "firehose" and argument == "random-string":
            return "".join(random.choices(string.ascii_letters + string.digits, k=11))
        if namespace == "firehose" and argument == "error-output-type" and error_output_type:
            return error_output_type
        return match.group(0)

    return _EXPRESSION.sub(value, prefix)


def object_key(stream: str, version: str, prefix: str, compression: str, when: dt.datetime) -> str:
    name = f"{stream}-{version}-{when.strftime('%Y-%m-%d-%H-%M-%S')}-{uuid.uuid4()}"
    return evaluate_prefix(prefix, when) + name + (".gz" if compression == "GZIP" else "")


def put_s3_records(
    self: FirehoseBackend,
    delivery_stream_name: str,
    version_id: str,
    s3_destination: dict[str, Any],
    records: list[dict[str, bytes]],
) -> list[dict[str, str]]:
    when = dt.datetime.now(dt.timezone.utc)
    compression = s3_destination.get("CompressionFormat") or "UNCOMPRESSED"
    key = object_key(delivery_stream_name, version_id, s3_destination.get("Prefix") or "", compression, when)
    data = b"".join(r["Data"] for r in records)
    if compression == "GZIP":
        data = gzip.compress(data)
    bucket = s3_destination["BucketARN"].split(":::")[-1]
    s3_backends[self.account_id][self.partition].put_object(bucket, key, data)
    return [{"RecordId": str(uuid.uuid4())} for _ in records]


# --------------------------------------------------------------------------- IAM: may SES use the role?


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _document(text: str) -> dict[str, Any]:
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def _condition_holds(operator: str, key: str, wanted: Any, context: dict[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        base = base.removeprefix(prefix)
    actual = context.get(key.lower())
    if base == "Null":
        return (actual is None) == (str(_as_list(wanted)[0]).lower() == "true")
    if actual is None:
        return if_exists
    values = [str(v) for v in _as_list(wanted)]
    negated = "Not" in base
    kind = base.replace("Not", "")
    if kind in ("StringEquals", "ArnEquals"):
        hit = actual in values
    elif kind == "StringEqualsIgnoreCase":
        hit = actual.lower() in [v.lower() for v in values]
    elif kind in ("StringLike", "ArnLike"):
        hit = any(fnmatch.fnmatchcase(actual, v) for v in values)
    else:  # an operator SES's context cannot satisfy
        return False
    return hit != negated


def _statement_matches(statement: dict[str, Any], action: str, resource: str | None, principal: str | None, context: dict[str, str]) -> bool:
    actions = [a.lower() for a in _as_list(statement.get("Action", []))]
    if not any(fnmatch.fnmatchcase(action.lower(), a) for a in actions):
        return False
    if resource is not None and not any(fnmatch.fnmatchcase(resource, r) for r in _as_list(statement.get("Resource", []))):
        return False
    if principal is not None:
        given = statement.get("Principal")
        services = [] if not isinstance(given, dict) else _as_list(given.get("Service", []))
        if given != "*" and principal not in services and not (isinstance(given, dict) and "*" in _as_list(given.get("AWS", []))):
            return False
    for operator, conditions in (statement.get("Condition") or {}).items():
        for key, wanted in conditions.items():
            if not _condition_holds(operator, key, wanted, context):
                return False
    return True


def allowed(documents: list[dict[str, Any]], action: str, resource: str | None = None, principal: str | None = None, context: dict[str, str] | None = None) -> bool:
    """IAM's answer for one request: an explicit Deny wins, else an Allow is needed."""
    context = {k.lower(): v for k, v in (context or {}).items()}
    allow = False
    for document in documents:
        for statement in _as_list(document.get("Statement", [])):
            if _statement_matches(statement, action, resource, principal, context):
                if statement.get("Effect") == "Deny":
                    return False
                allow = allow or statement.get("Effect") == "Allow"
    return allow


def _role_problem(role_arn: str, stream_arn: str, set_arn: str, account: str) -> str | None:
    """Why SES could not put records with this role, or None."""
    backend = iam_backends[account]["global"]
    role = next((r for r in backend.get_roles() if r.arn == role_arn), None)
    if role is None:
        return "role_missing"
    context = {"aws:SourceAccount": account, "aws:SourceArn": set_arn, "sts:ExternalId": account}
    if not allowed([_document(role.assume_role_policy_document)], "sts:AssumeRole", principal=SES_PRINCIPAL, context=context):
        return "role_trust"
    policies = [_document(text) for text in role.policies.values()]
    for policy in role.managed_policies.values():
        default = next((v for v in policy.versions if v.is_default), None)
        if default is not None:
            policies.append(_document(default.document))
    if not allowed(policies, "firehose:PutRecordBatch", resource=stream_arn):
        return "role_permissions"
    return None


# --------------------------------------------------------------------------- records


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _outcomes(recipient: str) -> list[str]:
    local, _, domain = parseaddr(recipient)[1].lower().partition("@")
    if domain == SIMULATOR and local.startswith("bounce"):
        return ["BOUNCE"]
    if domain == SIMULATOR and local.startswith("suppressionlist"):
        return ["SUPPRESSED"]
    if domain == SIMULATOR and local.startswith("complaint"):
        return ["DELIVERY", "COMPLAINT"]
    return ["DELIVERY"]


def records(mail: dict[str, Any], recipients: list[str], sent: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
    """(event type, record) for one message, in the order SES emits them."""
    out: list[tuple[str, dict[str, Any]]] = [("SEND", {"eventType": "Send", "mail": mail, "send": {}})]
    later = sent + dt.timedelta(milliseconds=850)
    for recipient in recipients:
        feedback = f"{uuid.uuid4().hex}-000000"
        for outcome in _outcomes(recipient):
            if outcome == "DELIVERY":
                tags = dict(mail["tags"], **{"ses:outgoing-ip": ["127.0.0.1"]})
                out.append(("DELIVERY", {"eventType": "Delivery", "mail": dict(mail, tags=tags), "delivery": {
                    "timestamp": _iso(later), "processingTimeMillis": 850, "recipients": [recipient],
                    "smtpResponse": "250 2.6.0 Message received", "reportingMTA": REPORTING_MTA}}))
            elif outcome in ("BOUNCE", "SUPPRESSED"):
                suppressed = outcome == "SUPPRESSED"
                out.append(("BOUNCE", {"eventType": "Bounce", "mail": mail, "bounce": {
                    "bounceType": "Permanent",
                    "bounceSubType": "OnAccountSuppressionList" if suppressed else "General",
                    "bouncedRecipients": [{"emailAddress": recipient, "action": "failed", "status": "5.1.1",
                                           "diagnosticCode": "Amazon SES has suppressed sending to this address because it is on the account-level suppression list." if suppressed else "smtp; 550 5.1.1 user unknown"}],
                    "timestamp": _iso(later), "feedbackId": feedback, "reportingMTA": f"dns; {REPORTING_MTA}"}}))
            else:
                out.append(("COMPLAINT", {"eventType": "Complaint", "mail": mail, "complaint": {
                    "complainedRecipients": [{"emailAddress": recipient}], "timestamp": _iso(later),
                    "feedbackId": feedback, "userAgent": "Amazon SES Mailbox Simulator",
                    "complaintFeedbackType": "abuse", "arrivalDate": _iso(later)}}))
    return out


# --------------------------------------------------------------------------- SendEmail


def _sender_identity(core: Any, source: str) -> str | None:
    """The verified identity that lets `source` send: the address, else its domain."""
    address = parseaddr(source)[1]
    domain = address.rpartition("@")[2].lower()
    for name in (address, domain):
        identity = core.email_identities.get(name)
        if identity is not None and identity.verified_for_sending_status:
            return name
    return None


# The errors each API answers for: an unverified sender, an unknown configuration
# set, a set whose sending is paused.
V2_ERRORS = {
    "unverified": lambda m: SesV2Error("MessageRejected", m),
    "no_set": NotFoundException,
    "paused": lambda m: SesV2Error("SendingPausedException", m),
}
V1_ERRORS = {
    "unverified": MessageRejectedError,
    "no_set": ConfigurationSetDoesNotExist,
    "paused": lambda m: SesError("ConfigurationSetSendingPausedException", m),
}


def _check_send(core: Any, region: str, source: str, set_param: str | None, errors: dict[str, Any]) -> tuple[str, str | None]:
    """The sender's verified identity and the configuration set the message goes
    through (the one named, else the identity's default), as SES checks them."""
    identity = _sender_identity(core, source)
    if identity is None:
        raise errors["unverified"](
            "Email address is not verified. The following identities failed the check in region "
            f"{region.upper()}: {parseaddr(source)[1] or source}"
        )
    set_name = set_param or core.email_identities[identity].configuration_set_name
    if set_name:
        config_set = core.config_sets.get(set_name)
        if config_set is None:
            raise errors["no_set"](f"Configuration set <{set_name}> does not exist.")
        enabled = config_set.enabled
        if isinstance(enabled, dict):
            enabled = enabled.get("SendingEnabled", True)
        if enabled is False:
            raise errors["paused"](f"Sending is paused for configuration set <{set_name}>.")
    return identity, set_name


def send_email(self: SESV2Response) -> Any:
    params = sesv2._params(self, "SendEmail")
    backend = self.sesv2_backend
    identity, set_name = _check_send(
        backend.core_backend, backend.region_name, params.get("FromEmailAddress") or "",
        params.get("ConfigurationSetName"), V2_ERRORS)
    answer = _moto["send_email"](self)
    if set_name:
        message_id = json.loads(answer)["MessageId"]
        _publish(backend.core_backend, backend.account_id, backend.region_name, backend.partition,
                 params, identity, set_name, message_id)
    return answer


def send_email_v1(self: EmailResponse) -> Any:
    """SES v1 SendEmail: the same checks and records; its parameters in SES v2's shape."""
    source = self._get_param("Source") or ""
    identity, set_name = _check_send(
        self.backend, self.region, source, self._get_param("ConfigurationSetName"), V1_ERRORS)
    answer = _moto["send_email_v1"](self)
    if set_name:
        params = {
            "FromEmailAddress": source,
            "Destination": self._get_param("Destination", {}) or {},
            "Content": {"Simple": {"Subject": {"Data": self._get_param("Message.Subject.Data") or ""}}},
            "EmailTags": self._get_param("Tags", []) or [],
        }
        _publish(self.backend, self.current_account, self.region, self.partition,
                 params, identity, set_name, answer.result["MessageId"])
    return answer


def _publish(core: Any, account: str, region: str, partition: str, params: dict[str, Any],
             identity: str, set_name: str, message_id: str) -> None:
    destination = params.get("Destination") or {}
    to = destination.get("ToAddresses") or []
    recipients = to + (destination.get("CcAddresses") or []) + (destination.get("BccAddresses") or [])
    source = params["FromEmailAddress"]
    subject = (((params.get("Content") or {}).get("Simple") or {}).get("Subject") or {}).get("Data", "")
    sent = dt.datetime.now(dt.timezone.utc)
    tags: dict[str, list[str]] = {
        "ses:configuration-set": [set_name],
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [parseaddr(source)[1].rpartition("@")[2]],
        "ses:caller-identity": ["testing"],
    }
    for tag in params.get("EmailTags") or []:
        tags[tag["Name"]] = [tag["Value"]]
    mail = {
        "timestamp": _iso(sent),
        "source": source,
        "sourceArn": f"arn:{partition}:ses:{region}:{account}:identity/{identity}",
        "sendingAccountId": account,
        "messageId": message_id,
        "destination": recipients,
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": source},
            {"name": "To", "value": ", ".join(to)},
            {"name": "Subject", "value": subject},
            {"name": "MIME-Version", "value": "1.0"},
            {"name": "Content-Type", "value": "text/plain; charset=UTF-8"},
        ],
        "commonHeaders": {"from": [source], "to": to, "messageId": message_id, "subject": subject},
        "tags": tags,
    }
    set_arn = f"arn:{partition}:ses:{region}:{account}:configuration-set/{set_name}"
    config_set = core.config_sets[set_name]
    for name, definition in sesv2._destinations(config_set).items():
        if not definition.get("Enabled"):
            continue
        chosen = [(t, r) for t, r in records(mail, recipients, sent) if t in definition["MatchingEventTypes"]]
        if not chosen:
            continue
        if "KinesisFirehoseDestination" in definition:
            target = definition["KinesisFirehoseDestination"]
            problem = _firehose(target["DeliveryStreamArn"], target["IamRoleArn"], set_arn, account, chosen)
        elif "SnsDestination" in definition:
            problem = _sns(definition["SnsDestination"]["TopicArn"], account, chosen)
        else:
            problem = "destination_not_modelled"
        for event, _ in chosen:
            _note({"message_id": message_id, "configuration_set": set_name, "destination": name,
                   "event": event, "delivered": problem is None, "reason": problem})


def _firehose(stream_arn: str, role_arn: str, set_arn: str, account: str, chosen: list[tuple[str, dict[str, Any]]]) -> str | None:
    problem = _role_problem(role_arn, stream_arn, set_arn, account)
    if problem:
        return problem
    _, _, _, region, stream_account, resource = stream_arn.split(":", 5)
    firehose = firehose_backends[stream_account][region]
    stream = firehose.delivery_streams.get(resource.split("/", 1)[1])
    if stream is None:
        return "stream_missing"
    if stream.delivery_stream_status != "ACTIVE":
        return "stream_not_active"
    firehose.put_record_batch(stream.delivery_stream_name, [{"Data": (json.dumps(r) + "\n").encode()} for _, r in chosen])
    return None


def _sns(topic_arn: str, account: str, chosen: list[tuple[str, dict[str, Any]]]) -> str | None:
    region = topic_arn.split(":")[3]
    backend = sns_backends[account][region]
    if topic_arn not in backend.topics:
        return "topic_missing"
    for _, record in chosen:
        backend.publish(json.dumps(record), arn=topic_arn)
    return None


# --------------------------------------------------------------------------- control


def set_verified(spec: Any) -> tuple[int, Any]:
    if not isinstance(spec, dict) or not isinstance(spec.get("identity"), str):
        return 400, {"message": 'body must be {"identity": NAME, "region"?: REGION, "verified"?: BOOL}'}
    region = spec.get("region") or "us-east-1"
    identity = ses_backends[DEFAULT_ACCOUNT_ID][region].email_identities.get(spec["identity"])
    if identity is None:
        return 404, {"message": f"no identity {spec['identity']} in {region}"}
    identity.verified_for_sending_status = bool(spec.get("verified", True))
    identity.verification_status = "SUCCESS" if identity.verified_for_sending_status else "PENDING"
    return 200, {}


def handle(name: str, method: str, spec: Any) -> tuple[int, Any] | None:
    """Answers a control endpoint of this module; None when `name` is not one."""
    if name == "ses/verified" and method == "POST":
        return set_verified(spec)
    if name == "ses/events" and method == "GET":
        with _lock:
            return 200, list(_events)
    return None


def install() -> None:
    if _moto:
        return
    _moto["send_email"] = SESV2Response.send_email
    SESV2Response.send_email = send_email
    _moto["send_email_v1"] = EmailResponse.send_email
    EmailResponse.send_email = send_email_v1
    _moto["put_s3_records"] = FirehoseBackend.put_s3_records
    FirehoseBackend.put_s3_records = put_s3_records
