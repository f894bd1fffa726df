"""HTML pages for signing in and out, invitations, password resets and the profile (with API tokens)."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt import sessions
from werkstatt.errors import Invalid, NotFound, TooMany
from werkstatt.forms import form_data, validate
from werkstatt.live.broker import announce_session_ended, announce_sessions_ended, announce_token_revoked
from werkstatt.network import auth
from werkstatt.network.forms import (
    HTML_EXCEPTION_HANDLERS,
    account_of,
    base_url,
    render,
    safe_next,
    session_of,
    signed_in,
)
from werkstatt.network.permissions import Action, allowed
from werkstatt.network.schemas import (
    AcceptInvitationForm,
    LoginForm,
    PasswordChangeForm,
    PasswordPair,
    ProfileForm,
    ResetRequestForm,
    TokenCreateForm,
)
from werkstatt.network.service import parse_id
from werkstatt.settings import Settings
from werkstatt.uow import UnitOfWork


class AuthController(Controller):
    include_in_schema = False
    exception_handlers = HTML_EXCEPTION_HANDLERS

    @get("/anmelden", name="login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        next_path = safe_next(request.query_params.get("next"))
        if account_of(request) is not None:
            return Redirect(next_path, status_code=303)
        return render(request, "network/auth/login.html", {"next": next_path})

    @post("/anmelden", name="login_submit", status_code=303)
    async def login(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], db: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        data = await form_data(request)
        next_path = safe_next(data.get("next"))
        context: dict[str, Any] = {"next": next_path, "values": {"email": data.get("email", "")}}
        try:
            form = validate(LoginForm, data)
            account = await auth.authenticate(
                db, settings, form.email, form.password, auth.client_address(request.scope)
            )
        except (Invalid, auth.WrongCredentials) as error:
            return render(request, "network/auth/login.html", context, error=error)
        except TooMany as error:
            return render(
                request,
                "network/auth/login.html",
                context,
                error=error,
                status_code=429,
                headers={"Retry-After": str(error.retry_after)},
            )
        cookie = await auth.sign_in(db, settings, session_of(request), account)
        return Redirect(next_path, status_code=303, cookies=[cookie])

    @post("/abmelden", name="logout", status_code=303)
    async def logout(
        self,
        request: Request[Any, Any, Any],
        channels: NamedDependency[ChannelsPlugin],
        settings: NamedDependency[Settings],
        db: NamedDependency[AsyncSession],
    ) -> Redirect:
        ended = session_of(request)
        await sessions.end_session(db, ended)
        if ended is not None:
            UnitOfWork.of(db).after_commit(partial(announce_session_ended, channels, ended.token_hash))
        return Redirect("/anmelden?ok=abgemeldet", status_code=303, cookies=[sessions.clear_cookie(settings)])

    @get("/einladung/{token:str}", name="invitation")
    async def invitation_form(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], token: FromPath[str]
    ) -> Response[Any]:
        invitation = await auth.find_invitation(db, token)
        if invitation is None:
            return render(request, "network/auth/link_invalid.html", status_code=404)
        values = {"display_name": invitation.display_name}
        return render(request, "network/auth/invitation.html", {"invitation": invitation, "values": values})

    @post("/einladung/{token:str}", name="invitation_accept", status_code=303)
    async def invitation_accept(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], token: FromPath[str]
    ) -> Response[Any]:
        invitation = await auth.find_invitation(db, token)
        if invitation is None:
            return render(request, "network/auth/link_invalid.html", status_code=404)
        data = await form_data(request)
        try:
            form = validate(AcceptInvitationForm, data)
            await auth.accept_invitation(db, token, form.display_name, form.password)
        except Invalid as error:
            context = {"invitation": invitation, "values": {"display_name": data.get("display_name", "")}}
            return render(request, "network/auth/invitation.html", context, error=error)
        except NotFound:
            return render(request, "network/auth/link_invalid.html", status_code=404)
        return Redirect("/anmelden?ok=passwort-gesetzt", status_code=303)

    @get("/passwort-vergessen", name="reset_request")
    async def reset_request_form(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[Any]:
        return render(request, "network/auth/reset_request.html", {"smtp": bool(settings.smtp_url)})

    @post("/passwort-vergessen", name="reset_request_submit", status_code=303)
    async def reset_request(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], db: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        data = await form_data(request)
        form = validate(ResetRequestForm, {"email": data.get("email", "")[:254]})
        await auth.request_reset(db, settings, form.email, base_url(request, settings))
        return Redirect("/passwort-vergessen?ok=angefordert", status_code=303)

    @get("/passwort-neu/{token:str}", name="reset_set")
    async def reset_form(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], token: FromPath[str]
    ) -> Response[Any]:
        if await auth.find_reset(db, token) is None:
            return render(request, "network/auth/link_invalid.html", status_code=404)
        return render(request, "network/auth/reset_set.html")

    @post("/passwort-neu/{token:str}", name="reset_set_submit", status_code=303)
    async def reset_set(
        self,
        request: Request[Any, Any, Any],
        channels: NamedDependency[ChannelsPlugin],
        settings: NamedDependency[Settings],
        db: NamedDependency[AsyncSession],
        token: FromPath[str],
    ) -> Response[Any]:
        if await auth.find_reset(db, token) is None:
            return render(request, "network/auth/link_invalid.html", status_code=404)
        try:
            form = validate(PasswordPair, await form_data(request))
            await auth.use_reset(db, token, form.password)
        except Invalid as error:
            return render(request, "network/auth/reset_set.html", error=error)
        except NotFound:
            return render(request, "network/auth/link_invalid.html", status_code=404)
        announce_sessions_ended(channels, db)
        response = Redirect("/anmelden?ok=passwort-gesetzt", status_code=303)
        response.cookies.append(sessions.clear_cookie(settings))
        return response


class ProfileController(Controller):
    path = "/profil"
    include_in_schema = False
    exception_handlers = HTML_EXCEPTION_HANDLERS
    guards = [allowed(Action.edit_profile)]  # noqa: RUF012 - Litestar reads it as a class attribute

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        account = signed_in(request)
        tokens = await auth.api_tokens_of(db, account.id)
        values = {"display_name": account.display_name, "locale": account.locale}
        full = {"tokens": tokens, "values": values, "new_token": None, **(context or {})}
        return render(request, "network/auth/profile.html", full, status_code=status_code)

    @get("/", name="profile")
    async def profile(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        return await self._page(request, db)

    @post("/", name="profile_save", status_code=303)
    async def save(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        account = signed_in(request)
        data = await form_data(request)
        try:
            form = validate(ProfileForm, data)
        except Invalid as error:
            return await self._page(request, db, {"errors": error.errors, "values": data}, 422)
        await auth.update_profile(db, account.id, form.display_name, form.locale)
        state = session_of(request)
        if state is not None:
            await sessions.set_session_locale(db, state, form.locale)
        return Redirect("/profil?ok=gespeichert", status_code=303)

    @post("/passwort", name="profile_password", status_code=303)
    async def password(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        account = signed_in(request)
        try:
            form = validate(PasswordChangeForm, await form_data(request))
            await auth.change_password(db, account.id, form.current_password, form.password)
        except Invalid as error:
            return await self._page(request, db, {"errors": error.errors}, 422)
        return Redirect("/profil?ok=passwort", status_code=303)

    @post("/schluessel", name="token_create", status_code=201)
    async def create_token(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        account = signed_in(request)
        data = await form_data(request)
        try:
            form = validate(TokenCreateForm, data)
        except Invalid as error:
            return await self._page(
                request, db, {"errors": error.errors, "token_name": data.get("token_name", "")}, 422
            )
        _row, token = await auth.create_api_token(db, account.id, form.token_name, auth.PROFILE_TOKEN_DAYS)
        return await self._page(request, db, {"new_token": token}, 201)

    @post("/schluessel/{token_id:str}/widerrufen", name="token_revoke", status_code=303)
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        channels: NamedDependency[ChannelsPlugin],
        db: NamedDependency[AsyncSession],
        token_id: FromPath[str],
    ) -> Redirect:
        account = signed_in(request)
        token_hash = await auth.revoke_api_token(db, account.id, parse_id(token_id))
        UnitOfWork.of(db).after_commit(partial(announce_token_revoked, channels, token_hash))
        return Redirect("/profil?ok=widerrufen", status_code=303)
