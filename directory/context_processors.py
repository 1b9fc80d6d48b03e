from django.conf import settings


def site(request) -> dict:
    return {"SITE_NAME": "Healthcare Hashtag Directory", "SITE_URL": settings.SITE_URL}
