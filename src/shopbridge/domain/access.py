"""Who may do what on the dashboard and the API, and when sign-in is refused for too many failures.

Pure: roles are ordered (a viewer reads, an operator also acts on problems and jobs, an admin also
manages users and may reveal personal data), and the login throttle is a function of counts the
caller read from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LoginThrottle", "Role"]


class Role(StrEnum):
    """A user's role; each includes every permission of the roles before it."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def includes(self, needed: Role) -> bool:
        """True when this role may do what ``needed`` may (an admin may do what a viewer may)."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class LoginThrottle:
    """``max_failures`` failed sign-ins within ``window_seconds``, per user name or per client
    address, and further attempts are refused until the oldest failure leaves the window.

    Counted both ways on purpose: per user stops guessing one account's password from many
    addresses, per address stops one client trying many accounts.
    """

    max_failures: int = 5
    window_seconds: int = 15 * 60

    def refuses(self, *, failures_for_user: int, failures_from_client: int) -> bool:
        return max(failures_for_user, failures_from_client) >= self.max_failures
