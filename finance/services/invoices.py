"""Invoices (发票) and red invoices (红字发票), R17: every write of an invoice's life.

- `invoice_create` — finance requests an invoice for an active contract: refused
  `collection_threshold_not_met` unless the ledger's collected ≥ gross × the contract's invoice
  threshold (to the cent), and `over_invoicing` beyond gross − invoiced − Σ invoices of the
  contract in approval. The amount defaults to gross − invoiced (API.md).
- `invoice_submit` — the same checks again, then the VP of finance's approval (the one engine;
  chain in finance/models/chains.py). Drafts take nothing; an invoice in approval does, so two
  invoices racing for the same uninvoiced amount end in one `over_invoicing`.
- `invoice_issue` — the engine's hook on the VP's approval: the checks a third time (a refusal
  is the approval's 409 and nothing changes), then the number FP-YYYY-NNNNN (gapless per year,
  `core.numbering`), the ledger's `invoiced` (`contracts.services.ledger_add_invoiced`) and the
  VAT reclassification Dr 222102 / Cr 2221 of the invoice's tax (`journal_post`, dated the
  issue day). A red invoice posts the opposite, takes its amount off `invoiced`, and its
  original becomes `reversed`.
- `invoice_red_create` — a red invoice for one issued invoice (one per invoice), the exact
  negative of it; no threshold check, the same chain.
- `invoice_fapiao_record` — the tax system's fapiao number and date, once, after issue.
- `invoice_cancel` — a draft that will not be submitted.

Locks, in this order everywhere: the invoice (a red invoice before its original), then the
contract ledger's row (`FOR UPDATE`), under which R17's figures are read; receipts move
`collected` under the same row lock, so a check never reads a half-made allocation.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from approvals.models import ApprovalRequest
from approvals.services import approval_request_open
from contracts.models import Contract, ContractLedger, ContractStatus
from contracts.services import contracts_reopen
from contracts.services.ledger import ledger_add_invoiced
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.formats import format_amount, format_percent
from core.money import MAX_AMOUNT, money, within_bounds
from core.numbering import document_number
from core.periods import require_open_period
from core.permissions import require_role, sees_customer
from core.roles import Role
from core.validation import beyond_bounds_message, id_of
from finance.models import ISSUED_STATUSES, Invoice, InvoiceStatus, tax_share
from finance.selectors import invoice_figures
from finance.services.journal import journal_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Who requests invoices and records their fapiao (DESIGN §2: finance prepares invoices).
INVOICE_AUTHORS = (Role.FINANCE,)
FAPIAO_NUMBER = re.compile(r"^[0-9]{8,20}$")
TEXT_LIMITS = {"buyer_bank": 100, "buyer_account": 40, "note": 200}


# --- input ---------------------------------------------------------------------------------------


def _parse_amount(value) -> Decimal:
    """A gross amount above zero with at most two decimals, within what the database keeps."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput(errors={"amount": [_("Enter an amount.")]}) from None
    if amount <= 0:
        raise InvalidInput(errors={"amount": [_("Enter an amount greater than zero.")]})
    if amount != money(amount):
        raise InvalidInput(errors={"amount": [_("At most two decimal places.")]})
    if not within_bounds(amount, maximum=MAX_AMOUNT):
        raise InvalidInput(errors={"amount": [beyond_bounds_message(MAX_AMOUNT)]})
    return money(amount)


def _parse_texts(texts: dict) -> dict:
    cleaned, errors = {}, {}
    for field, value in texts.items():
        value = str(value or "").strip()
        if len(value) > TEXT_LIMITS[field]:
            errors[field] = [_("At most %(limit)s characters.") % {"limit": TEXT_LIMITS[field]}]
        cleaned[field] = value
    if errors:
        raise InvalidInput(errors=errors)
    return cleaned


# --- reads under the locks -----------------------------------------------------------------------


def _locked_invoice(*, actor: "User", invoice_id) -> Invoice:
    """The invoice in the URL, locked (FOR UPDATE); unknown or not visible (R23) is a 404."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer", "contract")
        .filter(pk=id_of(invoice_id) or 0)
        .first()
    )
    if invoice is None or not sees_customer(actor, owner_id=invoice.customer.owner_id):
        raise NotVisible()
    return invoice


def _locked_ledger(contract: Contract) -> ContractLedger:
    return ContractLedger.objects.select_for_update().get(contract_id=contract.pk)


def _require_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only an active contract is invoiced; %(number)s is %(status)s.")
            % {"number": contract.display_number, "status": contract.get_status_display()},
            errors={"contract": [_("The contract is not active.")]},
        )


def _require_invoiceable(
    *, contract: Contract, ledger: ContractLedger, amount: Decimal, exclude_id: int | None = None
) -> None:
    """R17 under the ledger's lock: the threshold collected, and the amount within what is
    neither invoiced nor in approval on another invoice of the contract."""
    _require_active(contract)
    figures = invoice_figures(contract=contract, ledger=ledger, exclude_id=exclude_id)
    if not figures["threshold_met"]:
        raise RuleViolation(
            "collection_threshold_not_met",
            detail=_(
                "%(number)s has %(collected)s collected; it is invoiced once %(threshold)s of "
                "its gross %(gross)s is collected, %(required)s."
            )
            % {
                "number": contract.display_number,
                "collected": format_amount(figures["collected"]),
                "threshold": format_percent(figures["threshold"]),
                "gross": format_amount(figures["gross"]),
                "required": format_amount(figures["required"]),
            },
            errors={"contract": [_("The invoice threshold is not collected yet.")]},
        )
    if amount > figures["room"]:
        room = max(figures["room"], Decimal("0.00"))
        raise RuleViolation(
            "over_invoicing",
            detail=_(
                "%(number)s can be invoiced for %(room)s more: gross %(gross)s, invoiced "
                "%(invoiced)s, in approval %(in_approval)s; %(amount)s asked."
            )
            % {
                "number": contract.display_number,
                "room": format_amount(room),
                "gross": format_amount(figures["gross"]),
                "invoiced": format_amount(figures["invoiced"]),
                "in_approval": format_amount(figures["in_approval"]),
                "amount": format_amount(amount),
            },
            errors={"amount": [_("At most %(room)s.") % {"room": format_amount(room)}]},
        )


def _refuse_state(invoice: Invoice, action: str) -> None:
    raise RuleViolation(
        "invalid_transition",
        detail=_("Invoice %(number)s is %(status)s; it cannot be %(action)s.")
        % {
            "number": invoice.display_number,
            "status": invoice.get_status_display(),
            "action": action,
        },
    )


def _save(invoice: Invoice, actor: "User", *, fields: list[str] | None = None) -> None:
    invoice._history_user = actor
    invoice.save(update_fields=fields)


def _buyer_details(contract: Contract, *, bank: str, account: str) -> dict:
    """The buyer's tax details (开票信息) from the customer; the bank and account, when not
    given, from the customer's latest invoice that had them."""
    customer = contract.customer
    if not bank and not account:
        last = (
            Invoice.objects.filter(customer_id=customer.pk)
            .exclude(buyer_bank="", buyer_account="")
            .order_by("-created_at", "-id")
            .values("buyer_bank", "buyer_account")
            .first()
        )
        if last:
            bank, account = last["buyer_bank"], last["buyer_account"]
    return {
        "buyer_name": customer.name,
        "buyer_tax_id": customer.tax_id,
        "buyer_address": customer.address,
        "buyer_phone": customer.phone,
        "buyer_bank": bank,
        "buyer_account": account,
    }


# --- entry points --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def invoice_create(
    *,
    actor: "User",
    contract_id,
    amount=None,
    buyer_bank: str = "",
    buyer_account: str = "",
    note: str = "",
) -> Invoice:
    """Finance requests an invoice for an active contract (R17): a draft for `amount` (gross;
    default gross − invoiced), split into net and tax at the contract's rates pro rata,
    refused `collection_threshold_not_met` or `over_invoicing` as the module says."""
    require_role(actor, *INVOICE_AUTHORS)
    errors: dict[str, list[str]] = {}
    try:
        texts = _parse_texts(
            {"buyer_bank": buyer_bank, "buyer_account": buyer_account, "note": note}
        )
    except InvalidInput as error:
        errors.update(error.errors)
    if amount not in (None, ""):
        try:
            amount = _parse_amount(amount)
        except InvalidInput as error:
            errors.update(error.errors)
    else:
        amount = None
    contract = (
        Contract.objects.select_related("customer").filter(pk=id_of(contract_id) or 0).first()
    )
    if contract is None or not sees_customer(actor, owner_id=contract.customer.owner_id):
        errors["contract"] = [_("Unknown contract.")]
    if errors:
        raise InvalidInput(errors=errors)
    ledger = _locked_ledger(contract)
    if amount is None:
        amount = money(contract.gross_amount - ledger.invoiced)
        if amount <= 0:
            _require_active(contract)
            raise RuleViolation(
                "over_invoicing",
                detail=_("%(number)s is invoiced in full.") % {"number": contract.display_number},
                errors={"amount": [_("Nothing is left to invoice.")]},
            )
    _require_invoiceable(contract=contract, ledger=ledger, amount=amount)
    tax = tax_share(
        amount=amount, contract_tax=contract.tax_amount, contract_gross=contract.gross_amount
    )
    invoice = Invoice(
        contract=contract,
        customer=contract.customer,  # loaded with the contract
        amount=amount,
        net_amount=amount - tax,
        tax_amount=tax,
        note=texts["note"],
        created_by=actor,
        **_buyer_details(contract, bank=texts["buyer_bank"], account=texts["buyer_account"]),
    )
    _save(invoice, actor)
    return invoice


@transaction.atomic(durable=True)
def invoice_submit(*, actor: "User", invoice_id) -> Invoice:
    """Draft → in approval by the VP of finance. An invoice is checked again under the
    ledger's lock (R17); a red invoice needs no threshold, only its original still issued."""
    require_role(actor, *INVOICE_AUTHORS)
    invoice = _locked_invoice(actor=actor, invoice_id=invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        _refuse_state(invoice, _("submitted"))
    if not invoice.is_red:
        ledger = _locked_ledger(invoice.contract)
        _require_invoiceable(
            contract=invoice.contract, ledger=ledger, amount=invoice.amount, exclude_id=invoice.pk
        )
    invoice.submit()
    invoice.submitted_at = timezone.now()
    _save(invoice, actor, fields=["status", "submitted_at"])
    approval_request_open(document=invoice, actor=actor)
    return invoice


def invoice_issue(*, invoice: Invoice, request: ApprovalRequest, actor: "User") -> None:
    """The VP of finance approved (called by the engine inside its transaction, the invoice
    locked): R17 once more for an invoice, then issued with its number, the ledger's
    `invoiced` and the VAT reclassification; a red invoice's original becomes `reversed`."""
    today = timezone.localdate()
    # R20: issued today, even when there is no tax to post; today's month closed refuses it.
    require_open_period(today, field="issued_on")
    original = None
    if invoice.is_red:
        original = Invoice.objects.select_for_update().get(pk=invoice.reverses_id)
        # A completed contract invoiced less again has something to do: active again.
        contracts_reopen(
            contract_ids=[invoice.contract_id],
            actor=actor,
            reason=_("reopened: red invoice of %(number)s") % {"number": original.display_number},
        )
    else:
        # The engine hands the invoice alone: its contract is read with the ledger's lock.
        ledger = (
            ContractLedger.objects.select_for_update(of=("self",))
            .select_related("contract")
            .get(contract_id=invoice.contract_id)
        )
        invoice.contract = ledger.contract
        _require_invoiceable(
            contract=invoice.contract, ledger=ledger, amount=invoice.amount, exclude_id=invoice.pk
        )
    invoice.issue()
    invoice.number = document_number(prefix="FP", series="invoice")
    invoice.issued_on = today
    invoice.issued_at = timezone.now()
    _save(invoice, actor, fields=["status", "number", "issued_on", "issued_at"])
    ledger_add_invoiced(contract_id=invoice.contract_id, amount=invoice.amount)
    _post_vat(invoice=invoice, original=original, actor=actor, date=today)
    if original is not None:
        original.mark_reversed()
        _save(original, actor)
    # The inbox and the decision history show the number the invoice now carries.
    request.document_number = invoice.number
    request.save(update_fields=["document_number"])


def _post_vat(*, invoice: Invoice, original: Invoice | None, actor: "User", date) -> None:
    """The VAT of an issued invoice becomes due (DESIGN §4): Dr 222102 / Cr 2221 its tax; a
    red invoice the other way. An invoice without tax posts nothing."""
    tax = invoice.tax_amount
    if not tax:
        return
    if original is None:
        lines = [("222102", tax, 0), ("2221", 0, tax)]
        memo = _("Invoice %(number)s issued: output VAT due") % {"number": invoice.number}
    else:
        lines = [("2221", -tax, 0), ("222102", 0, -tax)]
        memo = _("Red invoice %(number)s reverses %(original)s: output VAT back") % {
            "number": invoice.number,
            "original": original.number,
        }
    journal_post(
        actor=actor,
        date=date,
        memo=memo,
        source_type="invoice",
        source_id=invoice.pk,
        source_number=invoice.number,
        lines=lines,
        contract_id=invoice.contract_id,
        customer_id=invoice.customer_id,
        period_held=True,  # `invoice_issue` checked today's month open first
    )


@transaction.atomic(durable=True)
def invoice_red_create(*, actor: "User", invoice_id, note: str = "") -> Invoice:
    """A red invoice (红字发票) in draft for an issued invoice: its amount, net and tax
    negated, the same buyer; one per invoice (a cancelled draft does not count)."""
    require_role(actor, *INVOICE_AUTHORS)
    texts = _parse_texts({"note": note})
    original = _locked_invoice(actor=actor, invoice_id=invoice_id)
    if original.is_red:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Invoice %(number)s is a red invoice; it is not reversed again.")
            % {"number": original.display_number},
        )
    if original.status != InvoiceStatus.ISSUED:
        _refuse_state(original, _("reversed by a red invoice"))
    existing = (
        Invoice.objects.filter(reverses_id=original.pk)
        .exclude(status=InvoiceStatus.CANCELLED)
        .first()
    )
    if existing is not None:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Invoice %(number)s already has the red invoice %(red)s.")
            % {"number": original.display_number, "red": existing.display_number},
        )
    red = Invoice(
        contract_id=original.contract_id,
        customer_id=original.customer_id,
        reverses=original,
        amount=-original.amount,
        net_amount=-original.net_amount,
        tax_amount=-original.tax_amount,
        buyer_name=original.buyer_name,
        buyer_tax_id=original.buyer_tax_id,
        buyer_address=original.buyer_address,
        buyer_phone=original.buyer_phone,
        buyer_bank=original.buyer_bank,
        buyer_account=original.buyer_account,
        note=texts["note"],
        created_by=actor,
    )
    red._history_user = actor
    try:
        with transaction.atomic():
            red.save()
    except IntegrityError as exc:  # the partial unique index: one red invoice per invoice
        raise RuleViolation(
            "invalid_transition",
            detail=_("Invoice %(number)s already has a red invoice.")
            % {"number": original.display_number},
        ) from exc
    return red


@transaction.atomic(durable=True)
def invoice_cancel(*, actor: "User", invoice_id) -> Invoice:
    """Draft → cancelled: a request that will not be submitted (it took nothing)."""
    require_role(actor, *INVOICE_AUTHORS)
    invoice = _locked_invoice(actor=actor, invoice_id=invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        _refuse_state(invoice, _("cancelled"))
    invoice.cancel()
    _save(invoice, actor)
    return invoice


def _parse_fapiao(number, date) -> tuple[str, datetime.date]:
    errors: dict[str, list[str]] = {}
    number = str(number or "").strip()
    if not FAPIAO_NUMBER.match(number):
        errors["fapiao_number"] = [_("Enter the fapiao number: 8 to 20 digits.")]
    day = None
    if isinstance(date, datetime.datetime):
        day = date.date()
    elif isinstance(date, datetime.date):
        day = date
    elif date not in (None, ""):
        try:
            day = parse_date(str(date))
        except ValueError:
            day = None
    if day is None:
        errors["fapiao_date"] = [_("Enter a date as YYYY-MM-DD.")]
    elif day > timezone.localdate():
        errors["fapiao_date"] = [_("The fapiao date cannot be in the future.")]
    if errors:
        raise InvalidInput(errors=errors)
    return number, day


@transaction.atomic(durable=True)
def invoice_fapiao_record(*, actor: "User", invoice_id, fapiao_number, fapiao_date) -> Invoice:
    """Finance records the tax system's fapiao number and date of an issued invoice (or a
    red one), once: not before the invoice was issued, not in the future, a number no other
    invoice carries."""
    require_role(actor, *INVOICE_AUTHORS)
    number, day = _parse_fapiao(fapiao_number, fapiao_date)
    invoice = _locked_invoice(actor=actor, invoice_id=invoice_id)
    if invoice.status not in ISSUED_STATUSES:
        _refuse_state(invoice, _("given a fapiao before it is issued"))
    if invoice.fapiao_number:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Invoice %(number)s already has the fapiao %(fapiao)s.")
            % {"number": invoice.display_number, "fapiao": invoice.fapiao_number},
        )
    if day < invoice.issued_on:
        raise InvalidInput(
            errors={
                "fapiao_date": [
                    _("The fapiao is dated on or after the invoice's issue, %(day)s.")
                    % {"day": invoice.issued_on.isoformat()}
                ]
            }
        )
    taken = _("This fapiao number is recorded on another invoice.")
    if Invoice.objects.filter(fapiao_number=number).exists():
        raise InvalidInput(errors={"fapiao_number": [taken]})
    invoice.fapiao_number = number
    invoice.fapiao_date = day
    invoice.fapiao_recorded_by = actor
    invoice.fapiao_recorded_at = timezone.now()
    invoice._history_user = actor
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as exc:  # recorded on another invoice at the same moment
        raise InvalidInput(errors={"fapiao_number": [taken]}) from exc
    return invoice
