"""CloudWatch metric alarms as AWS answers them (behind rpcv2cbor.py).

moto 5.2.5 differs from AWS where sesinfra relies on it:

* `PutMetricAlarm` of an alarm that exists merged the request's `Tags` into the
  alarm's; AWS ignores them then ("If you are using this operation to update an
  existing alarm, any tags you specify in this parameter are ignored", the API
  reference): tags change only through `TagResource` / `UntagResource`.
* `PutMetricAlarm` accepted any `AlarmActions` / `OKActions` /
  `InsufficientDataActions` text and any `TreatMissingData`; AWS answers
  `ValidationError` for an action that is not an ARN (sesinfra's alarms notify
  SNS topics) and for a `TreatMissingData` other than `breaching`,
  `notBreaching`, `ignore` and `missing`.
* `ListTagsForResource`, `TagResource` and `UntagResource` of an alarm that does
  not exist answered as if it had no tags; AWS answers
  `ResourceNotFoundException`.
* `DeleteAlarms` left the deleted alarms' tags behind, so an alarm made again
  under the name came back with them.
"""

from __future__ import annotations

import re
from typing import Any

from moto.cloudwatch.exceptions import ResourceNotFoundException, ValidationError
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
ACTION_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+")
ALARM_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:(?P<name>.+)")

_moto: dict[str, Any] = {}


def put_metric_alarm(self: CloudWatchResponse) -> ActionResult:
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        for action in self._get_param(key, []) or []:
            if not ACTION_ARN.fullmatch(str(action)):
                raise ValidationError(f"Invalid arn syntax: {action}")
    treat = self._get_param("TreatMissingData")
    if treat is not None and treat not in TREAT_MISSING_DATA:
        raise ValidationError(
            f"Invalid value for TreatMissingData: {treat}; one of {', '.join(TREAT_MISSING_DATA)}"
        )
    name = self._get_param("AlarmName")
    existing = self.cloudwatch_backend.alarms.get(name)
    kept = dict(self.cloudwatch_backend.tagger.get_tag_dict_for_resource(existing.alarm_arn)) if existing else None
    result = _moto["put_metric_alarm"](self)
    if existing is not None and kept is not None:
        backend = self.cloudwatch_backend
        arn = backend.alarms[name].alarm_arn
        backend.tagger.delete_all_tags_for_resource(arn)
        if kept:
            backend.tagger.tag_resource(arn, [{"Key": k, "Value": v} for k, v in kept.items()])
    return result


def _known_alarm(self: CloudWatchResponse) -> None:
    arn = self._get_param("ResourceARN") or ""
    match = ALARM_ARN.fullmatch(arn)
    if match and match.group("name") not in self.cloudwatch_backend.alarms:
        raise ResourceNotFoundException(f"The alarm {match.group('name')} does not exist.")


def list_tags_for_resource(self: CloudWatchResponse) -> ActionResult:
    _known_alarm(self)
    return _moto["list_tags_for_resource"](self)


def tag_resource(self: CloudWatchResponse) -> ActionResult:
    _known_alarm(self)
    return _moto["tag_resource"](self)


def untag_resource(self: CloudWatchResponse) -> ActionResult:
    _known_alarm(self)
    return _moto["untag_resource"](self)


def delete_alarms(self: CloudWatchResponse) -> ActionResult:
    backend = self.cloudwatch_backend
    for name in self._get_param("AlarmNames", []) or []:
        alarm = backend.alarms.get(name)
        if alarm is not None:
            backend.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
    return _moto["delete_alarms"](self)


REPLACED = [put_metric_alarm, list_tags_for_resource, tag_resource, untag_resource, delete_alarms]


def install() -> None:
    if _moto:
        return
    for handler in REPLACED:
        _moto[handler.__name__] = getattr(CloudWatchResponse, handler.__name__)
        setattr(CloudWatchResponse, handler.__name__, handler)
