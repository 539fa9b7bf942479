"""The acceptance evidence pack: every service's KPIs, baselines, CO2e and documents for a period,
with the programme's report headings, as a page and as a PDF (see docs/evidence-pack.md)."""
