"""Timetables compiled for one service date: numpy arrays ready for RAPTOR, cached on disk."""

from routing.timetable.cache import compile_timetable, load_or_compile
from routing.timetable.compile import TimetableParams, compile_feeds
from routing.timetable.model import FORMAT_VERSION, Timetable

__all__ = ["FORMAT_VERSION", "Timetable", "TimetableParams", "compile_feeds",
           "compile_timetable", "load_or_compile"]
