"""Timetables of whole calendars: numpy arrays ready for RAPTOR, cached per feed on disk."""

from routing.timetable.cache import (compile_timetable, load_calendar, load_or_compile,
                                     load_or_compile_feed)
from routing.timetable.compile import TimetableParams, compile_calendar, compile_feed, compile_feeds
from routing.timetable.day import timetable_on_day
from routing.timetable.link import link_feeds
from routing.timetable.model import FORMAT_VERSION, Timetable

__all__ = ["FORMAT_VERSION", "Timetable", "TimetableParams", "compile_calendar", "compile_feed",
           "compile_feeds", "compile_timetable", "link_feeds", "load_calendar", "load_or_compile",
           "load_or_compile_feed", "timetable_on_day"]
