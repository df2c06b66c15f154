"""Residents of the demo town: the 500 m population mesh and the demo accounts."""

from __future__ import annotations

import math
import random

from maas.demo.region_data import (
    BUS_STOPS,
    CENTER_LAT,
    CENTER_LON,
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    MESH_COL_MAX,
    MESH_COL_MIN,
    MESH_ROW_MAX,
    MESH_ROW_MIN,
    lat_of,
    lon_of,
)

TOTAL_RESIDENTS = 9_000
POPULATION_SEED = 20_261_122
# (x_m, y_m, peak weight, decay_m, share aged 65+): the station town, the 1970s 若葉台 estate, the hamlet, and
# the villages around the outer stations. Old estates and hamlets age fastest.
SETTLEMENTS = [
    (0, 0, 900, 650, 0.37), (300, 1500, 220, 350, 0.48), (-1600, 2150, 70, 380, 0.62),
    (-1900, 700, 90, 420, 0.45), (2600, -1100, 80, 420, 0.40), (-3500, 1500, 35, 400, 0.55),
    (3700, -1700, 60, 500, 0.36),
]
FOREST_BELOW = 7.0  # relative weight under which a cell is woodland or paddy with nobody living there


def mesh_code(row: int, col: int) -> str:
    """JIS X 0410 1/2 mesh code of the cell whose south-west corner is (row/240°N, 100 + col/160°E)."""
    first = f"{row // 160:02d}{col // 160:02d}"
    second = f"{row % 160 // 20}{col % 160 // 20}"
    third = f"{row % 20 // 2}{col % 20 // 2}"
    return f"{first}{second}{third}{1 + col % 2 + 2 * (row % 2)}"


def _cells() -> list[tuple[str, float, float, float, float]]:
    """(cell_id, lat, lon, weight, share 65+) for every cell, north-west first."""
    rng = random.Random(POPULATION_SEED)
    cells = []
    for row in range(MESH_ROW_MAX - 1, MESH_ROW_MIN - 1, -1):
        for col in range(MESH_COL_MIN, MESH_COL_MAX):
            lat, lon = (row + 0.5) / 240, 100 + (col + 0.5) / 160
            x_m, y_m = (lon - CENTER_LON) * M_PER_DEG_LON, (lat - CENTER_LAT) * M_PER_DEG_LAT
            parts = [(w * math.exp(-math.hypot(x_m - sx, y_m - sy) / decay), share)
                     for sx, sy, w, decay, share in SETTLEMENTS]
            weight = sum(p for p, _ in parts) * (0.75 + 0.5 * rng.random())
            share = sum(p * s for p, s in parts) / max(sum(p for p, _ in parts), 1e-9)
            share = min(0.8, share + 0.06 * (rng.random() - 0.5) + 0.1 * max(0.0, y_m) / 2_800)
            cells.append((mesh_code(row, col), round(lat, 6), round(lon, 6), weight, share))
    return cells


def population_rows() -> list[dict]:
    cells = _cells()
    weights = [w if w >= FOREST_BELOW else 0.0 for _, _, _, w, _ in cells]
    total_weight = sum(weights)
    exact = [w / total_weight * TOTAL_RESIDENTS for w in weights]
    counts = [math.floor(e) for e in exact]
    # Largest remainders get the leftover residents so the town adds up to TOTAL_RESIDENTS exactly.
    order = sorted(range(len(cells)), key=lambda i: (counts[i] - exact[i], cells[i][0]))
    for i in order[: TOTAL_RESIDENTS - sum(counts)]:
        counts[i] += 1
    return [{"cell_id": cell_id, "lat": lat, "lon": lon, "population": n, "population_65_plus": round(n * share)}
            for (cell_id, lat, lon, _, share), n in zip(cells, counts)]


def _home(x_m: float, y_m: float) -> dict:
    return {"lat": lat_of(y_m), "lon": lon_of(x_m)}


def accounts() -> list[dict]:
    hamlet, estate = BUS_STOPS["B09"], BUS_STOPS["B05"]
    riders = [
        ("rider-haru", "haru.sato", "佐藤 ハル", "サトウ ハル", "1941-05-12", (hamlet.x_m + 120, hamlet.y_m + 60),
         ["walking_aid", "escort"], True),
        ("rider-shigeru", "shigeru.takahashi", "高橋 茂", "タカハシ シゲル", "1948-09-03",
         (estate.x_m - 90, estate.y_m + 140), ["wheelchair"], True),
        ("rider-chiyo", "chiyo.tanaka", "田中 千代", "タナカ チヨ", "1952-02-20", (-2250, 2440), ["hearing"], True),
        ("rider-toshi", "toshi.watanabe", "渡辺 トシ", "ワタナベ トシ", "1938-11-30", (-800, 350),
         ["visual", "walking_aid"], True),
        ("rider-misaki", "misaki.suzuki", "鈴木 美咲", "スズキ ミサキ", "1990-07-15", (260, 300), [], True),
        ("rider-kenta", "kenta.ito", "伊藤 健太", "イトウ ケンタ", "2007-04-08", (-1850, 760), [], True),
        # Lives just across the boundary in 桐原市, so no resident discounts apply.
        ("rider-naoki", "naoki.kobayashi", "小林 直樹", "コバヤシ ナオキ", "1979-10-01", (3500, -1600), [], False),
    ]
    # Phone and member numbers and the name's reading, so the call centre can find a caller by any.
    rows = [{"id": rid, "email": f"{local}@demo.maas.example", "display_name": name,
             "display_name_kana": kana, "role": "rider",
             "birth_date": born, "home": _home(*home), "needs": needs, "resident": resident,
             "phone": f"0274-52-{1101 + i * 11:04d}", "member_no": f"YMB-{1001 + i:05d}"}
            for i, (rid, local, name, kana, born, home, needs, resident) in enumerate(riders)]
    rows += [
        {"id": "agent-sakura", "email": "sakura.nakamura@demo.maas.example", "display_name": "中村 さくら",
         "display_name_kana": "ナカムラ サクラ", "role": "agent"},
        {"id": "analyst-koji", "email": "koji.yamada@demo.maas.example", "display_name": "山田 浩二",
         "display_name_kana": "ヤマダ コウジ", "role": "analyst"},
        {"id": "admin", "email": "admin@demo.maas.example", "display_name": "システム管理者", "role": "admin"},
    ]
    return rows

