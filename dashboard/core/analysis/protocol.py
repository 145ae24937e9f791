"""The alert protocol: which vital alarms at which limit, how fast, and per-patient overrides.

A protocol is data (TOML, see ``data/protocol_default.toml`` for the rule semantics), validated
here so that a clinic's edit can never silently produce a protocol the alert engine would
misread: every error names the rule and the field, and none is a pydantic traceback.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dashboard.core import reference
from dashboard.core.model import CONTINUOUS, CUFF, PRIORITIES, VITALS

Priority = Literal["high", "medium", "low"]
Direction = Literal["high", "low", "rise"]

# Rule ids the alert engine uses for its technical alerts; a physiological rule may not take them.
TECHNICAL_RULES: tuple[str, ...] = ("signal_loss", "cuff_overdue")


class ProtocolError(ValueError):
    """A protocol that cannot be used, with one readable line per problem."""

    def __init__(self, origin: str, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(f"{origin}: {message}" for message in messages))


class _Strict(BaseModel):
    # A misspelt key ("limt") must be an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Rule(_Strict):
    """One alarm condition on one vital (semantics in the default protocol's header)."""

    id: str = Field(min_length=1)
    vital: str
    direction: Direction
    limit: float
    priority: Priority
    hysteresis: float = Field(default=0.0, ge=0)
    delay_s: float = Field(default=0.0, ge=0)
    confirm: bool = False
    source: str | None = None

    @field_validator("vital")
    @classmethod
    def _known_vital(cls, vital: str) -> str:
        if vital not in VITALS:
            raise ValueError(f"{vital!r} is not a vital; expected one of {', '.join(VITALS)}")
        return vital

    @model_validator(mode="after")
    def _settings_fit_the_vital(self) -> Rule:
        # Refused rather than ignored: a clinic that sets a delay on a cuff vital believes it works.
        if self.vital in CUFF and self.delay_s:
            raise ValueError(
                f"field delay_s: {self.vital} is a cuff reading, each reading alarms at once; "
                "expected 0 (use confirm = true to wait for a repeat reading)"
            )
        if self.vital in CONTINUOUS and self.confirm:
            raise ValueError(
                f"field confirm: {self.vital} is continuous, there is no repeat reading to wait for; "
                "expected false (use delay_s)"
            )
        return self


class BaselineSettings(_Strict):
    window_min: float = Field(gt=0)


class CuffSettings(_Strict):
    interval_min: float = Field(gt=0)
    interval_after_min: float = Field(gt=0)
    overdue_factor: float = Field(ge=1)
    overdue_priority: Priority = "low"


class SignalLossSettings(_Strict):
    after_s: float = Field(gt=0)
    priority: Priority = "medium"


START_OVERRIDE = "start_"  # an override key naming a start limit: ``start_sbp_max``


class StartLimits(_Strict):
    """Pre-infusion vitals outside which an infusion starts only with a recorded reason.

    A ``*_max`` is breached above it, a ``*_min`` below it; a limit left out is not checked.
    """

    sbp_max: float | None = Field(default=None, gt=0)
    sbp_min: float | None = Field(default=None, gt=0)
    dbp_max: float | None = Field(default=None, gt=0)
    hr_max: float | None = Field(default=None, gt=0)
    hr_min: float | None = Field(default=None, gt=0)
    spo2_min: float | None = Field(default=None, gt=0)


class DischargeCriteria(_Strict):
    """When a patient in recovery may go home (semantics in the default protocol's ``[discharge]``).

    Vitals are "back" when within ``*_margin`` of the baseline or under the caution limit
    (``*_max``), and not under ``*_min``, on every reading for ``stable_min`` minutes; a limit left
    out is not checked. ``by_hand`` are what only staff can judge (ticked at discharge).
    """

    min_recovery_min: float = Field(default=0, ge=0)
    stable_min: float = Field(default=0, ge=0)
    sbp_max: float | None = Field(default=None, gt=0)
    sbp_min: float | None = Field(default=None, gt=0)
    sbp_margin: float | None = Field(default=None, ge=0)
    dbp_max: float | None = Field(default=None, gt=0)
    dbp_margin: float | None = Field(default=None, ge=0)
    hr_max: float | None = Field(default=None, gt=0)
    hr_min: float | None = Field(default=None, gt=0)
    hr_margin: float | None = Field(default=None, ge=0)
    cadss6_below: float | None = Field(default=None, gt=0)
    by_hand: tuple[str, ...] = ()


class Protocol(_Strict):
    """A validated alert protocol."""

    name: str
    baseline: BaselineSettings
    cuff: CuffSettings
    signal_loss: SignalLossSettings
    start: StartLimits = Field(default_factory=StartLimits)  # a TOML file without [start]: the shipped ones
    discharge: DischargeCriteria = Field(default_factory=DischargeCriteria)  # likewise [discharge]
    rules: tuple[Rule, ...]
    overrides: dict[str, dict[str, float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        problems = _duplicate_ids(self.rules) + _ordering_problems(self.rules, prefix="")
        known = {rule.id for rule in self.rules} | {
            START_OVERRIDE + name for name in StartLimits.model_fields
        }
        for patient, limits in self.overrides.items():
            unknown = sorted(set(limits) - known)
            problems += [
                f"overrides {patient}: {rule_id} is not a rule or start limit of this protocol; "
                f"expected one of {', '.join(sorted(known))}"
                for rule_id in unknown
            ]
            if not (unknown or problems):  # an override can only be judged against consistent rules
                problems += _ordering_problems(self.rules_for(patient), prefix=f"overrides {patient}: ")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def start_for(self, patient_id: str | None) -> StartLimits:
        """The start limits with this patient's overrides (``start_sbp_max = 150``) applied."""
        limits = self.overrides.get(patient_id, {}) if patient_id is not None else {}
        own = {
            key.removeprefix(START_OVERRIDE): value
            for key, value in limits.items()
            if key.startswith(START_OVERRIDE)
        }
        return self.start.model_copy(update=own)

    def rules_for(self, patient_id: str | None) -> list[Rule]:
        """The rules with this patient's overridden limits applied."""
        limits = self.overrides.get(patient_id, {}) if patient_id is not None else {}
        return [
            rule.model_copy(update={"limit": limits[rule.id]}) if rule.id in limits else rule
            for rule in self.rules
        ]

    def thresholds(self, vital: str, patient_id: str | None = None) -> list[Rule]:
        """The fixed-limit (high and low) rules of one vital, for threshold lines and bands.

        Rise rules are left out: their limit is relative to the session's baseline.
        """
        return [r for r in self.rules_for(patient_id) if r.vital == vital and r.direction != "rise"]

    def rules_frame(self) -> pd.DataFrame:
        """One row per rule (the editable table of the threshold what-if)."""
        return pd.DataFrame([rule.model_dump() for rule in self.rules], columns=list(Rule.model_fields))

    def with_rules(self, frame: pd.DataFrame) -> Protocol:
        """This protocol with its rules replaced by the rows of an (edited) rules table."""
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        rules = [{key: value for key, value in row.items() if value is not None} for row in rows]
        data = self.model_dump() | {"rules": rules}
        return _validate(data, "edited rules")

    def to_toml(self) -> str:
        """The protocol as TOML that ``load_protocol`` reads back to an equal protocol."""
        lines = [
            "# Alert protocol exported by the ketamine session monitor.",
            "# Rule semantics: see dashboard/core/data/protocol_default.toml.",
            "",
            f"name = {_toml_value(self.name)}",
        ]
        for table in ("baseline", "cuff", "signal_loss", "start", "discharge"):
            pairs = {
                key: value for key, value in getattr(self, table).model_dump().items() if value is not None
            }
            lines += ["", f"[{table}]", *_toml_pairs(pairs)]
        for rule in self.rules:
            pairs = {key: value for key, value in rule.model_dump().items() if value is not None}
            lines += ["", "[[rule]]", *_toml_pairs(pairs)]
        for patient, limits in self.overrides.items():
            lines += ["", f"[overrides.{_toml_value(patient)}]", *_toml_pairs(limits)]
        return "\n".join(lines) + "\n"


def load_protocol(source: str | Path | bytes | None = None) -> Protocol:
    """Read and validate a protocol.

    ``None`` is the shipped default; a ``Path`` (or a one-line ``str``) is a file; ``bytes``
    (an upload) or a multi-line ``str`` is the TOML text itself. Raises ``ProtocolError``.
    """
    origin, text = _read(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(origin, [f"not valid TOML: {error}"]) from None
    except RecursionError:  # tomllib recurses per nesting level: "a = [[[[..." exhausts the stack
        raise ProtocolError(origin, ["not valid TOML: arrays or tables nested too deeply"]) from None
    data["rules"] = data.pop("rule", [])
    for table in ("start", "discharge"):  # a protocol written before these tables keeps the shipped ones
        if table not in data:
            data[table] = tomllib.loads(reference.text("protocol_default.toml"))[table]
    return _validate(data, origin)


def _read(source: str | Path | bytes | None) -> tuple[str, str]:
    if source is None:
        return "protocol_default.toml", reference.text("protocol_default.toml")
    if isinstance(source, bytes):
        return "protocol", _decode(source, "protocol")
    if isinstance(source, str) and "\n" in source:
        return "protocol", source
    path = Path(source)
    try:
        return path.name, _decode(path.read_bytes(), path.name)
    except OSError as error:
        raise ProtocolError(path.name, [f"cannot read the file ({error.strerror})"]) from None


def _decode(raw: bytes, origin: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProtocolError(origin, ["not a text file; expected UTF-8 TOML"]) from None


def _validate(data: dict, origin: str) -> Protocol:
    try:
        return Protocol.model_validate(data)
    except ValidationError as error:
        raise ProtocolError(origin, [_describe(e, data) for e in error.errors()]) from None


def _describe(error: dict, data: dict) -> str:
    """One pydantic error as 'rule <id>: field <name>: <what>' (or '[table] field: <what>')."""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a setting of the protocol"
    loc = error["loc"]
    if not loc:
        return message
    if loc[0] == "rules" and len(loc) > 1 and isinstance(loc[1], int):
        rules = data.get("rules") or []
        rule = rules[loc[1]] if loc[1] < len(rules) and isinstance(rules[loc[1]], dict) else {}
        where = f"rule {rule.get('id', f'number {loc[1] + 1}')}"
        return f"{where}: field {loc[2]}: {message}" if len(loc) > 2 else f"{where}: {message}"
    if loc[0] == "overrides":
        return f"overrides {' '.join(map(str, loc[1:]))}: {message}"
    table = f"[{loc[0]}] " if len(loc) > 1 else ""
    return f"{table}field {loc[-1]}: {message}"


def _duplicate_ids(rules: Iterable[Rule]) -> list[str]:
    ids = pd.Series([rule.id for rule in rules], dtype="str")
    reserved = [f"rule {i}: field id: reserved for the technical alert" for i in ids if i in TECHNICAL_RULES]
    twice = ids[ids.duplicated()].unique()
    return reserved + [f"rule {i}: field id: defined more than once; expected unique rule ids" for i in twice]


def _ordering_problems(rules: list[Rule], prefix: str) -> list[str]:
    """A less urgent rule must not be more extreme than a more urgent one on the same vital and direction.

    Otherwise the caution alarm would sound only after the critical one, which is never intended.
    """
    problems = []
    rank = {priority: i for i, priority in enumerate(PRIORITIES)}
    for rule in rules:
        for urgent in rules:
            same_side = (urgent.vital, urgent.direction) == (rule.vital, rule.direction)
            if not same_side or rank[urgent.priority] >= rank[rule.priority]:
                continue
            low = rule.direction == "low"
            if (rule.limit < urgent.limit) if low else (rule.limit > urgent.limit):
                problems.append(
                    f"{prefix}rule {rule.id}: field limit: {rule.limit:g} is more extreme than "
                    f"{urgent.limit:g} of the {urgent.priority}-priority rule {urgent.id}; "
                    f"expected {'at least' if low else 'at most'} {urgent.limit:g}"
                )
    return problems


def _toml_pairs(pairs: dict) -> list[str]:
    return [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in pairs.items()]


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _toml_value(value: object) -> str:
    # JSON strings, booleans and finite numbers are valid TOML values.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)
