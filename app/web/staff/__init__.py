"""Staff pages in the browser (issue 15): sessions, CSRF, sign-in and the account pages.

Other staff routers (datasets, upload, harvest) use `auth.WebActorDep` / `auth.SignedInDep`,
render with `pages.render_staff`, and put `{{ csrf_field() }}` in every POST form.
"""
