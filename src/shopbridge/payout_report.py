"""Payouts as finance asks about them: the list, and one payout's detail (CLI and dashboard).

Part of the admin surface (``admin.py``): reads the store only. A payout's detail is every balance
transaction behind its summary, with its order and that order's ERP document (the order flow's
sync record, else its link), so finance can investigate within one payout.
"""

from __future__ import annotations

from typing import Any

from shopbridge.admin import NotFound, Services
from shopbridge.domain.payout_state import PayoutRecord, detail_csv
from shopbridge.engine import payouts

__all__ = ["detail_report_csv", "list_payouts", "payout_detail", "payout_json"]


def list_payouts(services: Services, *, shop: str = "", limit: int = 200) -> list[PayoutRecord]:
    """The payouts shopbridge has settled, newest first."""
    with services.store.begin() as conn:
        return payouts.list_records(conn, shop, limit)


def payout_detail(services: Services, payout_id: str, *, shop: str = "") -> PayoutRecord:
    """One payout (by GID or numeric id) with each transaction's ERP order filled in."""
    with services.store.begin() as conn:
        record = payouts.find_record(conn, shop, payout_id)
        if record is None:
            raise NotFound(f"no payout {payout_id} has been settled (give its Shopify id, e.g. 623721858)")
        return payouts.with_erp_orders(conn, record)


def detail_report_csv(record: PayoutRecord) -> str:
    """The payout detail report as CSV: one row per transaction, with its order and ERP document."""
    return detail_csv(record.detail)


def payout_json(record: PayoutRecord, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "shop": record.shop,
        "payout_id": record.payout_id,
        "issued_at": record.issued_at.isoformat(),
        "status": record.status,
        "settled_status": record.settled_status,
        "currency": record.currency,
        "net": str(record.net),
        "outcome": record.outcome.value,
        "erp_reference": record.erp_reference,
        "erp_id": record.erp_id,
        "difference": str(record.difference),
        "unknown_types": list(record.unknown_types),
        "transactions": len(record.detail),
    }
    if detail:
        data["detail"] = [
            {
                "transaction_id": row.transaction_id,
                "type": row.type,
                "category": row.category,
                "amount": str(row.amount),
                "fee": str(row.fee),
                "net": str(row.net),
                "order_id": row.order_id,
                "order_name": row.order_name,
                "erp_order": row.erp_order,
            }
            for row in record.detail
        ]
    return data
