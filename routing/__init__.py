"""Self-contained transit routing library: GTFS ingest, timetables and journey search."""
