"""`manage.py seed_synthetic`: a realistic synthetic registry in bulk (small N here)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from hashtags.models import Chat, Hashtag, HashtagModerator, Identity, Status


@pytest.mark.django_db
def test_seeding_adds_public_entries_with_realistic_relations():
    out = StringIO()
    call_command("seed_synthetic", count=400, stdout=out)
    assert "Added 400 synthetic entries" in out.getvalue()
    entries = Hashtag.objects.all()
    assert entries.count() == 400
    assert set(entries.values_list("status", flat=True)) == {Status.APPROVED}
    category_counts = set(
        entries.annotate(n=Count("categories")).values_list("n", flat=True).distinct()
    )
    assert category_counts <= {0, 1, 2, 3} and len(category_counts) >= 3
    with_chat = Chat.objects.values("hashtag").distinct().count()
    assert 40 <= with_chat <= 130  # about 20%
    hosts = set(entries.annotate(n=Count("hosts")).values_list("n", flat=True).distinct())
    assert hosts <= {0, 1, 2, 3, 4} and HashtagModerator.objects.exists()
    assert Identity.objects.filter(is_alias=False).count() == 400  # every tag an identity
    assert Identity.objects.filter(is_alias=True).exists()
    names = " ".join(entries.values_list("name", flat=True)).lower().split()
    # Zipf-like: the commonest word is far more frequent than the median word.
    counts = sorted((names.count(word) for word in set(names)), reverse=True)
    assert counts[0] >= 10 * counts[len(counts) // 2]


@pytest.mark.django_db
def test_seeding_twice_adds_new_tags_without_clashes():
    call_command("seed_synthetic", count=50, stdout=StringIO())
    call_command("seed_synthetic", count=50, stdout=StringIO())
    assert Hashtag.objects.values("key").distinct().count() == 100


@pytest.mark.django_db
def test_a_count_below_one_is_refused_naming_the_option():
    with pytest.raises(CommandError, match="--count"):
        call_command("seed_synthetic", count=0, stdout=StringIO())
