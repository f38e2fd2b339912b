"""SES v2 additions and fixes on top of moto's `sesv2` service.

Hook points (all public-ish moto objects, patched in `install()`):

* `moto.sesv2.urls.url_paths` gains one catch-all route so that every
  `/v2/email/...` path reaches `SESV2Response.dispatch`; moto then picks the
  operation from botocore's model (method + URI template), so a handler only
  has to exist as a method named after the operation.
* `SESV2Response` gains handlers for the operations moto lacks and replaces the
  ones whose behaviour differs from AWS.  State lives on moto's own objects
  (configuration sets, identities, the SES tagger), so `/moto-api/reset` clears it.

Every handler validates its input against the operation's input shape first
(validation.py), then applies the checks the model cannot express.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import parse_qs

import botocore.session
from moto.core.responses import ActionResult, EmptyResult
from moto.ses.models import ConfigurationSet, EmailIdentity
from moto.sesv2 import urls as sesv2_urls
from moto.sesv2.responses import SESV2Response

from .control import take_fault
from .errors import (
    AlreadyExistsException,
    BadRequestException,
    LimitExceededException,
    NotFoundException,
    error_for_code,
)
from .validation import validate_input

MODEL = botocore.session.get_session().get_service_model("sesv2")

# AWS quota: event destinations per configuration set.
MAX_EVENT_DESTINATIONS = 10

# Configuration set and event destination names: "up to 64 alphanumeric
# characters, including letters, numbers, hyphens (-) and underscores (_) only".
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

# ARN shapes accepted for each event destination target (partition, region and
# account must be well formed; the resource part as the owning service names it).
_PARTITION = r"arn:aws(?:-[a-z]+)*"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_ACCOUNT = r"\d{12}"
TARGET_ARNS: dict[str, dict[str, re.Pattern[str]]] = {
    "KinesisFirehoseDestination": {
        "IamRoleArn": re.compile(rf"{_PARTITION}:iam::{_ACCOUNT}:role/[\w+=,.@/-]{{1,512}}"),
        "DeliveryStreamArn": re.compile(
            rf"{_PARTITION}:firehose:{_REGION}:{_ACCOUNT}:deliverystream/[A-Za-z0-9_.-]{{1,64}}"
        ),
    },
    "SnsDestination": {
        "TopicArn": re.compile(rf"{_PARTITION}:sns:{_REGION}:{_ACCOUNT}:[A-Za-z0-9_-]{{1,256}}(?:\.fifo)?"),
    },
    "EventBridgeDestination": {
        "EventBusArn": re.compile(rf"{_PARTITION}:events:{_REGION}:{_ACCOUNT}:event-bus/[\w./-]{{1,256}}"),
    },
    "PinpointDestination": {
        "ApplicationArn": re.compile(rf"{_PARTITION}:mobiletargeting:{_REGION}:{_ACCOUNT}:apps/[A-Za-z0-9]+"),
    },
    "CloudWatchDestination": {},
}
SES_ARN = re.compile(rf"(?P<partition>{_PARTITION}):ses:(?P<region>[a-z0-9-]+):(?P<account>\d{{12}}):(?P<kind>[a-z-]+)/(?P<name>.+)")

# One lock for read-check-write sequences (the server is threaded).
_lock = threading.RLock()


# --------------------------------------------------------------------------- helpers


def _params(resp: SESV2Response, operation: str) -> dict[str, Any]:
    """The operation's input members as sent (JSON body, URI labels, query), validated."""
    op = MODEL.operation_model(operation)
    try:
        body = json.loads(resp.body) if resp.body else {}
    except ValueError:
        raise BadRequestException("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadRequestException("The request body must be a JSON object.")
    query = parse_qs(resp.parsed_url.query, keep_blank_values=True)
    params: dict[str, Any] = {}
    for name, shape in op.input_shape.members.items():
        location = shape.serialization.get("location")
        wire = shape.serialization.get("name", name)
        if location == "uri" and wire in resp.uri_match:
            params[name] = resp.uri_match[wire]
        elif location == "querystring" and wire in query:
            params[name] = query[wire] if shape.type_name == "list" else query[wire][0]
        elif location is None and name in body:
            params[name] = body[name]
    validate_input(op, params)
    return params


def _check_name(kind: str, name: str) -> None:
    if not NAME.fullmatch(name):
        raise BadRequestException(
            f"Invalid {kind} <{name}>: it must be 1 to 64 characters, letters, "
            "numbers, hyphens (-) and underscores (_) only."
        )


def _config_set(resp: SESV2Response, name: str) -> ConfigurationSet:
    config_set = resp.sesv2_backend.core_backend.config_sets.get(name)
    if config_set is None:
        raise NotFoundException(f"Configuration set <{name}> does not exist.")
    return config_set


def _identity(resp: SESV2Response, name: str) -> EmailIdentity:
    identity = resp.sesv2_backend.core_backend.email_identities.get(name)
    if identity is None:
        raise NotFoundException(f"Email identity <{name}> does not exist.")
    return identity


def _destinations(config_set: ConfigurationSet) -> dict[str, dict[str, Any]]:
    """Event destinations of a set, by name, in creation order (kept on the set)."""
    if not hasattr(config_set, "sesinfra_event_destinations"):
        config_set.sesinfra_event_destinations = {}
    return config_set.sesinfra_event_destinations


def _arn(resp: SESV2Response, resource: str) -> str:
    backend = resp.sesv2_backend
    return f"arn:{backend.partition}:ses:{backend.region_name}:{backend.account_id}:{resource}"


def _tags(resp: SESV2Response, arn: str) -> list[dict[str, str]]:
    return resp.sesv2_backend.core_backend.tagger.list_tags_for_resource(arn)["Tags"]


def _event_destination(name: str, definition: dict[str, Any]) -> dict[str, Any]:
    """Check an EventDestinationDefinition the way SES does; return the stored form."""
    targets = [t for t in TARGET_ARNS if definition.get(t) is not None]
    if len(targets) != 1:
        raise BadRequestException(
            "An event destination must have exactly one destination: one of "
            + ", ".join(TARGET_ARNS)
            + f" (got {len(targets)})."
        )
    target = targets[0]
    for member, pattern in TARGET_ARNS[target].items():
        value = definition[target].get(member, "")
        if not pattern.fullmatch(value):
            raise BadRequestException(f"Invalid {target}.{member}: <{value}> is not a valid ARN for it.")
    if target == "CloudWatchDestination":
        dimensions = definition[target]["DimensionConfigurations"]
        if not dimensions:
            raise BadRequestException("CloudWatchDestination needs at least one DimensionConfiguration.")
        for dimension in dimensions:
            for member in ("DimensionName", "DefaultDimensionValue"):
                if not 1 <= len(dimension[member]) <= 256:
                    raise BadRequestException(f"{member} must be 1 to 256 characters long.")
    event_types = definition.get("MatchingEventTypes")
    if not event_types:
        raise BadRequestException("MatchingEventTypes must contain at least one event type.")
    return {
        "Name": name,
        "Enabled": bool(definition.get("Enabled", False)),
        "MatchingEventTypes": list(dict.fromkeys(event_types)),
        target: definition[target],
    }


# --------------------------------------------------------------------------- added operations


def create_configuration_set_event_destination(self: SESV2Response) -> EmptyResult:
    p = _params(self, "CreateConfigurationSetEventDestination")
    name = p["EventDestinationName"]
    _check_name("event destination name", name)
    destination = _event_destination(name, p["EventDestination"])
    with _lock:
        destinations = _destinations(_config_set(self, p["ConfigurationSetName"]))
        if name in destinations:
            raise AlreadyExistsException(f"Event destination <{name}> already exists.")
        if len(destinations) >= MAX_EVENT_DESTINATIONS:
            raise LimitExceededException(
                f"Maximum number of event destinations ({MAX_EVENT_DESTINATIONS}) "
                f"reached for configuration set <{p['ConfigurationSetName']}>."
            )
        destinations[name] = destination
    return EmptyResult()


def get_configuration_set_event_destinations(self: SESV2Response) -> ActionResult:
    p = _params(self, "GetConfigurationSetEventDestinations")
    destinations = _destinations(_config_set(self, p["ConfigurationSetName"]))
    return ActionResult({"EventDestinations": list(destinations.values())})


def update_configuration_set_event_destination(self: SESV2Response) -> EmptyResult:
    # The definition replaces the stored one as a whole, as in AWS.
    p = _params(self, "UpdateConfigurationSetEventDestination")
    name = p["EventDestinationName"]
    destination = _event_destination(name, p["EventDestination"])
    with _lock:
        destinations = _destinations(_config_set(self, p["ConfigurationSetName"]))
        if name not in destinations:
            raise NotFoundException(f"Event destination <{name}> does not exist.")
        destinations[name] = destination
    return EmptyResult()


def delete_configuration_set_event_destination(self: SESV2Response) -> EmptyResult:
    p = _params(self, "DeleteConfigurationSetEventDestination")
    name = p["EventDestinationName"]
    with _lock:
        destinations = _destinations(_config_set(self, p["ConfigurationSetName"]))
        if destinations.pop(name, None) is None:
            raise NotFoundException(f"Event destination <{name}> does not exist.")
    return EmptyResult()


def put_email_identity_feedback_attributes(self: SESV2Response) -> EmptyResult:
    p = _params(self, "PutEmailIdentityFeedbackAttributes")
    _identity(self, p["EmailIdentity"]).feedback_forwarding_status = bool(p.get("EmailForwardingEnabled", False))
    return EmptyResult()


def put_email_identity_configuration_set_attributes(self: SESV2Response) -> EmptyResult:
    # Without ConfigurationSetName the identity's default set is removed.
    p = _params(self, "PutEmailIdentityConfigurationSetAttributes")
    identity = _identity(self, p["EmailIdentity"])
    name = p.get("ConfigurationSetName")
    if name:
        _config_set(self, name)
    identity.configuration_set_name = name or None
    return EmptyResult()


# PutConfigurationSet*Options: each replaces one option object of the set.
# moto's ConfigurationSet keeps them as dicts; an empty dict means "never set".


def put_configuration_set_sending_options(self: SESV2Response) -> EmptyResult:
    p = _params(self, "PutConfigurationSetSendingOptions")
    _config_set(self, p["ConfigurationSetName"]).enabled = {"SendingEnabled": bool(p.get("SendingEnabled", False))}
    return EmptyResult()


def put_configuration_set_reputation_options(self: SESV2Response) -> EmptyResult:
    p = _params(self, "PutConfigurationSetReputationOptions")
    config_set = _config_set(self, p["ConfigurationSetName"])
    options = dict(config_set.reputation_options or {})
    options["ReputationMetricsEnabled"] = bool(p.get("ReputationMetricsEnabled", False))
    config_set.reputation_options = options
    return EmptyResult()


def put_configuration_set_delivery_options(self: SESV2Response) -> EmptyResult:
    p = _params(self, "PutConfigurationSetDeliveryOptions")
    config_set = _config_set(self, p["ConfigurationSetName"])
    pool = p.get("SendingPoolName")
    if pool and pool not in self.sesv2_backend.core_backend.dedicated_ip_pools:
        raise NotFoundException(f"Dedicated IP pool <{pool}> does not exist.")
    config_set.delivery_options = {
        k: p[k] for k in ("TlsPolicy", "SendingPoolName", "MaxDeliverySeconds") if k in p
    }
    return EmptyResult()


def put_configuration_set_tracking_options(self: SESV2Response) -> EmptyResult:
    # Without CustomRedirectDomain the custom tracking domain is removed.
    p = _params(self, "PutConfigurationSetTrackingOptions")
    config_set = _config_set(self, p["ConfigurationSetName"])
    if p.get("CustomRedirectDomain"):
        config_set.tracking_options = {k: p[k] for k in ("CustomRedirectDomain", "HttpsPolicy") if k in p}
    else:
        config_set.tracking_options = {}
    return EmptyResult()


def put_configuration_set_suppression_options(self: SESV2Response) -> EmptyResult:
    p = _params(self, "PutConfigurationSetSuppressionOptions")
    config_set = _config_set(self, p["ConfigurationSetName"])
    # Without SuppressedReasons the set stops overriding the account-level list
    # (GetConfigurationSet then omits SuppressionOptions); an empty list is an
    # override that suppresses nothing.  These differ: AWS's API reference and
    # hashicorp/terraform-provider-aws#29671 / #45756.
    options = {k: p[k] for k in ("SuppressedReasons", "SuppressionScope", "ValidationOptions") if k in p}
    if "SuppressedReasons" in options:
        options["SuppressedReasons"] = list(dict.fromkeys(options["SuppressedReasons"]))
        config_set.suppression_options = options
    else:
        config_set.suppression_options = {}
    return EmptyResult()


def put_configuration_set_vdm_options(self: SESV2Response) -> EmptyResult:
    # Replaces the set's VDM options; without VdmOptions the set has none and
    # follows the account's VDM settings again (GetConfigurationSet omits them).
    p = _params(self, "PutConfigurationSetVdmOptions")
    config_set = _config_set(self, p["ConfigurationSetName"])
    config_set.vdm_options = {k: v for k, v in (p.get("VdmOptions") or {}).items() if v}
    return EmptyResult()


def put_configuration_set_archiving_options(self: SESV2Response) -> EmptyResult:
    # Without ArchiveArn the set stops archiving.  The ARN's shape is checked
    # against the model's pattern (validation.py); whether the Mail Manager
    # archive exists is not.
    p = _params(self, "PutConfigurationSetArchivingOptions")
    config_set = _config_set(self, p["ConfigurationSetName"])
    config_set.sesinfra_archiving_options = {"ArchiveArn": p["ArchiveArn"]} if p.get("ArchiveArn") else {}
    return EmptyResult()


def update_configuration_set(self: SESV2Response) -> EmptyResult:
    # A partial update (the API reference): members left out stay as they are.
    # MessageSecurityOptions is its only option group.
    p = _params(self, "UpdateConfigurationSet")
    config_set = _config_set(self, p["ConfigurationSetName"])
    if p.get("MessageSecurityOptions") is not None:
        config_set.sesinfra_message_security_options = p["MessageSecurityOptions"]
    return EmptyResult()


ADDED = [
    create_configuration_set_event_destination,
    get_configuration_set_event_destinations,
    update_configuration_set_event_destination,
    delete_configuration_set_event_destination,
    put_email_identity_feedback_attributes,
    put_email_identity_configuration_set_attributes,
    put_configuration_set_sending_options,
    put_configuration_set_reputation_options,
    put_configuration_set_delivery_options,
    put_configuration_set_tracking_options,
    put_configuration_set_suppression_options,
    put_configuration_set_vdm_options,
    put_configuration_set_archiving_options,
    update_configuration_set,
]


# --------------------------------------------------------------------------- replaced operations

_moto: dict[str, Any] = {}  # moto's original handlers, by name


def create_configuration_set(self: SESV2Response) -> Any:
    # Fix: a duplicate answered `ConfigurationSetAlreadyExistsException`, a code
    # that is not in the SES v2 model; AWS answers AlreadyExistsException.
    # Also validates the name and the option objects (enums, ranges).
    p = _params(self, "CreateConfigurationSet")
    name = p["ConfigurationSetName"]
    _check_name("configuration set name", name)
    with _lock:
        if name in self.sesv2_backend.core_backend.config_sets:
            raise AlreadyExistsException(f"Configuration set <{name}> already exists.")
        answer = _moto["create_configuration_set"](self)
        config_set = self.sesv2_backend.core_backend.config_sets[name]
        # moto kept VdmOptions as sent and ignored ArchivingOptions and
        # MessageSecurityOptions; all three are now stored and reported.
        config_set.vdm_options = {k: v for k, v in (p.get("VdmOptions") or {}).items() if v}
        if (p.get("ArchivingOptions") or {}).get("ArchiveArn"):
            config_set.sesinfra_archiving_options = {"ArchiveArn": p["ArchivingOptions"]["ArchiveArn"]}
        if p.get("MessageSecurityOptions") is not None:
            config_set.sesinfra_message_security_options = p["MessageSecurityOptions"]
        # Fix: `SendingOptions: {}` (SendingEnabled left out: clients such as the
        # AWS SDK for Rust omit a boolean member equal to its model default, false)
        # was stored as "no sending options" and read back as enabled.
        if p.get("SendingOptions") is not None:
            enabled = bool(p["SendingOptions"].get("SendingEnabled", False))
            self.sesv2_backend.core_backend.config_sets[name].enabled = {"SendingEnabled": enabled}
        return answer


def get_configuration_set(self: SESV2Response) -> ActionResult:
    # Fix: moto reported SendingEnabled false (and a nested dict once options
    # were given), empty objects for options never set, and only creation-time
    # tags.  AWS: SendingOptions.SendingEnabled defaults to true,
    # ReputationOptions.ReputationMetricsEnabled to false, other option objects
    # appear once set, Tags is the set's current tag list.
    p = _params(self, "GetConfigurationSet")
    name = p["ConfigurationSetName"]
    config_set = _config_set(self, name)
    enabled = config_set.enabled  # v1 stores a bool, moto's v2 the SendingOptions dict
    if isinstance(enabled, dict):
        enabled = enabled.get("SendingEnabled", True)
    result: dict[str, Any] = {
        "ConfigurationSetName": name,
        "SendingOptions": {"SendingEnabled": bool(enabled) if enabled is not None else True},
        "ReputationOptions": {"ReputationMetricsEnabled": False, **(config_set.reputation_options or {})},
        "Tags": _tags(self, _arn(self, f"configuration-set/{name}")),
    }
    for member, attribute in (
        ("TrackingOptions", "tracking_options"),
        ("DeliveryOptions", "delivery_options"),
        ("SuppressionOptions", "suppression_options"),
        ("VdmOptions", "vdm_options"),
        ("ArchivingOptions", "sesinfra_archiving_options"),
        ("MessageSecurityOptions", "sesinfra_message_security_options"),
    ):
        value = getattr(config_set, attribute, None)
        if value:
            result[member] = value
    return ActionResult(result)


def delete_configuration_set(self: SESV2Response) -> EmptyResult:
    # Fix: an unknown set made moto fail with a KeyError (HTTP 500); AWS answers
    # NotFoundException (404).  Deleting a set also deletes its event
    # destinations (they live on the set object) and its tags.
    p = _params(self, "DeleteConfigurationSet")
    name = p["ConfigurationSetName"]
    with _lock:
        _config_set(self, name)
        self.sesv2_backend.core_backend.config_sets.pop(name)
        self.sesv2_backend.core_backend.tagger.delete_all_tags_for_resource(
            _arn(self, f"configuration-set/{name}")
        )
    return EmptyResult()


def create_email_identity(self: SESV2Response) -> ActionResult:
    # Fix: a duplicate identity was silently re-created (AWS:
    # AlreadyExistsException), and a default configuration set that does not
    # exist was accepted (AWS: NotFoundException).
    p = _params(self, "CreateEmailIdentity")
    name = p["EmailIdentity"]
    with _lock:
        if name in self.sesv2_backend.core_backend.email_identities:
            raise AlreadyExistsException(f"Email identity <{name}> already exists.")
        if p.get("ConfigurationSetName"):
            _config_set(self, p["ConfigurationSetName"])
        answer = json.loads(_moto["create_email_identity"](self))
        if p.get("Tags"):
            self.sesv2_backend.core_backend.tagger.tag_resource(_arn(self, f"identity/{name}"), p["Tags"])
    # Through moto's serializer: timestamps become epoch seconds (restJson1), not ISO strings.
    return ActionResult(answer)


def get_email_identity(self: SESV2Response) -> ActionResult:
    # Reflects PutEmailIdentity*Attributes and the identity's current tags
    # (AWS ARN form arn:...:identity/NAME); members without a value are omitted.
    # Fix: DKIM timestamps were ISO strings; restJson1 (the Rust SDK) wants
    # epoch seconds, which moto's serializer writes.
    p = _params(self, "GetEmailIdentity")
    identity = _identity(self, p["EmailIdentity"])
    result = dict(identity.get_response_object)
    result["FeedbackForwardingStatus"] = bool(identity.feedback_forwarding_status)
    result["ConfigurationSetName"] = identity.configuration_set_name
    result["Tags"] = _tags(self, _arn(self, f"identity/{p['EmailIdentity']}"))
    return ActionResult({k: v for k, v in result.items() if v is not None})


def delete_email_identity(self: SESV2Response) -> EmptyResult:
    # Fix: deleting an unknown identity succeeded; AWS answers NotFoundException.
    p = _params(self, "DeleteEmailIdentity")
    name = p["EmailIdentity"]
    with _lock:
        _identity(self, name)
        self.sesv2_backend.core_backend.email_identities.pop(name)
        # Its SES v1 notification topics go with it (moto kept them).
        self.sesv2_backend.core_backend.sns_topics.pop(name, None)
        self.sesv2_backend.core_backend.tagger.delete_all_tags_for_resource(_arn(self, f"identity/{name}"))
    return EmptyResult()


def _tagged_resource(self: SESV2Response, arn: str) -> None:
    """Tag operations: the ARN must be an SES ARN; sets and identities must exist."""
    match = SES_ARN.fullmatch(arn)
    if not match:
        raise BadRequestException(f"Invalid resource ARN <{arn}>.")
    backend = self.sesv2_backend
    here = (match["region"], match["account"]) == (backend.region_name, backend.account_id)
    kind, name = match["kind"], match["name"]
    if kind == "configuration-set" and (not here or name not in backend.core_backend.config_sets):
        raise NotFoundException(f"Resource <{arn}> does not exist.")
    if kind == "identity" and (not here or name not in backend.core_backend.email_identities):
        raise NotFoundException(f"Resource <{arn}> does not exist.")


def tag_resource(self: SESV2Response) -> Any:
    # Fix: moto tagged any ARN, even of a set that does not exist (AWS: NotFoundException).
    p = _params(self, "TagResource")
    _tagged_resource(self, p["ResourceArn"])
    if len(p["Tags"]) > 50:
        raise BadRequestException("A resource can have at most 50 tags.")
    return _moto["tag_resource"](self)


def untag_resource(self: SESV2Response) -> Any:
    p = _params(self, "UntagResource")
    _tagged_resource(self, p["ResourceArn"])
    return _moto["untag_resource"](self)


def list_tags_for_resource(self: SESV2Response) -> Any:
    p = _params(self, "ListTagsForResource")
    _tagged_resource(self, p["ResourceArn"])
    return _moto["list_tags_for_resource"](self)


REPLACED = [
    create_configuration_set,
    get_configuration_set,
    delete_configuration_set,
    create_email_identity,
    get_email_identity,
    delete_email_identity,
    tag_resource,
    untag_resource,
    list_tags_for_resource,
]


# --------------------------------------------------------------------------- fault injection


def call_action(self: SESV2Response) -> Any:
    """Answer with a fault queued through the control endpoint, if one is due."""
    operation = self._get_action()
    fault = take_fault(operation) if operation else None
    if fault is not None:
        if fault["lost"]:
            # SES acts on the call; only its answer does not arrive.
            _moto["call_action"](self)
        return self.serialized(ActionResult(error_for_code(fault["error"], fault["message"])))
    return _moto["call_action"](self)


def _identity_init(self: EmailIdentity, *args: Any, **kwargs: Any) -> None:
    # Fix: new identities reported FeedbackForwardingStatus false; AWS enables
    # email feedback forwarding by default.
    _moto["EmailIdentity.__init__"](self, *args, **kwargs)
    self.feedback_forwarding_status = True


def install() -> None:
    if "call_action" in _moto:
        return
    # Route every /v2/email/... path to moto's SES v2 dispatcher (moto lists only
    # the paths of the operations it implements).
    sesv2_urls.url_paths["{0}/v2/email/(?P<sesinfra_path>.+)$"] = SESV2Response.dispatch
    for handler in REPLACED + [call_action]:
        _moto[handler.__name__] = getattr(SESV2Response, handler.__name__)
    for handler in ADDED + REPLACED + [call_action]:
        setattr(SESV2Response, handler.__name__, handler)
    _moto["EmailIdentity.__init__"] = EmailIdentity.__init__
    EmailIdentity.__init__ = _identity_init
