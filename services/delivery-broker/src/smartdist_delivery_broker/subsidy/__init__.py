"""The programme subsidy ledger: 30,000 TWD per merchant, spent by delivery and COD fees."""
