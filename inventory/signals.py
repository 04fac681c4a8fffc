"""Events that later apps act on (DESIGN §5: an earlier app never imports a later one).

`delivery_confirmed` — the customer-signed copy of a shipping notice was recorded (R14): the
goods are revenue and fall due. Sent inside the recording transaction, after the contract
ledger's `delivered` has grown by the gross and the amount due has been recorded; a receiver
that raises rolls the whole delivery back, so the finance app's journal entry (debit 1122
receivable = gross; credit 6001 revenue = net and 2221 VAT output = tax) is posted in the same
transaction or not at all. A receiver must not change the ledger's `delivered` again.
Arguments (amounts Decimal with 2 places, quantities 3):

    sender        ShippingNotice (the class)
    notice        the delivered ShippingNotice, locked, status `delivered`
    contract_id   its contract
    delivered_on  the customer's signing date (datetime.date): where the amount falls due from
    booked_on     the posting date: `delivered_on`, or for a late document (signed in a closed
                  month, `core.periods`) the first day of the first open month after it; its
                  month is held open until the delivery commits (`core.periods.booking_date`)
    net, tax      the notice's net amount and output VAT
    amount        its gross (= net + tax)
    lines         [{"contract_line", "product", "quantity", "net", "tax", "gross"}] per line;
                  Σ net and Σ tax of a contract line's deliveries equal the contract line's
    ledger        the contract's ContractLedger as it stands after this delivery (read in the
                  transaction, its row locked by the update of `delivered`)
    actor         the user who recorded it
"""

from django.dispatch import Signal

delivery_confirmed = Signal()
