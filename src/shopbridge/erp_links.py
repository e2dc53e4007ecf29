"""Links from the dashboard to the ERP's documents, where the ERP has a web address for them.

``[erp] document_url_template`` wins when set (any ERP with a web front end: ``{kind}``, ``{erp_id}``
and ``{number}`` are filled in, URL-quoted); otherwise the adapter's own link when it has one
(:class:`shopbridge.ports.erp.ErpDocumentLinks`: Tryton's web client), otherwise none.
"""

from __future__ import annotations

from urllib.parse import quote

from shopbridge.bootstrap import Services
from shopbridge.errors import ShopbridgeError
from shopbridge.ports.erp import document_url

__all__ = ["erp_document_url"]


def erp_document_url(services: Services, kind: str, erp_id: str, number: str = "") -> str:
    """The address of the ERP's document, or "" when there is none to give."""
    settings = services.settings.erp
    if settings is None or not erp_id:
        return ""
    template = settings.document_url_template
    if template:
        fields = {"kind": kind, "erp_id": erp_id, "number": number}
        return template.format(**{name: quote(value, safe="") for name, value in fields.items()})
    try:
        erp = services.erp
    except ShopbridgeError:
        return ""  # the ERP cannot be built here (a secret missing): the page still shows, without link
    return document_url(erp, kind, erp_id) or ""
