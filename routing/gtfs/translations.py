"""Stop-name translations from translations.txt in both layouts: current GTFS (table_name/field_name/...) and GTFS-JP v1 (trans_id/lang)."""

from __future__ import annotations

import pandas as pd

from routing.gtfs.reader import LoadedFeed

KANA = "ja-Hrkt"


def _language(code: object) -> str:
    text = str(code).strip()
    # "en-US", "en-GB" and "en" all serve English-speaking riders the same way.
    return "en" if text.lower().startswith("en") else text


def stop_name_translations(loaded: LoadedFeed) -> dict[str, dict[str, str]]:
    """stop_id → {language: translated stop name}; languages as in the feed, English variants folded to "en"."""
    table = loaded.extra_tables.get("translations")
    stops = loaded.feed.stops
    if table is None or stops is None or len(table) == 0:
        return {}
    names = stops[["stop_id", "stop_name"]].dropna()
    if {"table_name", "field_name", "language", "translation"} <= set(table.columns):
        rows = table[(table["table_name"] == "stops") & (table["field_name"] == "stop_name")]
        by_record = rows[rows["record_id"].notna()] if "record_id" in rows else rows.iloc[0:0]
        by_value = rows[rows["field_value"].notna()] if "field_value" in rows else rows.iloc[0:0]
        pairs = [by_record.rename(columns={"record_id": "stop_id"})[["stop_id", "language", "translation"]]]
        if len(by_value):
            joined = by_value.merge(names, left_on="field_value", right_on="stop_name")
            pairs.append(joined[["stop_id", "language", "translation"]])
    elif {"trans_id", "lang", "translation"} <= set(table.columns):
        joined = table.merge(names, left_on="trans_id", right_on="stop_name")
        pairs = [joined.rename(columns={"lang": "language"})[["stop_id", "language", "translation"]]]
    else:
        return {}
    result: dict[str, dict[str, str]] = {}
    for stop_id, language, translation in pd.concat(pairs).itertuples(index=False):
        if pd.notna(translation) and str(translation).strip():
            result.setdefault(str(stop_id), {}).setdefault(_language(language), str(translation).strip())
    # Platforms are often named "<station>N番のりば" with only the station translated: let them inherit.
    if "parent_station" in stops:
        for stop_id, parent in stops[["stop_id", "parent_station"]].dropna().itertuples(index=False):
            if str(parent) in result:
                merged = {**result[str(parent)], **result.get(str(stop_id), {})}
                result[str(stop_id)] = merged
    return result
