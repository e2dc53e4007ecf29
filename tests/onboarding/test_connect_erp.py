"""``shopbridge connect erp``: erp check, then every code the config names looked up in the ERP;
each missing one named with its config key, kinds the ERP cannot be asked reported as such."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from onboarding_support import invoke

from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import make_erp


@pytest.fixture(params=["sage200", "syspro", "prima"])
def erp(request: pytest.FixtureRequest) -> Iterator[DemoErp]:
    sandbox = make_erp(request.param)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _config(path: Path, erp: DemoErp) -> Path:
    standard = erp.tax_codes[0][1]
    path.write_text(
        f"""[[shops]]
name = "uk"
domain = "uk.myshopify.com"
access_token = {{ env = "UNUSED_TOKEN" }}
webhook_secrets = [{{ env = "UNUSED_SECRET" }}]
locations = {{ "1" = "{erp.warehouse}", "2" = "NO-SUCH-WH" }}
web_accounts = {{ GBP = "{erp.web_account}" }}
default_customer_account = "NOSUCH99"
gift_card_sku = "NO-SUCH-GIFT"

[shops.accounts.GBP]
bank = "1200"
fees = "9999"

[lookups]
tax_codes = {{ "0.2" = "{standard}", "0.05" = "TAX-NOPE" }}
carriers = {{ DPD = "DPD", Yodel = "Yodel" }}

[prices.lists.NO-SUCH-LIST]

[erp]
vendor = "{erp.vendor}"

{erp.config()}""",
        encoding="utf-8",
    )
    return path


def _rows(output: str) -> set[str]:
    return {" ".join(line.replace("│", " ").split()) for line in output.splitlines()}


def test_connect_erp_names_each_missing_lookup_and_what_it_cannot_check(tmp_path: Path, erp: DemoErp) -> None:
    result = invoke(_config(tmp_path / "c.toml", erp), "connect", "erp")
    assert result.exit_code == 1, result.output
    rows = _rows(result.output)
    assert "reachable yes" in rows and "authenticated yes" in rows
    assert any(r.startswith("price_list NO-SUCH-LIST prices.lists.NO-SUCH-LIST missing") for r in rows)
    assert "NO-SUCH-LIST" in " ".join(result.output.split()).split("missing in the ERP:")[1]
    assert any(r.startswith("nominal_code 1200 shops[uk].accounts.GBP.bank") for r in rows)
    if erp.vendor == "sage200":
        assert f"warehouse {erp.warehouse} shops[uk].locations.1 found" in rows
        assert any(r.startswith("warehouse NO-SUCH-WH shops[uk].locations.2 missing") for r in rows)
        assert f"customer_account {erp.web_account} shops[uk].web_accounts.GBP found" in rows
        assert any(
            r.startswith("customer_account NOSUCH99 shops[uk].default_customer_account missing") for r in rows
        )
        assert any(r.startswith("tax_code TAX-NOPE lookups.tax_codes.'0.05' missing") for r in rows)
        assert f"tax_code {erp.tax_codes[0][1]} lookups.tax_codes.'0.2' found" in rows
        assert "nominal_code 1200 shops[uk].accounts.GBP.bank found" in rows  # GET /nominal_codes
        assert any(r.startswith("nominal_code 9999 shops[uk].accounts.GBP.fees missing") for r in rows)
        assert "carrier DPD lookups.carriers found" in rows  # GET /couriers
        assert any(r.startswith("carrier Yodel lookups.carriers missing") for r in rows)
    if erp.vendor == "syspro":  # COMFND on InvWhControl, AdmTax, GenMaster, ArCustomer
        assert f"warehouse {erp.warehouse} shops[uk].locations.1 found" in rows
        assert any(r.startswith("warehouse NO-SUCH-WH shops[uk].locations.2 missing") for r in rows)
        assert f"customer_account {erp.web_account} shops[uk].web_accounts.GBP found" in rows
        assert any(
            r.startswith("customer_account NOSUCH99 shops[uk].default_customer_account missing") for r in rows
        )
        assert f"tax_code {erp.tax_codes[0][1]} lookups.tax_codes.'0.2' found" in rows
        assert any(r.startswith("tax_code TAX-NOPE lookups.tax_codes.'0.05' missing") for r in rows)
        assert "nominal_code 1200 shops[uk].accounts.GBP.bank found" in rows
        assert any(r.startswith("nominal_code 9999 shops[uk].accounts.GBP.fees missing") for r in rows)
        assert any(r.startswith("carrier DPD lookups.carriers not checkable") for r in rows)
    # Items through get_items, on every ERP: the gift card item, and Prima's carriage product.
    assert any(r.startswith("item NO-SUCH-GIFT shops[uk].gift_card_sku missing") for r in rows)
    if erp.vendor == "prima":  # customer accounts (CustomerEnquiry) and items (ProductEnquiry) only
        assert "item CARRIAGE erp.prima.carriage_product found" in rows
        assert f"customer_account {erp.web_account} shops[uk].web_accounts.GBP found" in rows
        assert any(
            r.startswith("customer_account NOSUCH99 shops[uk].default_customer_account missing") for r in rows
        )
        for row in (
            "warehouse NO-SUCH-WH shops[uk].locations.2",
            f"tax_code {erp.tax_codes[0][1]} lookups.tax_codes.'0.2'",
            "nominal_code 1200 shops[uk].accounts.GBP.bank",
            "carrier DPD lookups.carriers",
        ):
            assert any(r.startswith(f"{row} not checkable") for r in rows), row
    missing = " ".join(result.output.split()).split("missing in the ERP:")[1]
    assert "NOSUCH99" in missing and "NO-SUCH-GIFT" in missing  # every ERP names them


def test_connect_erp_against_an_erp_nothing_answers_stops_at_the_check(tmp_path: Path) -> None:
    erp = make_erp("sage200")
    erp.start()
    config = _config(tmp_path / "c.toml", erp)
    erp.stop()
    result = invoke(config, "connect", "erp")
    assert result.exit_code == 1
    assert "reachable no" in _rows(result.output)
    assert "config lookups" not in result.output
