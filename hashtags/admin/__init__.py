"""The curators' admin: Django's admin, branded (site), with every registry model (entries),
the review queue's pages (review) and stewards' claims (stewards).

Empty on purpose: `hashtags.admin.apps` is loaded with the installed apps, before the
models; `hashtags.apps.HashtagsConfig.ready` imports the modules that register pages."""
