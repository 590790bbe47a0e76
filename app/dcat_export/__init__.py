"""The database side of the Linked Data surface (queries and service); app.dcat stays DB-free."""
