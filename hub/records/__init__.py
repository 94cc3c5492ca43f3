"""The CRM record store: contacts, companies, leads, deals, activities, products and more."""
