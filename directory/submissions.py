"""Registering a hashtag: the submission form, its confirmation and the status page."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView

from hashtags.models import Submission


class SubmissionStatusView(DetailView):
    template_name = "directory/submission_status.html"
    context_object_name = "submission"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Submission.objects.select_related("hashtag"), reference=self.kwargs["reference"]
        )
