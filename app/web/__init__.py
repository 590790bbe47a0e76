"""The public web pages: server-rendered Jinja2 templates over the same services as the APIs.

`router` holds the pages without a Linked Data twin (`/`, `/dataset`, lists, `/api`); the
entity pages (`/dataset/{name}`, `/measure/{id}`...) are the HTML branch of the content
negotiation in `app.api.dcat`, which calls `app.web.entities`.
"""
