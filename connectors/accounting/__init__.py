"""Invoice sync with QuickBooks Online and Xero: won deals out as invoices, payments back as `invoice.paid`."""
