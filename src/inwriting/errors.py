"""One error hierarchy for inwriting: every error has a stable code, an HTTP status and a one-line
human explanation. The CLI prints the explanation and exits 1; the API renders an envelope.

    InwritingError
    ├── InvalidInput        (400) bad arguments or malformed files
    ├── NotFound            (404) no such thing (or not visible to the caller)
    ├── Conflict            (409) the thing exists already, or the log moved on
    ├── Refused             (422) a domain rule forbids the act
    ├── RecordError         (422) a signed event cannot be appended (bad signature, revoked key,
    │                             out of order, replayed)
    └── VerificationError   (422) a record, proof, note or bundle fails verification
"""

from __future__ import annotations


class InwritingError(Exception):
    """Base class: `code` is stable for scripts; `str(err)` is the one-line explanation."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        if self.where:
            return f"{self.where}: {self.message}"
        return self.message

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "where": self.where}


class InvalidInput(InwritingError):
    code = "invalid_input"
    http_status = 400


class NotFound(InwritingError):
    code = "not_found"
    http_status = 404


class Conflict(InwritingError):
    code = "conflict"
    http_status = 409


class Refused(InwritingError):
    code = "refused"
    http_status = 422


class RecordError(InwritingError):
    code = "record_refused"
    http_status = 422


class VerificationError(InwritingError):
    """Something signed or hashed does not check out; `where` names the event, key or hash."""

    code = "verification_failed"
    http_status = 422


__all__ = [
    "Conflict",
    "InvalidInput",
    "InwritingError",
    "NotFound",
    "RecordError",
    "Refused",
    "VerificationError",
]
