"""axe-core on the dataset and resource forms: empty, filled and error states, the revision
conflict, in Japanese and English; zero serious or critical violations (WCAG 2.1 AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from app.accounts.actor import SYSTEM
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.db import session_scope
from tests.web.staff.conftest import Staff, StaffSite, axe_serious, signed_in


def _fill(page: Page, spatial_code: str, url: str) -> None:
    page.fill("#title", "アクセシビリティ確認")
    page.fill("#notes", "説明")
    page.select_option("#license_id", "cc-by-4.0")
    page.check("input[name=categories][value=social-security-health]")
    page.fill("#measures", "02-22")
    page.fill("#spatial_code", spatial_code)
    page.fill("#resources__0__url", url)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_dataset_form_states_have_no_serious_violations(
    staff_page: Page, staff_site_info: StaffSite, staff: Staff, lang: str
) -> None:
    page = signed_in(staff_page, staff.editor_a, came_from=f"/dataset/new?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_serious(page) == [], "empty"
    _fill(page, "011001", "javascript:alert(1)")
    assert axe_serious(page) == [], "filled"
    page.click("form.staff-form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert axe_serious(page) == [], "errors"
    name = f"axe-{lang}"
    with session_scope(staff_site_info.backend.sessions) as session:
        datasets.create_dataset(
            session,
            SYSTEM,
            DatasetCreate(
                name=name,
                title="axe",
                owner_org=staff.org_a,
                resources=[{"url": "https://example.jp/a.csv", "name": "a"}],
            ),
        )
    page.goto(f"/dataset/edit/{name}")
    assert axe_serious(page) == [], "edit"
    page.fill("#temporal_start", "2025-04-01")
    page.fill("#temporal_end", "2024-04-01")
    page.click("form.staff-form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert axe_serious(page) == [], "edit errors"
    # The revision-conflict state: the form as if opened before someone else's save.
    page.goto(f"/dataset/edit/{name}")
    page.fill("#notes", "私の説明")
    page.locator("input[name=revision]").evaluate("el => { el.value = '0'; }")
    page.click("form.staff-form button[type=submit]")
    page.wait_for_selector("#conflict")
    assert axe_serious(page) == [], "conflict"
    page.goto(f"/dataset/{name}/resource/new")
    assert axe_serious(page) == [], "resource empty"
    page.fill("#url", "javascript:alert(1)")
    page.click("form.staff-form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert axe_serious(page) == [], "resource errors"
    page.goto(f"/dataset/delete/{name}")
    assert axe_serious(page) == [], "delete confirmation"
