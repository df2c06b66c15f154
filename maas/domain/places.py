"""Points of interest riders travel to: hospitals, shops, the town hall, stations."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class PlaceCategory(str, Enum):
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    STATION = "station"
    SUPERMARKET = "supermarket"
    CITY_HALL = "city_hall"
    POST_OFFICE = "post_office"
    PHARMACY = "pharmacy"
    COMMUNITY_CENTRE = "community_centre"


class Place(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    region_id: str
    name: str
    name_kana: str = ""
    name_en: str = ""
    category: PlaceCategory
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
