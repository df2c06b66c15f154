"""Load the demo region into a running database: operators and their keys, accounts, the GTFS feed, places."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from maas.bootstrap import Container
from maas.domain.accounts import GeoPoint, NewAccount, Principal, Role
from maas.domain.entitlements import ClaimStatus
from maas.domain.errors import Conflict
from maas.domain.places import Place, PlaceCategory

SYSTEM = Principal(subject_id="system:demo-loader", role=Role.ADMIN)


@dataclass
class DemoSummary:
    region_id: str
    operators_added: list[str] = field(default_factory=list)
    accounts_added: list[str] = field(default_factory=list)
    issued_keys: dict[str, str] = field(default_factory=dict)  # operator id -> secret, shown once
    feed_id: str = ""
    feed_unchanged: bool = False
    places: int = 0


async def load_demo(container: Container, demo_dir: Path, *, password: str) -> DemoSummary:
    """Idempotent: what exists already is left alone, so `make run` can load it every time."""
    region = _json(demo_dir / "region.json")
    files = region["files"]
    summary = DemoSummary(region_id=region["id"])
    for item in _json(demo_dir / files["operators"]):
        try:
            await container.operators.register(operator_id=item["id"], name=item["name"],
                                               name_en=item.get("name_en", ""), mode=item["mode"], kind=item["kind"])
            summary.operators_added.append(item["id"])
        except Conflict:
            pass
        keys = await container.auth.list_api_keys(item["id"])
        if not any(k.revoked_at is None for k in keys):
            issued = await container.auth.issue_api_key(item["id"], "demo")
            summary.issued_keys[item["id"]] = issued.secret
    for item in _json(demo_dir / files["accounts"]):
        home = item.get("home")
        new = NewAccount(
            email=item["email"], display_name=item["display_name"], role=Role(item["role"]), password=password,
            birth_date=item.get("birth_date"), home=GeoPoint(**home) if home else None,
            needs=tuple(item.get("needs", ())), resident=bool(item.get("resident", False)),
            phone=item.get("phone"), member_no=item.get("member_no"), display_name_kana=item.get("display_name_kana"),
        )
        try:
            await container.auth.register(new, by=SYSTEM)
            summary.accounts_added.append(item["email"])
        except Conflict:
            pass
    await _verify_claims(container, summary.accounts_added)
    outcome = await container.feeds.import_feed(demo_dir / files["gtfs"], name=f"{region['id']}-gtfs", strict=True)
    summary.feed_id, summary.feed_unchanged = outcome.feed.id, outcome.unchanged
    summary.places = await container.places.save(_places(region["id"], _json(demo_dir / files["pois"])))
    return summary


async def _verify_claims(container: Container, emails: list[str]) -> None:
    """The demo's riders showed their My Number cards at the town hall: the demo admin verifies the
    claims their accounts declared, so the demo journeys keep their concession prices."""
    admins = await container.auth.list_accounts(role=Role.ADMIN.value, limit=1, offset=0)
    if not admins:
        return
    admin = Principal(subject_id=admins[0].id, role=Role.ADMIN)
    for email in emails:
        found = await container.auth.list_accounts(role=Role.RIDER.value, limit=5, offset=0, q=email)
        for account in (a for a in found if a.email == email.lower()):
            for claim in await container.entitlements.list_claims(admin, account.id, reason="demo load"):
                if claim.status is ClaimStatus.DECLARED:
                    await container.entitlements.decide(admin, account.id, claim.id, verified=True,
                                                        document_type="my_number_card", valid_until=None,
                                                        reason="demo load: card seen at the town hall")


def _places(region_id: str, geojson: dict) -> list[Place]:
    places = []
    for feature in geojson["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        places.append(Place(
            id=f"{region_id}:{props['id']}", region_id=region_id, name=props["name"],
            name_kana=props.get("name_kana", ""), name_en=props.get("name_en", ""),
            category=PlaceCategory(props["category"]), lat=lat, lon=lon,
        ))
    return places


def _json(path: Path):
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
