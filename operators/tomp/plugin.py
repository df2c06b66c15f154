"""The remote adapter's entry point (`maas.operators` group, name `tomp`).

Options: `base_url` (required, http or https), `timeout_s` (each attempt, default 5),
`retries` (further attempts of a safe request, default 2), `backoff_s` (default 0.2),
`maas_id` (our id in the `maas-id` header, default "maas"), `api_key` (sent as X-API-Key),
`token_url`, `client_id`, `client_secret` (OAuth2 client credentials: a bearer token fetched
and renewed as it lapses), `max_retry_after_s` (default 10), `accept_language`, `version`
("1.6", the default, or "2.0": the TOMP 2.0 adapter of operators/tomp2, same options; its
`api_key` is sent as the bearer token). The factory creates the adapter's one ClientSession when an event loop is
running (otherwise at the first request); the adapter's `aclose` closes it.
"""

from __future__ import annotations

import asyncio

from maas.domain.ports import AdapterContext
from operators.tomp.adapter import RemoteTompAdapter
from operators.tomp2.adapter import RemoteTomp2Adapter

_NUMBERS = {"timeout_s": float, "retries": int, "backoff_s": float, "max_retry_after_s": float}
_TEXTS = ("maas_id", "api_key", "accept_language", "token_url", "client_id", "client_secret")


VERSIONS = ("1.6", "2.0")


def create(context: AdapterContext) -> RemoteTompAdapter | RemoteTomp2Adapter:
    options = dict(context.options)
    version = str(options.pop("version", "1.6"))
    if version not in VERSIONS:
        raise ValueError(f"tomp option version must be one of {', '.join(VERSIONS)}, not {version!r}")
    unknown = set(options) - {"base_url", *_NUMBERS, *_TEXTS}
    if unknown:
        raise ValueError(f"unknown tomp options: {', '.join(sorted(unknown))}")
    if not isinstance(options.get("base_url"), str):
        raise ValueError("the tomp adapter needs the option base_url (the operator's TOMP endpoint)")
    kwargs: dict[str, object] = {}
    for name, kind in _NUMBERS.items():
        if name in options:
            value = options[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"tomp option {name} must be a number")
            kwargs[name] = kind(value)
    for name in _TEXTS:
        if name in options:
            if not isinstance(options[name], str):
                raise ValueError(f"tomp option {name} must be a string")
            kwargs[name] = options[name]
    kind = RemoteTomp2Adapter if version == "2.0" else RemoteTompAdapter
    adapter = kind(context.operator_id, options["base_url"], None, **kwargs)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return adapter  # no loop yet: the session is made at the first request
    adapter.client.open_session()
    return adapter
