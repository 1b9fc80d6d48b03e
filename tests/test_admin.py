"""The admin can enter and edit every registry model."""

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

READ_ONLY_HERE = {
    "Identity",
    # Added on their entry's page, where hashtags.entries judges the whole list.
    "Chat",
    "HashtagModerator",
    "TimeZone",
    "Submission",
    "Report",
    "Steward",
    # The counts refresh_activity stores from the servers' answers.
    "DailyActivity",
    "ActivitySummary",
}


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(user)
    return client


def test_every_registry_model_has_a_working_list_add_and_change_page(superuser_client):
    call_command("seed_demo", stdout=StringIO())
    for model in admin.site._registry:
        if model._meta.app_label != "hashtags":
            continue
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert superuser_client.get(base).status_code == 200, base
        assert superuser_client.get(base + "?q=%23hcldr").status_code == 200, base
        # Rows the registry or the public create, never typed in by a curator.
        expected_add = 403 if model.__name__ in READ_ONLY_HERE else 200
        assert superuser_client.get(base + "add/").status_code == expected_add, base
        first = model.objects.first()
        if first is not None:
            page = superuser_client.get(f"{base}{first.pk}/change/")
            assert page.status_code == 200, base
            assert superuser_client.get(f"{base}{first.pk}/history/").status_code == 200
