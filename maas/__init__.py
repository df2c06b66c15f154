"""MaaS backend: plan, book and pay for door-to-door trips in regional Japan."""

__version__ = "0.1.0"
