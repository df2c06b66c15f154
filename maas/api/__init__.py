"""HTTP API on aiohttp: the only package that imports aiohttp.web."""
