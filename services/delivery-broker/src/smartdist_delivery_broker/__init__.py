"""smartdist delivery-broker service: one back office over foodpanda pandago, Uber Direct,
Lalamove and the merchant's own fleet, with the subsidy ledger."""
