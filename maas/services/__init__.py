"""Use cases: what riders, operators and municipalities ask the service to do."""
