"""One set of content rules (exchange.listings.rules): the listing form and the CSV import
refuse the same bad value with the same message."""
import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from exchange.listings import rules
from tests.listings.conftest import form_data
from tests.transfer.conftest import HEADER, read_rejects, row, run, write_file

ROOT = Path(__file__).resolve().parents[2]


def form_errors(client, **fields) -> str:
    response = client.post("/listings/new?kind=offer", data=form_data(client, "/listings/new",
                                                                         **fields))
    assert response.status_code == 200  # the form again, with its errors
    return response.get_data(as_text=True)


def import_reason(app, tmp_path, **cells) -> str:
    path = write_file(tmp_path / "old.csv", [row(1, **cells)],
                      header=HEADER + ("expires_at", "budget_min_vnd"))
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    return rejected["reason"]


def refusal(check, *values) -> str:
    """The rule's message, in English as the signed-in client and the report read it."""
    with pytest.raises(rules.RuleError) as refused:
        check(*values)
    with force_locale("en"):
        return str(refused.value.message)


def test_an_amount_too_large_is_refused_alike(app, owner_client, tmp_path):
    too_much = "9" * 17
    message = refusal(rules.parse_money, too_much)
    assert message == "This amount is too large."
    assert message in form_errors(owner_client, price=too_much)
    assert import_reason(app, tmp_path, price_vnd=too_much) == message


def test_an_expiry_too_far_ahead_is_refused_alike(app, owner_client, tmp_path):
    day = rules.add_months(rules.local_today(), 25)
    message = refusal(rules.check_expiry, day, "equipment")
    assert message == "A listing can run for at most 24 months."
    assert message in form_errors(owner_client, expires_at=day.isoformat())
    assert import_reason(app, tmp_path, expires_at=day.isoformat()) == message


def test_a_budget_upside_down_is_refused_alike(app, owner_client, tmp_path):
    message = refusal(rules.check_budget, 200_000_000, 100_000_000)
    page = owner_client.post("/listings/new?kind=request", data=form_data(
        owner_client, "/listings/new", kind="request", price=None,
        budget_min="200.000.000", budget_max="100.000.000")).get_data(as_text=True)
    assert message in page
    # a request's price_vnd is the upper end of its budget
    assert import_reason(app, tmp_path, kind="chào mua", budget_min_vnd="200000000",
                         price_vnd="100000000") == message


def test_keywords_are_kept_alike():
    words = ["  máy   sấy ", "Máy sấy", "", "x" * 60] + [f"từ {n}" for n in range(30)]
    kept = rules.keyword_list(words)
    assert kept[:2] == ["máy sấy", "x" * 50] and len(kept) == 20


def test_form_and_import_read_the_rules_module_not_each_other():
    def imported(path):
        tree = ast.parse((ROOT / path).read_text())
        return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert "exchange.listings.rules" in imported("exchange/listings/forms.py")
    assert "exchange.listings.rules" in imported("exchange/transfer/csv_format.py")
    # the import once took the form's private helpers
    assert "exchange.listings.forms" not in imported("exchange/transfer/csv_format.py")
