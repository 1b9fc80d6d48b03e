"""Template helpers for the public forms (registering a hashtag, suggesting an edit)."""

from django import template

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
        return new_noun if own and index >= own else f"{noun} {index + 1}"

    shown, more = split_blocks(formset)
    return [(f, legend(f)) for f in shown], [(f, legend(f)) for f in more]
