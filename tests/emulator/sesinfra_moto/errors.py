"""SES v2 error types, as the botocore service model `sesv2` defines them.

moto serialises any `ServiceException` whose `code` names an error shape of the
service model: the HTTP status comes from the shape (`httpStatusCode`), the
`X-Amzn-ErrorType` header and the JSON body's `__type` carry the code, and the
body carries the message.  That is the restJson1 error format that botocore and
the AWS SDK for Rust parse:

    HTTP/1.1 404
    X-Amzn-ErrorType: NotFoundException
    {"__type": "NotFoundException", "message": "..."}
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class SesV2Error(ServiceException):
    """Base class; `code` must be an error shape name of the sesv2 model."""


class NotFoundException(SesV2Error):  # 404
    code = "NotFoundException"


class AlreadyExistsException(SesV2Error):  # 400
    code = "AlreadyExistsException"


class BadRequestException(SesV2Error):  # 400
    code = "BadRequestException"


class LimitExceededException(SesV2Error):  # 400
    code = "LimitExceededException"


class TooManyRequestsException(SesV2Error):  # 429
    code = "TooManyRequestsException"


def error_for_code(code: str, message: str) -> SesV2Error:
    """An exception carrying any error code of the sesv2 model (fault injection)."""
    known = {
        cls.code: cls
        for cls in (
            NotFoundException,
            AlreadyExistsException,
            BadRequestException,
            LimitExceededException,
            TooManyRequestsException,
        )
    }
    cls = known.get(code)
    if cls is not None:
        return cls(message)
    return SesV2Error(code, message)
