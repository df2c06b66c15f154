"""Settlement reports: an operator's statement for a period, and the municipality's subsidies."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from maas.api.endpoints import Call, EndpointTable
from maas.api.schemas import MoneyOut, Request
from maas.domain.accounts import Principal, Role

routes = EndpointTable()
TAGS = ("settlement",)


class PeriodQuery(Request):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: AwareDatetime = Field(alias="from", examples=["2026-11-01T00:00:00+09:00"])
    to: AwareDatetime = Field(examples=["2026-12-01T00:00:00+09:00"])


class OperatorStatementOut(BaseModel):
    operator_id: str
    period_from: dt.datetime
    period_to: dt.datetime
    legs: int
    due: MoneyOut = Field(description="What the operator is owed for the legs ridden and the fees due.")
    from_riders: MoneyOut
    from_municipality: MoneyOut
    from_passes: MoneyOut = Field(description="Paid from the revenue of riders' passes for legs they covered.")


class SubsidyStatementOut(BaseModel):
    municipality: str
    period_from: dt.datetime
    period_to: dt.datetime
    total: MoneyOut
    by_rule: dict[str, int]
    by_operator: dict[str, int]
    legs: int


def _principal(call: Call) -> Principal:
    assert call.principal is not None
    return call.principal


@routes.route("GET", "/v1/settlement/operators/{operator_id}", summary="An operator's settlement statement",
              tags=TAGS, roles=(Role.OPERATOR, Role.ANALYST, Role.ADMIN), query=PeriodQuery,
              response=OperatorStatementOut, errors=(403, 422))
async def operator_statement(call: Call) -> OperatorStatementOut:
    """Legs settled in [from, to): what the operator is owed, from riders and from the municipality.
    An operator's key sees only its own statement."""
    q: PeriodQuery = call.query
    s = await call.container.settlement.operator_statement(_principal(call), call.path("operator_id"), q.from_, q.to)
    return OperatorStatementOut(operator_id=s.operator_id, period_from=s.period_from, period_to=s.period_to,
                                legs=s.legs, due=MoneyOut.of(s.due), from_riders=MoneyOut.of(s.from_riders),
                                from_municipality=MoneyOut.of(s.from_municipality),
                                from_passes=MoneyOut.of(s.from_passes))


@routes.route("GET", "/v1/settlement/subsidies", summary="The municipality's subsidies", tags=TAGS,
              roles=(Role.ANALYST, Role.ADMIN), query=PeriodQuery, response=SubsidyStatementOut, errors=(422,))
async def subsidy_statement(call: Call) -> SubsidyStatementOut:
    """What the municipality owes operators for legs settled in [from, to), per fare rule and per
    operator, for invoicing; no rider is named."""
    q: PeriodQuery = call.query
    s = await call.container.settlement.subsidy_statement(_principal(call), q.from_, q.to)
    return SubsidyStatementOut(municipality=s.municipality, period_from=s.period_from, period_to=s.period_to,
                               total=MoneyOut.of(s.total), by_rule=s.by_rule, by_operator=s.by_operator,
                               legs=s.legs)
