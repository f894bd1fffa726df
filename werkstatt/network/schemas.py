"""Inputs and outputs of the organisation domain, shared by the HTML forms and the JSON API.

API inputs reject unknown fields (`extra="forbid"`); form inputs ignore the CSRF token and buttons. Every text
has a length limit and refuses control characters, so SQLite and PostgreSQL store exactly the same."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from werkstatt.i18n import _
from werkstatt.network.models import KernteamRole

MIN_PASSWORD = 10

# Bidi embedding/override/isolate characters can make a name display as something else.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: str) -> str:
    value = value.strip()
    for char in value:
        if (unicodedata.category(char) == "Cc" and char not in "\n\r\t") or char in _BIDI_CONTROLS:
            raise ValueError(_("Enthält unzulässige Steuerzeichen."))
    return value


def _name(value: str) -> str:
    value = clean_text(value)
    if not value:
        raise ValueError(_("Bitte einen Namen angeben."))
    if "\n" in value or "\r" in value or "\t" in value:
        raise ValueError(_("Der Name muss in eine Zeile passen."))
    return value


def _max(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(_("Höchstens %(max_length)s Zeichen erlaubt.") % {"max_length": limit})
        return value

    return AfterValidator(check)


Name120 = Annotated[str, Field(max_length=2000), AfterValidator(_name), _max(120)]
Name100 = Annotated[str, Field(max_length=2000), AfterValidator(_name), _max(100)]
Name80 = Annotated[str, Field(max_length=2000), AfterValidator(_name), _max(80)]
Text2000 = Annotated[str, Field(max_length=20000), AfterValidator(clean_text), _max(2000)]
Note500 = Annotated[str, Field(max_length=5000), AfterValidator(clean_text), _max(500)]
Email = Annotated[str, Field(max_length=254)]
Password = Annotated[str, Field(max_length=200)]
InvitableRole = Literal["network_admin", "coach", "kernteam"]


class ApiInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FormInput(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- JSON API -------------------------------------------------------------------------------------------


class TokenRequest(ApiInput):
    email: Email
    password: Password


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class NetworkCreate(ApiInput):
    name: Name120


class NetworkOut(BaseModel):
    id: UUID
    name: str


class FocusTopicCreate(ApiInput):
    name: Name120


class FocusTopicOut(BaseModel):
    id: UUID
    name: str


class TownCreate(ApiInput):
    name: Name120
    focus_topic_ids: list[UUID] = Field(default_factory=list, max_length=50)


class TownOut(BaseModel):
    id: UUID
    name: str
    focus_topic_ids: list[UUID]


class TownTopicOut(BaseModel):
    id: UUID
    name: str
    priority: int
    note: str


class KernteamOut(BaseModel):
    id: UUID
    display_name: str
    role: str


class TownDetail(BaseModel):
    id: UUID
    name: str
    network_id: UUID
    description: str
    focus_topic_ids: list[UUID]
    focus_topics: list[TownTopicOut]
    kernteam: list[KernteamOut]


# --- HTML forms -----------------------------------------------------------------------------------------


class LoginForm(FormInput):
    email: Email
    password: Password


class PasswordPair(FormInput):
    password: Password
    password_repeat: Password

    @field_validator("password")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value) < MIN_PASSWORD:
            raise ValueError(_("Das Passwort muss mindestens %(n)d Zeichen lang sein.") % {"n": MIN_PASSWORD})
        return value

    @field_validator("password_repeat")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        if "password" in info.data and value != info.data["password"]:
            raise ValueError(_("Die beiden Passwörter stimmen nicht überein."))
        return value


class AcceptInvitationForm(PasswordPair):
    display_name: Name100


class ResetRequestForm(FormInput):
    email: Email


class ProfileForm(FormInput):
    display_name: Name100
    locale: Literal["de", "en"]


class PasswordChangeForm(PasswordPair):
    current_password: Password


class TokenCreateForm(FormInput):
    token_name: Name80


class NameForm(FormInput):
    name: Name120


class TownForm(FormInput):
    name: Name120
    description: Text2000 = ""


class KernteamForm(FormInput):
    member_name: Name100
    member_role: KernteamRole
    member_organisation: Annotated[str, Field(max_length=2000), AfterValidator(clean_text), _max(120)] = ""


class InviteForm(FormInput):
    email: Email
    role: InvitableRole
    display_name: Annotated[str, Field(max_length=2000), AfterValidator(clean_text), _max(100)] = ""


class RoleForm(FormInput):
    role: InvitableRole


class TownTopicChoice(BaseModel):
    focus_topic_id: UUID
    priority: int = Field(ge=1, le=9)
    note: Note500 = ""
