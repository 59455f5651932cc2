"""Records of the exchange with the back-office: import runs with their problems,
outbound bundles, and the consent changes waiting to be confirmed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One attempt to import a bundle: what it was, how it ended, counts, timings, problems."""

    class Status(models.TextChoices):
        RUNNING = "running", _("w toku")
        IMPORTED = "imported", _("wczytany")
        ALREADY_IMPORTED = "already_imported", _("już wczytany wcześniej")
        REFUSED = "refused", _("odrzucony")
        FAILED = "failed", _("błąd")
        INTERRUPTED = "interrupted", _("przerwany")

    class Kind(models.TextChoices):
        # The bundle's "kind" as the exchange format names it (EXCHANGE_FORMAT.md).
        FULL = "full", _("pełny")
        DELTA = "delta", _("przyrostowy")

    class Trigger(models.TextChoices):
        COMMAND = "command", _("polecenie")
        TASK = "task", _("zadanie")
        NIGHTLY = "nightly", _("nocny import")

    started_at = models.DateTimeField(_("początek"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("koniec"), null=True, blank=True)
    status = models.CharField(_("stan"), max_length=20, choices=Status.choices, default=Status.RUNNING, db_index=True)
    trigger = models.CharField(_("uruchomienie"), max_length=16, choices=Trigger.choices, default=Trigger.COMMAND)
    bundle = models.CharField(_("pakiet (ścieżka)"), max_length=500)
    export_id = models.CharField(_("identyfikator eksportu"), max_length=200, blank=True, db_index=True)
    source = models.CharField(_("system źródłowy"), max_length=200, blank=True)
    sequence = models.BigIntegerField(_("numer kolejny"), null=True, blank=True)
    kind = models.CharField(_("rodzaj"), max_length=10, blank=True, choices=Kind.choices)
    as_of = models.DateTimeField(_("stan na"), null=True, blank=True)
    counts = models.JSONField(_("liczby wierszy"), default=dict, blank=True)
    timings = models.JSONField(_("czasy (s)"), default=dict, blank=True)
    problem_count = models.PositiveIntegerField(_("liczba problemów"), default=0)
    message = models.TextField(_("podsumowanie"), blank=True)
    archived_to = models.CharField(_("przeniesiony do"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("import pakietu")
        verbose_name_plural = _("importy pakietów")
        ordering = ["-started_at", "-id"]
        indexes = [
            # Every tenant page asks which imported run finished last (DATA_AS_OF_SQL): one step
            # back along this index instead of sorting every imported run of the years.
            models.Index(
                fields=["-finished_at", "-id"], condition=Q(status="imported"), name="importrun_last_imported"
            ),
        ]
        constraints = [
            # Idempotence (rule 2): an export_id is imported at most once, even if two runs race.
            models.UniqueConstraint(
                fields=["export_id"], condition=Q(status="imported"), name="importrun_export_id_imported_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.export_id or self.bundle} ({self.get_status_display()})"

    @property
    def duration(self) -> float | None:
        return self.timings.get("total") if self.timings else None


def _last_imported(column: str) -> str:
    """``column`` of the imported run that finished last, as an SQL expression (a tenant page's
    own query reads it as one more column; the index ``importrun_last_imported`` finds the run)."""
    return (
        f"(SELECT r.{column} FROM {ImportRun._meta.db_table} r "  # noqa: S608 - constant SQL
        f"WHERE r.status = '{ImportRun.Status.IMPORTED.value}' ORDER BY r.finished_at DESC, r.id DESC LIMIT 1)"
    )


# Beside the model (not in sync.selectors) so that billing's pages read them without importing the sync.
# B3: the back-office's ``as_of`` of the last imported bundle.
DATA_AS_OF_SQL = _last_imported("as_of")
# Which import the back-office data comes from: it changes with every import, the only writer of
# that data in production (billing.ledger_cache keys what it keeps by it).
LAST_IMPORT_SQL = _last_imported("id")


class ImportProblem(models.Model):
    """One problem found in a refused bundle: where (file, line, column), what (value) and why."""

    run = models.ForeignKey(ImportRun, verbose_name=_("import"), on_delete=models.CASCADE, related_name="problems")
    position = models.PositiveIntegerField(_("lp."))
    file = models.CharField(_("plik"), max_length=200, blank=True)
    line = models.PositiveIntegerField(_("wiersz"), null=True, blank=True)
    column = models.CharField(_("kolumna"), max_length=100, blank=True)
    value = models.CharField(_("wartość"), max_length=200, blank=True)
    code = models.CharField(_("kod"), max_length=40, db_index=True)
    reason = models.TextField(_("powód"))

    class Meta:
        verbose_name = _("problem w pakiecie")
        verbose_name_plural = _("problemy w pakietach")
        ordering = ["run", "position"]
        indexes = [models.Index(fields=["run", "position"], name="importproblem_run_position")]

    def __str__(self) -> str:
        return self.as_text()

    def as_text(self) -> str:
        """``ledger.csv, wiersz 10, kolumna amount: <reason> (wartość: „…”)`` — for staff."""
        from sync.problems import Problem

        return Problem(self.file, self.line, self.column, self.value, self.code, self.reason).as_text()


class OutboundBundle(models.Model):
    """An outbound bundle the portal wrote for the back-office (readings, consent changes)."""

    export_id = models.CharField(_("identyfikator eksportu"), max_length=100, unique=True)
    sequence = models.PositiveIntegerField(_("numer kolejny"), unique=True)
    created_at = models.DateTimeField(_("utworzono"), db_index=True)
    path = models.CharField(_("katalog"), max_length=500)
    readings = models.PositiveIntegerField(_("odczyty"), default=0)
    consents = models.PositiveIntegerField(_("zmiany zgód"), default=0)
    # The back-office takes (moves away) each bundle it read; the portal notices
    # the folder gone. A consent change counts as delivered only then.
    picked_up_at = models.DateTimeField(_("odebrany"), null=True, blank=True)

    class Meta:
        verbose_name = _("pakiet wychodzący")
        verbose_name_plural = _("pakiety wychodzące")
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return self.export_id


class ConsentChange(models.Model):
    """A user's e-invoice / e-correspondence consents as they stood at ``changed_at``.

    Recorded from the account when an outbound bundle is written; sent in every
    outbound bundle until confirmed. The inbound bundle carries no consents, so
    a change counts as confirmed by the first import whose ``as_of`` is later
    than an outbound bundle that carried it and that the back-office picked up.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("użytkownik"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="consent_changes",
    )
    person_external_id = models.CharField(_("id osoby w systemie źródłowym"), max_length=64, db_index=True)
    e_invoice = models.BooleanField(_("e-faktura"))
    e_correspondence = models.BooleanField(_("e-korespondencja"))
    changed_at = models.DateTimeField(_("zmiana"))
    recorded_at = models.DateTimeField(_("zapisano"), auto_now_add=True)
    first_sent_in = models.ForeignKey(
        OutboundBundle,
        verbose_name=_("pierwszy raz wysłana w"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("potwierdzona"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        ImportRun,
        verbose_name=_("potwierdzona importem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("zmiana zgód")
        verbose_name_plural = _("zmiany zgód (do systemu źródłowego)")
        ordering = ["-changed_at"]
        constraints = [models.UniqueConstraint(fields=["user", "changed_at"], name="consentchange_once_per_change")]

    def __str__(self) -> str:
        return f"{self.person_external_id} {self.changed_at:%Y-%m-%d %H:%M}"
