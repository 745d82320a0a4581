"""The levers a plan may pull, as rule data (``rulesets/levers.yaml``), with a ruleset's and a user's overrides.

A ruleset file ``X.yaml`` may have ``X.levers.yaml`` beside it: its keys are merged over the bundled levers
(a province that weights a graduate higher, or caps the tenants it can add, says so there). A user's weights
(``--plan-cost graduate=3``) come last.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import RulesetError
from ..rules.ruleset import Text as RulesText
from ..workbook.layout import load_yaml, rule_data

if TYPE_CHECKING:
    from ..rules.ruleset import Ruleset

__all__ = ["Levers", "load_levers", "TENANTS_LEVER"]

_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)

#: The lever id of adding tenants (its cost is ``tenants.add.cost``).
TENANTS_LEVER = "tenants"


def _decimal(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else value


class AddTenants(BaseModel):
    model_config = _STRICT
    cost: Decimal = Decimal(1)
    max: int = 500
    title: RulesText
    unit: RulesText
    row: dict[str, Any]

    _cost = field_validator("cost", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Attribute(BaseModel):
    """A tenant test a plan may make true: on an added tenant (``on_new``) or an existing one (``convert``)."""

    model_config = _STRICT
    title: RulesText
    cost: Decimal = Decimal(1)
    on_new: dict[str, Any] | None = None
    convert: dict[str, Any] | None = None
    convert_text: RulesText | None = None
    excludes: tuple[str, ...] = ()
    max_convert: int | None = None

    _cost = field_validator("cost", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Tenants(BaseModel):
    model_config = _STRICT
    add: AddTenants
    attributes: dict[str, Attribute] = Field(default_factory=dict)


class FigureLever(BaseModel):
    """More of a profile figure (or a sheet aggregate), in whole steps."""

    model_config = _STRICT
    title: RulesText
    raises: dict[str, Decimal]
    step: Decimal = Decimal(1)
    unit: RulesText
    cost: Decimal = Decimal(1)  # per unit (not per step)
    max: Decimal
    text: RulesText
    adds_row: dict[str, Any] | None = None

    _numbers = field_validator("step", "cost", "max", mode="before")(classmethod(lambda cls, v: _decimal(v)))

    @field_validator("raises", mode="before")
    @classmethod
    def _raises(cls, value: Any) -> Any:
        return {k: _decimal(v) for k, v in value.items()} if isinstance(value, dict) else value


class FlagLever(BaseModel):
    model_config = _STRICT
    title: RulesText
    to: bool
    cost: Decimal = Decimal(1)
    text: RulesText

    _cost = field_validator("cost", mode="before")(classmethod(lambda cls, v: _decimal(v)))


class Levers(BaseModel):
    model_config = _STRICT
    id: str
    kind: str
    tenants: Tenants
    figures: dict[str, FigureLever] = Field(default_factory=dict)
    flags: dict[str, FlagLever] = Field(default_factory=dict)

    def cost_of(self, lever: str) -> Decimal:
        if lever == TENANTS_LEVER:
            return self.tenants.add.cost
        for table in (self.tenants.attributes, self.figures, self.flags):
            if lever in table:
                return table[lever].cost
        raise KeyError(lever)

    def names(self) -> list[str]:
        return [TENANTS_LEVER, *self.tenants.attributes, *self.figures, *self.flags]


def _merged(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merged(base.get(key), value) if key in base else value
        return out
    return over


def _with_costs(data: dict[str, Any], costs: dict[str, Decimal]) -> dict[str, Any]:
    for lever, cost in costs.items():
        if lever == TENANTS_LEVER:
            data["tenants"]["add"]["cost"] = str(cost)
            continue
        for table in (data["tenants"]["attributes"], data.get("figures", {}), data.get("flags", {})):
            if lever in table and table[lever] is not None:
                table[lever] = {**table[lever], "cost": str(cost)}
                break
        else:
            known = ", ".join([TENANTS_LEVER, *data["tenants"]["attributes"], *data.get("figures", {}),
                               *data.get("flags", {})])
            raise RulesetError(f"没有名为 {lever} 的调整项（可用：{known}）", f"no lever named {lever} (known: {known})")
    return data


def load_levers(ruleset: "Ruleset | None" = None, costs: dict[str, Decimal] | None = None) -> Levers:
    """The bundled levers, merged with the ruleset's ``<stem>.levers.yaml`` if it has one, and the user's costs."""
    data = load_yaml(rule_data("levers.yaml"))
    if ruleset is not None and ruleset.path:
        beside = os.path.splitext(ruleset.path)[0] + ".levers.yaml"
        if os.path.isfile(beside):
            try:
                with open(beside, encoding="utf-8") as handle:
                    data = _merged(data, load_yaml(handle.read()) or {})
            except (OSError, ValueError) as exc:
                raise RulesetError(f"{beside}：无法读取调整项（{exc}）", f"{beside}: cannot read the levers ({exc})") from None
    data = _with_costs(data, dict(costs or {}))
    try:
        return Levers.model_validate(data)
    except ValueError as exc:
        raise RulesetError(f"调整项数据不符合格式：{exc}", f"the lever data does not fit its schema: {exc}") from None
