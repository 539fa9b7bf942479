"""smartdist delivery-broker service: One back office over foodpanda pandago, Uber Direct, Lalamove and the merchant's own fleet, with the subsidy ledger."""
