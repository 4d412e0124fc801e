"""The scenario format: what a recorded order flow says, as pydantic models.

A scenario is a list of steps (each a mapping with ONE action key, plus an optional `name` and
`description`, or a bare word for `back`, `forward`, `reload`) and the verdict the watcher must
reach. The YAML loader (`_loader.py`) turns files into these models; the replayer drives them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from preflight._validation import Vars
from preflight.variables import PLACEHOLDER
from preflight.watch.events import Verdict, ViolationKind, WarningKind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_text(value: Any) -> Any:
    # YAML reads `value: 75002` as an int; a QA engineer means the text they would type.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


class Step(_Model):
    """One action. `line` is where it stands in its file (0 when built in code)."""

    action: ClassVar[str] = ""
    # The one argument a bare string stands for: `click: "#x"` = `click: {selector: "#x"}`.
    shorthand: ClassVar[str | None] = None

    name: str | None = None
    description: str | None = None
    line: int = Field(0, exclude=True)

    @property
    def title(self) -> str:
        """What the watcher copies into its events for this step."""
        return self.name or self.action

    def arguments(self) -> dict[str, Any]:
        """The action's own arguments (for writing the step back as YAML)."""
        return self.model_dump(exclude={"name", "description", "line"}, exclude_defaults=True)


# `frame:` on a step that targets an element: a selector for the <iframe> (in the page) whose
# document holds the element — a chat widget's or a payment provider's frame, of any origin. A
# frame inside that frame: chain them with Playwright's `>> internal:control=enter-frame >>`.
_Frame = Field(None, min_length=1, description="the <iframe> whose document holds the element")


class Goto(Step):
    action: ClassVar[str] = "goto"
    shorthand: ClassVar[str | None] = "url"
    url: str = Field(min_length=1)


class Click(Step):
    action: ClassVar[str] = "click"
    shorthand: ClassVar[str | None] = "selector"
    selector: str = Field(min_length=1)
    frame: str | None = _Frame
    button: Literal["left", "right", "middle"] = "left"
    click_count: int = Field(1, ge=1, le=3)


class Fill(Step):
    action: ClassVar[str] = "fill"
    selector: str = Field(min_length=1)
    frame: str | None = _Frame
    value: str

    _text = field_validator("value", mode="before")(_as_text)


class Select(Step):
    action: ClassVar[str] = "select"
    selector: str = Field(min_length=1)
    frame: str | None = _Frame
    value: str | None = None
    label: str | None = None

    _text = field_validator("value", "label", mode="before")(_as_text)

    @model_validator(mode="after")
    def _one_of(self) -> Select:
        if (self.value is None) == (self.label is None):
            raise ValueError("give exactly one of value or label")
        return self


class Check(Step):
    action: ClassVar[str] = "check"
    shorthand: ClassVar[str | None] = "selector"
    selector: str = Field(min_length=1)
    frame: str | None = _Frame
    checked: bool = True


class Press(Step):
    action: ClassVar[str] = "press"
    shorthand: ClassVar[str | None] = "key"
    key: str = Field(min_length=1)
    selector: str | None = None
    frame: str | None = _Frame


class WaitFor(Step):
    action: ClassVar[str] = "wait_for"
    shorthand: ClassVar[str | None] = "selector"
    selector: str | None = None
    frame: str | None = _Frame
    url: str | None = None
    state: Literal["visible", "attached", "hidden", "detached"] = "visible"
    timeout_s: float = Field(10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _one_of(self) -> WaitFor:
        if (self.selector is None) == (self.url is None):
            raise ValueError("give exactly one of selector or url")
        return self


class Back(Step):
    action: ClassVar[str] = "back"


class Forward(Step):
    action: ClassVar[str] = "forward"


class Reload(Step):
    action: ClassVar[str] = "reload"


class ExpectUrl(Step):
    action: ClassVar[str] = "expect_url"
    shorthand: ClassVar[str | None] = "url"
    url: str = Field(min_length=1, description="a glob: * matches any run of characters")
    timeout_s: float = Field(10.0, gt=0, le=300)


class ExpectText(Step):
    action: ClassVar[str] = "expect_text"
    shorthand: ClassVar[str | None] = "text"
    text: str = Field(min_length=1)
    selector: str = "body"
    frame: str | None = _Frame
    timeout_s: float = Field(10.0, gt=0, le=300)

    _text = field_validator("text", mode="before")(_as_text)


class Screenshot(Step):
    action: ClassVar[str] = "screenshot"
    shorthand: ClassVar[str | None] = "file"
    file: str | None = None
    full_page: bool = False


STEP_TYPES: dict[str, type[Step]] = {
    t.action: t
    for t in (
        Goto,
        Click,
        Fill,
        Select,
        Check,
        Press,
        WaitFor,
        Back,
        Forward,
        Reload,
        ExpectUrl,
        ExpectText,
        Screenshot,
    )
}
# Actions that need no argument may be written as a bare word: `- back`.
BARE_WORDS = ("back", "forward", "reload", "screenshot")
HISTORY_ACTIONS = frozenset(("back", "forward", "reload"))


class Expect(_Model):
    """The verdict the watcher must reach; `violations`/`warnings` are kinds, in order;
    `completed: true` also asks that the order got to its end (the confirmation page, or
    « Commander plus tard » used), `false` that it did not."""

    verdict: Verdict
    violations: list[ViolationKind] | None = None
    warnings: list[WarningKind] | None = None
    completed: bool | None = None


class Scenario(_Model):
    name: str = Field(min_length=1, pattern=r"^[\w.-]+$")
    description: str = ""
    # Defaults for `${NAME}` placeholders; the rules' [vars], the runner and --var override them.
    vars: Vars = {}
    steps: list[Step] = Field(min_length=1)
    expect: Expect
    file: str = Field("", exclude=True)
    line: int = Field(0, exclude=True)
    # The line of `expect:`, where a verdict that did not hold is written (0 when built in code).
    expect_line: int = Field(0, exclude=True)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else self.name

    def placeholders(self) -> set[str]:
        """Every `${NAME}` the steps use."""
        found: set[str] = set()
        for step in self.steps:
            for value in step.arguments().values():
                if isinstance(value, str):
                    found.update(PLACEHOLDER.findall(value))
        return found
