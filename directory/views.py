"""The public site: thin views over the registry's named querysets."""

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from hashtags.models import Category, Hashtag, Identity
from hashtags.validators import tag_key


class HomeView(TemplateView):
    template_name = "directory/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["categories"] = Category.objects.filter(parent__isnull=True).prefetch_related(
            "children"
        )
        context["recent"] = (
            Hashtag.objects.approved()
            .order_by("-approved_at", "-pk")
            .prefetch_related("categories")[:12]
        )
        return context


class HashtagDetailView(DetailView):
    template_name = "directory/hashtag_detail.html"
    context_object_name = "hashtag"

    def get(self, request, *args, **kwargs):
        raw = kwargs["tag"]
        identity = (
            Identity.objects.filter(key=tag_key(raw), hashtag__status__in=("approved", "retired"))
            .select_related("hashtag")
            .first()
        )
        if identity is None:
            raise Http404(f"#{raw[:100]} is not in the directory.")
        canonical = identity.hashtag
        if raw != canonical.tag:
            # Other casings, '#'-prefixed spellings and aliases have one canonical address.
            return HttpResponsePermanentRedirect(canonical.get_absolute_url())
        self.object = Hashtag.objects.public().with_details().get(pk=canonical.pk)
        return self.render_to_response(self.get_context_data(object=self.object))


class CategoryDetailView(DetailView):
    template_name = "directory/category_detail.html"
    context_object_name = "category"

    def get_object(self, queryset=None):
        return get_object_or_404(Category, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        category = self.object
        context["subcategories"] = category.children.all()
        context["hashtags"] = (
            Hashtag.objects.public()
            .in_category(category)
            .order_by("key", "pk")
            .prefetch_related("categories")
        )
        return context
