from urllib.parse import quote

from django import template

from hashtags import schedules
from hashtags.models import Chat, Platform

register = template.Library()


@register.filter
def schedule_words(chat: Chat) -> str:
    return schedules.describe(chat)


@register.simple_tag
def platform_search_url(platform: Platform, tag: str) -> str:
    """Where to follow the conversation on a platform, or "" when it has no tag search."""
    if not platform.search_url:
        return ""
    return platform.search_url.replace("{tag}", quote(tag, safe=""))
