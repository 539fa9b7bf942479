"""Sales import: POS CSV and online channel orders, validation and the data-quality report."""
