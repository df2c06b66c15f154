"""HTTP to one TOMP 2.0 operator: the 1.6 client's time limits, safe retries and error mapping
(operators/tomp/client.py), with 2.0's headers. 2.0 requires `Accept-Language` and
`authorization` on every call (its BearerAuth): the configured `api_key` is sent as the bearer
token, or a token from OAuth2 client credentials. `Idempotency-Key` is the subset's convention,
as in 1.6.
"""

from __future__ import annotations

from operators.tomp.client import TompClient

API_VERSION = "2.0"


class Tomp2Client(TompClient):
    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json, application/geo+json",
                   "Accept-Language": self.options.accept_language, "maas-id": self.options.maas_id}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token[0]}"
        elif self.options.api_key:
            headers["Authorization"] = f"Bearer {self.options.api_key}"
        return headers
