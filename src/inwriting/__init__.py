"""inwriting: the system of record for written commitments between parties."""

from inwriting.errors import (
    Conflict,
    InvalidInput,
    InwritingError,
    NotFound,
    RecordError,
    Refused,
    VerificationError,
)

__version__ = "0.1.0"

__all__ = [
    "Conflict",
    "InvalidInput",
    "InwritingError",
    "NotFound",
    "RecordError",
    "Refused",
    "VerificationError",
    "__version__",
]
