"""Users and signed-in HTTP clients for the tests of the dashboard, the API and ``run``.

Import as ``from cli.signing import ...`` (beside ``cli.seeding``). Users are added through the
service layer, as ``shopbridge users add`` does; clients sign in through the real ``/login`` form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from shopbridge import access
from shopbridge.bootstrap import Services
from shopbridge.domain.access import Role

__all__ = ["PASSWORD", "add_user", "csrf_of", "sign_in", "signed_in_client"]

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def add_user(services: Services, name: str, role: Role, password: str = PASSWORD) -> None:
    access.add_user(services, name, role, password, actor="test")


def csrf_of(page: str) -> str:
    """The CSRF token a page carries (its meta tag or a form's hidden field)."""
    found = _CSRF.search(page)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    """Post the sign-in form the way a browser does (its CSRF token from the form page)."""
    token = csrf_of(client.get("/login").text)
    form = {"name": name, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/login", data=form)


@contextmanager
def signed_in_client(base_url: str, name: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A client signed in as ``name`` that sends the session's CSRF token on every request."""
    with httpx.Client(base_url=base_url) as client:
        response = sign_in(client, name, password)
        assert response.status_code == 303, response.text
        client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
        yield client
