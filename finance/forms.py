"""Forms of the finance pages: they parse input only; the finance services and selectors decide
(R16–R18), and their refusals are shown on these forms by `core.pages.form_add_domain_error`."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core import formats
from core.listing import ListFilterForm, selector_filters
from core.pages import keep_late_booking
from core.roles import Role
from finance.models import Account, BankStatementLineStatus, LitigationStatus
from finance.models.bank import IMPORTABLE
from finance.selectors import PERIOD_PATTERN
from inventory.forms import DateInput  # the one date picker widget of the pages
from sales import selectors as sales_selectors
from sales.models import PaymentMethod


class ReceiptForm(forms.Form):
    """收款单: who paid, how much, how and when; the acceptance bill's details when it is one.
    The allocation grid beside it is read by the view (one amount per open contract)."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    amount = formats.AmountField(label=_("Amount"), min_value=None)
    method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial="bank_transfer"
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)
    bill_number = forms.CharField(label=_("Bill number"), max_length=40, required=False)
    bill_bank = forms.CharField(label=_("Issuing bank"), max_length=100, required=False)
    bill_maturity = forms.DateField(label=_("Maturity date"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        keep_late_booking(self)
        self.fields["customer"].queryset = sales_selectors.customer_list(user=user).order_by("name")
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": "",
                "hx-target": "#allocation-grid",
                "hx-select": "#allocation-grid",
                "hx-swap": "outerHTML",
                "hx-include": "this",
                "autofocus": True,
            }
        )


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


def allocation_amounts(data, rows) -> tuple[list[dict], dict]:
    """The grid's amounts (`allocate-<contract id>`, typed like any amount: "1,234.50"), as the
    service's `allocations` list, and errors keyed by contract id for what is not an amount."""
    field = formats.AmountField(required=False)
    allocations, errors = [], {}
    for row in rows:
        key = f"allocate-{row['contract'].pk}"
        try:
            value = field.clean(data.get(key, ""))
        except forms.ValidationError as error:
            errors[row["contract"].pk] = error.messages
            continue
        if value:
            allocations.append({"contract": row["contract"].pk, "amount": value})
    return allocations, errors


# --- invoices (R17) ------------------------------------------------------------------------------


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_number} {obj.customer.name}"


class InvoiceForm(forms.Form):
    """Request an invoice: one of the active contracts the user sees (R23), the amount (gross;
    empty: what is left to invoice) and the buyer's bank details for the invoice request."""

    contract = ContractChoiceField(queryset=None, label=_("contract"))
    amount = formats.AmountField(
        label=_("amount (gross)"),
        required=False,
        min_value=0,
        help_text=_("Empty: the contract's gross less what is invoiced."),
    )
    buyer_bank = forms.CharField(label=_("buyer's bank"), max_length=100, required=False)
    buyer_account = forms.CharField(label=_("buyer's bank account"), max_length=40, required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contract_selectors.contract_list(
            user=user, status=ContractStatus.ACTIVE, with_lines=False
        )
        # Choosing a contract reloads what it has collected and what is left to invoice.
        self.fields["contract"].widget.attrs.update(
            {
                "hx-get": reverse("invoice-create"),
                "hx-trigger": "change",
                "hx-target": "#invoice-figures",
                "hx-select": "#invoice-figures",
                "hx-swap": "outerHTML",
            }
        )


class RedInvoiceForm(forms.Form):
    note = forms.CharField(label=_("reason"), max_length=200, required=False)


class FapiaoForm(forms.Form):
    """The tax system's fapiao number (8 to 20 digits) and date, recorded after issue."""

    fapiao_number = forms.CharField(
        label=_("fapiao number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"size": 22, "inputmode": "numeric"}),
    )
    fapiao_date = forms.DateField(
        label=_("fapiao date"),
        required=False,
        widget=DateInput(),
    )


# --- bank statements (issue 12 item 4) ---------------------------------------------------------


class BankStatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement"),
        help_text=_(
            "The bank's export, XLSX or CSV (UTF-8 or GBK), with a header row naming the date, "
            "amount, payer and reference columns — in English or as the bank writes them "
            "(交易日期, 贷方金额, 对方户名, 流水号)."
        ),
    )


class BankConfirmForm(forms.Form):
    """The review page: per line still to confirm, whether to import it, its customer and an
    amount per open contract of that customer (`import-<row>`, `customer-<row>`,
    `alloc-<row>-<contract id>`, typed like any amount). `proposals` are the contracts shown
    for each line (`finance.selectors.bank_line_proposals`, for the customer chosen)."""

    def __init__(self, data=None, *, lines, proposals, customer_choices):
        super().__init__(data)
        self.rows: list[dict] = []
        choices = [("", "—"), *customer_choices]
        for line in lines:
            if line.shown_status not in IMPORTABLE:
                continue
            row = line.row
            self.fields[f"import-{row}"] = forms.BooleanField(
                required=False,
                initial=line.shown_status == BankStatementLineStatus.MATCHED,
                label=_("Import row %(row)s") % {"row": row},
            )
            self.fields[f"customer-{row}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=line.customer_id,
                label=_("Customer of row %(row)s") % {"row": row},
            )
            contracts = []
            for proposal in proposals.get(line.pk, []):
                name = f"alloc-{row}-{proposal['contract'].pk}"
                self.fields[name] = formats.AmountField(
                    required=False,
                    min_value=Decimal("0"),
                    initial=proposal["suggested"] or None,
                    label=_("Allocate to %(contract)s")
                    % {"contract": proposal["contract"].display_number},
                )
                contracts.append((proposal, name))
            self.rows.append({"line": line, "contracts": contracts})

    def clean(self):
        cleaned = super().clean()
        for item in self.rows:
            row = item["line"].row
            if cleaned.get(f"import-{row}") and not cleaned.get(f"customer-{row}"):
                self.add_error(f"customer-{row}", _("Choose the customer to import the line for."))
        return cleaned

    def review_rows(self) -> list[dict]:
        """Per line: the line, its bound fields and its contracts with their amount fields."""
        return [
            {
                "line": item["line"],
                "choose": self[f"import-{item['line'].row}"],
                "customer": self[f"customer-{item['line'].row}"],
                "contracts": [(proposal, self[name]) for proposal, name in item["contracts"]],
            }
            for item in self.rows
        ]

    def confirm_lines(self) -> list[dict]:
        """The service's `lines`: the rows chosen, their customer and the amounts typed."""
        chosen = []
        for item in self.rows:
            row = item["line"].row
            if not self.cleaned_data.get(f"import-{row}"):
                continue
            allocations = [
                {"contract": proposal["contract"].pk, "amount": self.cleaned_data[name]}
                for proposal, name in item["contracts"]
                if self.cleaned_data.get(name)
            ]
            chosen.append(
                {
                    "row": row,
                    "customer": self.cleaned_data[f"customer-{row}"],
                    "allocations": allocations,
                }
            )
        return chosen

    def add_confirm_error(self, lines: list[dict], field: str, messages) -> bool:
        """Put a refusal naming `lines.N.…` beside the line's field (its customer, or the
        amount of the contract an allocation names); False when it names no line."""
        parts = field.split(".")
        if parts[0] != "lines" or len(parts) < 3 or not parts[1].isdigit():
            return False
        index = int(parts[1])
        if index >= len(lines):
            return False
        row = lines[index]["row"]
        target = None
        if parts[2] == "customer":
            target = f"customer-{row}"
        elif parts[2] == "allocations" and len(parts) >= 4 and parts[3].isdigit():
            allocations = lines[index]["allocations"]
            if int(parts[3]) < len(allocations):
                target = f"alloc-{row}-{allocations[int(parts[3])]['contract']}"
        if target not in self.fields:
            target = f"import-{row}"
        for message in messages:
            self.add_error(target, message)
        return True


# -- aging, litigation and interest (R18) --------------------------------------------------------


class AsOfForm(forms.Form):
    """The aging report's date (default today)."""

    as_of = forms.DateField(required=False, label=_("As of"), widget=DateInput())


class LitigationFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=100)
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [
            ("", _("not closed")),
            ("all", _("all")),
            *LitigationStatus.choices,
        ]


# Who may own a litigation case: those who follow cases up and the salespeople who know the
# customer.
OWNER_ROLES = (Role.FINANCE, Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.SALES_CLERK)


class LitigationForm(forms.Form):
    """Owner, status and notes of a litigation case (R18)."""

    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label=_("Owner"), to_field_name="username"
    )
    status = forms.ChoiceField(label=_("Status"), choices=LitigationStatus.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, current_owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(groups__name__in=[str(r) for r in OWNER_ROLES]) | Q(is_superuser=True))
        )
        if current_owner is not None:
            users = users | get_user_model().objects.filter(pk=current_owner.pk)
        self.fields["owner"].queryset = users.distinct().order_by("username")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class InterestRunForm(forms.Form):
    """Post a month's overdue interest now (what the task does on the 1st)."""

    period = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )


class JournalFilterForm(ListFilterForm):
    """The journal page's filters: the shared search (memo, source number), customer and dates,
    and a contract (number or id) and an account of the chart. No salesperson or status: a
    journal line has neither."""

    contract = forms.CharField(required=False, label=_("Contract"), max_length=40)
    account = forms.ChoiceField(required=False, label=_("Account"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        del self.fields["salesperson"], self.fields["status"]
        self.fields["account"].choices = [
            ("", _("all")),
            *((a.code, str(a)) for a in Account.objects.order_by("code")),
        ]

    def journal_filters(self) -> dict:
        """The valid filters as the keyword arguments of `selectors.journal_ledger`."""
        shared = selector_filters(self.values())
        data = self.cleaned_data if self.is_valid() else {}
        contract = (data.get("contract") or "").strip() if "contract" not in self.errors else ""
        return {
            "search": shared["search"],
            "customer_id": shared["customer_id"],
            "customer_name": shared["customer_name"],
            "date_from": shared["date_from"],
            "date_to": shared["date_to"],
            "contract_id": int(contract) if contract.isdigit() else None,
            "contract_number": "" if contract.isdigit() else contract,
            "account": data.get("account", "") if "account" not in self.errors else "",
        }


class PeriodForm(forms.Form):
    """A month, YYYY-MM (the browser's month picker sends that); this month when empty."""

    period = forms.CharField(required=False, label=_("Period"), max_length=7)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["period"].widget = forms.TextInput(attrs={"type": "month"})

    def clean_period(self) -> str:
        period = (self.cleaned_data.get("period") or "").strip()
        if not period:
            return f"{timezone.localdate():%Y-%m}"
        match = PERIOD_PATTERN.match(period)
        if not match or int(match.group(1)) < 1900:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2025-03."))
        return period


class StatementForm(forms.Form):
    """A customer (by name as suggested, by code, or by id from the customer's page) and a date
    range, this month so far when not given."""

    customer = forms.CharField(required=False, label=_("Customer"), max_length=200)
    date_from = forms.DateField(required=False, label=_("From"))
    date_to = forms.DateField(required=False, label=_("To"))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        for name in ("date_from", "date_to"):
            self.fields[name].widget = DateInput()
        self.fields["customer"].widget.attrs.update(
            {"list": "customer-name-suggestions", "autocomplete": "off"}
        )

    def clean_customer(self):
        """The customer the user may see (R23) named by the text; None when empty."""
        from sales.selectors import customer_get, customer_list

        text = (self.cleaned_data.get("customer") or "").strip()
        if not text:
            return None
        if text.isascii() and text.isdigit():
            # A link names the customer by id: one the user does not see is a 404 (R23).
            return customer_get(user=self.user, customer_id=int(text))
        visible = customer_list(user=self.user)
        found = list(visible.filter(name__iexact=text)[:2]) or list(
            visible.filter(code__iexact=text)[:2]
        )
        if not found:
            raise forms.ValidationError(_("No customer of yours has this name or code."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several customers have this name; type the code."))
        return found[0]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        cleaned["date_from"] = cleaned.get("date_from") or today.replace(day=1)
        cleaned["date_to"] = cleaned.get("date_to") or max(today, cleaned["date_from"])
        valid = "date_from" not in self.errors and "date_to" not in self.errors
        if valid and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


# -- month end (R20) ------------------------------------------------------------------------------


class MonthEndRunForm(forms.Form):
    """Start a month's month-end run (finance): the month, checked by the service (a bad or
    future month, a closed one, a run under way are shown beside it)."""

    period = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )


class PeriodReopenForm(forms.Form):
    """Reopen a closed month (the VP of finance), with the reason kept in its history."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,  # the service says why it is needed and how long it may be
        widget=forms.TextInput(attrs={"size": 60}),
    )


class DifferenceFilterForm(forms.Form):
    """The differences' filters: a figure of the ledger and a customer (name, code or id)."""

    figure = forms.ChoiceField(required=False, label=_("Figure"))
    customer = forms.CharField(required=False, label=_("Customer"), max_length=100)

    def __init__(self, data=None, **kwargs):
        from finance.models import Figure

        super().__init__(data, **kwargs)
        self.fields["figure"].choices = [("", _("all")), *Figure.choices]

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "figure": data.get("figure", "") if "figure" not in self.errors else "",
            "customer": (data.get("customer") or "").strip(),
        }


# --- commission slips (R19) ----------------------------------------------------------------------


class CommissionSlipForm(forms.Form):
    """提成单: whose and which month; the figures are computed (R19). A clerk is offered only
    themselves (R23); the service decides."""

    salesperson = forms.TypedChoiceField(label=_("Salesperson"), coerce=int)
    period = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, data=None, *, salespeople, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["salesperson"].choices = salespeople


class CommissionSlipFilterForm(forms.Form):
    """The slip list's filters: month, salesperson (name), status."""

    period = forms.CharField(
        required=False,
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    salesperson = forms.CharField(required=False, label=_("Salesperson"), max_length=100)
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, data=None, *, statuses=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [("", _("all")), *statuses]

    def clean_period(self) -> str:
        period = (self.cleaned_data.get("period") or "").strip()
        match = PERIOD_PATTERN.match(period)
        if period and (not match or int(match.group(1)) < 1900):
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2025-03."))
        return period

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: (data.get(name) or "").strip()
            for name in ("period", "salesperson", "status")
            if name not in self.errors
        }


class CommissionPayForm(forms.Form):
    """The payment day of an approved slip (default today)."""

    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())
