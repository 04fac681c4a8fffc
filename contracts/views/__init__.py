"""Browser pages of the contracts app, one module per topic: `contracts` (the documents),
`ledger` (合同台帐), `navigation` (menu entries)."""
