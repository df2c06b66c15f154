"""The taxi adapter's entry point (`maas.operators` group, name `taxi`).

Options: `demo_dir` (the region folder holding operators.json, the tariff and region.json,
relative to the configuration file), `offer_validity_s`, `confirmation_required`, `hold_s`.
The cars drive on the host's street router (context extras `street_router`) when it gives one.
"""

from __future__ import annotations

from maas.domain.ports import AdapterContext
from operators.taxi.adapter import TaxiAdapter
from operators.taxi.demo import from_demo_region

_PASSED_ON = ("offer_validity_s", "confirmation_required", "hold_s")


def create(context: AdapterContext) -> TaxiAdapter:
    options = dict(context.options)
    unknown = set(options) - {"demo_dir", *_PASSED_ON}
    if unknown:
        raise ValueError(f"unknown taxi options: {', '.join(sorted(unknown))}")
    demo_dir = (context.base_dir / str(options.get("demo_dir", "."))).resolve()
    adapter = from_demo_region(demo_dir, context.clock, context.extras.get("street_router"),
                               **{k: options[k] for k in _PASSED_ON if k in options})
    if adapter.operator_id != context.operator_id:
        raise ValueError(f"{demo_dir} describes taxi operator {adapter.operator_id}, "
                         f"not {context.operator_id}")
    return adapter
