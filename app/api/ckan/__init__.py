"""CKAN Action API v3, for ckanapi, ckanext-harvest and scripts written against CKAN portals."""
