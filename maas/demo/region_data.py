"""Geography of the fictional 山吹町: the map frame, named places and the public holidays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REGION_ID = "yamabuki"
TIMEZONE = "Asia/Tokyo"
CURRENCY = "JPY"
CENTER_LAT = 36.40
CENTER_LON = 138.90

# The bbox follows the JIS X 0410 1/2-mesh grid (15" of latitude by 22.5" of longitude),
# so the population cells tile it exactly: 12 rows by 14 columns, about 5.6 km by 7.8 km.
MESH_ROW_MIN, MESH_ROW_MAX = 8730, 8742  # latitude in units of 1/240 degree
MESH_COL_MIN, MESH_COL_MAX = 6217, 6231  # longitude minus 100 in units of 1/160 degree
BBOX = (
    round(100 + MESH_COL_MIN / 160, 6),
    round(MESH_ROW_MIN / 240, 6),
    round(100 + MESH_COL_MAX / 160, 6),
    round(MESH_ROW_MAX / 240, 6),
)

# Local metres per degree at 36.4°N; an equirectangular frame is exact enough over 8 km.
M_PER_DEG_LAT = 110_966
M_PER_DEG_LON = 89_705

SERVICE_START = dt.date(2026, 4, 1)
SERVICE_END = dt.date(2027, 3, 31)
NEW_YEAR_BREAK = (dt.date(2026, 12, 29), dt.date(2027, 1, 3))


def lat_of(y_m: float) -> float:
    return round(CENTER_LAT + y_m / M_PER_DEG_LAT, 6)


def lon_of(x_m: float) -> float:
    return round(CENTER_LON + x_m / M_PER_DEG_LON, 6)


@dataclass(frozen=True)
class Place:
    """A named point, placed in metres east (x) and north (y) of the town centre."""

    id: str
    name: str
    kana: str
    en: str
    x_m: float
    y_m: float

    @property
    def lat(self) -> float:
        return lat_of(self.y_m)

    @property
    def lon(self) -> float:
        return lon_of(self.x_m)

    def distance_m(self, other: Place) -> float:
        return ((self.x_m - other.x_m) ** 2 + (self.y_m - other.y_m) ** 2) ** 0.5


# 山吹鉄道 山吹線, west to east; 桐原 is the first station of the neighbouring 桐原市.
STATIONS = [
    Place("R01", "奥山吹駅", "おくやまぶきえき", "Oku-Yamabuki Station", -3500, 1500),
    Place("R02", "上山吹駅", "かみやまぶきえき", "Kami-Yamabuki Station", -1900, 700),
    Place("R03", "山吹駅", "やまぶきえき", "Yamabuki Station", 0, 0),
    Place("R04", "山吹高校前駅", "やまぶきこうこうまええき", "Yamabuki Kōkō-mae Station", 1400, -500),
    Place("R05", "中瀬駅", "なかぜえき", "Nakaze Station", 2600, -1100),
    Place("R06", "桐原駅", "きりはらえき", "Kirihara Station", 3700, -1700),
]
MAIN_STATION = STATIONS[2]

BUS_STOPS = {
    p.id: p
    for p in [
        Place("B01", "山吹駅前", "やまぶきえきまえ", "Yamabuki Station Bus Stop", 40, -90),
        Place("B02", "本町", "ほんまち", "Honmachi", 350, 400),
        Place("B03", "スーパーやまぶき前", "すーぱーやまぶきまえ", "Super Yamabuki", 1000, 650),
        Place("B04", "山吹町立病院", "やまぶきちょうりつびょういん", "Yamabuki Town Hospital", 1250, 1350),
        Place("B05", "若葉台", "わかばだい", "Wakabadai", 300, 1500),
        Place("B06", "山吹町役場", "やまぶきまちやくば", "Yamabuki Town Hall", -500, 700),
        Place("B07", "中央公民館", "ちゅうおうこうみんかん", "Central Community Hall", -700, 100),
        Place("B08", "檜沢入口", "ひのきざわいりぐち", "Hinokizawa Entrance", -1000, 1600),
        Place("B09", "檜沢", "ひのきざわ", "Hinokizawa", -1600, 2150),
        Place("B10", "檜沢上", "ひのきざわかみ", "Upper Hinokizawa", -2300, 2500),
    ]
}

# (place, category) for pois.geojson; each sits a short walk from the stop that serves it.
POIS = [
    (Place("poi-hospital", "山吹町立病院", "やまぶきちょうりつびょういん", "Yamabuki Town Hospital", 1290, 1390), "hospital"),
    (Place("poi-clinic", "本町内科クリニック", "ほんまちないかくりにっく", "Honmachi Internal Medicine Clinic", 390, 440), "clinic"),
    (Place("poi-station", "山吹駅", "やまぶきえき", "Yamabuki Station", 0, 0), "station"),
    (Place("poi-kirihara-station", "桐原駅", "きりはらえき", "Kirihara Station", 3700, -1700), "station"),
    (Place("poi-supermarket", "スーパーやまぶき", "すーぱーやまぶき", "Super Yamabuki", 1030, 690), "supermarket"),
    (Place("poi-town-hall", "山吹町役場", "やまぶきまちやくば", "Yamabuki Town Hall", -530, 730), "city_hall"),
    (Place("poi-post-office", "山吹郵便局", "やまぶきゆうびんきょく", "Yamabuki Post Office", 310, 360), "post_office"),
    (Place("poi-pharmacy", "やまぶき薬局", "やまぶきやっきょく", "Yamabuki Pharmacy", 1210, 1310), "pharmacy"),
    (Place("poi-community-centre", "中央公民館", "ちゅうおうこうみんかん", "Central Community Hall", -730, 130), "community_centre"),
    (Place("poi-hinokizawa-hall", "檜沢集会所", "ひのきざわしゅうかいじょ", "Hinokizawa Meeting Hall", -1650, 2200), "community_centre"),
]

# 乗降ポイント of the on-demand van, and its depot at the 山吹交通 office.
VIRTUAL_STOPS = [
    Place("vs-01", "山吹駅南口", "やまぶきえきみなみぐち", "Yamabuki Station South Exit", 30, -130),
    Place("vs-02", "山吹町立病院 正面玄関", "やまぶきちょうりつびょういん しょうめんげんかん", "Yamabuki Town Hospital Main Entrance", 1240, 1330),
    Place("vs-03", "スーパーやまぶき", "すーぱーやまぶき", "Super Yamabuki", 1020, 630),
    Place("vs-04", "山吹町役場", "やまぶきまちやくば", "Yamabuki Town Hall", -500, 680),
    Place("vs-05", "中央公民館", "ちゅうおうこうみんかん", "Central Community Hall", -720, 110),
    Place("vs-06", "若葉台集会所", "わかばだいしゅうかいじょ", "Wakabadai Meeting Hall", 320, 1480),
    Place("vs-07", "檜沢入口", "ひのきざわいりぐち", "Hinokizawa Entrance", -980, 1580),
    Place("vs-08", "檜沢集会所", "ひのきざわしゅうかいじょ", "Hinokizawa Meeting Hall", -1650, 2230),
    Place("vs-09", "檜沢上", "ひのきざわかみ", "Upper Hinokizawa", -2280, 2480),
    Place("vs-10", "北原", "きたはら", "Kitahara", -2500, 2100),
]
DEPOT = Place("depot", "山吹交通 営業所", "やまぶきこうつう えいぎょうしょ", "Yamabuki Kōtsū Office", -250, -350)

# Outline of the on-demand service area, counter-clockwise as RFC 7946 asks: the town
# centre around the station plus the road up to the 檜沢 hamlet.
ON_DEMAND_OUTLINE_M = [
    (-700, -500), (1000, -500), (1700, 200), (1700, 1750), (600, 1950), (-1400, 2740),
    (-2700, 2740), (-2800, 2000), (-1500, 1300), (-1100, 300),
]

# 国民の祝日 from 2026-04-01 to 2027-03-31, including 振替休日 and the 国民の休日 of 2026-09-22.
PUBLIC_HOLIDAYS = {
    dt.date(2026, 4, 29): "昭和の日",
    dt.date(2026, 5, 3): "憲法記念日",
    dt.date(2026, 5, 4): "みどりの日",
    dt.date(2026, 5, 5): "こどもの日",
    dt.date(2026, 5, 6): "振替休日",
    dt.date(2026, 7, 20): "海の日",
    dt.date(2026, 8, 11): "山の日",
    dt.date(2026, 9, 21): "敬老の日",
    dt.date(2026, 9, 22): "国民の休日",
    dt.date(2026, 9, 23): "秋分の日",
    dt.date(2026, 10, 12): "スポーツの日",
    dt.date(2026, 11, 3): "文化の日",
    dt.date(2026, 11, 23): "勤労感謝の日",
    dt.date(2027, 1, 1): "元日",
    dt.date(2027, 1, 11): "成人の日",
    dt.date(2027, 2, 11): "建国記念の日",
    dt.date(2027, 2, 23): "天皇誕生日",
    dt.date(2027, 3, 21): "春分の日",
    dt.date(2027, 3, 22): "振替休日",
}


def in_new_year_break(day: dt.date) -> bool:
    return NEW_YEAR_BREAK[0] <= day <= NEW_YEAR_BREAK[1]


def epoch_s(iso_local: str) -> int:
    """POSIX seconds of an ISO timestamp with an explicit offset, e.g. '2026-11-01T00:00:00+09:00'."""
    return int(dt.datetime.fromisoformat(iso_local).timestamp())
