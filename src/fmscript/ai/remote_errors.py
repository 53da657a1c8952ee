"""Error codes of the remote providers (OpenAI, Custom), as data.

FileMaker reports network failures of its URL-based steps in the 1626–1635 range (names in
:mod:`fmscript.errors`); fmscript uses the same numbers for the model provider's failures, with the
provider's own message in the text:

====  =========================================================================================
code  meaning
====  =========================================================================================
1627  authentication failed: HTTP 401 or 403 (a missing, wrong or revoked API key)
1628  SSL error: the server's certificate could not be verified (Verify SSL Certificates is on)
1629  timed out: no connection within ``connect_timeout`` or no answer within ``request_timeout``
1630  the Endpoint is not an http(s) URL
1631  the provider failed or refused: connection refused, HTTP 4xx/5xx, a reply that is not
      JSON or not the object asked for (a file without an id, …)
====  =========================================================================================
"""

from __future__ import annotations

from fmscript.errors import AUTH_FAILED, CONNECTION_FAILED, SSL_ERROR, TIMED_OUT, URL_INVALID

__all__ = ["AUTH_FAILED", "BAD_URL", "HTTP_STATUS", "PROVIDER_FAILED", "SSL_ERROR", "TIMED_OUT", "for_status"]

BAD_URL = URL_INVALID
PROVIDER_FAILED = CONNECTION_FAILED

# HTTP status -> (code, what happened); other 4xx/5xx use the 400/500 rows.
HTTP_STATUS: dict[int, tuple[int, str]] = {
    400: (PROVIDER_FAILED, "the model provider rejected the request"),
    401: (AUTH_FAILED, "authentication failed: the model provider refused the API key"),
    403: (AUTH_FAILED, "access denied by the model provider"),
    404: (PROVIDER_FAILED, "not found at the model provider (check the Endpoint, the model and the ids)"),
    408: (TIMED_OUT, "the model provider timed out"),
    409: (PROVIDER_FAILED, "the model provider reported a conflict"),
    413: (PROVIDER_FAILED, "the model provider refused the upload as too large"),
    429: (PROVIDER_FAILED, "rate limited or over quota at the model provider"),
    500: (PROVIDER_FAILED, "the model provider failed"),
    504: (TIMED_OUT, "the model provider's gateway timed out"),
}


def for_status(status: int) -> tuple[int, str]:
    """(code, description) for an HTTP error status."""
    return HTTP_STATUS.get(status) or HTTP_STATUS[500 if status >= 500 else 400]
