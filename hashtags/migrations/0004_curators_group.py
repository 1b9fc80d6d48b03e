"""The Curators group: exactly the permissions curation needs, and no user management."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# model: actions. Curators review, edit and merge entries; they retire rather than delete
# entries, and never manage users or groups.
CURATOR_PERMISSIONS = {
    "hashtag": ["view", "add", "change"],
    "alias": ["view", "add", "change", "delete"],
    "identity": ["view"],
    "category": ["view", "add", "change"],
    "chat": ["view", "add", "change", "delete"],
    "moderator": ["view", "add", "change"],
    "hashtagmoderator": ["view", "add", "change", "delete"],
    "submission": ["view", "change"],
    "report": ["view", "change"],
    "platform": ["view"],
    "timezone": ["view"],
    "switchboard": ["view", "change"],
}


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    # A migration's app config is a stub without a models module; mark it as having one
    # so create_permissions() does not skip it. (hashtags.apps calls this with the real
    # app registry after a flush, where nothing needs marking.)
    app_config = apps.get_app_config("hashtags")
    stub = not getattr(app_config, "models_module", None)
    if stub:
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    if stub:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Curators")
    codenames = [
        f"{action}_{model}" for model, actions in CURATOR_PERMISSIONS.items() for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label="hashtags", codename__in=codenames
    )
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions missing for the Curators group: {sorted(missing)}")
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Curators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("hashtags", "0003_switchboard"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
