"""The retention job with the clock moved on: ride places older than the setting are coarsened to
the ~250 m mesh, newer ones stay precise; old audit entries go, newer stay."""

from __future__ import annotations

import datetime as dt
import json

from maas.domain.privacy import AuditEntry, coarsen
from maas.services.retention import RetentionSchedule, RetentionService
from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.personal_data import SqlPersonalData
from maas.storage.tables import OnDemandRideRow
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import SteppedClock

START = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)
DOOR = {"lat": 36.40537, "lon": 138.90213}


async def _ride(engine, ride_id: str, at: dt.datetime) -> None:
    payload = json.dumps({"schema_version": 1, "origin": DOOR, "destination": {"lat": 36.412526, "lon": 138.91438}})
    async with engine.begin() as conn:
        await conn.execute(OnDemandRideRow.__table__.insert().values(
            id=ride_id, operator_id="noriai", service_date=at.date(), offer_id=f"o-{ride_id}", state="FINISHED",
            rider_ref="acc_haru", pickup_from=at, payload=payload, updated_at=at))


async def _payload(engine, ride_id: str) -> dict:
    async with engine.connect() as conn:
        table = OnDemandRideRow.__table__
        row = (await conn.execute(table.select().where(table.c.id == ride_id))).one()
    return json.loads(row.payload)


async def test_the_job_coarsens_old_ride_places_and_keeps_new_ones(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        clock = SteppedClock(START)
        uow = SqlUnitOfWorkFactory(engine)
        await _ride(engine, "old", START)
        await _ride(engine, "new", START + dt.timedelta(days=60))
        async with uow() as u:
            await u.audit.add(AuditEntry(at=START, actor_id="acc_ito", actor_role="agent", subject_id="acc_haru",
                                         action="export", reason="caller asked"))
            await u.commit()
        job = RetentionService(uow, SqlPersonalData(engine), clock,
                               RetentionSchedule(ride_places_days=90, refusals_days=365, audit_days=100))
        assert (await job.run()).rides_coarsened == 0  # nothing is 90 days old yet
        clock.at = START + dt.timedelta(days=91)
        report = await job.run()
        assert report.rides_coarsened == 1 and report.audit_entries_deleted == 0
        old, new = await _payload(engine, "old"), await _payload(engine, "new")
        lat, lon = coarsen(DOOR["lat"], DOOR["lon"])
        assert old["origin"] == {"lat": lat, "lon": lon} and old["schema_version"] == 1
        assert abs(lat - DOOR["lat"]) < 0.003 and abs(lon - DOOR["lon"]) < 0.004  # within its ~250 m cell
        assert new["origin"] == DOOR
        assert (await job.run()).rides_coarsened == 0  # already coarse: nothing rewritten
        clock.at = START + dt.timedelta(days=101)
        assert (await job.run()).audit_entries_deleted == 1
    finally:
        await engine.dispose()


def test_a_new_sqlite_file_and_the_data_key_file_are_the_owners_only(tmp_path) -> None:
    import os

    from maas.storage.field_cipher import FieldCipher

    os.umask(0o022)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db' / 'maas.sqlite3'}")
    try:
        assert (tmp_path / "db" / "maas.sqlite3").stat().st_mode & 0o777 == 0o600
    finally:
        engine.sync_engine.dispose()
    cipher = FieldCipher.load_or_create(tmp_path / "keys" / "data-keys.json")
    assert (tmp_path / "keys" / "data-keys.json").stat().st_mode & 0o777 == 0o600
    sealed = cipher.encrypt("0274529876")
    assert sealed.startswith("enc1:") and "0274529876" not in sealed and cipher.decrypt(sealed) == "0274529876"
    assert FieldCipher.load_or_create(tmp_path / "keys" / "data-keys.json").decrypt(sealed) == "0274529876"
    assert cipher.index_term("5298") in cipher.phone_index("0274529876")
