"""The car-share adapter's entry point (`maas.operators` group, name `gbfs-carshare`); it takes
the same options as `gbfs-bikeshare` (see operators/bikeshare/plugin.py)."""

from __future__ import annotations

from maas.domain.ports import AdapterContext
from operators.bikeshare import SharedVehicleAdapter, build_adapter
from operators.carshare.adapter import CARS


def create(context: AdapterContext) -> SharedVehicleAdapter:
    return build_adapter(context, CARS, "gbfs-carshare")
