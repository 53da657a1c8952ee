"""Error codes of the remote providers (OpenAI, Custom), as data.

FileMaker reports network failures of its URL-based steps in the 1626–1635 range; fmscript uses
those numbers for failures to reach the provider, and FileMaker's general codes for what the
provider answers, so a script can tell "fix the request" from "try again later". The provider's own
message is always in the text. (Names in :mod:`fmscript.errors`.)

====  =========================================================================================
code  meaning
====  =========================================================================================
10    not found at the provider (HTTP 404: the model, the file or the job id; or a wrong Endpoint)
14    the provider rejected the request as invalid (HTTP 400, 409, 413, 415, 422, other 4xx)
16    the provider failed or is busy; retry later (HTTP 429, 5xx)
1627  authentication failed (HTTP 401 or 403: a missing, wrong or revoked API key)
1628  SSL error: the server's certificate could not be verified (Verify SSL Certificates is on)
1629  timed out: no connection within ``connect_timeout``, no answer within ``request_timeout``
      (HTTP 408 and 504 too)
1630  the Endpoint is not an http(s) URL
1631  connection failed: refused or dropped, or the reply is not the API's (not JSON, not the
      object asked for, a file or job without an id)
====  =========================================================================================
"""

from __future__ import annotations

from fmscript.errors import (
    AUTH_FAILED,
    CONNECTION_FAILED,
    DATA_MISSING,
    OPERATION_FAILED,
    OUT_OF_RANGE,
    SSL_ERROR,
    TIMED_OUT,
    URL_INVALID,
)

__all__ = ["AUTH_FAILED", "BAD_URL", "HTTP_STATUS", "PROVIDER_FAILED", "SSL_ERROR", "TIMED_OUT", "for_status"]

BAD_URL = URL_INVALID
PROVIDER_FAILED = CONNECTION_FAILED

# HTTP status -> (code, what happened); other 4xx/5xx use the 400/500 rows.
HTTP_STATUS: dict[int, tuple[int, str]] = {
    400: (OUT_OF_RANGE, "the model provider rejected the request"),
    401: (AUTH_FAILED, "authentication failed: the model provider refused the API key"),
    403: (AUTH_FAILED, "access denied by the model provider"),
    404: (DATA_MISSING, "not found at the model provider (check the Endpoint, the model and the ids)"),
    408: (TIMED_OUT, "the model provider timed out"),
    413: (OUT_OF_RANGE, "the model provider refused the upload as too large"),
    429: (OPERATION_FAILED, "rate limited or over quota at the model provider; retry later"),
    500: (OPERATION_FAILED, "the model provider failed; retry later"),
    504: (TIMED_OUT, "the model provider's gateway timed out"),
}


def for_status(status: int) -> tuple[int, str]:
    """(code, description) for an HTTP error status."""
    return HTTP_STATUS.get(status) or HTTP_STATUS[500 if status >= 500 else 400]
