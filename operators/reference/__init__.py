"""Reference operator services: small runnable HTTP servers that implement the TOMP-API subset of
docs/tomp.md (a taxi dispatcher and a bike-share operator). They stand in for outside
operators in tests and in the demo region; they are separate programs, not part of the MaaS
service, and the only package besides maas.api allowed to import aiohttp.web."""
