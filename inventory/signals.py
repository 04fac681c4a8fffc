"""Events that later apps act on (DESIGN §5: an earlier app never imports a later one).

`delivery_confirmed` — the customer-signed copy of a shipping notice was recorded (R14): the
goods are revenue and fall due. Sent inside the recording transaction, after the contract
ledger's `delivered` has moved; a receiver that raises rolls the whole delivery back, so the
finance app's journal posting (debit 1122 receivable, credit 6001 revenue and 2221 VAT output)
happens in the same transaction or not at all. Arguments:

    sender       ShippingNotice (the class)
    notice       the delivered ShippingNotice, locked, status `delivered`
    contract_id  its contract
    amount       gross amount delivered (Decimal, 2 places)
    delivered_on the customer's signing date (datetime.date)
    actor        the user who recorded it
"""

from django.dispatch import Signal

delivery_confirmed = Signal()
