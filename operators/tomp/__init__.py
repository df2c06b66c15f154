"""The remote operator adapter: operators that run their own system plug in over HTTP by exposing
the documented subset of TOMP-API 1.6.1 (docs/tomp.md)."""

from operators.tomp.adapter import RemoteTompAdapter, event_key
from operators.tomp.client import ClientOptions, TompClient
from operators.tomp.plugin import create

__all__ = ["ClientOptions", "RemoteTompAdapter", "TompClient", "create", "event_key"]
