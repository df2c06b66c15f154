"""Car-share from a GBFS v3 feed (vehicle types of form factor `car`), behind the OperatorAdapter contract."""

from operators.carshare.adapter import CARS, CarShareAdapter
from operators.carshare.plugin import create

__all__ = ["CARS", "CarShareAdapter", "create"]
