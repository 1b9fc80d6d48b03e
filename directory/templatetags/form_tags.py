"""Template helpers for the public forms (registering a hashtag, suggesting an edit)."""

from django import template
from django.utils.translation import pgettext

from directory.forms import split_blocks

register = template.Library()


@register.simple_tag
def blocks(formset, noun: str, new_noun: str) -> tuple[list, list]:
    """(blocks shown, blank blocks behind "Add another"), each as (form, legend): "Chat 2",
    or `new_noun` for a block added to an entry's own (see directory.forms.split_blocks)."""
    own = formset.initial_form_count()
    numbers = {id(form): index for index, form in enumerate(formset.forms)}

    def legend(form) -> str:
        index = numbers[id(form)]
        if own and index >= own:
            return new_noun
        return pgettext("a numbered block of a form: Chat 2", "%(noun)s %(number)s") % {
            "noun": noun,
            "number": index + 1,
        }

    shown, more = split_blocks(formset)
    return [(f, legend(f)) for f in shown], [(f, legend(f)) for f in more]
