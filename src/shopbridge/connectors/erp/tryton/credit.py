"""Credit limits in Tryton (modules ``account_credit_limit`` and ``sale_credit_limit``).

Tryton keeps a credit limit per party and company (``credit_limit_amount``, empty = no limit) and
computes what the party owes (``credit_amount``: the receivable balance plus confirmed and
processing sales not yet invoiced and posted). :func:`check_credit` compares against those two.

Tryton also checks the limit itself when a sale is confirmed. A user outside the credit-limit group
gets a ``UserError``; an administrator or a member of that group gets a ``UserWarning``, which Tryton
only lets through once the user has answered it (a ``res.user.warning`` record). shopbridge never
answers that warning for anyone: letting a customer go over their limit is finance's decision. Both
answers become :class:`CreditLimitExceeded`; the sale stays a quotation in Tryton, where finance can
confirm it (answering Tryton's warning) or raise the limit, and the order's job can then be replayed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.tryton.lookups import Lookups
from shopbridge.domain.money import Money
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import CreditLimitExceeded

# The names Tryton gives the warnings of account_credit_limit ("<hash>.<name>").
_WARNINGS = ("credit_limit_amount", "credit_limit_dunning")
PARTY_FIELDS = ("code", "name", "credit_limit_amount", "credit_amount")


def check_credit(look: Lookups, account: str, amount_due: Money) -> None:
    """Raise :class:`CreditLimitExceeded` if what the party owes plus ``amount_due`` is over its limit."""
    rows = look.search_read("party.party", [("code", "=", account)], PARTY_FIELDS)
    if not rows:
        raise NeedsPerson(f"Tryton has no party with code {account}; create or link the customer first")
    currency = look.currency[1]
    if amount_due.currency != currency:
        raise NeedsPerson(
            f"cannot check the credit of {account}: the amount is in {amount_due.currency} and Tryton "
            f"keeps credit limits in {currency}",
            details={"account": account},
        )
    exceeded = over_by(rows[0], amount_due.amount)
    if exceeded is not None:
        raise CreditLimitExceeded(account, _detail(rows[0], amount_due.amount, exceeded, currency))


def over_by(party: dict[str, Any], amount: Decimal) -> Decimal | None:
    """By how much ``amount`` takes the party over its limit; ``None`` when within it or unlimited."""
    limit = party.get("credit_limit_amount")
    if limit is None:
        return None
    owed = party.get("credit_amount") or Decimal(0)
    exceeded = Decimal(owed) + amount - Decimal(limit)
    return exceeded if exceeded > 0 else None


def _detail(party: dict[str, Any], amount: Decimal, exceeded: Decimal, currency: str) -> str:
    return (
        f"Tryton's credit amount {party.get('credit_amount') or 0} {currency} plus {amount} {currency} "
        f"exceeds the limit of {party['credit_limit_amount']} {currency} by {exceeded} {currency}; "
        "raise the party's credit limit in Tryton or take payment first"
    )


def confirm_refusal(look: Lookups, sale_id: int, refused: NeedsPerson) -> CreditLimitExceeded | None:
    """Tryton's refusal to confirm a sale as :class:`CreditLimitExceeded` when the limit is the reason.

    A warning is recognised by its name; an error (its text is translated) by checking the limit
    ourselves with the sale's amount, as Tryton does.
    """
    sale = _sale(look, sale_id)
    if sale is None:
        return None
    party = sale.get("party.") or {}
    if not (_is_credit_warning(refused) or over_by(party, Decimal(sale.get("untaxed_amount") or 0))):
        return None
    words = _tryton_words(refused)
    return CreditLimitExceeded(
        str(party.get("code") or ""),
        f"Tryton refused to confirm sale {sale.get('reference')}: {words} The sale waits in Tryton as a "
        "quotation: raise the party's credit limit, or confirm the sale in Tryton (accepting its "
        "warning), then replay the order",
    )


def _sale(look: Lookups, sale_id: int) -> dict[str, Any] | None:
    fields = ["reference", "untaxed_amount", *(f"party.{name}" for name in PARTY_FIELDS)]
    rows = look.search_read("sale.sale", [("id", "=", sale_id)], fields)
    return rows[0] if rows else None


def _is_credit_warning(refused: NeedsPerson) -> bool:
    if refused.details.get("tryton_error") != "UserWarning":
        return False
    name = str((refused.details.get("tryton_args") or [""])[0])
    return name.rsplit(".", 1)[-1] in _WARNINGS


def _tryton_words(refused: NeedsPerson) -> str:
    """Tryton's own message, without a warning's internal name."""
    args = refused.details.get("tryton_args")
    if refused.details.get("tryton_error") == "UserWarning" and isinstance(args, list) and len(args) > 1:
        return str(args[1]).strip()
    return str(refused.details.get("tryton_message") or refused).strip()
