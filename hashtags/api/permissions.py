"""Who may write: curators, i.e. token clients whose user holds the model permissions an
action names (the "Curators" group grants them). Reads and submissions are public."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

ADD_HASHTAG = "hashtags.add_hashtag"
CHANGE_HASHTAG = "hashtags.change_hashtag"
CHANGE_SUBMISSION = "hashtags.change_submission"


class HasCuratorPermissions(BasePermission):
    """The view's `curator_permissions[action]` must all be held by the token's user.

    Without a valid token DRF answers 401 (TokenAuthentication sends WWW-Authenticate);
    with a token whose user lacks a permission, 403.
    """

    message = "Your token does not carry curator permissions for this action."

    def has_permission(self, request, view) -> bool:
        needed = view.curator_permissions.get(view.action, ())
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(needed))
