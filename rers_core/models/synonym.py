from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SynonymGroup(models.Model):
    """Words and phrases that mean the same thing in searches (e.g. “CV, curriculum vitae”).

    Instance-wide: domain vocabulary does not change from one network to the next.
    """

    terms = models.TextField(
        _("terms"),
        help_text=_("Comma-separated words or phrases, e.g. “tableur, Excel, feuille de calcul”."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.terms

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.split(",") if t.strip()]
