"""The remote operator adapter for TOMP-API 2.0: operators that speak 2.0 plug in through the
`tomp` entry point with the option `"version": "2.0"` (docs/tomp.md, TOMP 2.0)."""

from operators.tomp2.adapter import RemoteTomp2Adapter

__all__ = ["RemoteTomp2Adapter"]
