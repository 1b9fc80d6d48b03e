"""The named date and time formats of each language of the site (FORMAT_MODULE_PATH).

Templates and code name a format ("DATE_FORMAT") rather than spell one out, so a date
reads as its reader's language writes it: 31 October 2023, 31 de octubre de 2023,
31 octobre 2023, 31 de outubro de 2023, 31. Oktober 2023. A format not set here comes
from Django's own for that language.
"""
